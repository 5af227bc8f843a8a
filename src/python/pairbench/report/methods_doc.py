"""docs/methods.md's generated part: the report's methods text, rendered with the shipped defaults, so that the
manual and every report say the same thing from one source (templates/methods.txt.j2, through
report/methods.py `methods_lines`).

`methods_lines` reads a run's selection.json, environment.json and analysis.json. The page has no run, so this
module builds the smallest documents that stand for a default run:
- params: nextflow_schema.json's defaults with the `standard` profile's `params { }` block over them (the
  profile `make run` uses), shaped as phase 1 writes them (configuration/selection.py `RunParams`);
- cells: one per task of config/benchmarks.yaml (calibration left out: it runs only in A/A runs), with the
  task's sides in catalogue order, its first non-fixture algorithm, the launches phase 1 gives it (rl's
  `solve`: one per seed) and the default measurement protocol (core/protocol.py);
- analysis: the statistics settings phase 5 resolves from those params and config/analysis.yaml, and
  config/hardware.yaml's `default` machine.
What only a run knows is left out and said so on the page: the rustc version (environment.json), the number
of comparisons, the stopping rule's simulated error rates and the A/A figures (analysis.json), the nodes,
and the catalogue entries the machine cannot run.

`make docs` rewrites the block (`python -m pairbench.report.methods_doc`); `--check` exits 1 when the page
is stale, and tests/test_docs_pages.py holds the two equal.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Any

from pairbench.analysis.cost import load_machine
from pairbench.analysis.run import AnalysisInputs, resolve_settings
from pairbench.analysis.settings import StatisticsSettings
from pairbench.configuration.config import load_yaml
from pairbench.configuration.params_doc import profile_files, profile_params
from pairbench.configuration.run_defaults import schema_properties
from pairbench.configuration.selection import RunParams, seed_launches
from pairbench.core.paths import project_root
from pairbench.core.protocol import Protocol
from pairbench.report.doc_pages import update_page
from pairbench.report.methods import methods_lines

PROFILE = "standard"
TEMPLATE = "src/python/pairbench/report/templates/methods.txt.j2"
# Domains that check the design itself rather than compare languages: not part of a default run.
LEFT_OUT_DOMAINS = ("calibration",)
RUSTC = "the rustc version is recorded in environment/environment.json"
# A paragraph's lead ("Same bytes:", "Per pair (...):") is shown bold when it is this short.
LEAD = re.compile(r"^([A-Za-z][^:(.]{0,58}?)(:| \()")


def groovy_value(raw: str) -> Any:
    """A value as a Nextflow config writes it ('x', "x", 3, 0.5, true, null) as the JSON phase 1 gets."""
    quoted = re.fullmatch(r"'([^']*)'|\"([^\"]*)\"", raw)
    if quoted:
        return quoted.group(1) if quoted.group(1) is not None else quoted.group(2)
    return json.loads(raw)


def profile_run_params(root: Path, profile: str = PROFILE) -> dict[str, Any]:
    """Every param's value in a run of `profile`: the schema's default, or the profile's where it sets one."""
    schema = json.loads((root / "nextflow_schema.json").read_text(encoding="utf-8"))
    values = {name: prop.get("default") for name, prop in schema_properties(schema).items()}
    config = profile_files((root / "nextflow.config").read_text(encoding="utf-8"))[profile]
    for name, raw in profile_params((root / config).read_text(encoding="utf-8")).items():
        values[name] = groovy_value(raw)
    return values


def representative_selection(root: Path, params: dict[str, Any]) -> dict[str, Any]:
    """selection.json as phase 1 writes it, cut to what the methods read (see the module docstring)."""
    rp = RunParams.from_params({**params, "run_id": "docs"})
    # Only its layout is read (domains, tasks, sides, fixtures): the catalogue's YAML, not its full check.
    catalogue = load_yaml(root / "config" / "benchmarks.yaml")
    cells = []
    for domain, dentry in catalogue["domains"].items():
        if domain in LEFT_OUT_DOMAINS:
            continue
        for task, tentry in dentry["tasks"].items():
            sides = tentry.get("frameworks") or dentry["frameworks"]
            algorithm = next(a for a, spec in tentry["algorithms"].items() if not (spec or {}).get("fixture"))
            cells.append(
                {
                    "domain": domain,
                    "task": task,
                    "algorithm": algorithm,
                    "params": {},
                    "frameworks": [{"name": name} for name in sides],
                    "launches": seed_launches(domain, task, rp.rl_seeds).get("launches", 0),
                    "protocol": Protocol().to_json(),
                }
            )
    # Phase 1 (`load_catalogue`) fills the catalogue's `defaults` over these.
    defaults = {"seed": 42, "dtype": "float64", "test_fraction": 0.2, **(catalogue.get("defaults") or {})}
    return {
        "layout": "pairbench",
        "params": asdict(rp) | {"threads": rp.threads, "cv_folds": rp.cv_folds},
        "defaults": defaults,
        "cells": cells,
    }


def representative_analysis(root: Path, params: dict[str, Any]) -> dict[str, Any]:
    """analysis.json as phase 5 writes it, cut to the run-independent part the methods read."""
    settings, config = resolve_settings(
        StatisticsSettings(
            alpha=float(params["alpha"]), delta=float(params["delta"]), resamples=int(params["resamples"])
        ),
        AnalysisInputs(analysis_config=root / "config" / "analysis.yaml"),
    )
    machine = load_machine(root / "config" / "hardware.yaml", str(params["hardware_profile"]))
    return {
        "settings": {**asdict(settings), "confidence": settings.confidence},
        "analysis_config": {"ranking": asdict(config.ranking)},
        "machine": asdict(machine),
        "stopping_rule": None,
        "calibration": None,
    }


def markdown_paragraph(line: str) -> str:
    """One methods line as a Markdown paragraph, its lead in bold. Kept on one line: a wrapped line that
    happens to start with `- ` or `1. ` would become a list."""
    match = LEAD.match(line)
    if not match:
        return line
    lead, sep = match.group(1), match.group(2)
    return f"**{lead}{':' if sep == ':' else ''}**{'' if sep == ':' else ' ('}{line[match.end() :]}"


def methods_block(root: Path | None = None) -> str:
    root = root or project_root()
    params = profile_run_params(root)
    lines = methods_lines(
        representative_selection(root, params), {"rust": {"rustc": RUSTC}}, representative_analysis(root, params), []
    )
    note = (
        f"<!-- generated by `make docs` from {TEMPLATE} (report/methods.py), with the `{PROFILE}` profile's "
        "settings; edit the template, not this text -->"
    )
    return "\n\n".join([note, *(markdown_paragraph(line) for line in lines)])


def main(argv: list[str] | None = None) -> int:
    prog = "python -m pairbench.report.methods_doc"
    parser = argparse.ArgumentParser(prog=prog, description=__doc__.splitlines()[0])
    parser.add_argument("--page", type=Path, default=project_root() / "docs" / "methods.md")
    parser.add_argument("--check", action="store_true", help="exit 1 if the page differs; write nothing")
    args = parser.parse_args(argv)
    return update_page(args.page, {"methods": methods_block()}, prog, args.check)


if __name__ == "__main__":
    sys.exit(main())

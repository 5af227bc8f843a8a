"""Phase 4, adaptive launches: which cells get launches beyond the first `--launches`, up to `--max-launches`
(the rule is in analysis/sequential.py)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from pairbench.configuration.run_defaults import run_default


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--results-dir", type=Path, required=True, help="the first launches' result JSON files")
    parser.add_argument(
        "--cells-dir", type=Path, help="cell files: a cell with its own `launches` (rl solve: a seed each) keeps them"
    )
    parser.add_argument("--launches", type=int, required=True, help="launches every side already had")
    parser.add_argument("--max-launches", type=int, required=True, help="launches an unsettled cell gets in all")
    parser.add_argument("--noise", type=float, help="noise band (0.02 = ±2%%); default: nextflow_schema.json's")
    parser.add_argument(
        "--environment", type=Path, help="phase 3's environment.json: the band becomes max(--noise, its noise floor)"
    )
    parser.add_argument("--out", type=Path, required=True, help="the plan: every cell's decision and reason (JSON)")
    parser.add_argument("--topups", type=Path, required=True, help="the extra launches: cell_id<TAB>side<TAB>launch")


def _first_launches(paths: list[Path]) -> tuple[dict[str, dict[str, dict[str, list[float]]]], dict[str, list[str]]]:
    """Pooled samples by cell, side and phase; and the sides of each cell with a failed launch."""
    samples: dict[str, dict[str, dict[str, list[float]]]] = {}
    failed: dict[str, list[str]] = {}
    for path in paths:
        doc: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        cell, side = doc["cell_id"], doc["framework"]["name"]
        by_phase = samples.setdefault(cell, {}).setdefault(side, {})
        if doc.get("status") != "ok":
            failed.setdefault(cell, []).append(side)
            continue
        for phase, timing in (doc.get("timing") or {}).get("phases", {}).items():
            by_phase.setdefault(phase, []).extend(float(s) for s in timing["samples"])
    return samples, failed


def _cell_facts(cells_dir: Path | None) -> tuple[dict[str, int], dict[str, str]]:
    """Cells that set their own launch count (`launches` > 0 in the cell file), and each cell's baseline
    (its first side)."""
    fixed, baselines = {}, {}
    for path in sorted(cells_dir.glob("*.json")) if cells_dir else []:
        doc = json.loads(path.read_text(encoding="utf-8"))
        if int(doc.get("launches") or 0) > 0:
            fixed[doc["cell_id"]] = int(doc["launches"])
        if doc.get("frameworks"):
            baselines[doc["cell_id"]] = doc["frameworks"][0]["name"]
    return fixed, baselines


def run(args: argparse.Namespace) -> int:
    from pairbench.analysis.run import measured_noise_floor, noise_band
    from pairbench.analysis.sequential import INTERIM_CONFIDENCE, Decision, cell_decision

    if args.max_launches <= args.launches:
        raise SystemExit(f"--max-launches ({args.max_launches}) must exceed --launches ({args.launches})")
    floor = measured_noise_floor(args.environment)
    requested = args.noise if args.noise is not None else float(run_default("noise"))
    noise = noise_band(requested, floor)
    samples, failed = _first_launches(sorted(args.results_dir.glob("*.json")))
    fixed, baselines = _cell_facts(args.cells_dir)
    cells, topups = [], []
    for cell_id in sorted(samples):
        if cell_id in fixed:
            decision = Decision(cell_id, True, f"fixed launch count ({fixed[cell_id]}), set by the cell")
        else:
            decision = cell_decision(
                cell_id, samples[cell_id], failed.get(cell_id, []), noise, baseline=baselines.get(cell_id)
            )
        extra = [] if decision.settled else list(range(args.launches + 1, args.max_launches + 1))
        sides = sorted(samples[cell_id])
        topups += [(cell_id, side, n) for side in decision.open_sides for n in extra]
        cells.append(
            {
                "cell_id": cell_id,
                "settled": decision.settled,
                "reason": decision.reason,
                "sides": sides,
                "topped_up_sides": list(decision.open_sides),
                "extra_launches": extra,
            }
        )
    settled = sum(c["settled"] for c in cells)
    plan = {
        "rule": "Haybittle-Peto two-look: stop after the first launches only when the ratio CI at "
        f"{INTERIM_CONFIDENCE:.1%} of every side against the cell's baseline (its first side) is wholly outside "
        "or wholly inside the noise band",
        "interim_confidence": INTERIM_CONFIDENCE,
        "noise_band": noise,
        "noise_requested": requested,
        "noise_floor": floor,
        "launches": args.launches,
        "max_launches": args.max_launches,
        "cells_settled": settled,
        "cells_topped_up": len(cells) - settled,
        "cells": cells,
    }
    args.out.write_text(json.dumps(plan, indent=2) + "\n", encoding="utf-8")
    args.topups.write_text("".join(f"{c}\t{s}\t{n}\n" for c, s, n in topups), encoding="utf-8")
    print(
        f"adaptive launches: {settled} of {len(cells)} cells settled after {args.launches} launch(es); "
        f"{len(cells) - settled} get up to {args.max_launches} ({len(topups)} more launches)"
    )
    return 0

"""docs/performance.md's generated part: one section per measurement file in benchmarks/results/, so that a
figure quoted in the manual is the figure a benchmark script wrote, with the machine, commit, date and load.

Every file gets the same head (what; where, when, at which commit, under which load; the script's settings),
from benchmarks/measured.py's keys (HEAD_KEYS) and the older spellings of files written before it. Its key
figures come from the renderer registered for its name in RENDERERS, or from `generic` (its numbers, and a
table per list of records), so a new file appears on the page at the next `make docs` without a change here.
`make docs` rewrites the block; `--check` exits 1 when the page is stale (tests/test_docs_pages.py).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pairbench.core.paths import project_root
from pairbench.report.doc_pages import update_page
from pairbench.report.formatting import duration, interval, num, records_table, share, table

RESULTS = Path("benchmarks") / "results"
# The keys of a file's head (benchmarks/measured.py's, and the older spellings); the rest are its figures.
HEAD_KEYS = frozenset(
    {"what", "measured_at", "host", "cpu_model", "cpu", "cpus", "commit", "dirty", "load_average_1_5_15_min",
     "load_average_1m_end", "settings", "wall_s"}
)  # fmt: skip
NOT_RECORDED = "not recorded"

Renderer = Callable[[dict[str, Any]], list[str]]


# ---- the head every file gets -------------------------------------------------------------------------


def _load(doc: dict[str, Any]) -> str:
    load = doc.get("load_average_1_5_15_min")
    if isinstance(load, dict):
        parts = [
            f"{' / '.join(f'{v:.2f}' for v in load[k])} at the {k}"
            for k in ("start", "end")
            if isinstance(load.get(k), list) and load[k]
        ]
        if parts:
            return "load average (1 / 5 / 15 min) " + " and ".join(parts)
    if isinstance(doc.get("load_average_1m_end"), (int, float)):
        return f"load average (1 min) {doc['load_average_1m_end']:.2f} at the end"
    return f"load average {NOT_RECORDED}"


def _dates(doc: dict[str, Any]) -> str:
    """When: the file's `measured_at`, or the dates of its parts (an older build_cost.json dates each framework)."""
    if doc.get("measured_at"):
        return str(doc["measured_at"]).replace("T", " ").replace("Z", " UTC")
    parts = (doc.get("frameworks") or {}).values()
    found = sorted({str(v["measured_at"])[:10] for v in parts if isinstance(v, dict) and "measured_at" in v})
    return ", ".join(found) if found else f"date {NOT_RECORDED}"


def settings_of(doc: dict[str, Any]) -> dict[str, Any]:
    """The script's settings: `settings`, or (files written before benchmarks/measured.py) the top-level numbers."""
    if isinstance(doc.get("settings"), dict):
        return dict(doc["settings"])
    return {
        k: v for k, v in doc.items() if k not in HEAD_KEYS and isinstance(v, (int, float)) and not isinstance(v, bool)
    }


def head(name: str, doc: dict[str, Any], root: Path) -> list[str]:
    stems = [name] + [name[:i] for i in range(len(name) - 1, 0, -1) if name[i] == "_"]  # x_smoke.json: x.py --out
    script = next((Path("benchmarks") / f"{s}.py" for s in stems if (root / "benchmarks" / f"{s}.py").is_file()), None)
    path = (RESULTS / f"{name}.json").as_posix()
    parts = [v for v in (doc.get("frameworks") or {}).values() if isinstance(v, dict)]
    host = doc.get("host") or ", ".join(sorted({str(v["host"]) for v in parts if "host" in v})) or NOT_RECORDED
    cpu = doc.get("cpu_model") or doc.get("cpu") or f"CPU {NOT_RECORDED}"
    cpus = f", {doc['cpus']} CPUs" if doc.get("cpus") else ""
    commit = f"commit `{str(doc['commit'])[:10]}`" if doc.get("commit") else f"commit {NOT_RECORDED}"
    if doc.get("dirty"):
        commit += " (with uncommitted changes)"
    wall = f"; the script ran {num(doc['wall_s'])} s" if isinstance(doc.get("wall_s"), (int, float)) else ""
    written = f"[`{script}`](../{script.as_posix()})" if script else "a script not in benchmarks/"
    out = [
        f"## {name}",
        "",
        str(doc.get("what") or f"What was measured is {NOT_RECORDED} in the file."),
        "",
        f"- File: [`{path}`](../{path}), written by {written}.",
        f"- Measured: {_dates(doc)}, on host `{host}` ({cpu}{cpus}), {commit}, {_load(doc)}{wall}.",
    ]
    settings = settings_of(doc)
    if settings:
        out.append("- Settings: " + ", ".join(f"`{k}` {num(v)}" for k, v in settings.items()) + ".")
    return out


# ---- key figures: one renderer per known file, and the generic one ------------------------------------


def generic(doc: dict[str, Any]) -> list[str]:
    """Any file: its top-level numbers and texts, a table per list of records or mapping of records, and
    the nested rest named (read the file for it)."""
    settings = set(settings_of(doc)) if not isinstance(doc.get("settings"), dict) else set()
    scalars, out, nested = [], [], []
    for key, value in doc.items():
        if key in HEAD_KEYS or key in settings:
            continue
        if value is None or isinstance(value, (str, int, float, bool)):
            scalars.append([f"`{key}`", num(value)])
        elif isinstance(value, list) and value and all(isinstance(r, dict) for r in value):
            out += ["", f"`{key}`:", "", *records_table(value)]
        elif isinstance(value, dict) and value and all(isinstance(r, dict) for r in value.values()):
            flat = [
                {"name": k, **{c: v for c, v in r.items() if not isinstance(v, (dict, list))}} for k, r in value.items()
            ]
            out += ["", f"`{key}`:", "", *records_table(flat)]
        elif isinstance(value, dict) and all(not isinstance(v, (dict, list)) for v in value.values()):
            scalars += [[f"`{key}.{k}`", num(v)] for k, v in value.items()]
        else:
            nested.append(f"`{key}`")
    lines = table(["figure", "value"], scalars) if scalars else []
    lines += out
    if nested:
        lines += ["", f"Nested figures not shown here: {', '.join(nested)}; read the file."]
    return lines


def _algorithm(cell_id: str) -> str:
    parts = cell_id.split(".")
    return parts[1] if len(parts) > 1 else cell_id


def boundary_cost(doc: dict[str, Any]) -> list[str]:
    rows = [
        [f"`{_algorithm(r.get('cell_id', ''))}` {r.get('phase', '')}", num(r.get("n_train")),
         duration(r.get("linfa_median_s")), duration(r.get("linfa_py_median_s")),
         duration(r.get("boundary_s"), r.get("boundary_ci_low_s"), r.get("boundary_ci_high_s"))]
        for r in doc.get("rows", [])
    ]  # fmt: skip
    return table(["call", "n_train", "linfa", "linfa-py", "linfa-py minus linfa per call, median [95% CI]"], rows)


def rl_env_speed(doc: dict[str, Any]) -> list[str]:
    rows = [
        [r.get("env", ""), num(r.get("gymnasium_steps_per_s")), num(r.get("rust_steps_per_s")),
         interval(r.get("speedup"), r.get("speedup_ci_low"), r.get("speedup_ci_high")), num(r.get("n_samples_each"))]
        for r in doc.get("rows", [])
    ]  # fmt: skip
    return table(
        ["environment", "gymnasium steps/s", "Rust steps/s", "speed-up, median [95% CI]", "samples per side"], rows
    )


def variance_split(doc: dict[str, Any]) -> list[str]:
    series = [
        [f"`{_algorithm(r.get('cell_id', ''))}` ({r.get('domain', '')})", r.get("side", ""), r.get("phase", ""),
         num(r.get("launches")), num(r.get("sd_between_log"), 3), num(r.get("sd_within_log"), 3),
         share(r.get("between_share")), duration(r.get("launch_cost_s")), duration(r.get("sample_cost_s")),
         num(r.get("optimal_samples_per_launch"), 2)]
        for r in doc.get("series", [])
    ]  # fmt: skip
    pairs = [
        [f"`{_algorithm(r.get('cell_id', ''))}`", r.get("pair", ""), r.get("phase", ""), num(r.get("rounds")),
         num(r.get("ratio"), 3), num(r.get("sd_log_ratio"), 3), num(r.get("rounds_for_half_margin"))]
        for r in doc.get("pairs", [])
    ]  # fmt: skip
    out = [
        "Per series (log seconds): spread between launches and within one, and Kalibera & Jones's samples per launch.",
        "",
    ]
    out += table(
        ["cell", "side", "phase", "launches", "sd between", "sd within", "between share", "launch cost",
         "sample cost", "samples per launch (K&J)"],
        series,
    )  # fmt: skip
    out += ["", "Per pair against the baseline: the spread of the per-round log ratios.", ""]
    out += table(["cell", "pair", "phase", "rounds", "ratio", "sd of log ratio", "rounds for half the margin"], pairs)
    return out


def aa_calibration(doc: dict[str, Any]) -> list[str]:
    out: list[str] = []
    total = doc.get("aa_total") or {}
    if total:
        out += [
            f"All A/A runs together: {num(total.get('false_verdicts'))} faster or slower verdicts in "
            f"{num(total.get('aa_comparisons'))} comparisons of a side against itself "
            f"({share(total.get('false_verdict_share'))}; target at most 5% over at least 60).",
            "",
        ]
    outcomes = ("faster", "slower", "equivalent", "inconclusive")
    for label, run in (doc.get("aa_runs") or {}).items():
        calib = run.get("calibration") or {}
        args = " ".join(run.get("nextflow_args") or []) or "the default profile"
        when = f", commit `{str(run['commit'])[:7]}`, {run.get('measured_at', '')}" if run.get("commit") else ""
        out += [
            f"A/A run `{label}` (`{args} --aa true`, {num(run.get('wall_s'))} s{when}): "
            f"{num(calib.get('false_verdicts'))} faster or slower verdicts in {num(calib.get('aa_comparisons'))} "
            f"comparisons ({share(calib.get('false_verdict_share'))}); the A/A spread supports a margin of "
            f"±{share(calib.get('supported_delta'))} (the run's margin: ±{share(calib.get('delta'))}).",
            "",
        ]
        by_domain = run.get("by_domain") or {}
        out += table(["domain", *outcomes], ([d, *(num(c.get(o, 0)) for o in outcomes)] for d, c in by_domain.items()))
        out.append("")
    known = doc.get("known_effect") or {}
    if known:
        repeats = known.get("repeats")
        detected = known.get("slower_per_side") or {}
        when = f" (commit `{str(known['commit'])[:7]}`, {known.get('measured_at', '')})" if known.get("commit") else ""
        out += [
            "",
            f"Known effect (1.10x the work on one arm), {num(repeats)} repeats{when}: "
            + ", ".join(f"{side} slower in {num(n)} of {num(repeats)}" for side, n in detected.items())
            + " (target: at least 9 of 10).",
            "",
        ]
        out += table(
            ["repeat", "side", "rounds", "ratio [95% CI]", "outcome"],
            (
                [num(r.get("repeat")), r.get("side", ""), num(r.get("rounds")),
                 interval(r.get("ratio"), r.get("ratio_ci_low"), r.get("ratio_ci_high")), r.get("outcome", "")]
                for r in known.get("rows", [])
            ),
        )  # fmt: skip
    return out or generic(doc)


def _ratio_precision_rows(doc: dict[str, Any]) -> list[list[str]]:
    """What the ±5% target would cost: are the moves what the intervals said, and how many more rounds."""
    if "rounds_factor_for_target" not in doc:
        return []
    factor, median = doc.get("rounds_factor_for_target") or math.nan, doc.get("rounds_median") or math.nan
    task = [v for v in (doc.get("rounds_task_s") or {}).values() if isinstance(v, int | float)]
    cost = f"; a run's rounds took {sum(task) / len(task) / 60:.0f} min of task time" if task else ""
    beyond = f"{num(doc.get('ratio_moves_beyond_95pct_intervals'))} of {num(doc.get('ratio_moves_with_intervals'))}"
    return [
        ["… 90% of the moves within", share(doc.get("ratio_move_p90")), ""],
        [f"… moves beyond the two runs' combined 95% interval ({beyond})",
         share(doc.get("ratio_moves_beyond_95pct_intervals_share")), "about 5%"],
        [f"… rounds a cell for 90% within ±5% ({num(factor, 3)} times the median {num(median)}{cost})",
         num(round(factor * median)) if math.isfinite(factor * median) else "n/a", ""],
    ]  # fmt: skip


def reproducibility(doc: dict[str, Any]) -> list[str]:
    incon = doc.get("inconclusive_share") or {}
    against = doc.get("run_against_run") or {}
    rows = [
        ["comparisons matched", num(doc.get("comparisons_matched")), ""],
        ["contradictory verdicts (decided in both, differently)", share(doc.get("contradictory_share")), "≤ 2%"],
        ["agreement among comparisons decided in both runs", share(doc.get("agreement_when_decided_in_both")), "≥ 95%"],
        ["agreement over all comparisons", share(doc.get("agreement_all")), ""],
        ["paired ratios within ±5% of each other", share(doc.get("ratio_within_5pct_share")), "≥ 90%"],
        *_ratio_precision_rows(doc),
        ["inconclusive, first / second run", f"{share(incon.get('a'))} / {share(incon.get('b'))}", "≤ 15%"],
        ["leaderboard Spearman rank correlation", num(doc.get("leaderboard_spearman"), 3), ""],
        ["series medians: median move", share(doc.get("median_spread_median")), ""],
        ["series medians within 5%", share(doc.get("median_spread_share_within_5pct")), ""],
    ]
    walls, started = doc.get("run_wall_s") or {}, doc.get("started_at") or {}
    if walls:
        rows.append(["wall time of each run, first / second", f"{num(walls.get('a'))} s / {num(walls.get('b'))} s", ""])
    if started:
        rows.append(["started, first / second run", f"{started.get('a', '')} / {started.get('b', '')}", ""])
    shift, again = against.get("run_shift") or {}, doc.get("reanalysed") or {}
    low, high = shift.get("ci") or (math.nan, math.nan)
    rows += [
        [f"`pairbench compare`: series flagged regressed or improved ({num(against.get('flagged'))} of "
         f"{num(against.get('series_compared'))})", share(against.get("flagged_share")), "≤ 5%"],
        [f"… every series together, second run over first (median of {num(shift.get('series'))})",
         f"{interval(shift.get('ratio'), low, high)}, {shift.get('outcome', '')}", ""],
        ["… series flagged on their own ratios (`--absolute`)", num(against.get("flagged_absolute")), ""],
        ["re-analysed at", f"{str(again.get('commit', ''))[:7]}, {again.get('measured_at', '')}", ""],
    ][: 4 if again else 3 if shift else 1 if against else 0]  # fmt: skip
    return table(["figure", "value", "target"], rows)


def crosscheck(doc: dict[str, Any]) -> list[str]:
    rows = [
        [f"{r.get('side', '')} {r.get('case', '')}", r.get("reference", ""), num(r.get("launches")),
         num((r.get("harness_median_s") or math.nan) * 1e6), num((r.get("reference_median_s") or math.nan) * 1e6),
         interval(r.get("ratio"), r.get("ci_low"), r.get("ci_high"), 4),
         interval(r.get("paired_ratio"), r.get("paired_ci_low"), r.get("paired_ci_high"), 4),
         num(r.get("mean_ratio"), 3)]
        for r in doc.get("rows") or []
    ]  # fmt: skip
    return table(["case", "reference", "launches", "harness median, µs", "reference median, µs",
                  "pooled ratio (95% CI)", "paired ratio (95% CI)", "ratio of means"], rows)  # fmt: skip


def build_cost(doc: dict[str, Any]) -> list[str]:
    rows = [
        [name, r.get("package", ""), num(r.get("cold_build_s")), num(r.get("incremental_build_s")), r.get("rustc", ""),
         num(r.get("cores")), str(r.get("measured_at", ""))[:10]]
        for name, r in (doc.get("frameworks") or {}).items()
    ]  # fmt: skip
    return table(["framework", "package", "cold build, s", "incremental build, s", "rustc", "cores", "date"], rows)


# The files a renderer knows: benchmarks/results/<name>.json or <name>_<variant>.json, by benchmarks/<name>.py.
RENDERERS: dict[str, Renderer] = {
    "aa_calibration": aa_calibration,
    "boundary_cost": boundary_cost,
    "build_cost": build_cost,
    "crosscheck": crosscheck,
    "reproducibility": reproducibility,
    "rl_env_speed": rl_env_speed,
    "variance_split": variance_split,
}


def section(name: str, doc: dict[str, Any], root: Path) -> list[str]:
    known = max((key for key in RENDERERS if name == key or name.startswith(f"{key}_")), key=len, default=None)
    figures = RENDERERS[known](doc) if known else generic(doc)
    return [*head(name, doc, root), "", *figures] if figures else head(name, doc, root)


def performance_block(root: Path | None = None) -> str:
    root = root or project_root()
    files = sorted((root / RESULTS).glob("*.json"))
    out = [
        f"<!-- generated by `make docs` from {RESULTS.as_posix()}/*.json; edit or add those files, not this text -->"
    ]
    if not files:
        out += ["", f"No measurement files in `{RESULTS.as_posix()}/` yet."]
    for path in files:
        doc = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(doc, dict):
            raise ValueError(f"{path}: <root>: expected a JSON object, got {type(doc).__name__}")
        out += ["", *section(path.stem, doc, root)]
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    prog = "python -m pairbench.report.performance_doc"
    parser = argparse.ArgumentParser(prog=prog, description=__doc__.splitlines()[0])
    parser.add_argument("--page", type=Path, default=project_root() / "docs" / "performance.md")
    parser.add_argument("--check", action="store_true", help="exit 1 if the page differs; write nothing")
    args = parser.parse_args(argv)
    return update_page(args.page, {"performance": performance_block()}, prog, args.check)


if __name__ == "__main__":
    sys.exit(main())

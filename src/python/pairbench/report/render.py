"""Phase 6 report: self-contained HTML (inline CSS and SVG, no network), Markdown and JSON.

The report states its methods from the run's actual settings, shows quality parity before speed,
and lists every failure with its error text.
"""

from __future__ import annotations

import html
import json
import shutil
from pathlib import Path
from typing import Any

import pandas as pd

from pairbench.report.ecosystem import ecosystem_table

CSS = """
body{font:15px/1.5 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem auto;max-width:1100px;
color:#222;padding:0 1rem}h1{margin-bottom:0}h2{border-bottom:1px solid #ccc;padding-bottom:.2rem;margin-top:2rem}
table{border-collapse:collapse;margin:.5rem 0 1rem;font-size:13px}th,td{border:1px solid #ddd;padding:3px 7px;
text-align:left}th{background:#f3f3f3}tr:nth-child(even) td{background:#fafafa}.ok{color:#1b7837}
.bad{color:#b2182b;font-weight:600}.muted{color:#777}.summary li{margin:.2rem 0}figure{margin:1rem 0}
code{background:#f3f3f3;padding:0 3px}
"""


def _fmt(value: Any) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return "–"
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def _html_table(df: pd.DataFrame, columns: list[str] | None = None) -> str:
    if df.empty:
        return "<p class='muted'>none</p>"
    df = df[columns] if columns else df
    head = "".join(f"<th>{html.escape(c)}</th>" for c in df.columns)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(_fmt(v))}</td>" for v in row) + "</tr>"
                   for row in df.itertuples(index=False))
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _md_table(df: pd.DataFrame, columns: list[str] | None = None) -> str:
    if df.empty:
        return "_none_\n"
    df = df[columns] if columns else df
    lines = ["| " + " | ".join(df.columns) + " |", "|" + "---|" * len(df.columns)]
    lines += ["| " + " | ".join(_fmt(v).replace("|", "\\|") for v in row) + " |" for row in df.itertuples(index=False)]
    return "\n".join(lines) + "\n"


def _read_csv(path: Path) -> pd.DataFrame:
    try:
        return pd.read_csv(path)
    except (FileNotFoundError, pd.errors.EmptyDataError):
        return pd.DataFrame()


def _load_json(path: Path | None) -> dict[str, Any]:
    if path is None or not path.is_file():
        return {}
    return json.loads(path.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def methods_lines(selection: dict[str, Any], environment: dict[str, Any], analysis: dict[str, Any]) -> list[str]:
    p = selection.get("params", {})
    s = analysis.get("settings", {})
    threads = p.get("threads")
    return [
        "Same bytes: every dataset was generated or loaded once by Python (seed "
        f"{selection.get('defaults', {}).get('seed')}), split, standardised on the training split where configured, "
        "and written as .npy with a sha256 manifest; both sides verified every checksum before running.",
        f"Same threads: OMP/MKL/OpenBLAS/BLIS/RAYON thread variables and threadpoolctl were set to {threads} "
        "on both sides and recorded in every result; benchmark launches ran "
        + ("one at a time" if p.get("max_parallel_benchmarks", 1) == 1 else
           f"up to {p.get('max_parallel_benchmarks')} at once") + ".",
        "Same hyper-parameters: spelled out explicitly in config/benchmarks.yaml and passed to both sides in one "
        "cell file; the Python ridge uses scikit-learn's Ridge with alpha x n_train, the same objective as "
        "linfa's elastic net with l1_ratio = 0.",
        f"Same precision: {selection.get('defaults', {}).get('dtype')} on both sides.",
        f"Timed region: fit and predict only; {p.get('warmup')} warm-up repetitions discarded, "
        f"{p.get('samples')} timed repetitions per launch, {p.get('launches')} independent process launches "
        "per side; process start, imports, data loading and checksum verification excluded.",
        "Rust built with cargo --release (opt-level 3, thin LTO, one codegen unit); "
        f"{environment.get('rust', {}).get('rustc', 'rustc version unknown')}.",
        "Quality gate: before timing, both sides ran once on the real split; predictions were scored by one "
        "metric implementation and a cell whose sides differ by more than the task's tolerance, or fail its "
        "floor, is reported as not comparable and not timed.",
        f"Statistics: ratio of medians (candidate/reference, the first framework of a domain being the "
        f"reference of all others) with a {s.get('confidence', 0.95):.0%} percentile bootstrap "
        f"CI ({s.get('resamples')} resamples, samples pooled over launches); two-sided Mann-Whitney U with Holm "
        f"correction over all comparisons; Cliff's delta; a verdict needs p_holm < {s.get('alpha')} and the whole "
        f"CI outside the ±{s.get('noise', 0.02):.0%} noise band.",
    ]


def render_report(analysis_dir: Path, out_dir: Path, *, selection_path: Path, environment_path: Path | None,
                  implementations_path: Path | None) -> dict[str, Any]:
    out_dir.mkdir(parents=True, exist_ok=True)
    selection = _load_json(selection_path)
    environment = _load_json(environment_path)
    implementations = _load_json(implementations_path)
    analysis = _load_json(analysis_dir / "analysis.json")
    comparisons = _read_csv(analysis_dir / "comparisons.csv")
    parity = _read_csv(analysis_dir / "quality_parity.csv")
    resources = _read_csv(analysis_dir / "resources.csv")
    failures = _read_csv(analysis_dir / "failures.csv")
    summary = _read_csv(analysis_dir / "summary.csv")
    ecosystem = ecosystem_table(selection, implementations)
    ecosystem.to_csv(out_dir / "ecosystem.csv", index=False)
    skipped = pd.DataFrame([d for d in selection.get("decisions", []) if not d["selected"]])

    for fig in analysis.get("figures", []):
        shutil.copy(analysis_dir / fig, out_dir / Path(fig).name)

    n_cmp = len(comparisons)
    verdict_counts = comparisons["verdict"].value_counts().to_dict() if n_cmp else {}
    not_comparable = parity[~parity["comparable"].astype(bool)] if not parity.empty else parity
    headline = [
        f"{len(parity)} cells validated; {len(parity) - len(not_comparable)} passed the quality gate, "
        f"{len(not_comparable)} not comparable.",
        f"{n_cmp} timing comparisons: " + (", ".join(f"{v}: {c}" for v, c in sorted(verdict_counts.items()))
                                            or "none") + ".",
        f"{analysis.get('n_ok', 0)} successful launches, {analysis.get('n_failed', 0)} failed.",
    ]
    if n_cmp:
        fastest = comparisons.loc[comparisons["ratio"].idxmin()]
        slowest = comparisons.loc[comparisons["ratio"].idxmax()]
        for label, row in (("Largest speed-up", fastest), ("Largest slow-down", slowest)):
            headline.append(f"{label}: {row['candidate']} vs {row['reference']} on {row['algorithm']} / "
                            f"{row['dataset']} ({row['phase']}): {row['ratio']:.3g}x the reference's time, "
                            f"95% CI [{row['ratio_ci_low']:.3g}, {row['ratio_ci_high']:.3g}].")
    unstable = summary[summary["warnings"].fillna("") != ""] if not summary.empty else summary
    if not unstable.empty:
        headline.append(f"{len(unstable)} timing series may be unstable (pyperf rules); see the summary table.")

    cmp_cols = ["algorithm", "dataset", "phase", "candidate", "reference", "reference_median_s", "candidate_median_s",
                "ratio", "ratio_ci_low", "ratio_ci_high", "p_holm", "cliffs_delta", "cliffs_magnitude", "verdict"]
    parity_cols = ["algorithm", "dataset", "baseline", "candidate", "metric", "baseline_value", "candidate_value",
                   "delta", "tolerance", "comparable", "reasons"]
    fail_cols = ["cell_id", "framework", "language", "launch", "error"]
    env_rows = pd.DataFrame(
        [{"fact": k, "value": json.dumps(v) if isinstance(v, (dict, list)) else v}
         for k, v in environment.get("summary", environment).items()]
    )
    methods = methods_lines(selection, environment, analysis)
    figure_svg = ""
    svg_path = analysis_dir / "speed_ratio.svg"
    if svg_path.is_file():
        text = svg_path.read_text(encoding="utf-8")
        figure_svg = text[text.find("<svg"):]

    run_id = selection.get("run_id", "")
    sections_html = [
        f"<h1>pairbench report</h1><p class='muted'>run <code>{html.escape(run_id)}</code></p>",
        "<h2>Summary</h2><ul class='summary'>" + "".join(f"<li>{html.escape(h)}</li>" for h in headline) + "</ul>",
        "<h2>Quality parity (the gate)</h2>" + _html_table(parity, parity_cols if not parity.empty else None),
        "<h2>Speed</h2>" + (f"<figure>{figure_svg}</figure>" if figure_svg else "")
        + _html_table(comparisons, cmp_cols if n_cmp else None),
        "<h2>Memory and CPU</h2>" + _html_table(resources),
        "<h2>Timing summaries per side</h2>" + _html_table(summary, [c for c in (
            "algorithm", "dataset", "language", "phase", "n_samples", "n_launches", "median_s", "median_ci_low_s",
            "median_ci_high_s", "cv", "p95_s", "warnings") if c in summary.columns] or None),
        "<h2>Failures</h2>" + _html_table(failures, fail_cols if not failures.empty else None),
        "<h2>Skipped cells</h2>" + _html_table(skipped, ["cell_id", "reason"] if not skipped.empty else None),
        "<h2>Ecosystem</h2>" + _html_table(ecosystem),
        "<h2>Methods</h2><ul>" + "".join(f"<li>{html.escape(m)}</li>" for m in methods) + "</ul>",
        "<h2>Environment</h2>" + _html_table(env_rows),
    ]
    page = ("<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>pairbench report</title>"
            f"<meta name='viewport' content='width=device-width'><style>{CSS}</style></head><body>"
            + "\n".join(sections_html) + "</body></html>\n")
    (out_dir / "index.html").write_text(page, encoding="utf-8")

    md = [f"# pairbench report\n\nrun `{run_id}`\n", "## Summary\n", *[f"- {h}" for h in headline], "",
          "## Quality parity (the gate)\n", _md_table(parity, parity_cols if not parity.empty else None),
          "## Speed\n", "![speed ratio](speed_ratio.png)\n" if figure_svg else "",
          _md_table(comparisons, cmp_cols if n_cmp else None), "## Memory and CPU\n", _md_table(resources),
          "## Failures\n", _md_table(failures, fail_cols if not failures.empty else None),
          "## Ecosystem\n", _md_table(ecosystem), "## Methods\n", *[f"- {m}" for m in methods], ""]
    (out_dir / "report.md").write_text("\n".join(md), encoding="utf-8")

    doc = {"run_id": run_id, "headline": headline, "methods": methods,
           "comparisons": json.loads(comparisons.to_json(orient="records")) if n_cmp else [],
           "quality_parity": json.loads(parity.to_json(orient="records")) if not parity.empty else [],
           "failures": json.loads(failures.to_json(orient="records")) if not failures.empty else [],
           "ecosystem": json.loads(ecosystem.to_json(orient="records")) if not ecosystem.empty else []}
    (out_dir / "report.json").write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
    return doc

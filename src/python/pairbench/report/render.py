"""Phase 6 report: one self-contained interactive HTML page (inline CSS, JS and SVG; nothing is
fetched), plus Markdown, JSON, CSV and Excel exports and a leaderboard.

Order of the page is the order of a reader's questions: what should I use (executive summary),
can I trust it (quality gate, stability), how much faster/smaller/cheaper (speed, memory, cost),
how was it measured (methods). Every measured number links to the raw result file behind it.
"""

from __future__ import annotations

import html
import json
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from pairbench.analysis.plots import geomean_rows
from pairbench.report import charts
from pairbench.report.catalogue import catalogue_lines
from pairbench.report.classical import CV_COLUMNS, classical_methods, scaling_section
from pairbench.report.ecosystem import (
    MATURITY_AXES,
    MATURITY_FORMULA,
    decomposition_table,
    ecosystem_table,
    effort_table,
    facts_table,
    findings_table,
    maturity_table,
    readiness_lines,
)
from pairbench.report.exports import write_exports
from pairbench.report.llm import llm_methods, llm_section, llm_table
from pairbench.report.rl import RL_COLUMNS, RL_NOTE, rl_table

CSS = """
:root{--ok:#1b7837;--bad:#b2182b;--mut:#666;--bg:#f6f7f9}
body{font:15px/1.5 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;color:#222}
header{background:#17324d;color:#fff;padding:1rem 2rem}header h1{margin:0;font-size:1.6rem}
header .meta{color:#c9d6e3;font-size:13px}header code{background:#2b4a69;color:#fff}
nav{position:sticky;top:0;background:#fff;border-bottom:1px solid #ddd;
padding:.4rem 2rem;z-index:2;font-size:13px}nav a{margin-right:.9rem;color:#17324d;text-decoration:none}
main{max-width:1200px;margin:0 auto;padding:0 2rem 4rem}h2{border-bottom:2px solid #17324d;padding-bottom:.2rem;
margin-top:2.2rem}h3{margin-bottom:.3rem}
table{border-collapse:collapse;margin:.5rem 0 1rem;font-size:12.5px;display:block;overflow-x:auto;max-width:100%}
th,td{border:1px solid #ddd;padding:3px 7px;text-align:left;white-space:nowrap}
th{background:#eef1f5;cursor:pointer;position:sticky;top:0}th[data-dir=asc]::after{content:" ▲"}
th[data-dir=desc]::after{content:" ▼"}tr:nth-child(even) td{background:#fafbfc}td.num{text-align:right}
td a{color:inherit;text-decoration:none;border-bottom:1px dotted #99a}td a:hover{color:#0645ad}
.ok{color:var(--ok);font-weight:600}.bad{color:var(--bad);font-weight:600}.muted{color:var(--mut)}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(250px,1fr));gap:.8rem;margin:1rem 0}
.card{background:var(--bg);border-left:4px solid #17324d;padding:.6rem .8rem;border-radius:4px}
.card .big{font-size:1.5rem;font-weight:700}.card.good{border-color:var(--ok)}.card.warn{border-color:#e08a00}
.card.badc{border-color:var(--bad)}.reco{background:#eef7ee;border:1px solid #b9dcb9;border-radius:6px;
padding:.7rem 1rem;margin:.6rem 0}.reco b{font-size:1.1rem}input.filter{margin:.3rem 0;padding:3px 6px;width:280px}
svg.chart{max-width:100%;height:auto;font:11px system-ui,sans-serif}.tools{font-size:13px;margin:.4rem 0}
code{background:#f0f0f0;padding:0 3px}details{margin:.5rem 0}
"""

JS = """
(function(){
function val(td){var v=td.getAttribute('data-v');return v===null?td.textContent.trim():v;}
document.querySelectorAll('table.sortable').forEach(function(t){
  var ths=t.tHead.rows[0].cells;
  Array.prototype.forEach.call(ths,function(th,i){th.addEventListener('click',function(){
    var asc=th.getAttribute('data-dir')!=='asc';
    Array.prototype.forEach.call(ths,function(h){h.removeAttribute('data-dir');});
    th.setAttribute('data-dir',asc?'asc':'desc');
    var rows=Array.prototype.slice.call(t.tBodies[0].rows);
    rows.sort(function(a,b){var x=val(a.cells[i]),y=val(b.cells[i]);var nx=parseFloat(x),ny=parseFloat(y);
      var c=(!isNaN(nx)&&!isNaN(ny))?nx-ny:x.localeCompare(y);return asc?c:-c;});
    rows.forEach(function(r){t.tBodies[0].appendChild(r);});
  });});
});
document.querySelectorAll('input.filter').forEach(function(inp){
  inp.addEventListener('input',function(){var q=inp.value.toLowerCase();
    var t=document.getElementById(inp.getAttribute('data-table'));
    Array.prototype.forEach.call(t.tBodies[0].rows,function(r){
      r.style.display=r.textContent.toLowerCase().indexOf(q)>=0?'':'none';});});
});
var sel=document.getElementById('phase-filter');
if(sel){sel.addEventListener('change',function(){
  document.querySelectorAll('#forest g.mark').forEach(function(g){
    g.style.opacity=(sel.value===''||g.getAttribute('data-phase')===sel.value)?'1':'0.12';});});}
document.body.setAttribute('data-ready','1');
})();
"""

FAIRNESS_RULES = [
    (
        "Same bytes",
        "every dataset was generated or loaded once by Python (seed {seed}), split, standardised on the "
        "training split where configured, and written as .npy with a sha256 manifest; every side verified every "
        "checksum before running.",
    ),
    (
        "Same threads",
        "OMP/MKL/OpenBLAS/BLIS/RAYON thread variables and threadpoolctl were set to {threads} on every "
        "side and recorded in every result; benchmark launches ran {parallel}.",
    ),
    (
        "Same hyper-parameters",
        "spelled out in config/benchmarks.yaml and passed to every side in one cell file.",
    ),
    ("Same precision", "{dtype} on every side."),
    (
        "Timed region",
        "{phases} only; {warmup} warm-up repetitions discarded, {samples} timed repetitions per launch, "
        "{launches} independent process launches per side; process start, imports, data loading and checksum "
        "verification excluded.",
    ),
    ("Release builds", "Rust built with cargo --release; {rustc}."),
    (
        "Quality gate",
        "before timing, every side ran once on the real split; a cell whose sides differ by more than "
        "the task's tolerance, or fail its floor, is reported as not comparable and not timed.",
    ),
]


def _isnan(v: Any) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v))


def _fmt(value: Any) -> str:
    if _isnan(value):
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def _read_csv(path: Path) -> pd.DataFrame:
    try:
        return pd.read_csv(path)
    except (FileNotFoundError, pd.errors.EmptyDataError):
        return pd.DataFrame()


def _load_json(path: Path | None) -> dict[str, Any]:
    if path is None or not path.is_file():
        return {}
    return json.loads(path.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


class Sources:
    """Raw result files per (cell, framework), so a number can link to the launches it came from."""

    def __init__(self, launches: pd.DataFrame, raw_href: str) -> None:
        self.raw_href = raw_href
        self.files: dict[tuple[str, str], list[str]] = {}
        if not launches.empty and "source_file" in launches:
            for (cell, fw), g in launches.sort_values("launch").groupby(["cell_id", "framework"]):
                self.files[(str(cell), str(fw))] = [
                    str(f) for f in g["source_file"] if isinstance(f, str) and f
                ]

    def href(self, cell: str, framework: str) -> str | None:
        files = self.files.get((str(cell), str(framework)))
        return self.raw_href + files[0] if files else None

    def links(self, cell: str, frameworks: list[str]) -> str:
        out = []
        for fw in frameworks:
            for i, f in enumerate(self.files.get((str(cell), str(fw)), []), start=1):
                out.append(
                    f"<a href='{html.escape(self.raw_href + f, quote=True)}' "
                    f"title='{html.escape(f, quote=True)}'>{html.escape(str(fw))}#{i}</a>"
                )
        return " ".join(out) or "-"


MAX_FOREST_ROWS = 150

RowLink = Callable[[pd.Series], str | None]


def html_table(
    df: pd.DataFrame,
    columns: list[str] | None = None,
    table_id: str = "",
    *,
    link: RowLink | None = None,
    raw: Callable[[pd.Series], str] | None = None,
    filter_box: bool = False,
) -> str:
    """Sortable table; numeric cells link to `link(row)` (the raw result), `raw(row)` adds a column of
    links to every launch."""
    if df.empty:
        return "<p class='muted'>none</p>"
    cols = [c for c in (columns or list(df.columns)) if c in df.columns]
    head = "".join(f"<th>{html.escape(c)}</th>" for c in cols) + ("<th>raw results</th>" if raw else "")
    body = []
    for _, row in df.iterrows():
        href = link(row) if link else None
        cells = []
        for c in cols:
            v = row[c]
            text = html.escape(_fmt(v))
            numeric = isinstance(v, (int, float)) and not isinstance(v, bool) and not _isnan(v)
            if numeric and href:
                text = f"<a href='{html.escape(href, quote=True)}'>{text}</a>"
            attrs = f" class='num' data-v='{float(v)!r}'" if numeric else ""
            cells.append(f"<td{attrs}>{text}</td>")
        if raw:
            cells.append(f"<td>{raw(row)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    box = (
        f"<input class='filter' type='search' placeholder='filter rows…' data-table='{table_id}'>"
        if filter_box and table_id
        else ""
    )
    return (
        f"{box}<table class='sortable' id='{table_id}'><thead><tr>{head}</tr></thead>"
        f"<tbody>{''.join(body)}</tbody></table>"
    )


def methods_lines(
    selection: dict[str, Any], environment: dict[str, Any], analysis: dict[str, Any], phases: list[str]
) -> list[str]:
    p = selection.get("params", {})
    s = analysis.get("settings", {})
    par = p.get("max_parallel_benchmarks", 1)
    facts = {
        "seed": selection.get("defaults", {}).get("seed"),
        "threads": p.get("threads"),
        "parallel": "one at a time" if par == 1 else f"up to {par} at once",
        "dtype": selection.get("defaults", {}).get("dtype"),
        "phases": ", ".join(phases) or "the timed phases",
        "warmup": p.get("warmup"),
        "samples": p.get("samples"),
        "launches": p.get("launches"),
        "rustc": environment.get("rust", {}).get("rustc", "rustc version unknown"),
    }
    lines = [f"{name}: {text.format(**facts)}" for name, text in FAIRNESS_RULES]
    rank = analysis.get("analysis_config", {}).get("ranking", {})
    lines += [
        f"Per series: median with a {s.get('confidence', 0.95):.0%} percentile bootstrap CI ({s.get('resamples')} "
        "resamples, samples pooled over launches), CV, and pyperf's instability rules (fewer than "
        f"{s.get('min_samples', 10)} samples, std ≥ 10% of the mean, min or max ≥ 50% from the mean). Beside the "
        "CV, which one preemption spike can dominate: MAD/median and IQR, Tukey-fence outlier counts (mild: 1.5 to "
        "3 IQR beyond the quartiles, severe: beyond 3, as criterion.rs), the CV of the per-launch medians "
        "(between launches), the median per-launch CV (within launches) and launch 1's median over the others' "
        "(a slow first launch).",
        "Per pair (candidate/reference, the first framework of a domain being the reference of all others): "
        "Shapiro-Wilk on each side; Welch's t and Mann-Whitney U both reported, the primary test being Welch where "
        "neither side rejects normality and Mann-Whitney otherwise; a paired t-test where both sides ran the same "
        f"≥ 2 seeds or folds; Holm (used by the verdict) and Bonferroni over the family of {analysis.get('n_cmp', 0)} "
        "comparisons; Cohen's d and Cliff's delta with magnitude labels; ratio of medians with a bootstrap CI.",
        f"Verdict (criterion.rs rule): p_holm < {s.get('alpha')} and the whole ratio CI outside the "
        f"±{s.get('noise', 0.02):.1%} noise band → faster/slower; otherwise no meaningful difference. The band is "
        "max(--noise, the machine's noise floor measured in phase 3: the robust CV, 1.4826 x MAD/median, of 30 "
        "timings of a calibrated ~2 ms busy loop in each harness, pinned like a launch; the larger of the two), "
        "at most ±50% (beyond that, the rule could call nothing faster)"
        + (
            f"; here --noise {nb['requested']:.1%}, floor {nb['measured_floor']:.1%}."
            if (nb := analysis.get("noise_band") or {}).get("measured_floor") is not None
            else "; no floor was measured for this analysis."
        ),
        "Timing protocol (both harnesses): each measured process pinned to `threads` CPUs (sched_setaffinity, "
        "recorded per result; $PAIRBENCH_PIN_CPUS=off disables it). Phase-major: every phase is warmed up and timed "
        "in its own loop, so 'predict' is predicting with a fitted model in a steady loop, not right after a fit; "
        "the estimator a fit starts from is cloned outside the timer. Warm-up: at least the requested calls and, "
        "when any, until 0.1 s has run (at most 1,000 calls). Calls shorter than the timer's credible floor "
        "(100 µs in Python, 20 µs in Rust) are timed in batches and each sample is the batch time ÷ batch size "
        "(recorded). Deep-learning cells keep the per-repetition order (a training epoch changes the model) with "
        "exactly the requested warm-up and no batching; latency phases are never batched.",
        f"Power: repetitions per side needed to detect a {s.get('effect', 0.05):.0%} change in time at "
        f"{s.get('power', 0.8):.0%} power, from the pilot spread of log times; series and pairs with fewer "
        "are flagged.",
        "Geometric-mean speed-up per domain, pair and phase: percentile bootstrap that resamples the cells and, "
        "within each drawn cell, its samples (two levels), on the log scale. Below "
        f"{s.get('geomean_min_cells', 3)} cells no pooled interval is shown, only each cell's own ratio and CI; a "
        f"pooled interval wider than a factor of {s.get('geomean_max_ci_factor', 4.0):g} (high/low) is shown with "
        "a warning.",
        f"Rankings: weighted score with weights {rank.get('weights')}, Borda count over cells, Bradley-Terry "
        f"(MM algorithm, {rank.get('bt_prior_wins')} prior wins each way) and Elo (K = {rank.get('elo_k')}) from "
        "pairwise speed outcomes (faster = win, no meaningful difference = draw); Pareto front over relative time, "
        "relative peak memory and quality.",
    ]
    machine = analysis.get("machine")
    if machine:
        lines.append(
            f"Cost: machine '{machine['name']}' ({machine['cores']} cores, ${machine['price_per_hour_usd']}/h, "
            f"TDP {machine['tdp_watts']} W); cost = wall time x price x cores used / cores. Energy is RAPL "
            "when a result carries it, else an estimate from CPU-seconds x TDP / cores (labelled)."
        )
    lines += classical_methods(selection)
    lines += llm_methods(selection)
    lines += node_lines(analysis)
    lines += catalogue_lines(selection)
    return lines


def node_lines(analysis: dict[str, Any]) -> list[str]:
    """Which node (hostname, CPU model) ran which launches, and the cells refused for mixing CPU models."""
    ran: dict[tuple[str, str], list[str]] = {}
    for n in analysis.get("nodes") or []:
        ran.setdefault((n["host"], n["cpu_model"]), []).append(f"{n['framework']} ({n['launches']})")
    lines = [
        f"Node {host} ({cpu}) ran the launches of: {', '.join(frameworks)}."
        for (host, cpu), frameworks in sorted(ran.items())
    ]
    if len({cpu for _, cpu in ran}) > 1:
        lines.append("Launches ran on more than one CPU model: samples are compared only within one CPU model.")
    mixed = analysis.get("mixed_cpu_models") or {}
    if mixed:
        lines.append(
            f"Not compared (mixed_cpu_models): {len(mixed)} cell(s) whose launches ran on more than one CPU "
            f"model, listed under Failures: {', '.join(sorted(mixed))}."
        )
    return lines


def _pct(x: float) -> str:
    return f"{x:.3g}x"


def executive_summary(analysis: dict[str, Any], t: dict[str, pd.DataFrame]) -> tuple[str, list[str]]:
    """The first screen: the recommendation per task, the headline speed-ups with CIs, and whether
    to trust them (gate, failures, stability, power, regressions). Returns HTML and plain lines."""
    lines: list[str] = []
    parts: list[str] = []
    rec = t["recommendations"]
    if not rec.empty:
        for _, r in rec[rec["rank"] == 1].iterrows():
            text = f"{r['task']}: use {r['framework']} (confidence {r['confidence']}). {r['reason']}"
            lines.append(text)
            parts.append(
                f"<div class='reco'><b>{html.escape(str(r['task']))}: use "
                f"{html.escape(str(r['framework']))}</b> — confidence <b>{html.escape(str(r['confidence']))}"
                f"</b><br><span class='muted'>{html.escape(str(r['reason']))}</span></div>"
            )
    uc = t.get("use_cases", pd.DataFrame())
    if not uc.empty:
        for _, r in uc[uc["use_case"] != "weighted"].iterrows():
            trade = "" if _isnan(r["trade_off"]) or not str(r["trade_off"]) else f" Trade-off {r['trade_off']}."
            conf = "" if _isnan(r["confidence"]) else f" (confidence {r['confidence']})"
            text = f"{r['task']}, {r['recommendation']}{conf}.{trade}"
            lines.append(text)
            parts.append(f"<div class='reco muted'>{html.escape(text)}</div>")
    cards = []
    for _, g in t["geomean_speedups"].iterrows():
        faster = g["geomean_speedup"] >= 1
        cls = "good" if g["n_slower"] == 0 and g["n_faster"] > 0 else "warn" if g["n_faster"] else "badc"
        # State the CI on the same scale as the headline (speed-up if faster, slow-down if slower).
        low, high = (g["ci_low"], g["ci_high"]) if faster else (1 / g["ci_high"], 1 / g["ci_low"])
        warning = str(g.get("interval_warning") or "") if not _isnan(g.get("interval_warning")) else ""
        # Too few cells for a pooled interval: the cells' own ratios (speed-up, bootstrap CI) say more.
        ci = f"per cell: {g.get('per_cell') or 'n/a'}" if _isnan(g["ci_low"]) else f"95% CI {_pct(low)} to {_pct(high)}"
        head = (
            f"{_pct(g['geomean_speedup'])} faster" if faster else f"{_pct(1 / g['geomean_speedup'])} slower"
        )
        text = (
            f"{g['candidate']} vs {g['reference']} ({g['domain']}, {g['phase']}): {head} (geometric mean over "
            f"{g['n_cells']} cells, {ci}); {g['n_faster']} faster, {g['n_slower']} slower, "
            f"{g['n_no_difference']} no meaningful difference" + (f"; warning: {warning}" if warning else "")
        )
        lines.append(text)
        cards.append(
            f"<div class='card {cls}'><div class='muted'>{html.escape(str(g['candidate']))} vs "
            f"{html.escape(str(g['reference']))} · {html.escape(str(g['phase']))}</div>"
            f"<div class='big'>{html.escape(head)}</div><div>{html.escape(ci)}, {g['n_cells']} cells"
            f"</div><div class='muted'>{g['n_faster']} faster · {g['n_slower']} slower · "
            f"{g['n_no_difference']} no difference</div>"
            + (f"<div class='muted'>⚠ {html.escape(warning)}</div>" if warning else "")
            + "</div>"
        )
    parity = t["quality_parity"]
    if not parity.empty:
        ok = int(parity["comparable"].astype(bool).sum())
        text = f"{ok} of {len(parity)} framework pairs passed the quality gate"
        lines.append(text)
        cards.append(
            f"<div class='card {'good' if ok == len(parity) else 'warn'}'><div class='muted'>quality gate"
            f"</div><div class='big'>{ok}/{len(parity)}</div><div>pairs comparable</div></div>"
        )
    summary, cmp = t["summary"], t["comparisons"]
    unstable = int(summary["unstable"].astype(bool).sum()) if "unstable" in summary else 0
    under = int(cmp["underpowered"].astype(bool).sum()) if "underpowered" in cmp else 0
    failed = int(analysis.get("n_failed", 0))
    robust = ""
    if "mad_rel" in summary and not summary.empty:
        long = summary[summary["median_s"] >= 1e-3]
        severe = int((summary["outliers_severe"] > 0).sum())
        robust = (
            f"; series ≥ 1 ms: median CV {long['cv'].median():.1%}, median MAD/median {long['mad_rel'].median():.1%} "
            f"({len(long)} series); {severe} series with severe outliers"
            if not long.empty
            else ""
        )
    text = (
        f"{analysis.get('n_ok', 0)} launches ok, {failed} failed; {unstable} of {len(summary)} timing series "
        f"flagged unstable; {under} of {len(cmp)} comparisons under-powered{robust}"
    )
    lines.append(text)
    cards.append(
        f"<div class='card {'badc' if failed else 'warn' if unstable or under else 'good'}'>"
        f"<div class='muted'>reliability</div><div class='big'>{failed} failed</div>"
        f"<div>{unstable}/{len(summary)} series unstable · {under}/{len(cmp)} under-powered</div></div>"
    )
    launches = t["launches"]
    if "hit_max_iter" in launches:
        stuck = launches[launches["hit_max_iter"].fillna(False).astype(bool)]
        if not stuck.empty:
            pairs = sorted({f"{f} {a}" for f, a in zip(stuck["framework"], stuck["algorithm"], strict=True)})
            text = (
                f"{len(stuck)} launches stopped at max_iter without meeting their tolerance "
                f"({', '.join(pairs)}): their fit times measure max_iter iterations, not convergence"
            )
            lines.append(text)
            cards.append(
                f"<div class='card warn'><div class='muted'>not converged</div><div class='big'>{len(stuck)}"
                f"</div><div>{html.escape(', '.join(pairs))}: stopped at max_iter</div></div>"
            )
    reg = t["regressions"]
    hist = analysis.get("history", {})
    if hist.get("baseline_run"):
        n_reg = int((reg["status"] == "regressed").sum()) if not reg.empty else 0
        n_imp = int((reg["status"] == "improved").sum()) if not reg.empty else 0
        text = f"vs baseline {hist['baseline_run']}: {n_reg} regressed, {n_imp} improved" + (
            f" ({hist['note']})" if hist.get("note") else ""
        )
        lines.append(text)
        cards.append(
            f"<div class='card {'badc' if n_reg else 'good'}'><div class='muted'>vs baseline "
            f"{html.escape(str(hist['baseline_run']))}</div><div class='big'>{n_reg} regressed</div>"
            f"<div>{n_imp} improved</div></div>"
        )
    return "".join(parts) + f"<div class='cards'>{''.join(cards)}</div>", lines


def scaling_table(summary: pd.DataFrame, launches: pd.DataFrame) -> pd.DataFrame:
    """Series that vary only in training-set size or threads: (algorithm, framework, phase) with >= 3
    distinct sizes become a scaling curve."""
    if summary.empty or launches.empty:
        return pd.DataFrame()
    size = launches.groupby(["cell_id", "framework"])[["n_train", "threads"]].median().reset_index()
    d = summary.merge(size, on=["cell_id", "framework"], how="left")
    d["series"] = d["algorithm"] + " · " + d["framework"] + " · " + d["phase"]
    out = []
    for axis in ("n_train", "threads"):
        counts = d.groupby("series")[axis].nunique()
        keep = counts[counts >= 3].index
        if len(keep):
            out.append(d[d["series"].isin(keep)].assign(axis=axis, x=lambda f, a=axis: f[a]))
    return pd.concat(out, ignore_index=True) if out else pd.DataFrame()


def ecosystem_html(t: dict[str, pd.DataFrame]) -> str:
    """Phase 6: measured facts, findings, maturity (with its formula) and the three-way decomposition."""
    facts, maturity, decomp = t["facts"], t["maturity"], t["decomposition"]
    build = pd.DataFrame()
    if not facts.empty:
        build = facts.melt(id_vars=["framework"], value_vars=["cold_build_s", "incremental_build_s", "build_s_phase2"],
                           var_name="build", value_name="seconds").dropna(subset=["seconds"])
    radar_scores = {f"{r['framework']} ({r['domain']})": {a: r[a] for a in MATURITY_AXES}
                    for _, r in maturity.iterrows()} if not maturity.empty else {}
    decomp_html = "<p class='muted'>needs scikit-learn, linfa and linfa-py timed on the same classical cells</p>"
    if not decomp.empty:
        decomp_html = (
            "<p class='muted'>Per classical cell and phase: library = linfa-py / scikit-learn (Python around "
            "both), boundary + process = linfa / linfa-py (the same Rust functions, native process vs PyO3 call), "
            "total = linfa / scikit-learn; time ratios with 95% bootstrap CIs from the comparisons, "
            "library x boundary = total.</p>"
            + charts.forest_plot(decomp.reset_index(drop=True), 0.02)
            + html_table(decomp, ["algorithm", "dataset", "phase", "effect", "ratio", "ratio_ci_low",
                                  "ratio_ci_high", "verdict"], "t-decomp", filter_box=True))
    return (
        "<h3>Facts per framework</h3><p class='muted'>Read in phase 2 from the build: Cargo metadata (offline) and "
        "pip metadata; crates = the release artefact's dependency closure; lines counted by pygount.</p>"
        + html_table(facts, table_id="t-facts")
        + "<h3>Build cost</h3>" + charts.bar_chart(build, "framework", "seconds", "build", "s")
        + "<h3>Effort: lines of project code per side</h3>" + html_table(t["effort"], table_id="t-effort")
        + "<h3>Coverage</h3>" + html_table(t["ecosystem"], table_id="t-eco")
        + "<h3>Findings</h3><p class='muted'>Defects pairbench found, re-checked in this run by a probe against the "
        "installed version; each names the test that reproduces it.</p>"
        + html_table(t["findings"], table_id="t-findings")
        + "<h3>Maturity</h3>" + html_table(maturity, table_id="t-maturity")
        + f"<p class='formula'><b>Formula.</b> {html.escape(MATURITY_FORMULA)}</p>"
        + charts.radar(radar_scores, MATURITY_AXES)
        + "<h3>Three-way decomposition (classical ML)</h3>" + decomp_html
    )


def render_report(
    analysis_dir: Path,
    out_dir: Path,
    *,
    selection_path: Path,
    environment_path: Path | None,
    implementations_path: Path | None,
    raw_href: str = "../raw/",
    scaling_dir: Path | None = None,
) -> dict[str, Any]:
    out_dir.mkdir(parents=True, exist_ok=True)
    selection = _load_json(selection_path)
    environment = _load_json(environment_path)
    implementations = _load_json(implementations_path)
    analysis = _load_json(analysis_dir / "analysis.json")
    names = [
        "comparisons",
        "quality_parity",
        "resources",
        "failures",
        "summary",
        "launches",
        "geomean_speedups",
        "rankings",
        "recommendations",
        "use_cases",
        "cost",
        "regressions",
        "steps",
        "profiles",
        "quality",
        "cross_validation",
    ]
    t = {n: _read_csv(analysis_dir / f"{n}.csv") for n in names}
    t["ecosystem"] = ecosystem_table(selection, implementations)
    rl = rl_table(t["summary"], t["quality_parity"])
    if not rl.empty:
        t["rl"] = rl
    t["llm"] = llm_table(t["summary"], t["launches"], selection)
    t["facts"] = facts_table(implementations)
    t["effort"] = effort_table(implementations)
    t["findings"] = findings_table(implementations, selection)
    t["maturity"] = maturity_table(selection, implementations, t["ecosystem"], t["comparisons"], t["quality_parity"])
    t["decomposition"] = decomposition_table(t["comparisons"])
    skipped = pd.DataFrame([d for d in selection.get("decisions", []) if not d["selected"]])
    t["skipped"] = skipped
    src = Sources(t["launches"], raw_href)
    cmp = t["comparisons"]
    analysis["n_cmp"] = len(cmp)
    phases = sorted(t["summary"]["phase"].unique()) if not t["summary"].empty else []

    exec_html, headline = executive_summary(analysis, t)
    readiness = readiness_lines(t["maturity"])
    headline = [*readiness, *headline]
    exec_html = "".join(f"<div class='reco'><b>{html.escape(r)}</b></div>" for r in readiness) + exec_html
    methods = methods_lines(selection, environment, analysis, phases)

    def cand_link(row: pd.Series) -> str | None:
        return src.href(row["cell_id"], row["candidate"])

    def side_link(row: pd.Series) -> str | None:
        return src.href(row["cell_id"], row["framework"])

    def pair_raw(row: pd.Series) -> str:
        return src.links(row["cell_id"], [row["candidate"], row["reference"]])

    def side_raw(row: pd.Series) -> str:
        return src.links(row["cell_id"], [row["framework"]])

    cmp_cols = [
        "task",
        "algorithm",
        "dataset",
        "phase",
        "candidate",
        "reference",
        "reference_median_s",
        "candidate_median_s",
        "ratio",
        "ratio_ci_low",
        "ratio_ci_high",
        "speedup",
        "test",
        "p_welch",
        "p_mannwhitney",
        "p_paired_t",
        "p_holm",
        "p_bonferroni",
        "cohens_d",
        "cohens_magnitude",
        "cliffs_delta",
        "cliffs_magnitude",
        "samples_needed",
        "underpowered",
        "verdict",
    ]
    forest_rows = (
        cmp.sort_values(["task", "algorithm", "dataset", "phase"]).reset_index(drop=True) if len(cmp) else cmp
    )
    forest_note = ""
    if len(forest_rows) > MAX_FOREST_ROWS:
        # Thousands of rows are unreadable as a plot: show each domain's geometric mean instead.
        forest_rows = geomean_rows(
            t["geomean_speedups"], float(analysis.get("settings", {}).get("noise", 0.02))
        )
        forest_rows = forest_rows.assign(
            cell_id="",
            p_holm=math.nan,
            outcome=[
                v.rsplit(" ", 1)[-1] if v.endswith(("faster", "slower")) else v
                for v in forest_rows["verdict"]
            ],
        )
        forest_note = (
            f"<p class='muted'>{len(cmp)} comparisons: the plot shows each domain's geometric mean; "
            "every comparison is in the table below.</p>"
        )
    forest_links = {i: src.href(r["cell_id"], r["candidate"]) or "" for i, r in forest_rows.iterrows()}
    phase_opts = "".join(f"<option>{html.escape(p)}</option>" for p in phases)
    noise = float(analysis.get("settings", {}).get("noise", 0.02))

    resources = t["resources"]
    mem_chart = charts.bar_chart(
        resources.assign(label=resources["algorithm"] + " / " + resources["dataset"])
        if not resources.empty
        else resources,
        "label",
        "peak_rss_mb_median",
        "framework",
        "MB",
    )
    prof = t["profiles"]
    pareto_html = ""
    if not prof.empty:
        from pairbench.analysis.rankings import pareto_front

        blocks = []
        for task, p in prof.groupby("task"):
            p = p.assign(label=p["algorithm"] + " / " + p["dataset"])
            p["front"] = pareto_front(p, ["rel_time", "peak_rss_mb"], ["quality_score"])
            blocks.append(
                f"<h3>{html.escape(str(task))}</h3>"
                + charts.scatter(
                    p,
                    "rel_time",
                    "peak_rss_mb",
                    "framework",
                    "front",
                    "time relative to the fastest framework of the cell (log)",
                    "peak RSS (MB)",
                )
            )
        pareto_html = "".join(blocks)
    ranks = t["rankings"]
    radar_html = ""
    if not ranks.empty:
        overall = ranks[ranks["scope"] == ranks["scope"].iloc[-1]]
        axes = ["speed_score", "memory_score", "quality_score"]
        stab = {}
        if not t["summary"].empty:
            stab = (1 - t["summary"].groupby("framework")["unstable"].mean()).to_dict()
        scores = {
            str(r["framework"]): {
                **{a.removesuffix("_score"): r[a] for a in axes},
                "stability": stab.get(r["framework"], math.nan),
            }
            for _, r in overall.iterrows()
        }
        radar_html = charts.radar(scores, ["speed", "memory", "quality", "stability"])
    scaling = scaling_table(t["summary"], t["launches"])
    scaling_html = (
        "<p class='muted'>no size or thread sweep in this run (a curve needs ≥ 3 sizes of one series)</p>"
    )
    if not scaling.empty:
        scaling_html = "".join(
            f"<h3>by {html.escape(axis)}</h3>"
            + charts.line_chart(g, "x", "median_s", "series", axis, "median time (s)")
            for axis, g in scaling.groupby("axis")
        )
    study_html = scaling_section(scaling_dir, out_dir)[0]
    if study_html:
        scaling_html = study_html + scaling_html
    cost = t["cost"]
    cost_cols = [
        "task",
        "algorithm",
        "dataset",
        "framework",
        "phase",
        "kind",
        "median_s",
        "cpu_seconds",
        "cost_per_call_usd",
        "cost_per_training_run_usd",
        "cost_per_million_predictions_usd",
        "energy_j_per_call",
        "energy_source",
    ]
    sum_cols = [
        "task",
        "algorithm",
        "dataset",
        "framework",
        "phase",
        "n_samples",
        "n_launches",
        "median_s",
        "median_ci_low_s",
        "median_ci_high_s",
        "cv",
        "p95_s",
        "samples_needed",
        "warnings",
    ]
    run_id = selection.get("run_id", "") or analysis.get("run_id", "")
    env = environment.get("summary", environment)
    env_rows = pd.DataFrame(
        [{"fact": k, "value": json.dumps(v) if isinstance(v, (dict, list)) else v} for k, v in env.items()]
    )
    nav = [
        "summary",
        "leaderboard",
        *(["llm"] if not t["llm"].empty else []),
        "quality",
        "speed",
        "memory",
        "pareto",
        "radar",
        "scaling",
        *(["rl"] if not rl.empty else []),
        "cost",
        "history",
        "stability",
        "failures",
        "ecosystem",
        "methods",
        "environment",
        "downloads",
    ]
    downloads = (
        "<ul><li><a href='report.md'>report.md</a></li><li><a href='report.json'>report.json</a></li>"
        "<li><a href='report.xlsx'>report.xlsx</a> (one sheet per table)</li>"
        "<li><a href='leaderboard.md'>leaderboard.md</a> · <a href='leaderboard.csv'>leaderboard.csv</a></li>"
        "<li>tables as CSV: " + " ".join(f"<a href='data/{n}.csv'>{n}</a>" for n in names) + "</li></ul>"
    )
    sections = [
        (
            "summary",
            "Executive summary",
            exec_html
            + "<ul class='muted'>"
            + "".join(f"<li>{html.escape(h)}</li>" for h in headline)
            + "</ul>",
        ),
        (
            "leaderboard",
            "Leaderboard",
            "<p class='muted'>Per task and over all tasks; rank by weighted score. "
            "Click a column to sort.</p>" + html_table(ranks, table_id="t-rank", filter_box=True),
        ),
        (
            "recommendations",
            "Recommendations",
            html_table(t["recommendations"], table_id="t-reco")
            + "<h3>By use case</h3><p class='muted'>Each use case is decided by one factor (time on its phases, "
            "or peak memory); the trade-off is what the choice gives up against the runner-up. The use-case "
            "weights come from the requirements file.</p>"
            + html_table(t["use_cases"], table_id="t-usecase"),
        ),
        *([("llm", "LLM inference", llm_section(t["llm"]))] if not t["llm"].empty else []),
        (
            "quality",
            "Quality parity (the gate)",
            html_table(
                t["quality_parity"],
                [
                    "task",
                    "algorithm",
                    "dataset",
                    "baseline",
                    "candidate",
                    "metric",
                    "baseline_value",
                    "candidate_value",
                    "delta",
                    "tolerance",
                    "floor",
                    "comparable",
                    "reasons",
                ],
                "t-parity",
            ),
        ),
        (
            "crossval",
            "Cross-validation",
            html_table(t["cross_validation"], [c for c in CV_COLUMNS if c in t["cross_validation"].columns] or None,
                       "t-cv"),
        ),
        (
            "speed",
            "Speed",
            (
                f"<div class='tools'>phase: <select id='phase-filter'><option value=''>all</option>"
                f"{phase_opts}</select> · hover a mark for its numbers, click it for the raw result</div>"
                f"{forest_note}<div id='forest'>{charts.forest_plot(forest_rows, noise, forest_links)}</div>"
                "<h3>Geometric-mean speed-up per domain</h3>"
                + html_table(t["geomean_speedups"], table_id="t-geo")
                + "<h3>All comparisons</h3>"
                + html_table(cmp, cmp_cols, "t-cmp", link=cand_link, raw=pair_raw, filter_box=True)
            ),
        ),
        (
            "memory",
            "Memory and CPU",
            mem_chart
            + html_table(
                resources,
                [
                    "task",
                    "algorithm",
                    "dataset",
                    "framework",
                    "language",
                    "peak_rss_mb_median",
                    "peak_rss_mb_max",
                    "cpu_percent_median",
                    "launches",
                ],
                table_id="t-mem",
                link=side_link,
                raw=side_raw,
            ),
        ),
        (
            "pareto",
            "Pareto front: time vs memory",
            "<p class='muted'>One point per cell and framework; ringed points "
            "are Pareto-optimal within their task (no other is at least as fast, as small and as accurate).</p>"
            + pareto_html,
        ),
        (
            "radar",
            "Profile per framework",
            "<p class='muted'>Mean scores over all cells, 1 = best framework of each "
            "cell; stability = share of series without a pyperf warning.</p>" + radar_html,
        ),
        ("scaling", "Scaling", scaling_html),
        *([("rl", "Reinforcement learning",
            f"<p class='muted'>{html.escape(RL_NOTE)}</p>" + html_table(rl, RL_COLUMNS, "t-rl"))]
          if not rl.empty else []),
        ("cost", "Cost and energy", html_table(cost, cost_cols, "t-cost", link=side_link, filter_box=True)),
        (
            "history",
            "History and regressions",
            "<h3>Against the baseline run</h3>"
            + html_table(
                t["regressions"],
                [
                    "task",
                    "algorithm",
                    "dataset",
                    "framework",
                    "phase",
                    "reference_median_s",
                    "candidate_median_s",
                    "ratio",
                    "ratio_ci_low",
                    "ratio_ci_high",
                    "p_holm",
                    "status",
                ],
                "t-reg",
            )
            + "<h3>Steps detected in the run history</h3>"
            + html_table(t["steps"], table_id="t-steps"),
        ),
        (
            "stability",
            "Timing series",
            html_table(t["summary"], sum_cols, "t-sum", link=side_link, raw=side_raw, filter_box=True),
        ),
        (
            "failures",
            "Failures and skipped cells",
            html_table(t["failures"], ["status", "cell_id", "framework", "launch", "error", "task_hash", "source_file"],
                       "t-fail", raw=side_raw)
            + html_table(skipped, ["cell_id", "reason"], "t-skip"),
        ),
        ("ecosystem", "Ecosystem", ecosystem_html(t)),
        ("methods", "Methods", "<ul>" + "".join(f"<li>{html.escape(m)}</li>" for m in methods) + "</ul>"),
        ("environment", "Environment", html_table(env_rows, table_id="t-env")),
        ("downloads", "Downloads", downloads),
    ]
    page = (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>pairbench report</title>"
        "<meta name='viewport' content='width=device-width'>"
        "<meta http-equiv='Content-Security-Policy' content=\"default-src 'none'; style-src 'unsafe-inline'; "
        "script-src 'unsafe-inline'; img-src data:\">"
        f"<style>{CSS}</style></head><body><header><h1>pairbench report</h1><div class='meta'>run "
        f"<code>{html.escape(run_id)}</code> · {analysis.get('n_results', 0)} results · "
        f"{html.escape(str(env.get('cpu_model', env.get('cpu', ''))))}</div></header><nav>"
        + "".join(f"<a href='#{n}'>{n}</a>" for n in nav)
        + "</nav><main>"
        + "".join(
            f"<section id='{sid}'><h2>{html.escape(title)}</h2>{body}</section>"
            for sid, title, body in sections
        )
        + f"</main><script>{JS}</script></body></html>\n"
    )
    (out_dir / "index.html").write_text(page, encoding="utf-8")
    doc = {"run_id": run_id, "headline": headline, "methods": methods, "readiness": readiness,
           "maturity_formula": MATURITY_FORMULA}
    write_exports(out_dir, t, doc, analysis)
    return doc

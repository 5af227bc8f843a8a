"""The speed forest plot, drawn once: analysis/speed_ratio.svg and the report's Speed section are the same
figure (same rows, same verdict colours, same links to raw results; analysis/ and report/ are both siblings
of raw/). Inline SVG, no library: every mark carries its numbers as a tooltip and links to a raw result."""

from __future__ import annotations

import html
import math
from pathlib import Path

import pandas as pd

VERDICT_COLOURS = {"faster": "#1b7837", "slower": "#b2182b", "equivalent": "#2166ac", "inconclusive": "#999999"}

# Beyond this many comparisons a forest plot is unreadable: it shows each domain's geometric mean instead.
# One limit for the figure here and the report's.
MAX_FOREST_ROWS = 120


def geomean_rows(geomeans: pd.DataFrame) -> pd.DataFrame:
    """Per-domain geometric means shaped like comparison rows (ratio = 1 / speed-up). A geometric mean has
    no test of its own: its verdict counts the analysis' verdicts on its cells, and it is coloured faster
    (slower) only when no cell went the other way and at least one went its way."""
    ratio, low, high = 1 / geomeans["geomean_speedup"], 1 / geomeans["ci_high"], 1 / geomeans["ci_low"]
    fast, slow = geomeans["n_faster"], geomeans["n_slower"]
    outcome = [
        "faster" if f > 0 and s == 0 else "slower" if s > 0 and f == 0 else "inconclusive"
        for f, s in zip(fast, slow, strict=True)
    ]
    return pd.DataFrame(
        {
            "cell_id": "",
            "algorithm": geomeans["domain"],
            "dataset": "geometric mean",
            "phase": geomeans["phase"],
            "candidate": geomeans["candidate"],
            "reference": geomeans["reference"],
            "ratio": ratio,
            "ratio_ci_low": low.fillna(ratio),
            "ratio_ci_high": high.fillna(ratio),
            "p_wilcoxon": float("nan"),
            "outcome": outcome,
            "verdict": [
                f"cells: {f} faster, {s} slower, {e} equivalent, {i} inconclusive"
                for f, s, e, i in zip(fast, slow, geomeans["n_equivalent"], geomeans["n_inconclusive"], strict=True)
            ],
        }
    )


def forest_rows(comparisons: pd.DataFrame, geomeans: pd.DataFrame | None) -> tuple[pd.DataFrame, bool]:
    """The rows of the speed forest plot, and whether they are the geometric means (too many comparisons)."""
    if len(comparisons) > MAX_FOREST_ROWS and geomeans is not None and not geomeans.empty:
        return geomean_rows(geomeans), True
    rows = comparisons.sort_values(["task", "algorithm", "dataset", "phase"]) if len(comparisons) else comparisons
    return rows.reset_index(drop=True), False


def esc(text: object) -> str:
    return html.escape(str(text), quote=True)


def log_ticks(lo: float, hi: float) -> list[float]:
    ticks = []
    for e in range(math.floor(math.log10(lo)), math.ceil(math.log10(hi)) + 1):
        for m in (1, 2, 5):
            v = m * 10.0**e
            if lo <= v <= hi:
                ticks.append(v)
    return ticks or [lo, hi]


def forest_svg(cmp: pd.DataFrame, delta: float, link_of: dict[int, str] | None = None) -> str:
    """Speed ratio (candidate/reference time) with its interval per comparison row, log x, the margin
    [1/(1+delta), 1+delta] shaded. A comparison without an interval (too few rounds) shows its point."""
    if cmp.empty:
        return "<p class='muted'>no timing comparisons</p>"
    rows = cmp.reset_index(drop=True)
    rows = rows.assign(
        ratio_ci_low=rows["ratio_ci_low"].fillna(rows["ratio"]),
        ratio_ci_high=rows["ratio_ci_high"].fillna(rows["ratio"]),
    )
    band_lo, band_hi = 1 / (1 + delta), 1 + delta
    lo = max(1e-6, float(min(rows["ratio_ci_low"].min(), band_lo)) / 1.3)
    hi = float(max(rows["ratio_ci_high"].max(), band_hi)) * 1.3
    left, width, row_h, top = 400, 520, 18, 28
    height = top + row_h * len(rows) + 40

    def x(v: float) -> float:
        return left + width * (math.log(max(v, lo)) - math.log(lo)) / (math.log(hi) - math.log(lo))

    parts = [
        f"<svg xmlns='http://www.w3.org/2000/svg' class='chart' viewBox='0 0 {left + width + 20} {height}' "
        f"width='{left + width + 20}' height='{height}' role='img' aria-label='speed ratio forest plot'>",
        f"<rect x='{x(band_lo):.1f}' y='{top - 6}' width='{x(band_hi) - x(band_lo):.1f}' "
        f"height='{row_h * len(rows) + 6}' fill='#e6e6e6'><title>margin ±{delta:.0%}: equivalent inside, "
        "faster or slower beyond</title></rect>",
        f"<line x1='{x(1):.1f}' x2='{x(1):.1f}' y1='{top - 8}' y2='{top + row_h * len(rows)}' stroke='#000'/>",
    ]
    for t in log_ticks(lo, hi):
        parts.append(
            f"<line x1='{x(t):.1f}' x2='{x(t):.1f}' y1='{top + row_h * len(rows)}' "
            f"y2='{top + row_h * len(rows) + 4}' stroke='#000'/>"
            f"<text x='{x(t):.1f}' y='{top + row_h * len(rows) + 16}' text-anchor='middle'>{t:g}</text>"
        )
    parts.append(
        f"<text x='{left + width / 2}' y='{height - 6}' text-anchor='middle'>candidate time / reference "
        "time (paired estimate over rounds, 95% interval, log scale; &lt; 1: candidate faster)</text>"
    )
    parts.append(f"<text x='{left - 8}' y='14' text-anchor='end' font-weight='600'>comparison</text>")
    for i, r in rows.iterrows():
        y = top + row_h * int(i) + row_h / 2
        outcome = r.get("outcome", "inconclusive")
        colour = VERDICT_COLOURS.get(outcome, "#777")
        label = f"{r['algorithm']} / {r['dataset']} · {r['phase']} · {r['candidate']} vs {r['reference']}"
        rounds = f", {int(r['n_rounds'])} rounds" if "n_rounds" in r and pd.notna(r["n_rounds"]) else ""
        tip = (
            f"{label}: ratio {r['ratio']:.3g} [{r['ratio_ci_low']:.3g}, {r['ratio_ci_high']:.3g}]{rounds}, "
            f"Wilcoxon p {r.get('p_wilcoxon', float('nan')):.2g}, {r['verdict']}"
        )
        mark = (
            f"<g class='mark' data-phase='{esc(r['phase'])}'><title>{esc(tip)}</title>"
            f"<text x='{left - 8}' y='{y + 4:.1f}' text-anchor='end'>{esc(label[:66])}</text>"
            f"<line x1='{x(r['ratio_ci_low']):.1f}' x2='{x(r['ratio_ci_high']):.1f}' y1='{y:.1f}' y2='{y:.1f}' "
            f"stroke='{colour}' stroke-width='2'/>"
            f"<circle cx='{x(r['ratio']):.1f}' cy='{y:.1f}' r='4' fill='{colour}'/></g>"
        )
        link = (link_of or {}).get(int(i))
        parts.append(f"<a href='{esc(link)}'>{mark}</a>" if link else mark)
    parts.append("</svg>")
    return "".join(parts)


def first_results(launches: pd.DataFrame, raw_href: str) -> dict[tuple[str, str], str]:
    """(cell, framework) -> the raw result file of its first launch, which a mark links to."""
    out: dict[tuple[str, str], str] = {}
    if launches.empty or "source_file" not in launches:
        return out
    for (cell, fw), g in launches.sort_values("launch").groupby(["cell_id", "framework"]):
        files = [str(f) for f in g["source_file"] if isinstance(f, str) and f]
        if files:
            out[(str(cell), str(fw))] = raw_href + files[0]
    return out


def speed_forest(
    comparisons: pd.DataFrame,
    geomeans: pd.DataFrame | None,
    delta: float,
    launches: pd.DataFrame,
    raw_href: str = "../raw/",
) -> tuple[str, bool]:
    """The figure, and whether it shows the geometric means (too many comparisons for one row each)."""
    rows, shrunk = forest_rows(comparisons, geomeans)
    first = first_results(launches, raw_href)
    links = {int(i): first.get((str(r["cell_id"]), str(r["candidate"])), "") for i, r in rows.iterrows()}
    return forest_svg(rows, delta, links), shrunk


def speed_ratio_figure(
    comparisons: pd.DataFrame, out_stem: Path, delta: float, geomeans: pd.DataFrame | None, launches: pd.DataFrame
) -> list[Path]:
    """analysis/speed_ratio.svg: the report's forest plot as a file of its own."""
    if comparisons.empty:
        return []
    svg, _ = speed_forest(comparisons, geomeans, delta, launches)
    path = out_stem.with_suffix(".svg")
    path.write_text(svg + "\n", encoding="utf-8")
    return [path]

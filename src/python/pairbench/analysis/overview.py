"""The report's first picture, drawn once: analysis/overview.svg and the report's first screen are the same
figure. Every comparison of two sides as a row, grouped by domain and by pair, its paired speed ratio with
the interval coloured by its outcome, and beside it the two sides' peak-RSS ratio. Inline SVG in the house
way (analysis/forest.py): every mark has its numbers as a tooltip and links to the candidate's raw result."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd

from pairbench.analysis.forest import VERDICT_COLOURS, esc, first_results, log_ticks

COLUMNS = [
    "domain",
    "candidate",
    "reference",
    "cell_id",
    "algorithm",
    "dataset",
    "phase",
    "comparison_kind",
    "n_rounds",
    "ratio",
    "ratio_ci_low",
    "ratio_ci_high",
    "outcome",
    "rss_candidate_mb",
    "rss_reference_mb",
    "rss_ratio",
]
OUTCOMES = ("faster", "equivalent", "slower", "inconclusive")
# Layout: labels, the speed panel, the memory panel (pixels).
LABEL_W, SPEED_W, GAP, MEM_W, HEAD_H = 300, 420, 40, 180, 18
MAX_PLOT_H = 1000  # beyond this many pixels of rows, rows get thinner (and lose their labels)


def overview_table(comparisons: pd.DataFrame, resources: pd.DataFrame) -> pd.DataFrame:
    """One row per comparison of two sides (A/A arms left out), in the figure's order: domain, pair, then
    ratio; with each side's median peak RSS in the cell and their ratio (candidate / reference)."""
    if comparisons.empty:
        return pd.DataFrame(columns=COLUMNS)
    cmp = comparisons[comparisons["kind"] == "pair"] if "kind" in comparisons else comparisons
    cmp = cmp.assign(comparison_kind=cmp.get("comparison_kind", "same_algorithm"), n_rounds=cmp.get("n_rounds"))
    rss: dict[tuple[str, str], float] = {}
    if not resources.empty and "peak_rss_mb_median" in resources:
        rss = {
            (str(c), str(f)): float(v)
            for c, f, v in zip(
                resources["cell_id"], resources["framework"], resources["peak_rss_mb_median"], strict=True
            )
        }
    out = cmp.assign(
        rss_candidate_mb=[
            rss.get((str(c), str(f)), math.nan) for c, f in zip(cmp["cell_id"], cmp["candidate"], strict=True)
        ],
        rss_reference_mb=[
            rss.get((str(c), str(f)), math.nan) for c, f in zip(cmp["cell_id"], cmp["reference"], strict=True)
        ],
    )
    out = out.assign(rss_ratio=out["rss_candidate_mb"] / out["rss_reference_mb"])
    out = out.sort_values(["domain", "candidate", "reference", "ratio"], kind="stable")
    return out[COLUMNS].reset_index(drop=True)


def _counts(g: pd.DataFrame) -> str:
    return " · ".join(f"{int((g['outcome'] == o).sum())} {o}" for o in OUTCOMES)


class _Axis:
    """A log axis of one panel: values to x pixels."""

    def __init__(self, left: float, width: float, lo: float, hi: float) -> None:
        self.left, self.width, self.lo, self.hi = left, width, lo, hi

    @classmethod
    def around(cls, left: float, width: float, values: list[float], must: tuple[float, float]) -> _Axis:
        finite = [v for v in values if v > 0 and math.isfinite(v)]
        lo = max(1e-6, min([*finite, must[0]]) / 1.25)
        return cls(left, width, lo, max([*finite, must[1]]) * 1.25)

    def x(self, v: float) -> float:
        v = min(max(v, self.lo), self.hi)
        return self.left + self.width * (math.log(v) - math.log(self.lo)) / (math.log(self.hi) - math.log(self.lo))

    def ticks(self, y: float) -> list[str]:
        marks = log_ticks(self.lo, self.hi)
        if len(marks) > self.width / 45:  # too dense for their labels: powers of ten only
            marks = [t for t in marks if math.isclose(math.log10(t), round(math.log10(t)))] or marks[::3]
        return [
            f"<line x1='{self.x(t):.1f}' x2='{self.x(t):.1f}' y1='{y}' y2='{y + 4}' stroke='#000'/>"
            f"<text x='{self.x(t):.1f}' y='{y + 15}' text-anchor='middle'>{t:g}</text>"
            for t in marks
        ]


def _legend(delta: float) -> str:
    items = [(o, VERDICT_COLOURS[o]) for o in OUTCOMES]
    parts, x = [], 0
    for name, colour in items:
        parts.append(f"<circle cx='{x + 5}' cy='10' r='4' fill='{colour}'/><text x='{x + 13}' y='14'>{name}</text>")
        x += 20 + int(6.2 * len(name))
    hollow = "hollow: best available (different methods: not a language's result)"
    parts.append(
        f"<circle cx='{x + 5}' cy='10' r='4' fill='#fff' stroke='#333'/><text x='{x + 13}' y='14'>{esc(hollow)}</text>"
    )
    x += 24 + int(6.2 * len(hollow))
    parts.append(
        f"<rect x='{x}' y='5' width='14' height='10' fill='#e6e6e6'/><text x='{x + 18}' y='14'>margin ±{delta:.0%}"
        "</text>"
    )
    return "".join(parts)


def _row_mark(r: pd.Series, y: float, h: float, speed: _Axis, mem: _Axis, link: str, labelled: bool) -> str:
    colour = VERDICT_COLOURS.get(str(r["outcome"]), "#777")
    best = r["comparison_kind"] == "best_available"
    label = f"{r['algorithm']} / {r['dataset']} · {r['phase']}"
    lo = r["ratio_ci_low"] if pd.notna(r["ratio_ci_low"]) else r["ratio"]
    hi = r["ratio_ci_high"] if pd.notna(r["ratio_ci_high"]) else r["ratio"]
    rounds = f", {int(r['n_rounds'])} rounds" if pd.notna(r["n_rounds"]) else ""
    tip = (
        f"{label}: {r['candidate']} / {r['reference']} time ratio {r['ratio']:.3g} [{lo:.3g}, {hi:.3g}]{rounds}: "
        f"{r['outcome']}" + (" (best available: different methods)" if best else "")
    )
    radius = max(1.5, min(4.0, h / 2.5))
    fill = "#fff" if best else colour
    parts = [
        f"<g class='mark' data-phase='{esc(r['phase'])}' data-outcome='{esc(r['outcome'])}'><title>{esc(tip)}</title>",
        f"<text x='{LABEL_W - 8}' y='{y + 4:.1f}' text-anchor='end'>{esc(label[:44])}</text>" if labelled else "",
        f"<line x1='{speed.x(lo):.1f}' x2='{speed.x(hi):.1f}' y1='{y:.1f}' y2='{y:.1f}' stroke='{colour}' "
        f"stroke-width='{min(2.0, max(1.0, h / 4)):.1f}'/>",
        f"<circle cx='{speed.x(r['ratio']):.1f}' cy='{y:.1f}' r='{radius:.1f}' fill='{fill}' stroke='{colour}'/></g>",
    ]
    if pd.notna(r["rss_ratio"]) and r["rss_ratio"] > 0:
        mtip = (
            f"{label}: peak RSS {r['candidate']} {r['rss_candidate_mb']:.4g} MB / {r['reference']} "
            f"{r['rss_reference_mb']:.4g} MB = {r['rss_ratio']:.3g} (medians over launches)"
        )
        parts.append(
            f"<g class='mem'><title>{esc(mtip)}</title><rect x='{mem.x(r['rss_ratio']) - radius:.1f}' "
            f"y='{y - radius:.1f}' width='{2 * radius:.1f}' height='{2 * radius:.1f}' fill='#555'/></g>"
        )
    mark = "".join(parts)
    return f"<a href='{esc(link)}'>{mark}</a>" if link else mark


def overview_svg(rows: pd.DataFrame, delta: float, links: dict[int, str] | None = None) -> str:
    """The figure from overview_table's rows; `links` maps a row's index to its raw result."""
    if rows.empty:
        return "<p class='muted'>no comparison of two sides in this run</p>"
    rows = rows.reset_index(drop=True)
    n_groups = rows.groupby(["domain", "candidate", "reference"]).ngroups + rows["domain"].nunique()
    row_h = max(2.0, min(14.0, MAX_PLOT_H / len(rows)))
    labelled = row_h >= 12
    left_speed = LABEL_W
    left_mem = LABEL_W + SPEED_W + GAP
    band = (1 / (1 + delta), 1 + delta)
    speed = _Axis.around(left_speed, SPEED_W, [*rows["ratio_ci_low"].dropna(), *rows["ratio_ci_high"].dropna(),
                                                *rows["ratio"].dropna()], band)  # fmt: skip
    mem = _Axis.around(left_mem, MEM_W, list(rows["rss_ratio"].dropna()), (0.9, 1.1))
    top = 44
    plot_h = row_h * len(rows) + HEAD_H * n_groups
    height = top + plot_h + 40
    width = left_mem + MEM_W + 20
    parts = [
        f"<svg xmlns='http://www.w3.org/2000/svg' class='chart overview' viewBox='0 0 {width} {height:.0f}' "
        f"width='{width}' height='{height:.0f}' role='img' aria-label='every comparison: speed ratio and memory'>",
        _legend(delta),
        f"<text x='{left_speed + SPEED_W / 2}' y='36' text-anchor='middle' font-weight='600'>speed: time ratio "
        "(paired, 95% interval)</text>",
        f"<text x='{left_mem + MEM_W / 2}' y='36' text-anchor='middle' font-weight='600'>memory: peak-RSS ratio</text>",
        f"<rect x='{speed.x(band[0]):.1f}' y='{top}' width='{speed.x(band[1]) - speed.x(band[0]):.1f}' "
        f"height='{plot_h:.1f}' fill='#e6e6e6'><title>margin ±{delta:.0%}: equivalent inside, faster or slower "
        "beyond</title></rect>",
        f"<line x1='{speed.x(1):.1f}' x2='{speed.x(1):.1f}' y1='{top}' y2='{top + plot_h:.1f}' stroke='#000'/>",
        f"<line x1='{mem.x(1):.1f}' x2='{mem.x(1):.1f}' y1='{top}' y2='{top + plot_h:.1f}' stroke='#000'/>",
        *speed.ticks(top + plot_h),
        *mem.ticks(top + plot_h),
        f"<text x='{left_speed + SPEED_W / 2}' y='{height - 6:.0f}' text-anchor='middle'>candidate / reference "
        "(log; &lt; 1: the candidate is faster)</text>",
        f"<text x='{left_mem + MEM_W / 2}' y='{height - 6:.0f}' text-anchor='middle'>candidate / reference "
        "(log; &lt; 1: smaller)</text>",
    ]
    y = float(top)
    for domain, d in rows.groupby("domain", sort=False):
        parts.append(
            f"<text x='4' y='{y + 13:.1f}'><tspan font-weight='700'>{esc(domain)}</tspan> — {esc(_counts(d))}</text>"
            f"<line x1='0' x2='{width}' y1='{y:.1f}' y2='{y:.1f}' stroke='#bbb'/>"
        )
        y += HEAD_H
        for (cand, ref), g in d.groupby(["candidate", "reference"], sort=False):
            parts.append(
                f"<text x='14' y='{y + 13:.1f}'><tspan font-style='italic'>{esc(cand)} vs {esc(ref)}</tspan>: "
                f"{esc(_counts(g))}</text>"
            )
            y += HEAD_H
            for i, r in g.iterrows():
                link = (links or {}).get(int(str(i)), "")
                parts.append(_row_mark(r, y + row_h / 2, row_h, speed, mem, link, labelled))
                y += row_h
    parts.append("</svg>")
    return "".join(parts)


def overview_figure_svg(rows: pd.DataFrame, delta: float, launches: pd.DataFrame, raw_href: str = "../raw/") -> str:
    """The figure with each mark linked to its candidate's first raw result (as the forest plot links)."""
    first = first_results(launches, raw_href)
    rows = rows.reset_index(drop=True)
    links = {int(str(i)): first.get((str(r["cell_id"]), str(r["candidate"])), "") for i, r in rows.iterrows()}
    return overview_svg(rows, delta, links)


def overview_figure(rows: pd.DataFrame, out_stem: Path, delta: float, launches: pd.DataFrame) -> list[Path]:
    """analysis/overview.svg: the report's first picture as a file of its own."""
    if rows.empty:
        return []
    path = out_stem.with_suffix(".svg")
    path.write_text(overview_figure_svg(rows, delta, launches) + "\n", encoding="utf-8")
    return [path]

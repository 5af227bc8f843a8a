"""Inline SVG charts for the report: no library, no network, every mark carries a tooltip
(<title>) and, where it stands for a measured number, a link to the raw result it came from. The speed forest
plot is analysis/forest.py's, shared with analysis/speed_ratio.svg."""

from __future__ import annotations

import math
from collections.abc import Sequence

import pandas as pd

from pairbench.analysis.forest import esc as _e
from pairbench.analysis.forest import log_ticks as _log_axis

PALETTE = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf"]


def colours(names: Sequence[str]) -> dict[str, str]:
    return {n: PALETTE[i % len(PALETTE)] for i, n in enumerate(sorted(set(names)))}


def bar_chart(df: pd.DataFrame, label_col: str, value_col: str, group_col: str, unit: str) -> str:
    """Horizontal grouped bars (one bar per group within each label)."""
    if df.empty or df[value_col].isna().all():
        return "<p class='muted'>not measured</p>"
    df = df.dropna(subset=[value_col]).reset_index(drop=True)
    col = colours(df[group_col].astype(str).tolist())
    left, width, bar_h, top = 330, 480, 12, 10
    vmax = float(df[value_col].max()) or 1.0
    height = top + bar_h * len(df) + 8 * df[label_col].nunique() + 30
    parts = [
        f"<svg xmlns='http://www.w3.org/2000/svg' class='chart' viewBox='0 0 {left + width + 90} {height}' "
        f"width='{left + width + 90}' height='{height}' role='img' aria-label='{_e(value_col)} bars'>"
    ]
    y = top
    for label, group in df.groupby(label_col, sort=True):
        parts.append(
            f"<text x='{left - 8}' y='{y + bar_h * len(group) / 2 + 4:.1f}' text-anchor='end'>"
            f"{_e(str(label)[:48])}</text>"
        )
        for _, r in group.iterrows():
            w = width * float(r[value_col]) / vmax
            parts.append(
                f"<rect x='{left}' y='{y}' width='{w:.1f}' height='{bar_h - 2}' "
                f"fill='{col[str(r[group_col])]}'><title>{_e(r[group_col])}: {r[value_col]:.4g} {unit}"
                f"</title></rect><text x='{left + w + 4:.1f}' y='{y + bar_h - 3}' font-size='10'>"
                f"{r[value_col]:.3g}</text>"
            )
            y += bar_h
        y += 8
    parts.append(_legend(col, left, height - 12))
    parts.append("</svg>")
    return "".join(parts)


def _legend(col: dict[str, str], x0: float, y: float) -> str:
    out, x = [], x0
    for name, c in col.items():
        out.append(
            f"<rect x='{x}' y='{y - 9}' width='10' height='10' fill='{c}'/><text x='{x + 14}' y='{y}'>{_e(name)}</text>"
        )
        x += 24 + 7 * len(name)
    return "".join(out)


def scatter(
    df: pd.DataFrame,
    x_col: str,
    y_col: str,
    group_col: str,
    front_col: str,
    x_label: str,
    y_label: str,
    log_x: bool = True,
    log_y: bool = False,
) -> str:
    """Pareto scatter: one point per row, coloured by group; rows on the front are ringed and joined."""
    d = df.dropna(subset=[x_col, y_col]).reset_index(drop=True)
    if d.empty:
        return "<p class='muted'>not enough measurements for a scatter</p>"
    col = colours(d[group_col].astype(str).tolist())
    left, top, w, h = 60, 10, 520, 300

    def scale(v: float, lo: float, hi: float, log: bool) -> float:
        if log:
            v, lo, hi = math.log(max(v, 1e-300)), math.log(max(lo, 1e-300)), math.log(max(hi, 1e-300))
        return 0.5 if hi == lo else (v - lo) / (hi - lo)

    xl, xh = float(d[x_col].min()) / 1.1, float(d[x_col].max()) * 1.1
    yl, yh = float(d[y_col].min()), float(d[y_col].max())
    pad = (yh - yl) * 0.1 or abs(yh) * 0.1 or 1.0
    yl, yh = (yl / 1.2, yh * 1.2) if log_y else (yl - pad, yh + pad)
    parts = [
        f"<svg xmlns='http://www.w3.org/2000/svg' class='chart' viewBox='0 0 {left + w + 160} {top + h + 45}' "
        f"width='{left + w + 160}' height='{top + h + 45}' role='img' aria-label='pareto scatter'>",
        f"<rect x='{left}' y='{top}' width='{w}' height='{h}' fill='none' stroke='#999'/>",
        f"<text x='{left + w / 2}' y='{top + h + 35}' text-anchor='middle'>{_e(x_label)}</text>",
        f"<text x='14' y='{top + h / 2}' text-anchor='middle' transform='rotate(-90 14 {top + h / 2})'>"
        f"{_e(y_label)}</text>",
    ]
    for t in _log_axis(xl, xh) if log_x else [xl, (xl + xh) / 2, xh]:
        px = left + w * scale(t, xl, xh, log_x)
        parts.append(f"<text x='{px:.1f}' y='{top + h + 15}' text-anchor='middle'>{t:.3g}</text>")
    for t in _log_axis(yl, yh) if log_y else [yl, (yl + yh) / 2, yh]:
        py = top + h - h * scale(t, yl, yh, log_y)
        parts.append(f"<text x='{left - 4}' y='{py + 4:.1f}' text-anchor='end'>{t:.3g}</text>")
    front = d[d[front_col].astype(bool)].sort_values(x_col)
    if len(front) > 1:
        pts = " ".join(
            f"{left + w * scale(r[x_col], xl, xh, log_x):.1f},{top + h - h * scale(r[y_col], yl, yh, log_y):.1f}"
            for _, r in front.iterrows()
        )
        parts.append(f"<polyline points='{pts}' fill='none' stroke='#444' stroke-dasharray='4 3'/>")
    for _, r in d.iterrows():
        px = left + w * scale(r[x_col], xl, xh, log_x)
        py = top + h - h * scale(r[y_col], yl, yh, log_y)
        ring = " stroke='#000' stroke-width='2'" if bool(r[front_col]) else ""
        tip = f"{r[group_col]} · {r.get('label', '')}: {x_col} {r[x_col]:.3g}, {y_col} {r[y_col]:.3g}" + (
            " (Pareto-optimal)" if bool(r[front_col]) else ""
        )
        parts.append(
            f"<circle cx='{px:.1f}' cy='{py:.1f}' r='5' fill='{col[str(r[group_col])]}' "
            f"fill-opacity='.8'{ring}><title>{_e(tip)}</title></circle>"
        )
    for i, (name, c) in enumerate(col.items()):
        parts.append(
            f"<rect x='{left + w + 12}' y='{top + 14 * i}' width='10' height='10' fill='{c}'/>"
            f"<text x='{left + w + 26}' y='{top + 9 + 14 * i}'>{_e(name)}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


def radar(scores: dict[str, dict[str, float]], axes: list[str]) -> str:
    """One polygon per framework over score axes in [0, 1] (1 = best of its cells)."""
    if not scores or not axes:
        return "<p class='muted'>no scores</p>"
    col = colours(list(scores))
    cx, cy, rad = 170, 160, 120
    n = len(axes)

    def pt(i: int, v: float) -> tuple[float, float]:
        a = -math.pi / 2 + 2 * math.pi * i / n
        return cx + rad * v * math.cos(a), cy + rad * v * math.sin(a)

    parts = [
        "<svg xmlns='http://www.w3.org/2000/svg' class='chart' viewBox='0 0 480 320' width='480' "
        "height='320' role='img' aria-label='radar per framework'>"
    ]
    for level in (0.25, 0.5, 0.75, 1.0):
        ring = " ".join(f"{pt(i, level)[0]:.1f},{pt(i, level)[1]:.1f}" for i in range(n))
        parts.append(f"<polygon points='{ring}' fill='none' stroke='#ddd'/>")
    for i, axis in enumerate(axes):
        x, y = pt(i, 1.12)
        parts.append(
            f"<line x1='{cx}' y1='{cy}' x2='{pt(i, 1)[0]:.1f}' y2='{pt(i, 1)[1]:.1f}' stroke='#ccc'/>"
            f"<text x='{x:.1f}' y='{y:.1f}' text-anchor='middle'>{_e(axis)}</text>"
        )
    for j, (fw, s) in enumerate(scores.items()):
        vals = [0.0 if s.get(a) is None or math.isnan(s.get(a, math.nan)) else float(s[a]) for a in axes]
        poly = " ".join(f"{pt(i, v)[0]:.1f},{pt(i, v)[1]:.1f}" for i, v in enumerate(vals))
        tip = ", ".join(f"{a} {v:.2f}" for a, v in zip(axes, vals, strict=True))
        parts.append(
            f"<polygon points='{poly}' fill='{col[fw]}' fill-opacity='.15' stroke='{col[fw]}' "
            f"stroke-width='2'><title>{_e(fw)}: {_e(tip)}</title></polygon>"
            f"<rect x='350' y='{20 + 16 * j}' width='10' height='10' fill='{col[fw]}'/>"
            f"<text x='365' y='{29 + 16 * j}'>{_e(fw)}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


def line_chart(df: pd.DataFrame, x_col: str, y_col: str, series_col: str, x_label: str, y_label: str) -> str:
    """Log-log scaling curves, one line per series."""
    d = df.dropna(subset=[x_col, y_col])
    d = d[(d[x_col] > 0) & (d[y_col] > 0)]
    if d.empty:
        return ""
    return _line_svg(d.assign(series=d[series_col].astype(str)), x_col, y_col, x_label, y_label)


def _line_svg(d: pd.DataFrame, x_col: str, y_col: str, x_label: str, y_label: str) -> str:
    col = colours(d["series"].tolist())
    left, top, w, h = 70, 10, 480, 260
    xl, xh = float(d[x_col].min()), float(d[x_col].max())
    yl, yh = float(d[y_col].min()) / 1.2, float(d[y_col].max()) * 1.2

    def sx(v: float) -> float:
        return left + (w * (math.log(v) - math.log(xl)) / (math.log(xh) - math.log(xl)) if xh > xl else w / 2)

    def sy(v: float) -> float:
        return top + h - h * (math.log(v) - math.log(yl)) / (math.log(yh) - math.log(yl))

    parts = [
        f"<svg xmlns='http://www.w3.org/2000/svg' class='chart' viewBox='0 0 {left + w + 220} {top + h + 45}' "
        f"width='{left + w + 220}' height='{top + h + 45}' role='img' aria-label='scaling curves'>",
        f"<rect x='{left}' y='{top}' width='{w}' height='{h}' fill='none' stroke='#999'/>",
        f"<text x='{left + w / 2}' y='{top + h + 35}' text-anchor='middle'>{_e(x_label)}</text>",
        f"<text x='14' y='{top + h / 2}' text-anchor='middle' transform='rotate(-90 14 {top + h / 2})'>"
        f"{_e(y_label)}</text>",
    ]
    for t in _log_axis(xl, xh):
        parts.append(f"<text x='{sx(t):.1f}' y='{top + h + 15}' text-anchor='middle'>{t:g}</text>")
    for t in _log_axis(yl, yh):
        parts.append(f"<text x='{left - 4}' y='{sy(t) + 4:.1f}' text-anchor='end'>{t:.2g}</text>")
    for i, (name, g) in enumerate(d.sort_values(x_col).groupby("series", sort=True)):
        pts = " ".join(f"{sx(a):.1f},{sy(b):.1f}" for a, b in zip(g[x_col], g[y_col], strict=True))
        parts.append(f"<polyline points='{pts}' fill='none' stroke='{col[name]}' stroke-width='2'/>")
        for a, b in zip(g[x_col], g[y_col], strict=True):
            parts.append(
                f"<circle cx='{sx(a):.1f}' cy='{sy(b):.1f}' r='3' fill='{col[name]}'>"
                f"<title>{_e(name)}: {x_col} {a:g}, {y_col} {b:.3g}</title></circle>"
            )
        parts.append(
            f"<rect x='{left + w + 10}' y='{top + 14 * i}' width='10' height='10' fill='{col[name]}'/>"
            f"<text x='{left + w + 24}' y='{top + 9 + 14 * i}'>{_e(name[:30])}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)

"""RL figures, inline SVG in the house way (report/charts.py): the learning curves of the `solve` task
(median and min-max band over seeds of the mean evaluation return vs env steps, one colour per side)
and the lockstep deviation (per-gradient-step relative TD-loss deviation from SB3's, log scale)."""

from __future__ import annotations

import math

import pandas as pd

from pairbench.analysis.forest import esc as _e
from pairbench.analysis.forest import log_ticks
from pairbench.report.charts import colours

LEFT, TOP, W, H = 70, 10, 480, 260


def _frame(label: str, x_label: str, y_label: str) -> list[str]:
    return [
        f"<svg xmlns='http://www.w3.org/2000/svg' class='chart' viewBox='0 0 {LEFT + W + 200} {TOP + H + 45}' "
        f"width='{LEFT + W + 200}' height='{TOP + H + 45}' role='img' aria-label='{_e(label)}'>",
        f"<rect x='{LEFT}' y='{TOP}' width='{W}' height='{H}' fill='none' stroke='#999'/>",
        f"<text x='{LEFT + W / 2}' y='{TOP + H + 35}' text-anchor='middle'>{_e(x_label)}</text>",
        f"<text x='14' y='{TOP + H / 2}' text-anchor='middle' transform='rotate(-90 14 {TOP + H / 2})'>"
        f"{_e(y_label)}</text>",
    ]


def _legend(col: dict[str, str]) -> list[str]:
    return [
        f"<rect x='{LEFT + W + 10}' y='{TOP + 14 * i}' width='10' height='10' fill='{c}'/>"
        f"<text x='{LEFT + W + 24}' y='{TOP + 9 + 14 * i}'>{_e(name[:28])}</text>"
        for i, (name, c) in enumerate(col.items())
    ]


def learning_curves(curves: pd.DataFrame, threshold: float = 475.0, title: str = "") -> str:
    """Median over seeds of the mean evaluation return per env step, with the min-max band; one chart
    per solve cell (DQN and PPO have their own budgets and evaluation steps)."""
    if curves.empty:
        return ""
    if "cell_id" in curves and curves["cell_id"].nunique() > 1:
        return "".join(learning_curves(g, threshold, str(cell)) for cell, g in curves.groupby("cell_id", sort=True))
    col = colours(curves["framework"].astype(str).tolist())
    xh = float(curves["env_step"].max()) or 1.0
    yh = max(500.0, float(curves["mean_return"].max()))

    def sx(v: float) -> float:
        return LEFT + W * v / xh

    def sy(v: float) -> float:
        return TOP + H - H * v / yh

    parts = _frame(f"learning curves {title}".strip(), "env steps", "mean evaluation return (100 starts)")
    if title:
        parts.append(f"<text x='{LEFT}' y='{TOP - 6}'>{_e(title)}</text>")
    for t in range(0, int(xh) + 1, max(int(xh) // 5, 1)):
        parts.append(f"<text x='{sx(t):.1f}' y='{TOP + H + 15}' text-anchor='middle'>{t:,}</text>")
    for t in range(0, int(yh) + 1, 100):
        parts.append(f"<text x='{LEFT - 4}' y='{sy(t) + 4:.1f}' text-anchor='end'>{t}</text>")
    parts.append(
        f"<line x1='{LEFT}' x2='{LEFT + W}' y1='{sy(threshold):.1f}' y2='{sy(threshold):.1f}' "
        f"stroke='#999' stroke-dasharray='4 3'><title>threshold {threshold:g}</title></line>"
    )
    for fw, g in curves.groupby("framework", sort=True):
        s = g.groupby("env_step")["mean_return"].agg(["median", "min", "max", "count"]).sort_index()
        band = [f"{sx(x):.1f},{sy(v):.1f}" for x, v in zip(s.index, s["max"], strict=True)]
        band += [f"{sx(x):.1f},{sy(v):.1f}" for x, v in zip(s.index[::-1], s["min"][::-1], strict=True)]
        c = col[str(fw)]
        parts.append(f"<polygon points='{' '.join(band)}' fill='{c}' fill-opacity='0.15' stroke='none'/>")
        pts = " ".join(f"{sx(x):.1f},{sy(v):.1f}" for x, v in zip(s.index, s["median"], strict=True))
        parts.append(f"<polyline points='{pts}' fill='none' stroke='{c}' stroke-width='2'/>")
        for x, r in s.iterrows():
            parts.append(
                f"<circle cx='{sx(float(x)):.1f}' cy='{sy(r['median']):.1f}' r='2.5' fill='{c}'>"
                f"<title>{_e(fw)}: step {int(x):,}, median {r['median']:.1f} (min {r['min']:.1f}, "
                f"max {r['max']:.1f}, {int(r['count'])} seeds)</title></circle>"
            )
    parts += _legend(col)
    parts.append("</svg>")
    return "".join(parts)


def lockstep_deviation(dev: pd.DataFrame) -> str:
    """Relative TD-loss deviation from the baseline per gradient step, per side, log scale."""
    d = dev[dev["rel_dev"] > 0] if not dev.empty else dev
    if d.empty:
        return ""
    col = colours(d["framework"].astype(str).tolist())
    xh = float(d["step"].max())
    yl, yh = float(d["rel_dev"].min()) / 2, float(d["rel_dev"].max()) * 2

    def sx(v: float) -> float:
        return LEFT + W * (v - 1) / max(xh - 1, 1)

    def sy(v: float) -> float:
        return TOP + H - H * (math.log(v) - math.log(yl)) / (math.log(yh) - math.log(yl))

    parts = _frame("lockstep deviation", "gradient step", "|loss - SB3's| / |SB3's|")
    for t in range(1, int(xh) + 1, max(int(xh) // 8, 1)):
        parts.append(f"<text x='{sx(t):.1f}' y='{TOP + H + 15}' text-anchor='middle'>{t}</text>")
    for t in log_ticks(yl, yh):
        parts.append(f"<text x='{LEFT - 4}' y='{sy(t) + 4:.1f}' text-anchor='end'>{t:.0e}</text>")
    for (cell, fw), g in d.groupby(["cell_id", "framework"], sort=True):
        c = col[str(fw)]
        pts = " ".join(f"{sx(a):.1f},{sy(b):.1f}" for a, b in zip(g["step"], g["rel_dev"], strict=True))
        parts.append(
            f"<polyline points='{pts}' fill='none' stroke='{c}' stroke-width='1.5'>"
            f"<title>{_e(fw)} ({_e(cell)}): max {g['rel_dev'].max():.3g}</title></polyline>"
        )
    parts += _legend(col)
    parts.append("</svg>")
    return "".join(parts)

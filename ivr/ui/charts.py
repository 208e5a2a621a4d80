"""Horizontal bar charts as SVG, drawn on the server: readable without JavaScript,
with a title and the numbers as text for screen readers."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from html import escape

from markupsafe import Markup

BAR_H = 16
LABEL_H = 16
GAP = 8
WIDTH = 360
_ids = itertools.count(1)


def bar_chart(title: str, bars: Sequence[tuple[str, int]]) -> Markup:
    """``bars`` as (label, count), each label above its bar; the longest bar fills the width."""
    chart_id = f"chart-{next(_ids)}"
    top = max((count for _, count in bars), default=0) or 1
    room = WIDTH - 40
    step = LABEL_H + BAR_H + GAP
    height = max(len(bars), 1) * step + GAP
    parts = [
        f'<svg class="chart" role="img" aria-labelledby="{chart_id}" viewBox="0 0 {WIDTH}'
        f' {height}" width="100%" preserveAspectRatio="xMinYMin meet">',
        f'<title id="{chart_id}">{escape(title)}: '
        + escape(", ".join(f"{label} {count}" for label, count in bars) or "0")
        + "</title>",
    ]
    for row, (label, count) in enumerate(bars):
        y = GAP + row * step
        length = round(room * count / top)
        parts.append(
            f'<text x="0" y="{y + 12}" class="label">{escape(label)}</text>'
            f'<rect x="0" y="{y + LABEL_H}" width="{max(length, 1)}" height="{BAR_H}"'
            ' class="bar"/>'
            f'<text x="{length + 4}" y="{y + LABEL_H + 13}" class="value">{count}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every text above is escaped

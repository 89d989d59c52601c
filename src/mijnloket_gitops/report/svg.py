"""Inline SVG charts for the HTML report: no script, no font or file fetched.

Every chart is a plain ``<svg>`` with a ``viewBox``, text in the page's font, and a
``<title>`` so a screen reader (and a test) can tell what it shows.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape

BAR_HEIGHT = 22
LABEL_WIDTH = 300
BAR_WIDTH = 420


def bar_chart(
    title: str,
    rows: Sequence[tuple[str, int, str]],
    total: int,
    *,
    log: bool = False,
    shown: Sequence[str] | None = None,
) -> str:
    """Horizontal bars: ``(label, value, colour)`` each, scaled to ``total``.

    ``log`` scales by log(1 + value), so that one product at 100% does not squash the
    ones at 2% to a hairline (the title should say so); ``shown`` is the text beside
    each bar (default: the value).
    """
    height = BAR_HEIGHT * len(rows) + 10
    width = LABEL_WIDTH + BAR_WIDTH + 110
    parts = [
        f'<svg class="chart" role="img" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}">',
        f"<title>{escape(title)}</title>",
    ]
    top = max(total, 1)
    for index, (label, value, colour) in enumerate(rows):
        y = 5 + index * BAR_HEIGHT
        share = math.log1p(value) / math.log1p(top) if log else value / top
        length = max(share * BAR_WIDTH, 1 if value else 0)
        text = shown[index] if shown is not None else str(value)
        parts += [
            f'<text x="{LABEL_WIDTH - 8}" y="{y + 15}" text-anchor="end">{escape(label)}</text>',
            f'<rect x="{LABEL_WIDTH}" y="{y + 3}" width="{length:.1f}" height="{BAR_HEIGHT - 6}" '
            f'fill="{colour}"/>',
            f'<text x="{LABEL_WIDTH + length + 6:.1f}" y="{y + 15}">{escape(text)}</text>',
        ]
    return "".join([*parts, "</svg>"])


def pipeline(title: str, stages: Sequence[tuple[str, int, str]]) -> str:
    """Boxes joined by arrows, left to right: ``(label, count, colour)`` each."""
    box, gap = 200, 44
    width = len(stages) * box + (len(stages) - 1) * gap + 10
    parts = [
        f'<svg class="chart" role="img" viewBox="0 0 {width} 90" width="{width}" height="90" >',
        f"<title>{escape(title)}</title>",
    ]
    for index, (label, count, colour) in enumerate(stages):
        x = 5 + index * (box + gap)
        parts += [
            f'<rect x="{x}" y="10" width="{box}" height="70" rx="8" fill="{colour}"/>',
            f'<text x="{x + box / 2}" y="38" text-anchor="middle" class="on-colour">'
            f"{escape(label)}</text>",
            f'<text x="{x + box / 2}" y="64" text-anchor="middle" class="on-colour big">'
            f"{count}</text>",
        ]
        if index:
            start = x - gap + 6
            parts.append(
                f'<path d="M{start} 45 h{gap - 18} l-6 -6 m6 6 l-6 6" stroke="#555" '
                'stroke-width="2" fill="none"/>'
            )
    return "".join([*parts, "</svg>"])

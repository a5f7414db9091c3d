"""Bar charts as inline SVG, drawn here: no script runs in the reader's browser or PDF.

Each chart is an image with a text alternative: ``role="img"``, a ``<title>`` naming the
chart and a ``<desc>`` listing every bar's figure, so a screen reader reads the numbers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

__all__ = ["Bar", "bar_chart"]

_LABEL_WIDTH = 190
_BAR_AREA = 300
_VALUE_WIDTH = 80
_ROW = 22
_BAR = 14
_TOP = 8
_COLOURS = ("#2f5d8a", "#3f8f5a", "#b5562f", "#7a5aa6", "#8a7a2f")
MAX_BARS = 12


@dataclass(frozen=True, slots=True)
class Bar:
    label: str
    value: float
    text: str  # the figure as shown (a count, a percentage)
    colour: int = 0  # index into the palette


def bar_chart(
    chart_id: str, title: str, bars: Sequence[Bar], *, scale: float | None = None
) -> Markup:
    """Horizontal bars, longest to scale (or to ``scale``), at most :data:`MAX_BARS`."""
    shown = list(bars)[:MAX_BARS]
    top = scale if scale is not None else max((b.value for b in shown), default=0.0)
    width = _LABEL_WIDTH + _BAR_AREA + _VALUE_WIDTH
    height = _TOP * 2 + _ROW * max(len(shown), 1)
    title_id, desc_id = f"{chart_id}-title", f"{chart_id}-desc"
    desc = "; ".join(f"{b.label}: {b.text}" for b in shown) or "-"
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
        f'id="{escape(chart_id)}" aria-labelledby="{title_id} {desc_id}" '
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}">',
        f'<title id="{title_id}">{escape(title)}</title>',
        f'<desc id="{desc_id}">{escape(desc)}</desc>',
    ]
    for row, bar in enumerate(shown):
        y = _TOP + row * _ROW
        length = 0.0 if top <= 0 else max(0.0, min(1.0, bar.value / top)) * _BAR_AREA
        colour = _COLOURS[bar.colour % len(_COLOURS)]
        parts.append(
            f'<text x="{_LABEL_WIDTH - 6}" y="{y + _BAR - 2}" text-anchor="end" '
            f'class="chart-label">{escape(_clip(bar.label))}</text>'
        )
        parts.append(
            f'<rect x="{_LABEL_WIDTH}" y="{y}" width="{length:.1f}" height="{_BAR}" '
            f'fill="{colour}"/>'
        )
        parts.append(
            f'<text x="{_LABEL_WIDTH + length + 4:.1f}" y="{y + _BAR - 2}" '
            f'class="chart-value">{escape(bar.text)}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def _clip(label: str, limit: int = 22) -> str:
    """A label that fits beside the bars (wide characters count twice)."""
    width = 0
    out: list[str] = []
    for char in label:
        width += 2 if ord(char) > 0x2E7F else 1
        if width > limit:
            return "".join(out) + "…"
        out.append(char)
    return label

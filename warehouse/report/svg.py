"""Small helpers to write inline SVG and HTML by hand: escaping, number formats, ticks."""

from __future__ import annotations

import math
import re
from datetime import datetime
from html import escape

__all__ = [
    "empty",
    "esc",
    "figure",
    "fmt_duration",
    "fmt_int",
    "fmt_pct",
    "fmt_time",
    "nice_ticks",
    "svg",
    "swatch",
    "title",
]


def esc(value: object) -> str:
    return escape(str(value), quote=True)


def fmt_int(value: float) -> str:
    return f"{value:,.0f}"


def fmt_pct(value: float | None, digits: int = 0) -> str:
    return "–" if value is None else f"{value * 100:.{digits}f}%"


def fmt_time(value: datetime, *, date: bool = True) -> str:
    return value.strftime("%d %b %H:%M" if date else "%H:%M:%S")


def fmt_duration(seconds: float) -> str:
    """``45 s``, ``12 min``, ``3 h 05``, ``2 d 4 h``."""
    seconds = abs(seconds)
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min"
    if seconds < 2 * 86_400:
        hours, rest = divmod(round(seconds / 60), 60)
        return f"{hours} h {rest:02d}"
    days, rest = divmod(round(seconds / 3600), 24)
    return f"{days} d {rest} h"


def nice_ticks(top: float, count: int = 4) -> list[float]:
    """Round tick values from 0 up to at least ``top``."""
    if top <= 0:
        return [0.0, 1.0]
    raw = top / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    return [i * step for i in range(math.ceil(top / step - 1e-9) + 1)]


def title(text: str) -> str:
    """A tooltip: the first child of an SVG element."""
    return f"<title>{esc(text)}</title>"


def svg(width: float, height: float, body: str, *, label: str) -> str:
    """A responsive SVG: scales to its container's width, keeps its aspect ratio."""
    return (
        f'<svg viewBox="0 0 {width:.0f} {height:.0f}" role="img" aria-label="{esc(label)}" '
        f'preserveAspectRatio="xMinYMin meet" style="max-width:{width:.0f}px">{body}</svg>'
    )


def figure(name: str, heading: str, caption: str, body: str, *, wide: bool = False, empty: bool = False) -> str:
    """One chart card; ``data-chart`` is the stable name tests and readers refer to."""
    classes = "card wide" if wide else "card"
    flag = ' data-empty="true"' if empty else ""
    return (
        f'<figure class="{classes}" data-chart="{esc(name)}"{flag}>'
        f"<h3>{esc(heading)}</h3><p class=caption>{caption}</p>{body}</figure>"
    )


NO_JOURNEYS = "No journeys loaded yet: `journeys flows run` loads what the stitcher published."


def empty(message: str = NO_JOURNEYS) -> str:
    """The "no data" state of a chart: what is missing and what produces it."""
    text = esc(message)
    text = re.sub(r"`([^`]+)`", r"<code>\1</code>", text)
    return f'<div class="empty">{text}</div>'


def swatch(colour: str, label: str) -> str:
    """A coloured square and its label, for legends in captions."""
    return f'<span class="swatch" style="background:{colour}"></span>{esc(label)}'

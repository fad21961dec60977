"""Bar charts: journey volume over time, the score distribution, friction by rule, channel and country."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from warehouse.report.data import ChannelFriction, CountryFriction, RuleCount, ScoreBand, VolumePoint
from warehouse.report.palette import FRICTION, SEVERITY_COLOURS, channel_colour, score_colour
from warehouse.report.svg import empty, esc, figure, fmt_int, fmt_pct, nice_ticks, svg, swatch, title

# A rate over fewer journeys than this is drawn pale: one journey of one makes 100%.
MIN_JOURNEYS = 30
CALM = "#8fb3d9"  # journeys without friction: a quiet blue, so the red reads first

__all__ = [
    "Bar",
    "friction_by_channel",
    "friction_by_country",
    "friction_by_rule",
    "hbars",
    "score_distribution",
    "volume",
]


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    colour: str
    tooltip: str
    text: str  # printed after the bar
    faint: bool = False  # drawn pale: too few journeys behind a rate to trust it


def _fit(label: str, width: float) -> str:
    """Cut a label to the room left of the bars (12px text is ~6.6px a character); the tooltip has it whole."""
    room = int((width - 12) / 6.6)
    return label if len(label) <= room else label[: room - 1] + "…"


def hbars(
    bars: Sequence[Bar],
    *,
    label: str,
    width: int = 600,
    label_width: int = 150,
    top: float | None = None,
    reference: tuple[float, str] | None = None,
) -> str:
    """Horizontal bars, one per row, labelled on the left, value on the right."""
    row, pad = 24, 6
    top = max(top or max((b.value for b in bars), default=1.0), reference[0] if reference else 0.0) or 1.0
    span = width - label_width - 100
    height = len(bars) * row + pad * 2
    marks = []
    for i, bar in enumerate(bars):
        y = pad + i * row
        length = max(bar.value / top * span, 1.5 if bar.value else 0)
        pale = ' fill-opacity=".35"' if bar.faint else ""
        marks.append(
            f'<g class="mark">{title(bar.tooltip)}'
            f'<text class="lbl" x="{label_width - 8}" y="{y + 16}" text-anchor="end">{esc(_fit(bar.label, label_width))}</text>'
            f'<rect x="{label_width}" y="{y + 4}" width="{length:.1f}" height="{row - 8}" rx="3" fill="{bar.colour}"{pale}/>'
            f'<text class="val" x="{label_width + length + 6:.1f}" y="{y + 16}">{esc(bar.text)}</text></g>'
        )
    if reference is not None:
        x = label_width + reference[0] / top * span
        marks.insert(
            0, f'<line class="ref" x1="{x:.1f}" x2="{x:.1f}" y1="2" y2="{height - 2}">{title(reference[1])}</line>'
        )
    return svg(width, height, "".join(marks), label=label)


def volume(points: Sequence[VolumePoint], bucket: str) -> str:
    heading, name = "Journey volume", "volume"
    caption = f"Journeys started per {bucket}: {swatch(CALM, 'without friction')}{swatch(FRICTION, 'with at least one friction point')}"
    if not points:
        return figure(name, heading, caption, empty(), empty=True)
    width, height, left, bottom, top_pad = 760, 320, 48, 28, 12
    ticks = nice_ticks(max(p.journeys for p in points))
    top = ticks[-1]
    plot_h = height - bottom - top_pad
    slot = (width - left - 8) / len(points)
    bar_w = min(max(slot * 0.78, 1.0), 48.0)  # a week of data should not draw three slabs
    parts = []
    for t in ticks:
        y = top_pad + plot_h - t / top * plot_h
        parts.append(f'<line class="grid" x1="{left}" x2="{width - 8}" y1="{y:.1f}" y2="{y:.1f}"/>')
        parts.append(f'<text class="tick" x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{fmt_int(t)}</text>')
    label_every = max(1, round(len(points) / 10))
    fmt = "%d %b" if bucket == "day" else "%d %b %H:00"
    for i, p in enumerate(points):
        x = left + i * slot + (slot - bar_w) / 2
        h_all = p.journeys / top * plot_h
        h_fr = p.with_friction / top * plot_h
        base = top_pad + plot_h
        tip = (
            f"{p.period.strftime(fmt)}: {fmt_int(p.journeys)} journeys, {fmt_int(p.with_friction)} with friction "
            f"({fmt_pct(p.with_friction / p.journeys if p.journeys else 0)})"
        )
        parts.append(
            f'<g class="mark">{title(tip)}'
            f'<rect x="{x:.1f}" y="{base - h_all:.1f}" width="{bar_w:.1f}" height="{h_all:.1f}" rx="1.5" fill="{CALM}"/>'
            f'<rect x="{x:.1f}" y="{base - h_fr:.1f}" width="{bar_w:.1f}" height="{h_fr:.1f}" rx="1.5" fill="{FRICTION}" fill-opacity=".85"/></g>'
        )
        if i % label_every == 0:
            parts.append(
                f'<text class="tick" x="{x + bar_w / 2:.1f}" y="{height - 8}" text-anchor="middle">'
                f"{esc(p.period.strftime(fmt))}</text>"
            )
    return figure(name, heading, caption, svg(width, height, "".join(parts), label=heading))


def score_distribution(bands: Sequence[ScoreBand]) -> str:
    heading, name = "Score distribution", "score-distribution"
    caption = "Journeys per 10-point band of the experience score (0 worst, 100 best)."
    total = sum(b.journeys for b in bands)
    if not total:
        return figure(name, heading, caption, empty(), empty=True)
    width, height, left, bottom, top_pad = 410, 260, 44, 28, 12
    counts = {b.band: b for b in bands}
    ticks = nice_ticks(max(b.journeys for b in bands), 5)
    top = ticks[-1]
    plot_h = height - bottom - top_pad
    slot = (width - left - 10) / 10
    parts = []
    for t in ticks:
        y = top_pad + plot_h - t / top * plot_h
        parts.append(f'<line class="grid" x1="{left}" x2="{width - 10}" y1="{y:.1f}" y2="{y:.1f}"/>')
        parts.append(f'<text class="tick" x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{fmt_int(t)}</text>')
    for band in range(10):
        x = left + band * slot
        parts.append(f'<text class="tick" x="{x:.1f}" y="{height - 8}" text-anchor="middle">{band * 10}</text>')
        b = counts.get(band)
        if b is None or not b.journeys:
            continue
        h = b.journeys / top * plot_h
        tip = (
            f"score {band * 10}-{band * 10 + 10}: {fmt_int(b.journeys)} journeys ({fmt_pct(b.journeys / total)}); "
            f"mean points: outcome {b.outcome_points:+.1f}, effort {b.effort_points:+.1f}, "
            f"friction {b.friction_points:+.1f}, sentiment {b.sentiment_points:+.1f}"
        )
        parts.append(
            f'<g class="mark">{title(tip)}<rect x="{x + 2:.1f}" y="{top_pad + plot_h - h:.1f}" '
            f'width="{slot - 4:.1f}" height="{h:.1f}" rx="2" fill="{score_colour(band * 10 + 5)}"/></g>'
        )
    parts.append(f'<text class="tick" x="{width - 10}" y="{height - 8}" text-anchor="middle">100</text>')
    mean = {
        k: sum(getattr(b, k) * b.journeys for b in bands) / total
        for k in ("outcome_points", "effort_points", "friction_points", "sentiment_points")
    }
    legend = " · ".join(f"{k.split('_')[0]} <b>{v:+.1f}</b>" for k, v in mean.items())
    body = svg(width, height, "".join(parts), label=heading) + f'<p class="note">Mean points: {legend}</p>'
    return figure(name, heading, caption, body)


def friction_by_rule(rules: Sequence[RuleCount], journeys: int) -> str:
    heading, name = "Friction by kind", "friction-by-rule"
    caption = "Journeys each rule flagged, by severity: " + "".join(swatch(c, s) for s, c in SEVERITY_COLOURS.items())
    if not rules:
        return figure(name, heading, caption, empty("No friction found yet."), empty=True)
    bars = [
        Bar(
            r.rule.replace("_", " "),
            r.journeys,
            SEVERITY_COLOURS.get(r.severity, "#999"),
            f"{r.rule} ({r.severity}): {fmt_int(r.journeys)} journeys, {fmt_pct(r.journeys / journeys if journeys else None, 1)} of all",
            f"{fmt_int(r.journeys)} · {fmt_pct(r.journeys / journeys if journeys else None, 1)}",
        )
        for r in rules
    ]
    return figure(name, heading, caption, hbars(bars, label=heading, width=436, label_width=150))


def friction_by_channel(channels: Sequence[ChannelFriction]) -> str:
    heading, name = "Friction by channel", "friction-by-channel"
    caption = (
        "Share of the journeys using a channel that had friction on it (friction evidence on that channel); "
        f"pale: under {MIN_JOURNEYS} journeys."
    )
    rows = [c for c in channels if c.journeys_with_friction]
    if not rows:
        return figure(name, heading, caption, empty("No friction found yet."), empty=True)

    def rate(c: ChannelFriction) -> float:
        return c.journeys_with_friction / c.journeys if c.journeys else 0.0

    rows.sort(key=rate, reverse=True)
    bars = [
        Bar(
            c.channel,
            rate(c),
            channel_colour(c.channel),
            f"{c.channel}: {fmt_int(c.journeys_with_friction)} of {fmt_int(c.journeys)} journeys "
            f"({fmt_pct(rate(c), 1)}), {fmt_int(c.friction_points)} friction points",
            f"{fmt_pct(rate(c), 1)} of {fmt_int(c.journeys)}",
            faint=c.journeys < MIN_JOURNEYS,
        )
        for c in rows
    ]
    return figure(name, heading, caption, hbars(bars, label=heading, width=375, label_width=80))


def friction_by_country(countries: Sequence[CountryFriction]) -> str:
    heading, name = "Friction by country", "friction-by-country"
    caption = (
        "Share of each country's journeys with at least one friction point (countries by volume); "
        f"pale: under {MIN_JOURNEYS} journeys."
    )
    rows = [c for c in countries if c.journeys][:15]
    if not rows:
        return figure(name, heading, caption, empty(), empty=True)
    bars = [
        Bar(
            c.country,
            c.journeys_with_friction / c.journeys,
            FRICTION,
            f"{c.country}: {fmt_int(c.journeys_with_friction)} of {fmt_int(c.journeys)} journeys had friction, "
            f"{fmt_int(c.friction_points)} friction points",
            f"{fmt_pct(c.journeys_with_friction / c.journeys, 1)} of {fmt_int(c.journeys)}",
            faint=c.journeys < MIN_JOURNEYS,
        )
        for c in rows
    ]
    journeys = sum(c.journeys for c in countries)
    overall = sum(c.journeys_with_friction for c in countries) / journeys
    line = (overall, f"all countries: {fmt_pct(overall, 1)}")
    body = hbars(bars, label=heading, width=313, label_width=40, reference=line)
    return figure(name, heading, caption + f" Dashed: all countries ({fmt_pct(overall, 1)}).", body)

"""The worst journeys: each lowest-scored journey's touchpoints on a time axis, friction highlighted.

Touchpoints sit in one lane per channel (in order of first use), so channel hops read at a
glance. A journey mixes bursts (three clicks in two seconds) with gaps of days, so the time
axis is compressed: the distance between two touchpoints grows with the logarithm of the time
between them, and every gap over 30 minutes is marked with its length.
"""

from __future__ import annotations

import itertools
import json
import math
from collections.abc import Sequence

from warehouse.report.data import FrictionPoint, TimelinePoint, WorstJourney
from warehouse.report.palette import FRICTION, SEVERITY_COLOURS, channel_colour, score_colour
from warehouse.report.svg import empty, esc, figure, fmt_duration, fmt_int, fmt_time, svg, title

__all__ = ["positions", "worst_journeys"]

GAP_MARK_S = 1800
WIDTH, LABEL_W, LANE_H, RIGHT_PAD = 1200, 96, 34, 24
CHAR_W = 5.4  # width of one character of the 9.5px event label, measured in Chromium


def positions(times: Sequence[float], width: float) -> list[float]:
    """x of each time (seconds, ascending) in [0, width]: each step is 1 + ln(1 + gap_s) units."""
    if len(times) < 2:
        return [width / 2] * len(times)
    units = [0.0]
    for before, after in itertools.pairwise(times):
        units.append(units[-1] + 1 + math.log1p(max(after - before, 0.0)))
    return [u / units[-1] * width for u in units]


def _tip(point: TimelinePoint, rules: list[FrictionPoint]) -> str:
    lines = [
        f"#{point.position} {fmt_time(point.event_time)}:{point.event_time:%S} · {point.channel} · {point.event_type}"
    ]
    facts = [
        ("page", point.page),
        ("step", point.step),
        ("intent", point.intent),
        ("outcome", point.outcome),
        ("error", point.error_code),
        ("latency", f"{fmt_int(point.latency_ms)} ms" if point.latency_ms is not None else None),
        (point.survey_kind or "survey", f"{point.survey_score:g}" if point.survey_score is not None else None),
    ]
    lines += [f"{k}: {v}" for k, v in facts if v]
    lines += [f"⚠ {r.rule} ({r.severity}){': ' + r.detail if r.detail else ''}" for r in rules]
    return "\n".join(lines)


def _timeline_svg(journey: WorstJourney) -> str:
    points = journey.touchpoints
    lanes = list(dict.fromkeys(p.channel for p in points))
    evidence: dict[str, list[FrictionPoint]] = {}
    for rule in journey.friction:
        for event_id in rule.touchpoint_ids:
            evidence.setdefault(event_id, []).append(rule)
    span = WIDTH - LABEL_W - RIGHT_PAD
    start = points[0].event_time
    xs = [LABEL_W + x for x in positions([(p.event_time - start).total_seconds() for p in points], span)]
    lane_y = {channel: 4 + i * LANE_H + 12 for i, channel in enumerate(lanes)}
    axis_y = 8 + len(lanes) * LANE_H + 6
    parts = []
    for channel, y in lane_y.items():
        parts.append(f'<line class="lane" x1="{LABEL_W}" x2="{WIDTH - RIGHT_PAD / 2}" y1="{y}" y2="{y}"/>')
        parts.append(
            f'<text class="lbl" x="{LABEL_W - 10}" y="{y + 4}" text-anchor="end" fill="{channel_colour(channel)}">'
            f"{esc(channel)}</text>"
        )
    for i in range(1, len(points)):
        gap = (points[i].event_time - points[i - 1].event_time).total_seconds()
        if gap >= GAP_MARK_S:
            mx = (xs[i] + xs[i - 1]) / 2
            parts.append(f'<line class="gap" x1="{mx:.1f}" x2="{mx:.1f}" y1="4" y2="{axis_y}"/>')
            parts.append(
                f'<text class="tick" x="{mx:.1f}" y="{axis_y + 12}" text-anchor="middle">+{fmt_duration(gap)}</text>'
            )
    path = " ".join(f"{x:.1f},{lane_y[p.channel]:.1f}" for x, p in zip(xs, points, strict=True))
    parts.append(f'<polyline class="path" points="{path}"/>')
    label_end = dict.fromkeys(lanes, 0.0)
    for x, point in zip(xs, points, strict=True):
        y = lane_y[point.channel]
        text = point.event_type.replace("_", " ")
        half = len(text) * CHAR_W / 2
        cx = min(x, WIDTH - half)  # the last labels lean left rather than leave the picture
        if cx - half > label_end[point.channel] + 6:  # label only where it fits
            label_end[point.channel] = cx + half
            parts.append(f'<text class="evt" x="{cx:.1f}" y="{y + 19:.1f}" text-anchor="middle">{esc(text)}</text>')
        rules = evidence.get(point.event_id, [])
        ring = (
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="8.5" fill="none" stroke="{FRICTION}" stroke-width="2.2"/>'
            if rules
            else ""
        )
        parts.append(
            f'<g class="mark{" friction" if rules else ""}">{title(_tip(point, rules))}{ring}'
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="5" fill="{channel_colour(point.channel)}" stroke="#fff"/></g>'
        )
    parts.append(f'<text class="tick" x="{LABEL_W}" y="{axis_y + 12}">{fmt_time(start)}</text>')
    end = points[-1].event_time
    parts.append(
        f'<text class="tick" x="{WIDTH - RIGHT_PAD / 2}" y="{axis_y + 12}" text-anchor="end">{fmt_time(end)}</text>'
    )
    return svg(WIDTH, axis_y + 18, "".join(parts), label=f"timeline of journey {journey.journey_id}")


def _components_tip(components: str) -> str:
    try:
        parsed = json.loads(components)
    except (TypeError, ValueError):
        return components
    if isinstance(parsed, dict):
        return "\n".join(f"{k}: {json.dumps(v)}" for k, v in parsed.items())
    return json.dumps(parsed)


def _points(label: str, value: float, best: float | None) -> str:
    """``effort 12.4 / 35``: points earned of the most possible (friction: the penalty)."""
    if label == "friction":
        sign = "neg" if value < 0 else "zero"
        return f'<span class="pts {sign}">friction <b>{value:+.1f}</b></span>'
    if best:
        sign = "neg" if value < best / 2 else "pos"
        return f'<span class="pts {sign}">{esc(label)} <b>{value:.1f}</b><i> / {best:g}</i></span>'
    return f'<span class="pts">{esc(label)} <b>{value:.1f}</b></span>'


def _why(components: str) -> str:
    """The inputs behind the points, in words, from journey_scores.components (unknown shapes: nothing)."""
    try:
        parsed = json.loads(components)
    except (TypeError, ValueError):
        return ""
    if not isinstance(parsed, dict):
        return ""
    said = []
    outcome = parsed.get("outcome")
    if isinstance(outcome, dict):
        said.append(f"outcome {outcome.get('value') or 'none'} ({outcome.get('status', '?')})")
    effort = parsed.get("effort")
    if isinstance(effort, dict):
        for key, unit in (("touchpoints", "touchpoints"), ("channel_switches", "channel switches")):
            value, typical = effort.get(key), effort.get(f"typical_{key}")
            if isinstance(value, int | float) and isinstance(typical, int | float) and value > typical:
                said.append(f"{value:g} {unit} (typical {typical:g})")
        value, typical = effort.get("duration_s"), effort.get("typical_duration_s")
        if isinstance(value, int | float) and isinstance(typical, int | float) and value > typical:
            said.append(f"took {fmt_duration(value)} (typical {fmt_duration(typical)})")
    sentiment = parsed.get("sentiment")
    if isinstance(sentiment, dict) and sentiment.get("surveys"):
        level = sentiment.get("level")
        said.append(
            f"{sentiment['surveys']} survey answer(s)"
            + (f", level {level:.0%}" if isinstance(level, int | float) else "")
        )
    return " · ".join(said)


def _journey(rank: int, journey: WorstJourney) -> str:
    duration = (journey.end_time - journey.start_time).total_seconds()
    meta = " · ".join(
        esc(x)
        for x in (
            journey.country or "no country",
            journey.kind,
            f"{journey.status}{' (' + journey.outcome + ')' if journey.outcome else ''}",
            f"{fmt_int(journey.touchpoint_count)} touchpoints over {fmt_duration(duration)}",
            f"from {fmt_time(journey.start_time)}",
        )
    )
    chips = (
        "".join(
            f'<span class="chip" style="border-color:{SEVERITY_COLOURS.get(r.severity, "#999")}" '
            f'title="{esc((r.detail or r.rule) + " · " + str(len(r.touchpoint_ids)) + " evidence touchpoints")}">'
            f'<i style="background:{SEVERITY_COLOURS.get(r.severity, "#999")}"></i>{esc(r.rule.replace("_", " "))}</span>'
            for r in journey.friction
        )
        or '<span class="muted">no friction flagged</span>'
    )
    best = journey.maxima
    components = "".join(
        _points(label, value, top)
        for label, value, top in (
            ("outcome", journey.outcome_points, best.outcome if best else None),
            ("effort", journey.effort_points, best.effort if best else None),
            ("sentiment", journey.sentiment_points, best.sentiment if best else None),
            ("friction", journey.friction_points, None),
        )
    )
    why = _why(journey.components)
    if why:
        components += f'<span class="why">{esc(why)}</span>'
    timeline = _timeline_svg(journey) if journey.touchpoints else empty("No touchpoints loaded for this journey.")
    return (
        f'<div class="journey" data-journey="{esc(journey.journey_id)}">'
        f'<div class="jhead"><span class="score" style="background:{score_colour(journey.score)}" '
        f'title="{esc(_components_tip(journey.components))}">{journey.score:.0f}</span>'
        f'<div><div class="jid">#{rank} journey <code>{esc(journey.journey_id)}</code> · customer '
        f"<code>{esc(journey.customer_id)}</code></div><div class=meta>{meta}</div>"
        f'<div class="components">{components}</div><div class="chips">{chips}</div></div></div>'
        f"{timeline}</div>"
    )


def worst_journeys(journeys: Sequence[WorstJourney]) -> str:
    heading, name = "The worst journeys", "worst-journeys"
    caption = (
        f"The {str(len(journeys)) + ' ' if journeys else ''}lowest-scored journeys. One lane per channel; red rings mark friction evidence; "
        "time is compressed (gaps over 30 min are labelled). Hover a touchpoint for its details, the score for its inputs."
    )
    if not journeys:
        return figure(
            name,
            heading,
            caption,
            empty("No scored journeys yet: `journeys flows run` scores the journeys it loads."),
            empty=True,
            wide=True,
        )
    body = "".join(_journey(i, j) for i, j in enumerate(journeys, 1))
    return figure(name, heading, caption, body, wide=True)

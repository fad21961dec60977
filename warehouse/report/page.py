"""Assemble the report: one HTML file, styles and charts inline, no script, nothing fetched.

A Content-Security-Policy that allows only inline styles and data: images makes the promise
checkable: a browser opening the file would refuse (and log) any fetch a future chart added.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb

from warehouse.report import bars, heatmap, quality, sankey, timeline
from warehouse.report import evaluation as evaluation_chart
from warehouse.report.data import WORST_JOURNEYS, ReportData, load_report_data
from warehouse.report.palette import CHANNEL_COLOURS, channel_colour
from warehouse.report.style import CSS
from warehouse.report.svg import esc, fmt_int, fmt_pct, fmt_time

__all__ = ["build_report", "render"]

_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"


def _kpi(label: str, value: str, hint: str, sub: str = "") -> str:
    return (
        f'<div class="kpi" title="{esc(hint)}"><div class="v">{esc(value)}</div><div class="k">{esc(label)}</div>'
        f'<div class="s">{esc(sub)}</div></div>'
    )


def _headline(data: ReportData) -> str:
    h = data.headline
    median = "–" if h.median_score is None else f"{h.median_score:.0f}"
    per_customer = f"{h.journeys / h.customers:.1f} journeys per customer" if h.customers else ""
    per_journey = f"{h.touchpoints / h.journeys:.1f} per journey" if h.journeys else ""
    scored = sum(b.journeys for b in data.score_bands)
    below = sum(b.journeys for b in data.score_bands if b.band < 5)
    low = f"{fmt_pct(below / scored)} score below 50" if scored else ""
    flagged = f"{fmt_int(h.journeys_with_friction)} journeys flagged" if h.journeys else ""
    return (
        '<section class="kpis" data-kpis>'
        + _kpi(
            "journeys",
            fmt_int(h.journeys),
            "journeys in the warehouse (merged ones count in their survivor)",
            per_customer,
        )
        + _kpi(
            "customers",
            fmt_int(h.customers),
            "distinct stitched customers",
            "after identity stitching" if h.customers else "",
        )
        + _kpi("touchpoints", fmt_int(h.touchpoints), "touchpoints in those journeys", per_journey)
        + _kpi("median score", median, "median experience score, 0 (worst) to 100 (best)", low)
        + _kpi(
            "friction rate", fmt_pct(h.friction_rate, 1), "share of journeys with at least one friction point", flagged
        )
        + "</section>"
    )


def _legend(data: ReportData) -> str:
    used = {c.channel for c in data.friction_by_channel} | {t.source for t in data.transitions}
    used |= {t.target for t in data.transitions}
    ordered = [c for c in CHANNEL_COLOURS if c in used] + sorted(used - set(CHANNEL_COLOURS))
    return "".join(f'<span><i style="background:{channel_colour(c)}"></i>{esc(c)}</span>' for c in ordered)


def render(data: ReportData) -> str:
    """The report's HTML for ``data``."""
    h = data.headline
    period = (
        f"{fmt_time(h.first_time)} – {fmt_time(h.last_time)} UTC"
        if h.first_time and h.last_time
        else "no journeys loaded yet"
    )
    sections = [
        _headline(data),
        "<h2>Volume and experience</h2>",
        '<div class="grid lead">'
        f"{bars.volume(data.volume, data.volume_bucket)}{bars.score_distribution(data.score_bands)}</div>",
        "<h2>Friction</h2>",
        f'<div class="grid three">{bars.friction_by_rule(data.friction_by_rule, h.journeys)}'
        f"{bars.friction_by_channel(data.friction_by_channel)}{bars.friction_by_country(data.friction_by_country)}</div>",
        "<h2>Channels</h2>",
        f'<div class="grid">{sankey.channel_sankey(data.transitions)}'
        f"{heatmap.channel_preference(data.preferences, data.channel_mix, data.preference_source)}</div>",
        "<h2>Journeys that went worst</h2>",
        f'<div class="grid">{timeline.worst_journeys(data.worst)}</div>',
        "<h2>Data quality</h2>",
        f'<div class="grid">{quality.dq_grid(data.dq)}{quality.dead_letters(data.dead_letters)}'
        f"{quality.identity_links(data.identity_links, data.identifiers_per_customer)}</div>",
        "<h2>Evaluation</h2>",
        f'<div class="grid">{evaluation_chart.evaluation(data.evaluation)}</div>',
    ]
    return (
        "<!doctype html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<link rel="icon" href="data:,">'
        f"<title>Customer journeys report · {esc(data.generated_at.strftime('%Y-%m-%d %H:%M'))} UTC</title>"
        f"<style>{CSS}</style></head><body><main>"
        f'<header><div><h1>Customer journeys</h1><div class="sub">{esc(period)} · {esc(data.warehouse)} · generated '
        f"{esc(data.generated_at.strftime('%Y-%m-%d %H:%M'))} UTC</div></div>"
        f'<div class="legend">{_legend(data)}</div></header>'
        + "".join(sections)
        + "<footer>journeys report · one self-contained file: no scripts, nothing fetched · hover any mark for details</footer>"
        "</main></body></html>\n"
    )


def build_report(
    con: duckdb.DuckDBPyConnection, *, evaluation: dict[str, Any] | None, out: Path, worst: int = WORST_JOURNEYS
) -> Path:
    """Read the warehouse behind ``con``, write the report to ``out`` (folders created), return ``out``.

    ``worst`` is how many of the lowest-scored journeys get a timeline.
    """
    html = render(load_report_data(con, evaluation=evaluation, worst=worst))
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_text(html, encoding="utf-8")
    tmp.replace(out)  # readers never see half a report
    return out

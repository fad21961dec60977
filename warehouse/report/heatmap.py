"""Channel preference by country: what customers say they prefer next to what the journeys show."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from warehouse.report.data import Share
from warehouse.report.palette import channel_colour
from warehouse.report.svg import empty, esc, figure, fmt_pct, svg, title

__all__ = ["channel_preference"]

MAX_COUNTRIES = 14


def _panel(
    heading: str,
    x0: float,
    countries: list[str],
    channels: list[str],
    *,
    shares: dict[tuple[str, str], float],
    what: str,
) -> str:
    cell_w, cell_h, top, label_w = 46, 26, 58, 40
    parts = [f'<text class="panel" x="{x0 + label_w}" y="14">{esc(heading)}</text>']
    for j, channel in enumerate(channels):
        cx = x0 + label_w + j * cell_w + cell_w / 2
        parts.append(f'<text class="tick" transform="translate({cx:.1f},{top - 6}) rotate(-35)">{esc(channel)}</text>')
    for i, country in enumerate(countries):
        y = top + i * cell_h
        parts.append(f'<text class="lbl" x="{x0 + label_w - 8}" y="{y + 17}" text-anchor="end">{esc(country)}</text>')
        for j, channel in enumerate(channels):
            x = x0 + label_w + j * cell_w
            share = shares.get((country, channel))
            if share is None:
                parts.append(
                    f'<rect x="{x + 1}" y="{y + 1}" width="{cell_w - 2}" height="{cell_h - 2}" rx="3" fill="#f1f3f5"/>'
                )
                continue
            opacity = 0.12 + 0.88 * min(share / 0.5, 1.0)  # 50% and above is full colour
            ink = "#fff" if opacity > 0.6 else "#343a40"
            parts.append(
                f'<g class="mark">{title(f"{country} · {channel}: {fmt_pct(share, 1)} {what}")}'
                f'<rect x="{x + 1}" y="{y + 1}" width="{cell_w - 2}" height="{cell_h - 2}" rx="3" '
                f'fill="{channel_colour(channel)}" fill-opacity="{opacity:.2f}"/>'
                f'<text class="cell" x="{x + cell_w / 2}" y="{y + 17}" text-anchor="middle" fill="{ink}">'
                f"{fmt_pct(share)}</text></g>"
            )
    return "".join(parts)


def channel_preference(preferences: Sequence[Share], observed: Sequence[Share], source: str) -> str:
    heading, name = "Channel preference by country", "channel-preference"
    caption = (
        f"Left: the share of customers preferring each channel ({esc(source)}). "
        "Right: each channel's share of the touchpoints observed in that country's journeys."
    )
    if not preferences and not observed:
        return figure(name, heading, caption, empty(), empty=True, wide=True)
    stated = {(s.country, s.channel): s.share for s in preferences}
    seen = {(s.country, s.channel): s.share for s in observed}
    observed_countries = sorted({s.country for s in observed})
    countries = observed_countries or sorted({s.country for s in preferences})
    countries = [c for c in countries if c != "??"][:MAX_COUNTRIES] or countries[:MAX_COUNTRIES]
    weight: dict[str, float] = defaultdict(float)
    for (country, channel), share in (stated | seen).items():
        if country in countries:
            weight[channel] += share
    stated_channels = sorted({ch for (c, ch) in stated if c in countries}, key=lambda ch: (-weight[ch], ch)) or sorted(
        {s.channel for s in preferences}
    )
    observed_channels = sorted({ch for (c, ch) in seen if c in countries}, key=lambda ch: (-weight[ch], ch))
    panel_w_left = 40 + 46 * len(stated_channels)
    gap = 60
    body = _panel("Stated preference", 0, countries, stated_channels, shares=stated, what="prefer it")
    if observed_channels:
        body += _panel(
            "Observed in journeys", panel_w_left + gap, countries, observed_channels, shares=seen, what="of touchpoints"
        )
    else:
        body += (
            f'<text class="panel" x="{panel_w_left + gap + 40}" y="14">Observed in journeys</text>'
            f'<text class="muted" x="{panel_w_left + gap + 40}" y="76">No journeys loaded yet.</text>'
        )
    width = panel_w_left + gap + 40 + 46 * max(len(observed_channels), 4)
    height = 58 + 26 * len(countries) + 6
    return figure(name, heading, caption, svg(width, height, body, label=heading), wide=True)

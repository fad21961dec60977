"""The channel-transition Sankey: where customers went next when they changed channel.

A two-column Sankey (from channel -> to channel) of the top ``n`` transitions. The layout is
computed here, as plain data, then drawn as SVG: node bars sized by their total, links as
filled bands whose thickness is the count, ordered at each node by the other end's position so
bands do not cross needlessly.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from warehouse.report.data import Transition
from warehouse.report.palette import channel_colour
from warehouse.report.svg import empty, esc, figure, fmt_int, fmt_pct, svg, title

__all__ = ["SankeyLayout", "SankeyLink", "SankeyNode", "channel_sankey", "layout"]

TOP_FLOWS = 24


@dataclass(frozen=True)
class SankeyNode:
    side: str  # "source" or "target"
    channel: str
    total: int
    y: float
    height: float


@dataclass(frozen=True)
class SankeyLink:
    source: str
    target: str
    value: int
    journeys: int
    journeys_with_friction: int
    y_source: float  # top edge of the band at the source node
    y_target: float  # top edge of the band at the target node
    thickness: float


@dataclass(frozen=True)
class SankeyLayout:
    nodes: tuple[SankeyNode, ...]
    links: tuple[SankeyLink, ...]
    shown: int  # transitions drawn
    total: int  # all transitions


def _stack(totals: dict[str, int], order: list[str], *, scale: float, gap: float, side: str) -> list[SankeyNode]:
    nodes, y = [], 0.0
    for channel in order:
        height = totals[channel] * scale
        nodes.append(SankeyNode(side, channel, totals[channel], y, height))
        y += height + gap
    return nodes


def layout(
    transitions: Sequence[Transition], *, n: int = TOP_FLOWS, height: float = 420, gap: float = 14
) -> SankeyLayout:
    """Place the ``n`` largest flows in a band ``height`` units tall."""
    flows = sorted(transitions, key=lambda t: (-t.transitions, t.source, t.target))[:n]
    total = sum(t.transitions for t in transitions)
    if not flows:
        return SankeyLayout((), (), 0, total)
    out: dict[str, int] = defaultdict(int)
    into: dict[str, int] = defaultdict(int)
    for f in flows:
        out[f.source] += f.transitions
        into[f.target] += f.transitions
    left = sorted(out, key=lambda c: (-out[c], c))
    right = sorted(into, key=lambda c: (-into[c], c))
    shown = sum(out.values())
    gaps = gap * (max(len(left), len(right)) - 1)
    scale = (height - gaps) / shown
    left_nodes = _stack(out, left, scale=scale, gap=gap, side="source")
    right_nodes = _stack(into, right, scale=scale, gap=gap, side="target")
    # centre the shorter column against the taller one
    extent_l = left_nodes[-1].y + left_nodes[-1].height
    extent_r = right_nodes[-1].y + right_nodes[-1].height
    shift_l, shift_r = max(0.0, (extent_r - extent_l) / 2), max(0.0, (extent_l - extent_r) / 2)
    left_nodes = [SankeyNode(n.side, n.channel, n.total, n.y + shift_l, n.height) for n in left_nodes]
    right_nodes = [SankeyNode(n.side, n.channel, n.total, n.y + shift_r, n.height) for n in right_nodes]
    rank_l, rank_r = {c: i for i, c in enumerate(left)}, {c: i for i, c in enumerate(right)}
    cursor_l = {n.channel: n.y for n in left_nodes}
    cursor_r = {n.channel: n.y for n in right_nodes}
    y_source: dict[tuple[str, str], float] = {}
    for f in sorted(flows, key=lambda f: (rank_l[f.source], rank_r[f.target])):
        y_source[f.source, f.target] = cursor_l[f.source]
        cursor_l[f.source] += f.transitions * scale
    links = []
    for f in sorted(flows, key=lambda f: (rank_r[f.target], rank_l[f.source])):
        links.append(
            SankeyLink(
                f.source,
                f.target,
                f.transitions,
                f.journeys,
                f.journeys_with_friction,
                y_source[f.source, f.target],
                cursor_r[f.target],
                f.transitions * scale,
            )
        )
        cursor_r[f.target] += f.transitions * scale
    links.sort(key=lambda link: -link.value)  # big bands first, small ones drawn on top
    return SankeyLayout(tuple(left_nodes + right_nodes), tuple(links), shown, total)


def channel_sankey(transitions: Sequence[Transition], *, n: int = TOP_FLOWS) -> str:
    heading, name = "Channel transitions", "channel-sankey"
    plan = layout(transitions, n=n)
    if not plan.links:
        caption = "Where customers went next when they switched channel within a journey."
        return figure(name, heading, caption, empty("No channel switches yet."), empty=True, wide=True)
    caption = (
        f"Where customers went next when they switched channel within a journey: the top {len(plan.links)} flows, "
        f"{fmt_int(plan.shown)} of {fmt_int(plan.total)} switches ({fmt_pct(plan.shown / plan.total)}). "
        "Band width is the number of switches."
    )
    width, top_pad, node_w = 1200, 24, 14
    x_left, x_right = 190, width - 190 - node_w
    out_totals = {node.channel: node.total for node in plan.nodes if node.side == "source"}
    parts = [
        f'<text class="axis" x="{x_left + node_w / 2}" y="14" text-anchor="middle">from</text>',
        f'<text class="axis" x="{x_right + node_w / 2}" y="14" text-anchor="middle">to</text>',
    ]
    mid = (x_left + node_w + x_right) / 2
    for link in plan.links:
        x0, x1 = x_left + node_w, x_right
        a, b = top_pad + link.y_source, top_pad + link.y_target
        t = link.thickness
        path = (
            f"M{x0},{a:.1f} C{mid:.1f},{a:.1f} {mid:.1f},{b:.1f} {x1},{b:.1f} "
            f"L{x1},{b + t:.1f} C{mid:.1f},{b + t:.1f} {mid:.1f},{a + t:.1f} {x0},{a + t:.1f} Z"
        )
        tip = (
            f"{link.source} → {link.target}: {fmt_int(link.value)} switches in {fmt_int(link.journeys)} journeys "
            f"({fmt_pct(link.value / out_totals[link.source])} of the switches shown out of {link.source}); "
            f"{fmt_pct(link.journeys_with_friction / link.journeys if link.journeys else None)} of these journeys had friction"
        )
        parts.append(f'<path class="mark link" d="{path}" fill="{channel_colour(link.source)}">{title(tip)}</path>')
    for node in plan.nodes:
        x = x_left if node.side == "source" else x_right
        y = top_pad + node.y
        verb = "switches out of" if node.side == "source" else "switches into"
        parts.append(
            f'<rect class="mark node" x="{x}" y="{y:.1f}" width="{node_w}" height="{max(node.height, 1):.1f}" '
            f'rx="2" fill="{channel_colour(node.channel)}">{title(f"{fmt_int(node.total)} {verb} {node.channel}")}</rect>'
        )
        anchor, lx = ("end", x - 8) if node.side == "source" else ("start", x + node_w + 8)
        parts.append(
            f'<text class="lbl" x="{lx}" y="{y + node.height / 2 + 4:.1f}" text-anchor="{anchor}">'
            f'{esc(node.channel)} <tspan class="muted">{fmt_int(node.total)}</tspan></text>'
        )
    height = top_pad + max(n.y + n.height for n in plan.nodes) + 8
    return figure(name, heading, caption, svg(width, height, "".join(parts), label=heading), wide=True)

"""Pure layout of the report's charts: the Sankey, the compressed time axis, ticks, colours."""

from __future__ import annotations

import itertools

import pytest

from warehouse.report.data import Transition
from warehouse.report.palette import CHANNEL_COLOURS, channel_colour, score_colour
from warehouse.report.sankey import layout
from warehouse.report.svg import fmt_duration, nice_ticks
from warehouse.report.timeline import positions


def flows(*items: tuple[str, str, int]) -> list[Transition]:
    return [Transition(source, target, count, count) for source, target, count in items]


def test_sankey_keeps_the_top_flows_and_counts_the_rest() -> None:
    plan = layout(flows(("web", "chat", 50), ("web", "app", 30), ("sms", "web", 15), ("email", "web", 5)), n=3)
    assert [(link.source, link.target) for link in plan.links] == [("web", "chat"), ("web", "app"), ("sms", "web")]
    assert (plan.shown, plan.total) == (95, 100)


def test_sankey_bands_fill_each_node_exactly_without_overlap() -> None:
    plan = layout(
        flows(("web", "chat", 40), ("web", "app", 25), ("app", "chat", 20), ("sms", "web", 10), ("app", "voice", 5)),
        height=300,
    )
    for node in plan.nodes:
        if node.side == "source":
            bands = sorted((link.y_source, link.thickness) for link in plan.links if link.source == node.channel)
        else:
            bands = sorted((link.y_target, link.thickness) for link in plan.links if link.target == node.channel)
        assert bands[0][0] == pytest.approx(node.y)
        for (top, thick), (next_top, _) in itertools.pairwise(bands):
            assert top + thick == pytest.approx(next_top)
        assert sum(thick for _, thick in bands) == pytest.approx(node.height)


def test_sankey_node_heights_are_proportional_to_their_totals() -> None:
    plan = layout(flows(("web", "chat", 60), ("sms", "chat", 20)), height=200, gap=10)
    heights = {n.channel: n.height for n in plan.nodes if n.side == "source"}
    assert heights["web"] == pytest.approx(3 * heights["sms"])
    assert max(n.y + n.height for n in plan.nodes) == pytest.approx(200)


def test_sankey_of_no_switches_is_empty() -> None:
    plan = layout([])
    assert (plan.nodes, plan.links, plan.shown, plan.total) == ((), (), 0, 0)


def test_compressed_axis_keeps_order_spans_the_width_and_separates_bursts() -> None:
    times = [0.0, 0.5, 1.0, 1.5, 60.0, 3 * 86_400.0]
    xs = positions(times, 1000)
    assert xs[0] == 0 and xs[-1] == pytest.approx(1000)
    assert xs == sorted(xs)
    assert min(b - a for a, b in itertools.pairwise(xs)) > 10  # three clicks in a second stay apart
    assert xs[-1] - xs[-2] < 15 * (xs[1] - xs[0])  # three days of silence take ~10 bursts of room, not 500,000


def test_a_single_touchpoint_sits_in_the_middle() -> None:
    assert positions([42.0], 800) == [400]


@pytest.mark.parametrize(("top", "expected"), [(7, [0, 2, 4, 6, 8]), (40, [0, 10, 20, 30, 40]), (0, [0, 1])])
def test_ticks_are_round_and_cover_the_top(top: float, expected: list[float]) -> None:
    assert nice_ticks(top) == expected


def test_durations_read_like_a_person_writes_them() -> None:
    assert [fmt_duration(s) for s in (45, 720, 3 * 3600 + 300, 3 * 86_400 + 4 * 3600)] == [
        "45 s",
        "12 min",
        "3 h 05",
        "3 d 4 h",
    ]


def test_every_channel_has_its_own_colour_and_unknown_ones_a_stable_spare() -> None:
    assert len(set(CHANNEL_COLOURS.values())) == len(CHANNEL_COLOURS)
    assert channel_colour("hologram") == channel_colour("hologram")
    assert channel_colour("web") == CHANNEL_COLOURS["web"]


def test_score_colour_runs_from_red_through_amber_to_green() -> None:
    red, amber, green = (int(score_colour(s)[1:3], 16) for s in (0, 50, 100))
    assert red > green and amber > green
    assert int(score_colour(100)[3:5], 16) > int(score_colour(0)[3:5], 16)

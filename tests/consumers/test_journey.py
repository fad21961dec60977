"""Journeys of one customer: cuts, sessions, ids, late events, merges; order-independence."""

from __future__ import annotations

import random
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from consumers import journey as jl

SECOND = 1000
RULES = jl.Rules(
    inactivity_ms=600 * SECOND,
    session_ms=120 * SECOND,
    max_ms=3600 * SECOND,
    max_touchpoints=50,
    terminal=frozenset({"purchase", "contact_resolved"}),
)
LATENESS = 300 * SECOND


def tp(n: int, t: int, event_type: str = "page_view", channel: str = "web", **extra: Any) -> dict[str, Any]:
    return {"event_id": f"e{n:04d}", "event_time": t * SECOND, "channel": channel, "event_type": event_type,
            "late": False} | extra  # fmt: skip


def feed(events: list[dict[str, Any]], label: str = "c1") -> jl.Customer:
    customer = jl.Customer(label)
    newest = 0
    for event in events:
        newest = max(newest, event["event_time"])
        jl.insert(customer, dict(event, late=event["event_time"] < newest - LATENESS), RULES, newest - LATENESS)
    return customer


def final(customer: jl.Customer, watermark: int) -> list[tuple[Any, ...]]:
    """The live journeys once the watermark passed: id, event ids, status, reason, sessions."""
    out = []
    for record in jl.journey_records(customer, RULES, watermark, identifiers=[], now_ms=0):
        if record["status"] != "merged":
            out.append(record)
    jl.refresh(customer, RULES, watermark)
    everything = {}
    customer.dirty = set(customer.metas)
    for record in jl.journey_records(customer, RULES, watermark, identifiers=[], now_ms=0):
        if record["status"] != "merged":
            everything[record["journey_id"]] = (
                record["journey_id"],
                [t["event_id"] for t in record["touchpoints"]],
                record["status"],
                record["close_reason"],
                [t["session_id"] for t in record["touchpoints"]],
                record["kind"],
                record["late_count"],
            )
    return sorted(everything.values())


def test_inactivity_gap_starts_a_new_journey_and_closes_the_old_one() -> None:
    customer = feed([tp(1, 0), tp(2, 100), tp(3, 100 + 601)])
    journeys = final(customer, 701 * SECOND)
    assert [j[1] for j in journeys] == [["e0001", "e0002"], ["e0003"]] or [j[1] for j in journeys] == [
        ["e0003"],
        ["e0001", "e0002"],
    ]
    statuses = {tuple(j[1]): (j[2], j[3]) for j in journeys}
    assert statuses[("e0001", "e0002")] == ("closed", "inactivity")
    assert statuses[("e0003",)] == ("open", None)


def test_terminal_outcome_closes_the_journey() -> None:
    customer = feed([tp(1, 0), tp(2, 10, "purchase"), tp(3, 20)])
    journeys = {tuple(j[1]): j for j in final(customer, 20 * SECOND)}
    assert journeys[("e0001", "e0002")][2:4] == ("closed", "outcome")
    assert journeys[("e0001", "e0002")][5] == "purchase"


def test_quiet_journey_closes_once_the_watermark_passes_the_gap() -> None:
    customer = feed([tp(1, 0)])
    assert final(customer, 600 * SECOND)[0][2] == "open"
    assert final(customer, 601 * SECOND)[0][2:4] == ("closed", "inactivity")


def test_max_length_cuts_a_long_journey() -> None:
    customer = feed([tp(i, i * 500) for i in range(10)])
    reasons = [j[3] for j in final(customer, 5000 * SECOND)]
    assert "max_length" in reasons


def test_sessions_split_per_channel_after_inactivity() -> None:
    customer = feed([tp(1, 0), tp(2, 10, channel="email"), tp(3, 60), tp(4, 60 + 121)])
    (journey,) = final(customer, 200 * SECOND)
    sessions = journey[4]
    assert sessions[0] == sessions[2]  # web, 60 s apart
    assert sessions[1] != sessions[0]  # another channel
    assert sessions[3] != sessions[2]  # web after 121 s


def test_late_event_before_the_first_touchpoint_renames_the_journey_and_merges_the_old_id() -> None:
    customer = jl.Customer("c1")
    jl.insert(customer, tp(2, 100), RULES, 0)
    (first,) = jl.journey_records(customer, RULES, 0, identifiers=[], now_ms=0)
    jl.insert(customer, tp(1, 50), RULES, 0)
    records = {r["journey_id"]: r for r in jl.journey_records(customer, RULES, 0, identifiers=[], now_ms=0)}
    old = records[first["journey_id"]]
    assert old["status"] == "merged" and old["version"] == 1
    assert records[old["merged_into"]]["touchpoint_count"] == 2


def test_late_event_re_emits_an_emitted_journey_with_a_higher_version() -> None:
    customer = jl.Customer("c1")
    for n, t in ((1, 0), (2, 100)):
        jl.insert(customer, tp(n, t), RULES, 0)
    (v0,) = jl.journey_records(customer, RULES, 0, identifiers=[], now_ms=0)
    jl.insert(customer, tp(3, 50), RULES, 0)
    (v1,) = jl.journey_records(customer, RULES, 0, identifiers=[], now_ms=0)
    assert (v0["journey_id"], v0["version"]) == (v1["journey_id"], 0)
    assert v1["version"] == 1 and [t["event_id"] for t in v1["touchpoints"]] == ["e0001", "e0003", "e0002"]


def test_event_later_than_the_allowed_lateness_is_kept_and_flagged() -> None:
    customer = feed([tp(1, 1000), tp(2, 1000 + 400), tp(3, 1000 + 5)])
    (journey,) = final(customer, 1400 * SECOND)
    assert journey[1] == ["e0001", "e0003", "e0002"]
    assert journey[6] == 1


def test_duplicate_event_is_ignored() -> None:
    customer = jl.Customer("c1")
    assert jl.insert(customer, tp(1, 0), RULES, 0) is not None
    assert jl.insert(customer, tp(1, 0), RULES, 0) is None


def test_merging_an_anonymous_customer_re_emits_its_journey_as_merged() -> None:
    anonymous = jl.Customer("anonymous_id:a1")
    jl.insert(anonymous, tp(1, 0), RULES, 0)
    (anon,) = jl.journey_records(anonymous, RULES, 0, identifiers=[], now_ms=0)
    known = jl.Customer("c1")
    jl.insert(known, tp(2, 30), RULES, 0)
    jl.journey_records(known, RULES, 0, identifiers=[], now_ms=0)
    jl.merge_customer(known, anonymous, RULES, 0)
    records = {r["journey_id"]: r for r in jl.journey_records(known, RULES, 0, identifiers=[], now_ms=0)}
    assert records[anon["journey_id"]]["status"] == "merged"
    assert records[anon["journey_id"]]["version"] == 1
    target = records[records[anon["journey_id"]]["merged_into"]]
    assert [t["event_id"] for t in target["touchpoints"]] == ["e0001", "e0002"]
    assert target["customer_id"] == "c1"


def test_eviction_drops_only_final_journeys() -> None:
    customer = feed([tp(1, 0), tp(2, 10, "purchase"), tp(3, 20)])
    jl.journey_records(customer, RULES, 20 * SECOND, identifiers=[], now_ms=0)
    assert jl.evict(customer, RULES, 20 * SECOND) == 0
    assert jl.evict(customer, RULES, (10 + 601) * SECOND) == 1
    assert [t["event_id"] for t in customer.tps] == ["e0003"]


_EVENT_TYPES = ["page_view", "page_view", "click", "add_to_cart", "purchase", "contact_started", "contact_resolved"]
_CHANNELS = ["web", "app", "email", "voice"]


@st.composite
def streams(draw: st.DrawFn) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """A customer's events in time order, and the same events shuffled within the lateness
    and with duplicates."""
    n = draw(st.integers(1, 40))
    gaps = draw(st.lists(st.integers(0, 900), min_size=n, max_size=n))
    kinds = draw(st.lists(st.sampled_from(_EVENT_TYPES), min_size=n, max_size=n))
    channels = draw(st.lists(st.sampled_from(_CHANNELS), min_size=n, max_size=n))
    t, ordered = 0, []
    for i in range(n):
        t += gaps[i]
        ordered.append(tp(i, t, kinds[i], channels[i]))
    seed = draw(st.integers(0, 2**32))
    rng = random.Random(seed)
    copies = ordered + [e for e in ordered if rng.random() < 0.2]
    # Sorting by time plus a jitter below the lateness keeps every event within the lateness.
    jittered = sorted(copies, key=lambda e: e["event_time"] + rng.randrange(LATENESS))
    return ordered, jittered


@settings(max_examples=200, deadline=None)
@given(streams())
def test_any_permutation_and_duplication_within_lateness_gives_the_same_journeys(
    pair: tuple[list[dict[str, Any]], list[dict[str, Any]]],
) -> None:
    ordered, shuffled = pair
    end = ordered[-1]["event_time"] + RULES.inactivity_ms + 1
    assert final(feed(shuffled), end) == final(feed(ordered), end)
    mid = ordered[len(ordered) // 2]["event_time"]
    assert final(feed(shuffled), mid) == final(feed(ordered), mid)


@settings(max_examples=200, deadline=None)
@given(streams(), st.integers(0, 3))
def test_an_appended_event_re_cuts_only_the_last_journey_with_the_same_result(
    pair: tuple[list[dict[str, Any]], list[dict[str, Any]]], lag: int
) -> None:
    _, shuffled = pair
    fast, full = jl.Customer("c1"), jl.Customer("c1")
    newest = 0
    for event in shuffled:
        newest = max(newest, event["event_time"])
        watermark = newest - LATENESS - lag * RULES.inactivity_ms  # sometimes far behind: journeys re-open
        late = event["event_time"] < watermark
        located = jl.insert(fast, dict(event, late=late), RULES, watermark)
        cut, full.segments = full.segments, None  # always the full re-cut
        assert located == jl.insert(full, dict(event, late=late), RULES, watermark)
        full.segments = full.segments or cut  # a duplicate changes nothing, the cut included
        assert (fast.metas, fast.dirty, fast.segments) == (full.metas, full.dirty, full.segments)
        if located and len(fast.dirty) > 1:
            jl.journey_records(fast, RULES, watermark, identifiers=[], now_ms=0)
            jl.journey_records(full, RULES, watermark, identifiers=[], now_ms=0)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 2000), st.sampled_from(_EVENT_TYPES), st.sampled_from(_CHANNELS)),
        min_size=1,
        max_size=3,
    ),
    st.integers(0, 3000),
)
def test_a_new_customers_first_event_is_cut_as_the_full_re_cut_cuts_it(
    events: list[tuple[int, str, str]], watermark_s: int
) -> None:
    first, *more = [tp(i, t, kind, channel) for i, (t, kind, channel) in enumerate(events)]
    watermark = watermark_s * SECOND
    fast, full = jl.Customer("c1"), jl.Customer("c1")
    located = jl.insert(fast, dict(first), RULES, watermark)  # jl._first
    full.tps.append(dict(first))
    expected = jl._locate(full, jl.refresh(full, RULES, watermark), 0, RULES)
    full.metas[expected[0]]["told"] = True
    assert located == expected
    assert (fast.tps, fast.metas, fast.dirty, fast.segments) == (full.tps, full.metas, full.dirty, full.segments)
    for event in more:  # what follows goes on from the kept cut and sessions as from a fresh one
        assert jl.insert(fast, dict(event), RULES, watermark) == jl.insert(full, dict(event), RULES, watermark)
        assert (fast.metas, fast.dirty, fast.segments) == (full.metas, full.dirty, full.segments)

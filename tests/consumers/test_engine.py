"""The engine without Kafka: routing, hand-over between partitions, restore from its own changelog."""

from __future__ import annotations

import time
import zlib
from typing import Any

import orjson
import pytest

from consumers.engine import SEALED_PART_TOUCHPOINTS, Engine, Output
from consumers.records import unpack
from journeys.settings import SerdeSettings, StitcherSettings
from producers.keys import identity_key
from schemas.serde import Serde
from tests.consumers.streams import customer_stream

PARTITIONS = 4
SERDE = Serde(SerdeSettings(), plain_timestamps=True)
SETTINGS = StitcherSettings(allowed_lateness_s=6 * 3600, inactivity_gap_s=600, journey_update_interval_s=0)


def engine(settings: StitcherSettings = SETTINGS) -> Engine:
    e = Engine(settings, SERDE, partitions=PARTITIONS)
    for p in range(PARTITIONS):
        e.own_router(p)
        e.own_task(p)
    return e


def encoded(n: int) -> list[tuple[int, bytes]]:
    codec = SERDE.codec("TouchpointEvent")
    return [(zlib.crc32(identity_key(e)) % PARTITIONS, codec.encode(e)) for e in customer_stream(n, n // 20, seed=3)]


def pump(e: Engine, changelog: dict[tuple[int, bytes], bytes | None], journeys: dict[str, dict[str, Any]]) -> None:
    """One checkpoint: deliver repartition messages until none are left, collect the rest
    (identity decisions in ``journeys["identity"]``)."""
    while True:
        outs: list[Output] = e.checkpoint()
        again = False
        for out in outs:
            if out.topic == "repartition":
                e.on_repartition(out.partition or 0, out.value or b"")
                again = True
            elif out.topic == "changelog":
                changelog[(out.partition or 0, out.key or b"")] = out.value
            elif out.topic == "identity":
                journeys.setdefault("identity", {}).setdefault("links", []).append(
                    SERDE.codec("IdentityLink").decode(out.value or b"")
                )
            elif out.topic == "journeys":
                record = SERDE.codec("Journey").decode(out.value or b"")
                journeys[record["journey_id"]] = record
        if not again:
            return


def final(journeys: dict[str, dict[str, Any]]) -> dict[str, tuple[Any, ...]]:
    return {
        jid: (j["customer_id"], j["status"], tuple(t["event_id"] for t in j["touchpoints"]))
        for jid, j in journeys.items()
        if jid != "identity" and j["status"] != "merged"
    }


def run(e: Engine, stream: list[tuple[int, bytes]], changelog: dict, journeys: dict) -> None:  # type: ignore[type-arg]
    for offset, (partition, value) in enumerate(stream):
        e.on_raw(partition, offset, value)
        if offset % 500 == 499:
            pump(e, changelog, journeys)
    pump(e, changelog, journeys)
    e.tick(idle_now_ms=0)
    pump(e, changelog, journeys)


def test_restoring_from_the_changelog_midway_gives_the_same_journeys() -> None:
    stream = encoded(6_000)
    straight: dict[str, dict[str, Any]] = {}
    run(engine(), stream, {}, straight)

    changelog: dict[tuple[int, bytes], bytes | None] = {}
    journeys: dict[str, dict[str, Any]] = {}
    half = len(stream) // 2
    first = engine()
    run(first, stream[:half], changelog, journeys)
    restored = Engine(SETTINGS, SERDE, partitions=PARTITIONS)
    for record in journeys["identity"]["links"]:  # every instance reads the identity topic in full
        restored.on_identity(record)
    for p in range(PARTITIONS):
        restored.own_router(p)
        restored.own_task(p)
    for (partition, key), value in changelog.items():
        restored.restore(partition, key, value)
    restored.finish_restore(set(range(PARTITIONS)))
    for task in restored.tasks.values():
        restored.reconcile(task)
    run(restored, stream[half:], changelog, journeys)
    assert final(journeys) == final(straight)


def test_a_resent_event_is_dropped_after_a_restore() -> None:
    stream = encoded(200)
    changelog: dict[tuple[int, bytes], bytes | None] = {}
    first = engine()
    run(first, stream, changelog, {})
    restored = engine()
    for (partition, key), value in changelog.items():
        restored.restore(partition, key, value)
    restored.finish_restore(set(range(PARTITIONS)))
    partition, value = stream[0]
    restored.on_raw(partition, 0, value)
    assert restored.stats.duplicates == 1


def test_undecodable_record_becomes_a_dead_letter_with_its_origin() -> None:
    e = engine()
    e.on_raw(2, 41, b"\xc3\x01garbage")
    (out,) = e.out
    letter = SERDE.codec("DeadLetter").decode(out.value or b"")
    assert out.topic == "deadletter"
    assert (letter["original_partition"], letter["original_offset"]) == (2, 41)


def test_backlog_drained_one_partition_at_a_time_flags_nothing_late() -> None:
    settings = SETTINGS.model_copy(update={"allowed_lateness_s": 60})
    stream = encoded(4_000)
    by_time: dict[str, dict[str, Any]] = {}
    e = engine(settings)
    drained = sorted(stream, key=lambda item: item[0])  # all of partition 0, then 1, ...
    run(e, drained, {}, by_time)
    assert e.stats.late == 0
    straight: dict[str, dict[str, Any]] = {}
    run(engine(settings), stream, {}, straight)
    assert final(by_time) == final(straight)


def test_a_partition_with_records_still_in_kafka_holds_the_clock_however_long_it_is_silent() -> None:
    from consumers.engine import JourneyTask

    task = JourneyTask(partition=0, started=0.0)
    task.sources = {0: 5_000, 1: 1_000}
    task.heard = {0: time.monotonic(), 1: time.monotonic() - 3_600}  # partition 1 silent for an hour
    task.lagging = {0: False, 1: True}  # ... but its backlog waits for its turn
    assert task.clock(idle_after_s=30, partitions=2) == 1_000
    task.lagging[1] = False  # caught up and silent: it no longer holds the others back
    assert task.clock(idle_after_s=30, partitions=2) == 5_000


def test_a_router_announces_when_it_catches_up_even_without_new_events() -> None:
    e = Engine(SETTINGS, SERDE, partitions=PARTITIONS)
    e.own_router(0)  # no journey partition here: the announcements go through the repartition topic
    e.routers[0].dedup.add("x", 1_000)
    e.flush_batches()
    first = [entry for out in e.out for entry, _ in unpack(out.value or b"") if entry["k"] == "w" and entry["s"] == 0]
    e.out = []
    e.set_lagging(0, False)
    e.flush_batches()
    second = [entry for out in e.out for entry, _ in unpack(out.value or b"") if entry["k"] == "w" and entry["s"] == 0]
    assert {entry["l"] for entry in first} == {True}
    assert {(entry["t"], entry["l"]) for entry in second} == {(1_000, False)}


def test_own_journey_partitions_hear_the_announcement_at_once() -> None:
    e = engine()
    e.routers[0].dedup.add("x", 1_000)
    e.set_lagging(0, False)
    e.flush_batches()
    assert not [out for out in e.out if out.topic == "repartition"]
    assert {(task.sources[0], task.lagging[0]) for task in e.tasks.values()} == {(1_000, False)}


def test_journeys_are_the_same_when_another_process_owns_half_the_journey_partitions() -> None:
    """Entries for a journey partition this process owns skip the repartition topic; those for
    another's go through it, and hand-overs and forwards go both ways."""
    stream = encoded(6_000)
    straight: dict[str, dict[str, Any]] = {}
    run(engine(), stream, {}, straight)

    routing = Engine(SETTINGS, SERDE, partitions=PARTITIONS)
    other = Engine(SETTINGS, SERDE, partitions=PARTITIONS)
    for p in range(PARTITIONS):
        routing.own_router(p)
    for p in (0, 1):
        routing.own_task(p)
    for p in (2, 3):
        other.own_task(p)
    journeys: dict[str, dict[str, Any]] = {}
    identity = SERDE.codec("IdentityLink")

    def exchange() -> None:
        while True:
            moved = False
            for source, target in ((routing, other), (other, routing)):
                for out in source.checkpoint():
                    if out.topic == "repartition":
                        owner = routing if (out.partition or 0) in routing.tasks else other
                        assert owner is not source
                        owner.on_repartition(out.partition or 0, out.value or b"")
                        moved = True
                    elif out.topic == "identity":
                        target.on_identity(identity.decode(out.value or b""))
                    elif out.topic == "journeys":
                        record = SERDE.codec("Journey").decode(out.value or b"")
                        journeys[record["journey_id"]] = record
            if not moved:
                return

    for offset, (partition, value) in enumerate(stream):
        routing.on_raw(partition, offset, value)
        if offset % 500 == 499:
            exchange()
    exchange()
    for e in (routing, other):
        e.tick(idle_now_ms=0)
    exchange()
    assert routing.stats.stitched and other.stats.stitched
    assert final(journeys) == final(straight)


def test_throttled_updates_that_fall_due_together_are_spread_over_checkpoints() -> None:
    e = engine(StitcherSettings(allowed_lateness_s=6 * 3600, inactivity_gap_s=600, journey_update_interval_s=5))
    codec = SERDE.codec("TouchpointEvent")
    for offset, event in enumerate(customer_stream(8_000, 2_000, seed=3)):
        e.on_raw(zlib.crc32(identity_key(event)) % PARTITIONS, offset, codec.encode(event))
    e.checkpoint()  # first seen now: every customer waits for its window
    waiting = {root for task in e.tasks.values() for root in task.throttled}
    assert len(waiting) > 150
    for task in e.tasks.values():  # all due at once, as after a start or a backlog
        task.throttled = dict.fromkeys(task.throttled, 0.0)
    e._last_checkpoint = time.monotonic() - 0.1
    e.checkpoint()
    left = {root for task in e.tasks.values() for root in task.throttled}
    budget = 100 + -(-len(waiting) * 0.1 // 5)  # MIN_UPDATES_PER_CHECKPOINT + the share of 0.1 s
    assert len(waiting) - len(left) <= budget + 2  # (time passes between the two reads)
    assert left < waiting
    e.checkpoint(flush=True)
    assert not any(task.throttled for task in e.tasks.values())


def _restored(
    changelog: dict[tuple[int, bytes], bytes | None], links: list[dict[str, Any]], settings: StitcherSettings
) -> Engine:
    e = Engine(settings, SERDE, partitions=PARTITIONS)
    for record in links:
        e.on_identity(record)
    for p in range(PARTITIONS):
        e.own_router(p)
        e.own_task(p)
    for (partition, key), value in changelog.items():
        e.restore(partition, key, value)
    e.finish_restore(set(range(PARTITIONS)))
    for task in e.tasks.values():
        e.reconcile(task)
    return e


@pytest.mark.parametrize("retention_s", [7 * 24 * 3600, 0], ids=["history kept", "history evicted"])
def test_long_histories_are_kept_in_sealed_parts_and_restore_to_the_same_journeys(retention_s: int) -> None:
    # 12 customers with ~250 touchpoints each: their oldest ones go to sealed changelog parts.
    settings = SETTINGS.model_copy(update={"closed_retention_s": retention_s})
    codec = SERDE.codec("TouchpointEvent")
    stream = [(zlib.crc32(identity_key(e)) % PARTITIONS, codec.encode(e)) for e in customer_stream(3_000, 12, seed=5)]
    cut = len(stream) * 2 // 3
    # The same ticks as the restored run (with no retention, what a tick evicts no longer merges).
    straight: dict[str, dict[str, Any]] = {}
    uninterrupted = engine(settings)
    run(uninterrupted, stream[:cut], {}, straight)
    run(uninterrupted, stream[cut:], {}, straight)

    changelog: dict[tuple[int, bytes], bytes | None] = {}
    journeys: dict[str, dict[str, Any]] = {}
    first = engine(settings)
    run(first, stream[:cut], changelog, journeys)
    sealed = [key for (_, key), value in changelog.items() if key.startswith(b"p:") and value is not None]
    if retention_s:
        assert len(sealed) >= 12  # every customer has sealed parts
    restored = _restored(changelog, journeys["identity"]["links"], settings)
    for p, task in first.tasks.items():
        assert {r: c.tps for r, c in restored.tasks[p].customers.items()} == {
            r: c.tps for r, c in task.customers.items()
        }
    run(restored, stream[cut:], changelog, journeys)
    assert final(journeys) == final(straight)


def test_a_commit_rewrites_only_the_newest_touchpoints_of_a_long_history() -> None:
    codec = SERDE.codec("TouchpointEvent")
    unique = {e["event_id"]: e for e in customer_stream(400, 1, seed=9)}  # without the resent copies
    events = sorted(unique.values(), key=lambda e: e["event_time"])
    e = engine()
    changelog: dict[tuple[int, bytes], bytes | None] = {}
    journeys: dict[str, dict[str, Any]] = {}
    for offset, event in enumerate(events[:-1]):
        e.on_raw(zlib.crc32(identity_key(event)) % PARTITIONS, offset, codec.encode(event))
    pump(e, changelog, journeys)
    last = events[-1]
    e.on_raw(zlib.crc32(identity_key(last)) % PARTITIONS, len(events), codec.encode(last))
    written = [o for o in e.checkpoint() if o.topic == "changelog" and o.key and o.key.startswith((b"c:", b"p:"))]
    assert [o.key[:2] for o in written if o.key] == [b"c:"]  # the sealed parts stay as they were
    assert len(orjson.loads(written[0].value or b"")["tps"]) <= SEALED_PART_TOUCHPOINTS + 1


def test_offset_records_name_each_moved_offset_once_and_restore_reads_them_back() -> None:
    e = engine()
    first = e.offset_records({(b"r", 1): 10, (b"j", 1): 3})
    assert [(o.topic, o.key, o.value, o.partition) for o in first] == [
        ("changelog", b"o:r", b"10", 1),
        ("changelog", b"o:j", b"3", 1),
    ]
    assert [o.value for o in e.offset_records({(b"r", 1): 12, (b"j", 1): 3})] == [b"12"]  # only what moved
    restored = engine()
    for out in [*first, *e.offset_records({(b"r", 1): 15})]:
        restored.restore(out.partition or 0, out.key or b"", out.value)
    assert restored.restored_offsets == {(b"r", 1): 15, (b"j", 1): 3}
    assert restored.offset_records({(b"r", 1): 15, (b"j", 1): 3}) == []  # nothing moved since the restore


def test_one_pending_pass_per_customer_closes_its_journey_when_the_gap_passes() -> None:
    from tests.consumers.conftest import event

    e = engine(StitcherSettings(allowed_lateness_s=0, inactivity_gap_s=600, journey_update_interval_s=0))
    codec = SERDE.codec("TouchpointEvent")
    quiet = [event(i * 60, anonymous_id="steady") for i in range(50)]  # every minute for 50 minutes
    for offset, ev in enumerate(quiet):
        e.on_raw(0, offset, codec.encode(ev))
    (task,) = [t for t in e.tasks.values() if t.customers]
    assert len(task.deadlines) == 1  # not one per event
    journeys: dict[str, dict[str, Any]] = {}
    pump(e, {}, journeys)
    last = int(quiet[-1]["event_time"])  # type: ignore[call-overload]
    for now in (last + 599_000, last + 601_000):  # another customer's events move the clock
        for p in range(PARTITIONS):  # the clock is the slowest raw partition's
            clock = {**event(0, anonymous_id=f"clock-{p}"), "event_time": now, "received_time": now}
            e.on_raw(p, now + p, codec.encode(clock))
        pump(e, {}, journeys)  # their progress reaches every journey partition
        e.tick()
        pump(e, {}, journeys)
        (steady,) = [j for j in journeys.values() if j.get("customer_id") == "anonymous_id:steady"]
        assert steady["status"] == ("open" if now < last + 600_000 else "closed")
    assert steady["close_reason"] == "inactivity" and steady["touchpoint_count"] == 50

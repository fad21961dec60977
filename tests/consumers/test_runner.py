"""The stitcher against the real broker, 4-partition topics: identity, merges, guards, lateness, idle closure."""

from __future__ import annotations

import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable

import pytest

from consumers import run
from consumers.runner import Stitcher
from journeys.settings import Settings
from tests.consumers.conftest import event, latest_journeys, live, produce, read_stitched, read_topic


def test_anonymous_then_identified_on_two_devices_and_three_channels_ends_in_one_customer(
    stitch_settings: Callable[..., Settings],
) -> None:
    settings = stitch_settings()
    email, phone = uuid.uuid4().hex, uuid.uuid4().hex
    events = [
        event(0, anonymous_id="web-anon", channel="web"),
        event(5, anonymous_id="web-anon", channel="web", event_type="add_to_cart"),
        event(10, device_id="phone-1", channel="app", event_type="app_open"),
        event(12, device_id="phone-1", channel="app"),
        event(20, email_hash=email, channel="email", event_type="message_opened"),
        # the links arrive later: login on the web, login in the app, the CRM's identify
        event(30, anonymous_id="web-anon", customer_id="cust-1", channel="web", event_type="login"),
        event(40, device_id="phone-1", customer_id="cust-1", channel="app", event_type="login"),
        event(50, customer_id="cust-1", email_hash=email, phone_hash=phone, channel="voice", event_type="identify"),
        event(60, phone_hash=phone, channel="voice", event_type="contact_started"),
    ]
    produce(settings, events)
    (stats,) = run(settings, until_idle_s=2.0)
    assert stats.consumed == len(events)
    assert stats.restores == 1  # one join: no second rebalance right after it (runner._subscribe)

    journeys = latest_journeys(settings)
    active = live(journeys)
    assert {j["customer_id"] for j in active} == {"cust-1"}
    assert sorted(t["event_id"] for j in active for t in j["touchpoints"]) == sorted(e["event_id"] for e in events)
    (journey,) = active
    assert set(journey["channels"]) == {"web", "app", "email", "voice"}
    assert {"type": "device_id", "value": "phone-1"} in journey["identifiers"]
    merged = [j for j in journeys.values() if j["status"] == "merged"]
    assert merged and {j["merged_into"] for j in merged} == {journey["journey_id"]}
    stitched = read_stitched(settings)
    assert sorted(s["event"]["event_id"] for s in stitched) == sorted(e["event_id"] for e in events)
    links = read_topic(settings, settings.topics.identity, "IdentityLink")
    assert {link["kind"] for link in links} == {"merged"}
    assert {link["canonical_id"] for link in links} == {"cust-1"}


def test_alias_merges_two_known_customers_and_a_shared_device_is_stopped(
    stitch_settings: Callable[..., Settings],
) -> None:
    settings = stitch_settings(supernode_refusals=2)
    email = uuid.uuid4().hex
    events = [
        event(0, customer_id="old-account", email_hash=email, event_type="identify"),
        event(10, customer_id="old-account", channel="web"),
        event(20, customer_id="new-account", channel="web"),
    ]
    later = [
        # guards depend on order, and partitions are read in any order: the alias comes later
        event(30, customer_id="new-account", email_hash=email, event_type="alias"),
        # a store kiosk used by four customers: linked to the first, refused, then blocked
        *[event(40 + i, customer_id=f"shopper-{i}", device_id="kiosk", channel="store") for i in range(4)],
    ]
    produce(settings, events)
    run(settings, until_idle_s=1.0)
    produce(settings, later)
    (stats,) = run(settings, until_idle_s=1.0)  # also restores the first run's state
    assert stats.restores >= 1

    active = live(latest_journeys(settings))
    by_customer = Counter(j["customer_id"] for j in active)
    assert "new-account" in by_customer and "old-account" not in by_customer  # the smaller id wins
    assert {f"shopper-{i}" for i in range(4)} <= set(by_customer)
    links = read_topic(settings, settings.topics.identity, "IdentityLink")
    refused = [link for link in links if link["kind"] == "refused"]
    assert len(refused) == 3
    assert any("super-node" in (link["reason"] or "") for link in refused)
    assert any(link["kind"] == "merged" and link["reason"] == "alias" for link in links)


@pytest.mark.parametrize("compression", ["none", "zstd"])  # zstd: the second run restores a compressed changelog
def test_late_and_duplicate_events_are_stitched_once_and_flagged(
    stitch_settings: Callable[..., Settings], compression: str
) -> None:
    # The event clock follows the slowest raw partition: fillers make every partition speak.
    settings = stitch_settings(allowed_lateness_s=60, compression=compression)
    fillers = [event(200, anonymous_id=f"filler-{i}") for i in range(40)]
    first = event(0, anonymous_id="dup-anon")
    on_time = [first, event(100, anonymous_id="dup-anon"), event(200, anonymous_id="dup-anon")]
    within = event(150, anonymous_id="dup-anon")  # 50 s late: reorders silently
    beyond = event(120, anonymous_id="dup-anon")  # 80 s late: kept, flagged
    garbage = (b"anonymous_id:dup-anon", b"not avro at all")
    produce(settings, [*on_time, *fillers])
    run(settings, until_idle_s=2.0)
    produce(settings, [within, beyond, first, dict(within)], raw=[garbage])
    (stats,) = run(settings, until_idle_s=2.0)
    assert stats.duplicates == 2 and stats.dead_letters == 1

    stitched = read_stitched(settings)
    assert Counter(s["event"]["event_id"] for s in stitched) == Counter(
        e["event_id"] for e in [*on_time, *fillers, within, beyond]
    )
    assert [s["event"]["event_id"] for s in stitched if s["late"]] == [beyond["event_id"]]
    (journey,) = [j for j in live(latest_journeys(settings)) if j["customer_id"] == "anonymous_id:dup-anon"]
    assert [t["event_time"] for t in journey["touchpoints"]] == sorted(t["event_time"] for t in journey["touchpoints"])
    assert journey["late_count"] == 1 and journey["touchpoint_count"] == 5
    (letter,) = read_topic(settings, settings.topics.deadletter, "DeadLetter")
    assert letter["error_kind"] == "decode" and letter["original_topic"] == settings.topics.name(settings.topics.raw)


def test_quiet_customer_journey_closes_on_the_wall_clock(stitch_settings: Callable[..., Settings]) -> None:
    settings = stitch_settings(inactivity_gap_s=2, allowed_lateness_s=0, idle_after_s=1.0)
    now_ms = int(time.time() * 1000)
    fresh = event(0, anonymous_id="quiet")
    fresh["event_time"] = fresh["received_time"] = now_ms
    produce(settings, [fresh])
    stitcher = Stitcher(settings)
    thread = threading.Thread(target=stitcher.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    closed = []
    while time.monotonic() < deadline and not closed:
        time.sleep(1.0)
        closed = [j for j in live(latest_journeys(settings)) if j["status"] == "closed"]
    stitcher.stop()
    thread.join(30)
    assert closed and closed[0]["close_reason"] == "inactivity"


def test_a_restore_waits_for_the_changelog_of_a_commit_still_landing(
    stitch_settings: Callable[..., Settings], caplog: pytest.LogCaptureFixture
) -> None:
    """The previous owner's last transaction committed the group's offsets, but its markers have
    not reached the changelog yet: the restore must read on until its state is there, not resume
    after the input with a state that misses it (consumers.runner.Stitcher._settle)."""
    from kafka import KafkaProducer, TopicPartition

    from consumers.engine import Engine
    from schemas.serde import Serde

    settings = stitch_settings()
    stitcher = Stitcher(settings)
    raw = TopicPartition(settings.topics.name(settings.topics.raw), 1)
    changelog = settings.topics.name(settings.topics.state_changelog)
    producer = KafkaProducer(
        **settings.kafka.client_config(), transactional_id=f"{settings.stitcher.group_id}-previous-owner"
    )
    producer.init_transactions()
    producer.begin_transaction()
    producer.send(changelog, key=b"o:r", value=b"40", partition=1)
    producer.flush()  # written, invisible to read_committed readers until the commit

    def commit_later() -> None:
        time.sleep(1.5)
        producer.commit_transaction()

    def restored(committed: int) -> tuple[int | None, float]:
        engine = Engine(settings.stitcher, Serde(settings.serde, plain_timestamps=True), partitions=4)
        started = time.monotonic()
        stitcher._restore(engine, {raw}, {raw: committed})
        return engine.restored_offsets.get((b"r", 1)), time.monotonic() - started

    committer = threading.Thread(target=commit_later)
    committer.start()
    try:
        offset, waited = restored(40)
    finally:
        committer.join()
        producer.close()
    assert offset == 40 and waited >= 1.0
    # Offsets moved past the state by hand: nothing is on its way, so the offsets win, with a warning.
    offset, _ = restored(90)
    assert offset == 40
    assert "older offsets than the group's" in caplog.text

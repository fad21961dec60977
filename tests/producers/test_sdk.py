"""The SDK against the real broker: what is sent is what is read back."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from journeys.settings import KafkaSettings, ProducerSettings, Settings
from producers import DeliveryError, InvalidEventError, ProducerClosedError, Tracker, identity_key
from producers.contract import decode_touchpoint

pytestmark = pytest.mark.kafka

T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


def _clock() -> datetime:
    return T0


def test_track_identify_alias_and_batch_are_read_back_exactly(
    pipeline_settings: Settings, read_topic: Callable[..., Any]
) -> None:
    settings = pipeline_settings
    with Tracker(settings, source="checkout", clock=_clock, close_at_exit=False) as tracker:
        ids = [
            tracker.track("page_view", channel="web", anonymous_id="a-1", page="/cart", context={"country": "DE"}),
            tracker.identify(channel="web", anonymous_id="a-1", customer_id="c-1", email=" Ann@Example.com "),
            tracker.alias(customer_id="c-1", previous_id="a-1", channel="web"),
            tracker.track("purchase", channel="web", customer_id="c-1", order_id="o-1", value=59.5, currency="EUR"),
        ]
        ids += tracker.send_batch(
            {
                "event_id": str(uuid.uuid4()),
                "event_time": T0,
                "channel": "email",
                "event_type": "message_opened",
                "customer_id": "c-1",
                "properties": {"campaign": "spring"},
            }
            for _ in range(3)
        )
        tracker.flush()
    messages = read_topic(settings, settings.topics.name(settings.topics.raw), len(ids))
    events = {decode_touchpoint(m.value)["event_id"]: (m.key, decode_touchpoint(m.value)) for m in messages}
    assert sorted(events) == sorted(ids)
    key, purchase = events[ids[3]]
    assert key == b"customer_id:c-1" == identity_key(purchase)
    assert (purchase["event_type"], purchase["order_id"], purchase["value"]) == ("purchase", "o-1", 59.5)
    assert purchase["source"] == "checkout"
    assert purchase["received_time"] == T0
    identify = events[ids[1]][1]
    assert identify["email_hash"] is not None and "Example" not in str(identify)
    assert events[ids[0]][0] == b"anonymous_id:a-1"


def test_invalid_event_raises_with_field_and_reason_and_is_not_sent(
    pipeline_settings: Settings, read_topic: Callable[..., Any]
) -> None:
    settings = pipeline_settings
    with Tracker(settings, close_at_exit=False) as tracker:
        with pytest.raises(InvalidEventError) as caught:
            tracker.track("page_view", channel="carrier-pigeon", anonymous_id="a-1")
        assert caught.value.field == "channel"
        with pytest.raises(InvalidEventError) as no_id:
            tracker.track("page_view", channel="web")
        assert no_id.value.problems
        with pytest.raises(InvalidEventError, match=r"\[1\]"):
            tracker.send_batch(
                [
                    {"event_type": "click", "channel": "web", "anonymous_id": "a", "event_time": T0},
                    {"event_type": "nope", "channel": "web", "anonymous_id": "a", "event_time": T0},
                ]
            )
        tracker.flush()
    assert read_topic(settings, settings.topics.name(settings.topics.raw), 0, timeout_s=1) == []


def test_sdk_raises_after_max_block_when_no_broker_answers(unused_port: int) -> None:
    settings = Settings(
        kafka=KafkaSettings(bootstrap_servers=f"127.0.0.1:{unused_port}", request_timeout_ms=1000),
        producer=ProducerSettings(max_block_ms=1000),
    )
    with pytest.raises(Exception) as caught:  # no broker at construction: TransientError
        Tracker(settings, close_at_exit=False)
    assert getattr(caught.value, "retryable", False)


def test_delivery_callbacks_report_every_event(pipeline_settings: Settings, read_topic: Callable[..., Any]) -> None:
    seen: list[tuple[str, object]] = []
    with Tracker(pipeline_settings, on_delivery=lambda eid, err: seen.append((eid, err)), close_at_exit=False) as t:
        ids = [t.track("click", channel="app", device_id="d-1", target="buy") for _ in range(5)]
        t.flush()
    assert sorted(eid for eid, _ in seen) == sorted(ids)
    assert all(err is None for _, err in seen)
    assert DeliveryError.retryable


def test_events_reach_kafka_without_a_flush_and_many_share_a_batch(
    pipeline_settings: Settings, read_topic: Callable[..., Any]
) -> None:
    calls: list[str] = []
    tracker = Tracker(pipeline_settings, on_delivery=lambda eid, err: calls.append(eid), close_at_exit=False)
    lone = tracker.track("click", channel="web", anonymous_id="a-lone")
    # No flush: the tracker hands waiting events to the producer on its own (HANDOVER_S), and
    # the producer sends them after linger_ms.
    [message] = read_topic(pipeline_settings, pipeline_settings.topics.name(pipeline_settings.topics.raw), 1)
    assert decode_touchpoint(message.value)["event_id"] == lone
    many = [tracker.track("page_view", channel="web", anonymous_id=f"a-{i % 3}") for i in range(500)]
    tracker.flush()
    assert tracker.acknowledged == tracker.sent == 501
    assert sorted(calls) == sorted([lone, *many])
    tracker.close()
    with pytest.raises(ProducerClosedError):
        tracker.track("click", channel="web", anonymous_id="a-late")

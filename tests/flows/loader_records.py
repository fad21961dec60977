"""Contract records for the loader's tests (plain dicts in the Avro form) and a producer helper.

The stitcher that produces these topics is built elsewhere, so the tests write the records
themselves with the contract's serde, exactly as the stitcher will.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from journeys.settings import Settings
from schemas.serde import Serde
from tests.schemas.schema_factories import touchpoint

__all__ = ["T0", "dead_letter", "journey", "link", "produce", "stitched"]

T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


def _event(event_id: str, at: datetime, **fields: Any) -> dict[str, Any]:
    fields = {"context": {"country": "DE"}, "latency_ms": 120, **fields}
    return touchpoint(event_id=event_id, event_time=at, received_time=at + timedelta(seconds=1), **fields)


def stitched(
    event_id: str,
    *,
    customer: str = "c-1",
    journey_id: str = "j-1",
    at: datetime = T0,
    stitched_at: datetime | None = None,
    late: bool = False,
    **fields: Any,
) -> dict[str, Any]:
    return {
        "event": _event(event_id, at, **fields),
        "customer_id": customer,
        "journey_id": journey_id,
        "session_id": f"s-{journey_id}",
        "late": late,
        "stitched_time": stitched_at or at + timedelta(seconds=2),
    }


def journey(
    journey_id: str,
    event_ids: Iterable[str],
    *,
    customer: str = "c-1",
    version: int = 1,
    status: str = "closed",
    merged_into: str | None = None,
    identifiers: Iterable[tuple[str, str]] = (("anonymous_id", "anon-1"),),
    start: datetime = T0,
) -> dict[str, Any]:
    ids = list(event_ids)
    touchpoints = [
        {
            "event_id": event_id,
            "event_time": start + timedelta(minutes=i),
            "channel": "web" if i % 2 == 0 else "app",
            "event_type": "page_view",
            "session_id": f"s-{journey_id}",
            "late": False,
            "page": "/cart",
            "step": None,
            "intent": None,
            "outcome": None,
            "error_code": None,
            "latency_ms": 120,
            "duration_ms": None,
            "survey_kind": None,
            "survey_score": None,
        }
        for i, event_id in enumerate(ids)
    ]
    end = start + timedelta(minutes=max(len(ids) - 1, 0))
    return {
        "journey_id": journey_id,
        "customer_id": customer,
        "identifiers": [{"type": t, "value": v} for t, v in identifiers],
        "kind": "purchase",
        "status": status,
        "close_reason": "merged" if status == "merged" else ("inactivity" if status == "closed" else None),
        "merged_into": merged_into,
        "start_time": start,
        "end_time": end,
        "updated_time": end + timedelta(seconds=version),
        "version": version,
        "touchpoints": touchpoints,
        "channels": list(dict.fromkeys(tp["channel"] for tp in touchpoints)),
        "outcome": None,
        "country": "DE",
        "touchpoint_count": len(ids),
        "late_count": 0,
    }


def link(
    left: tuple[str, str],
    right: tuple[str, str],
    *,
    kind: str = "merged",
    canonical: str | None = None,
    at: datetime = T0,
    reason: str | None = None,
) -> dict[str, Any]:
    from schemas.models import link_id_for

    return {
        "link_id": link_id_for(left[0], left[1], right[0], right[1]),
        "kind": kind,
        "left_type": left[0],
        "left_value": left[1],
        "right_type": right[0],
        "right_value": right[1],
        "source": "identify",
        "event_id": None,
        "observed_time": at,
        "canonical_id": canonical,
        "reason": reason,
    }


def dead_letter(
    dead_letter_id: str, *, reason: str = "channel: not a channel", payload: bytes = b"{}"
) -> dict[str, Any]:
    return {
        "dead_letter_id": dead_letter_id,
        "payload": payload,
        "content_type": "application/json",
        "source": "web-shop",
        "error_kind": "validation",
        "field": "channel",
        "message": reason,
        "error_time": T0,
        "original_topic": None,
        "original_partition": None,
        "original_offset": None,
        "replay_count": 0,
    }


_WIRE = {
    "stitched": "StitchedTouchpoint",
    "journeys": "Journey",
    "identity": "IdentityLink",
    "deadletter": "DeadLetter",
}


def produce(settings: Settings, role: str, records: Iterable[dict[str, Any] | bytes], *, key: bytes = b"k") -> int:
    """Write ``records`` (dicts are encoded with the contract; bytes go as they are) to the topic of
    ``role`` (stitched, journeys, identity, deadletter); return how many."""
    from kafka import KafkaProducer

    topic = settings.topics.name(getattr(settings.topics, role))
    codec = Serde(settings.serde).codec(_WIRE[role])
    producer = KafkaProducer(**settings.kafka.client_config(), acks="all", linger_ms=5)
    count = 0
    try:
        for record in records:
            value = record if isinstance(record, bytes) else codec.encode(record)
            producer.send(topic, key=key, value=value)
            count += 1
        producer.flush()
    finally:
        producer.close()
    return count

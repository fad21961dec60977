"""Factories of valid contract records (plain dicts in the Avro form), with a pinned clock.

A module rather than conftest fixtures so tests and ``make_golden.py`` can import them.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
EVENT_ID = "0b0f5c3e-8a0e-4f55-a0b8-5d0f3b8b6e11"

__all__ = [
    "EVENT_ID",
    "FACTORIES",
    "NOW",
    "dead_letter",
    "identity_link",
    "journey",
    "journey_touchpoint",
    "stitched",
    "stitched_batch",
    "touchpoint",
]

Factory = Callable[..., dict[str, Any]]


def touchpoint(**overrides: Any) -> dict[str, Any]:
    """A valid TouchpointEvent dict in the Avro form (every field present)."""
    record: dict[str, Any] = {
        "event_id": EVENT_ID,
        "event_time": NOW - timedelta(seconds=5),
        "received_time": NOW,
        "sent_time": None,
        "source": "web-shop",
        "channel": "web",
        "event_type": "page_view",
        "anonymous_id": "anon-1",
        "customer_id": None,
        "email_hash": None,
        "phone_hash": None,
        "device_id": None,
        "context": {
            "country": None,
            "locale": None,
            "device_type": None,
            "os": None,
            "app_name": None,
            "app_version": None,
            "user_agent": None,
            "campaign_source": None,
            "campaign_medium": None,
            "campaign_name": None,
            "referrer": None,
        },
        "duration_ms": None,
        "latency_ms": None,
        "error_code": None,
        "page": "/cart",
        "step": None,
        "target": None,
        "intent": None,
        "outcome": None,
        "conversation_id": None,
        "agent_id": None,
        "order_id": None,
        "value": None,
        "currency": None,
        "survey_kind": None,
        "survey_score": None,
        "properties": {},
    }
    record.update(overrides)
    return record


def journey_touchpoint(**overrides: Any) -> dict[str, Any]:
    record: dict[str, Any] = {
        "event_id": EVENT_ID,
        "event_time": NOW,
        "channel": "web",
        "event_type": "page_view",
        "session_id": "s-1",
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
    record.update(overrides)
    return record


def journey(**overrides: Any) -> dict[str, Any]:
    record: dict[str, Any] = {
        "journey_id": "j-1",
        "customer_id": "c-1",
        "identifiers": [{"type": "customer_id", "value": "c-1"}, {"type": "anonymous_id", "value": "anon-1"}],
        "kind": "purchase",
        "status": "closed",
        "close_reason": "outcome",
        "merged_into": None,
        "start_time": NOW - timedelta(minutes=10),
        "end_time": NOW,
        "updated_time": NOW,
        "version": 3,
        "touchpoints": [
            journey_touchpoint(event_time=NOW - timedelta(minutes=10)),
            journey_touchpoint(event_type="purchase", outcome="success", channel="app", session_id="s-2"),
        ],
        "channels": ["web", "app"],
        "outcome": "success",
        "country": "DE",
        "touchpoint_count": 2,
        "late_count": 0,
    }
    record.update(overrides)
    return record


def identity_link(**overrides: Any) -> dict[str, Any]:
    record: dict[str, Any] = {
        "link_id": "5f0c0e7e3d7b4f3a9c1a2b3c4d5e6f70",
        "kind": "merged",
        "left_type": "customer_id",
        "left_value": "c-1",
        "right_type": "anonymous_id",
        "right_value": "anon-1",
        "source": "identify",
        "event_id": EVENT_ID,
        "observed_time": NOW,
        "canonical_id": "c-1",
        "reason": None,
    }
    record.update(overrides)
    return record


def stitched(**overrides: Any) -> dict[str, Any]:
    record: dict[str, Any] = {
        "event": touchpoint(),
        "customer_id": "c-1",
        "journey_id": "j-1",
        "session_id": "s-1",
        "late": False,
        "stitched_time": NOW,
    }
    record.update(overrides)
    return record


def stitched_batch(**overrides: Any) -> dict[str, Any]:
    record: dict[str, Any] = {"touchpoints": [stitched(), stitched(journey_id="j-2", late=True)]}
    record.update(overrides)
    return record


def dead_letter(**overrides: Any) -> dict[str, Any]:
    record: dict[str, Any] = {
        "dead_letter_id": "7d6c2f1e-0a9b-4c8d-9e7f-6a5b4c3d2e1f",
        "payload": b'{"channel": "pigeon"}',
        "content_type": "application/json",
        "source": "web-shop",
        "error_kind": "validation",
        "field": "channel",
        "message": "channel: not a channel",
        "error_time": NOW,
        "original_topic": None,
        "original_partition": None,
        "original_offset": None,
        "replay_count": 0,
    }
    record.update(overrides)
    return record


FACTORIES: dict[str, Factory] = {
    "TouchpointEvent": touchpoint,
    "IdentityLink": identity_link,
    "StitchedTouchpoint": stitched,
    "StitchedBatch": stitched_batch,
    "Journey": journey,
    "DeadLetter": dead_letter,
}

# ruff: noqa: N815  (field names are Segment's wire names)
"""Request and response shapes of the collector, for its OpenAPI document.

The handlers do not parse bodies with these models (one bad event must not refuse a
whole batch, and orjson on the raw body is several times faster); they validate each
event against the contract and dead-letter the invalid ones. These models describe
what a client should send, field for field, as Segment's HTTP Tracking API does.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "EventProblem",
    "IngestResult",
    "SegmentAlias",
    "SegmentBatch",
    "SegmentCall",
    "SegmentContext",
    "SegmentGroup",
    "SegmentIdentify",
    "SegmentPage",
    "SegmentScreen",
    "SegmentTrack",
]


class SegmentContext(BaseModel):
    """The parts of Segment's `context` the collector maps (others are ignored)."""

    model_config = ConfigDict(extra="allow")

    device: dict[str, Any] | None = Field(None, description="`device.id` -> device_id, `device.type` -> device_type.")
    locale: str | None = Field(None, description="-> context.locale, e.g. `de-DE`.")
    campaign: dict[str, Any] | None = Field(None, description="`source`, `medium`, `name` -> campaign_*.")
    page: dict[str, Any] | None = Field(None, description="`path` -> page, `referrer` -> context.referrer.")
    app: dict[str, Any] | None = Field(
        None, description="`name`, `version` -> app_name, app_version; implies channel app."
    )
    os: dict[str, Any] | None = Field(None, description="`name` -> context.os.")
    location: dict[str, Any] | None = Field(None, description="`country` -> context.country.")
    userAgent: str | None = Field(None, description="-> context.user_agent.")
    channel: str | None = Field(None, description="A journeys channel (web, app, email, ...); overrides inference.")
    traits: dict[str, Any] | None = Field(None, description="As the call's traits; email and phone are hashed.")


class _SegmentBase(BaseModel):
    model_config = ConfigDict(extra="allow")

    messageId: str | None = Field(None, description="-> event_id (a UUID, or a UUID derived from it).")
    userId: str | None = Field(None, description="-> customer_id. userId or anonymousId is required.")
    anonymousId: str | None = Field(None, description="-> anonymous_id.")
    timestamp: str | None = Field(None, description="ISO-8601 -> event_time.")
    originalTimestamp: str | None = Field(None, description="Device clock; corrected with sentAt when no timestamp.")
    sentAt: str | None = Field(None, description="ISO-8601 -> sent_time.")
    context: SegmentContext | None = None
    properties: dict[str, Any] | None = Field(
        None,
        description="-> properties (as strings); value/revenue/total, currency, order_id, step, target, intent, "
        "outcome, error_code, duration_ms, latency_ms, survey_kind, survey_score, channel are lifted to fields.",
    )
    writeKey: str | None = Field(None, description="The write key, when not sent as the basic-auth user name.")


class SegmentTrack(_SegmentBase):
    type: Literal["track"] = "track"
    event: str = Field(
        ..., description="A journeys event type (`add_to_cart`) or a Segment spec name (`Order Completed`)."
    )


class SegmentIdentify(_SegmentBase):
    type: Literal["identify"] = "identify"
    traits: dict[str, Any] | None = Field(None, description="`email` -> email_hash, `phone` -> phone_hash.")


class SegmentAlias(_SegmentBase):
    type: Literal["alias"] = "alias"
    previousId: str = Field(..., description="The earlier (anonymous) id -> anonymous_id.")


class SegmentPage(_SegmentBase):
    type: Literal["page"] = "page"
    name: str | None = None


class SegmentScreen(_SegmentBase):
    type: Literal["screen"] = "screen"
    name: str | None = None


class SegmentGroup(_SegmentBase):
    type: Literal["group"] = "group"
    groupId: str | None = None
    traits: dict[str, Any] | None = None


SegmentCall = SegmentTrack | SegmentIdentify | SegmentAlias | SegmentPage | SegmentScreen | SegmentGroup


class SegmentBatch(BaseModel):
    model_config = ConfigDict(extra="allow")

    batch: list[SegmentCall] = Field(..., description="Calls, each with its `type`.")
    context: SegmentContext | None = Field(None, description="Merged into every call's context.")
    sentAt: str | None = None
    writeKey: str | None = None


class EventProblem(BaseModel):
    index: int = Field(..., description="Position of the event in the request (0 for a single event).")
    field: str | None = Field(None, description="The first offending field.")
    reason: str = Field(..., description="Every problem found, `field: reason; ...`.")
    dead_letter_id: str = Field(..., description="Where to find it: `journeys dlq inspect`.")


class IngestResult(BaseModel):
    success: bool = Field(..., description="True when every event was accepted.")
    accepted: int = Field(..., description="Events acknowledged by Kafka in the raw topic.")
    dead_lettered: int = Field(..., description="Invalid events stored in the dead-letter topic.")
    errors: list[EventProblem] = Field(default_factory=list)


class ErrorBody(BaseModel):
    success: Literal[False] = False
    message: str

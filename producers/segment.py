"""Segment HTTP Tracking API payloads -> touchpoint dicts (pure functions, no I/O).

Apps instrumented with Segment or RudderStack SDKs post ``track``, ``identify``,
``alias``, ``page``, ``screen`` and ``group`` calls; this module turns each into the
contract's touchpoint shape. It never raises on odd input: whatever it cannot map is
left out or kept as a string property, and the contract's validation decides.

Personal data is hashed here, at the edge: ``traits.email`` becomes ``email_hash``
(sha256 of the trimmed, lower-cased address) and ``traits.phone`` becomes
``phone_hash`` (sha256 of the digits with a leading ``+``); neither, nor names or
addresses, ever reaches Kafka in clear.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from functools import lru_cache
from types import MappingProxyType
from typing import Any

from schemas.models import CANONICAL_UUID

__all__ = [
    "CHANNELS",
    "EVENT_TYPES",
    "from_segment",
    "hash_email",
    "hash_phone",
    "merge_batch_context",
    "parse_time",
    "stable_event_id",
]

CHANNELS = frozenset(
    [
        "web",
        "app",
        "email",
        "sms",
        "whatsapp",
        "line",
        "messenger",
        "imessage",
        "push",
        "chat",
        "chatbot",
        "voice",
        "video",
        "store",
        "social",
        "other",
    ]
)
EVENT_TYPES = frozenset(
    [
        "page_view",
        "screen_view",
        "click",
        "search",
        "form_start",
        "form_submit",
        "error",
        "add_to_cart",
        "remove_from_cart",
        "checkout_started",
        "purchase",
        "cancellation",
        "refund",
        "login",
        "signup",
        "identify",
        "alias",
        "app_open",
        "message_sent",
        "message_received",
        "message_delivered",
        "message_opened",
        "message_clicked",
        "message_bounced",
        "message_failed",
        "notification_received",
        "contact_started",
        "queued",
        "agent_assigned",
        "agent_transfer",
        "contact_resolved",
        "contact_abandoned",
        "bot_handoff",
        "survey_response",
        "video_play",
        "store_visit",
        "other",
    ]
)

# Segment's semantic event names (segment.com/docs/connections/spec) -> our event types.
_SEGMENT_EVENTS = {
    "order completed": "purchase",
    "product added": "add_to_cart",
    "product removed": "remove_from_cart",
    "checkout started": "checkout_started",
    "products searched": "search",
    "signed up": "signup",
    "signed in": "login",
    "order cancelled": "cancellation",
    "order refunded": "refund",
    "application opened": "app_open",
    "push notification received": "notification_received",
    "push notification tapped": "message_clicked",
    "email delivered": "message_delivered",
    "email opened": "message_opened",
    "email link clicked": "message_clicked",
    "email bounced": "message_bounced",
    "video playback started": "video_play",
    "form submitted": "form_submit",
    "form started": "form_start",
}
# Segment's top-level `channel` (who sent the call) -> our channel, when nothing better is known.
_SEGMENT_CHANNEL = {"browser": "web", "mobile": "app", "client": "web"}
# Fields lifted from `properties` into the touchpoint (Segment name -> ours), then removed from properties.
_LIFTED_STR = {
    "order_id": "order_id",
    "orderId": "order_id",
    "currency": "currency",
    "step": "step",
    "target": "target",
    "intent": "intent",
    "outcome": "outcome",
    "error_code": "error_code",
    "conversation_id": "conversation_id",
    "agent_id": "agent_id",
    "survey_kind": "survey_kind",
}
_LIFTED_NUM = {
    "value": "value",
    "revenue": "value",
    "total": "value",
    "duration_ms": "duration_ms",
    "latency_ms": "latency_ms",
    "survey_score": "survey_score",
}
_INT_FIELDS = {"duration_ms", "latency_ms", "survey_score"}
# Traits never copied into properties (personal data; email and phone are hashed instead).
_PII_TRAITS = frozenset(
    [
        "email",
        "phone",
        "name",
        "firstName",
        "lastName",
        "first_name",
        "last_name",
        "address",
        "birthday",
        "username",
        "title",
        "avatar",
    ]
)
# Properties that are neither lifted nor kept (personal data, or decided elsewhere).
_NOT_PROPERTIES = frozenset(["email", "phone", "channel"])
_DIGIT = re.compile(r"\d")
_EVENT_ID_NAMESPACE = uuid.UUID("6f1b5d1e-3c59-4a39-9a64-3e3a0f7d1a2b")
_MAX_PROPERTY_CHARS = 4096


def hash_email(email: str) -> str:
    """sha256 hex of the trimmed, lower-cased address (what every identity join uses)."""
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()


def hash_phone(phone: str) -> str:
    """sha256 hex of ``+`` and the digits, so ``+1 (555) 010-9999`` and ``+15550109999`` match."""
    return hashlib.sha256(("+" + re.sub(r"\D", "", phone)).encode()).hexdigest()


def parse_time(value: Any) -> datetime | None:
    """An ISO-8601 string or epoch milliseconds -> aware UTC datetime; ``None`` when unreadable."""
    if value is None or isinstance(value, bool):
        return None
    try:
        if isinstance(value, str):
            if not value:
                return None
            parsed = datetime.fromisoformat(value)  # Python 3.11 reads a trailing Z and any offset
            return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
        if isinstance(value, int | float):
            return datetime.fromtimestamp(value / 1000, tz=UTC)
    except (ValueError, OverflowError, OSError):
        return None
    return None


def stable_event_id(message_id: Any, payload: Mapping[str, Any]) -> str:
    """The event id: ``messageId`` when it is a UUID, else a UUID derived from it (or from the payload).

    Derived, not random, so a client that re-posts the same call gets the same event id and the
    stitcher drops the copy.
    """
    if isinstance(message_id, str) and message_id:
        if len(message_id) == 36 and CANONICAL_UUID.fullmatch(message_id):
            return message_id  # what str(uuid.UUID(...)) would give, without building one
        try:
            return str(uuid.UUID(message_id))
        except ValueError:
            return str(uuid.uuid5(_EVENT_ID_NAMESPACE, message_id))
    canonical = json.dumps(payload, sort_keys=True, default=str, separators=(",", ":"))
    return str(uuid.uuid5(_EVENT_ID_NAMESPACE, canonical))


def merge_batch_context(call: Mapping[str, Any], batch: Mapping[str, Any]) -> dict[str, Any]:
    """A call inside ``/v1/batch`` inherits the batch's ``context``, ``integrations`` and ``sentAt``."""
    merged = dict(call)
    batch_context = batch.get("context")
    if isinstance(batch_context, Mapping):
        own = call.get("context")
        merged["context"] = {**batch_context, **own} if isinstance(own, Mapping) else dict(batch_context)
    if "sentAt" not in merged and "sentAt" in batch:
        merged["sentAt"] = batch["sentAt"]
    return merged


def from_segment(
    call: Mapping[str, Any], *, kind: str, source: str, default_channel: str, now: datetime
) -> dict[str, Any]:
    """One Segment call of ``kind`` (track, identify, ...) -> a touchpoint dict (not yet validated).

    Fields the call does not give are left out (the contract's defaults fill them), which
    also spares validation a look at each of them.
    """
    get = call.get
    ctx = _mapping(get("context"))
    props = _mapping(get("properties"))
    own_traits, ctx_traits = get("traits"), ctx.get("traits")
    traits = _EMPTY if own_traits is None and ctx_traits is None else {**_mapping(ctx_traits), **_mapping(own_traits)}
    device = _mapping(ctx.get("device"))

    sent = parse_time(get("sentAt"))
    event: dict[str, Any] = {
        "event_id": stable_event_id(get("messageId"), call),
        "event_time": _event_time(call, sent, now),
        "received_time": now,
        "source": source,
        "channel": _channel(call, ctx, props, device, default=default_channel, kind=kind),
        "event_type": _event_type(call, kind),
    }
    if sent is not None:
        event["sent_time"] = sent
    for name, value in (
        ("customer_id", get("userId")),
        ("anonymous_id", get("previousId") if kind == "alias" else None),
        ("anonymous_id", get("anonymousId")),
        ("device_id", device.get("id")),
        ("page", _page(call, ctx, props, kind)),
    ):
        if value is not None and name not in event:
            text = _str_or_none(value)
            if text is not None:
                event[name] = text
    # Segment's alias says "previousId is the same person as userId"; the previous id is
    # (almost always) the anonymous one, and the stitcher links both (hence it comes first above).
    if traits:
        email, phone = traits.get("email"), traits.get("phone")
        if isinstance(email, str) and email.strip():
            event["email_hash"] = hash_email(email)
        if isinstance(phone, str) and _DIGIT.search(phone):
            event["phone_hash"] = hash_phone(phone)
    if ctx:
        context = _context(ctx, device)
        if context:
            event["context"] = context

    properties: dict[str, str] = {}
    for name, value in props.items():
        if name in _LIFTED_STR:
            if value is not None and not isinstance(value, dict | list):
                event[_LIFTED_STR[name]] = str(value)
                continue
        elif name in _LIFTED_NUM:
            if _is_number(value):
                field = _LIFTED_NUM[name]
                event[field] = int(value) if field in _INT_FIELDS else float(value)
                continue
        elif name in _NOT_PROPERTIES:
            continue
        properties[str(name)] = _as_string(value)
    for name, value in traits.items():
        if name not in _PII_TRAITS:
            properties[f"trait.{name}"] = _as_string(value)
    if kind == "track" and event["event_type"] == "other" and get("event") is not None:
        properties["segment_event"] = _as_string(get("event"))
    if kind == "group" and get("groupId") is not None:
        properties["group_id"] = _as_string(get("groupId"))
    if kind in {"page", "screen"} and get("name") is not None:
        properties.setdefault("name", _as_string(get("name")))
    message_id = get("messageId")
    if isinstance(message_id, str) and event["event_id"] != message_id:
        properties["message_id"] = message_id[:_MAX_PROPERTY_CHARS]
    if properties:
        event["properties"] = properties
    return event


def _event_time(call: Mapping[str, Any], sent: datetime | None, now: datetime) -> datetime:
    """Segment's rule: ``timestamp`` if given, else ``originalTimestamp`` corrected for the device's clock skew."""
    stamped = parse_time(call.get("timestamp"))
    if stamped is not None:
        return stamped
    original = parse_time(call.get("originalTimestamp"))
    if original is not None:
        return now - (sent - original) if sent is not None else original
    return now


def _channel(
    call: Mapping[str, Any],
    ctx: Mapping[str, Any],
    props: Mapping[str, Any],
    device: Mapping[str, Any],
    *,
    default: str,
    kind: str,
) -> str:
    for explicit in (props.get("channel"), ctx.get("channel")):
        if isinstance(explicit, str) and explicit.lower() in CHANNELS:
            return explicit.lower()
    if kind == "screen" or (not ctx.get("page") and (ctx.get("app") or device.get("id"))):
        return "app"
    if kind == "page" or ctx.get("page"):
        return "web"
    segment_channel = call.get("channel")
    if isinstance(segment_channel, str) and segment_channel in _SEGMENT_CHANNEL:
        return _SEGMENT_CHANNEL[segment_channel]
    return default


def _event_type(call: Mapping[str, Any], kind: str) -> str:
    if kind == "track":
        name = call.get("event")
        if not isinstance(name, str):
            return "other"
        return _track_event_type(name)
    return {"page": "page_view", "screen": "screen_view", "identify": "identify", "alias": "alias"}.get(kind, "other")


@lru_cache(maxsize=4096)  # apps send a few dozen event names, over and over
def _track_event_type(name: str) -> str:
    snake = re.sub(r"[\s\-]+", "_", name.strip().lower())
    if snake in EVENT_TYPES:
        return snake
    return _SEGMENT_EVENTS.get(name.strip().lower(), "other")


def _context(ctx: Mapping[str, Any], device: Mapping[str, Any]) -> dict[str, Any]:
    """The touchpoint's context: only what the call gives (a call carries a few of these at most)."""
    get = ctx.get
    location, os_, app, campaign, page, referrer = (
        get("location"),
        get("os"),
        get("app"),
        get("campaign"),
        get("page"),
        get("referrer"),
    )
    referrer_url = _mapping(referrer).get("url") if isinstance(referrer, Mapping) else referrer
    page_referrer = _mapping(page).get("referrer") if page is not None else None
    country = (_mapping(location).get("country") if location is not None else None) or get("country")
    out: dict[str, Any] = {}
    for name, value in (
        ("country", country),
        ("locale", get("locale")),
        ("device_type", device.get("type")),
        ("user_agent", get("userAgent")),
        ("referrer", page_referrer or referrer_url),
    ):
        if value is not None:
            text = _str_or_none(value)
            if text is not None:
                out[name] = text
    for container, fields in ((os_, _OS_FIELDS), (app, _APP_FIELDS), (campaign, _CAMPAIGN_FIELDS)):
        if container is not None:
            found = _mapping(container)
            for key, name in fields:
                text = _str_or_none(found.get(key))
                if text is not None:
                    out[name] = text
    return out


_OS_FIELDS = (("name", "os"),)
_APP_FIELDS = (("name", "app_name"), ("version", "app_version"))
_CAMPAIGN_FIELDS = (("source", "campaign_source"), ("medium", "campaign_medium"), ("name", "campaign_name"))


def _page(call: Mapping[str, Any], ctx: Mapping[str, Any], props: Mapping[str, Any], kind: str) -> str | None:
    if kind == "screen":
        return _str_or_none(call.get("name") or props.get("name"))
    return _str_or_none(props.get("path") or _mapping(ctx.get("page")).get("path") or call.get("name"))


_EMPTY: Mapping[str, Any] = MappingProxyType({})


def _mapping(value: Any) -> Mapping[str, Any]:
    # JSON gives dicts or nothing: check those first, the ABC check costs ~0.3 us and would run
    # for each of the ~12 absent objects of a call (15% of the mapping's time)
    if type(value) is dict:
        return value
    if value is None:
        return _EMPTY
    return value if isinstance(value, Mapping) else _EMPTY


def _str_or_none(value: Any) -> str | None:
    if type(value) is str:
        return value or None
    if value is None or isinstance(value, dict | list):
        return None
    text = str(value)
    return text or None


def _is_number(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int | float):
        return math.isfinite(value) and abs(value) < 1e15  # fits the contract's numbers
    return False


def _as_string(value: Any) -> str:
    kind = type(value)
    if kind is str:
        text = value
    elif kind is float or kind is int:
        text = repr(value)
    elif isinstance(value, str):
        text = value
    elif isinstance(value, bool):
        text = "true" if value else "false"
    elif value is None:
        text = ""
    elif isinstance(value, int | float):
        text = repr(value)
    else:
        text = json.dumps(value, default=str, separators=(",", ":"))
    return text[:_MAX_PROPERTY_CHARS]

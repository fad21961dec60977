"""The one place where producers meet the event contract (``schemas``).

Everything else in ``producers`` calls these functions, so a change of the contract's
API touches this file only.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from functools import cache
from typing import TYPE_CHECKING, Any

from producers.exceptions import InvalidEventError

if TYPE_CHECKING:
    from pydantic import ValidationError

    from schemas.models import TouchpointEvent
    from schemas.serde import RecordCodec

__all__ = [
    "decode_dead_letter",
    "decode_touchpoint",
    "encode_dead_letter",
    "encode_touchpoint",
    "encode_touchpoint_fast",
    "touchpoint_json_schema",
    "utc_now_millis",
    "validate_touchpoint",
    "validate_touchpoint_fast",
]


def utc_now_millis() -> datetime:
    """The clock's UTC time in whole milliseconds, as Avro keeps it: validation leaves such a
    time as it is instead of truncating a copy for every event."""
    # A float of whole milliseconds: its error (< 0.2 us up to 2100) rounds away to the exact millisecond.
    return datetime.fromtimestamp(time.time_ns() // 1_000_000 / 1000, UTC)


def validate_touchpoint(raw: dict[str, Any]) -> dict[str, Any]:
    """Validate with the contract's pydantic model; the normalised dict, or ``InvalidEventError``."""
    model, error = _touchpoint_model()
    try:
        return model.parse(raw).to_avro()
    except error as exc:
        from schemas.exceptions import validation_problems

        raise InvalidEventError(validation_problems(exc), event_id=_event_id(raw)) from exc


@cache
def _touchpoint_model() -> tuple[type[TouchpointEvent], type[ValidationError]]:
    """The model class and pydantic's error, imported once (an import per call cost ~3 us)."""
    from pydantic import ValidationError

    from schemas.models import TouchpointEvent

    return TouchpointEvent, ValidationError


validate_touchpoint_fast = validate_touchpoint


@cache
def _codec(name: str) -> RecordCodec:
    """One codec per record type for the process (the schema is parsed once)."""
    from schemas.serde import default_serde

    return default_serde().codec(name)


def encode_touchpoint(record: dict[str, Any]) -> bytes:
    return _codec("TouchpointEvent").encode(record)


encode_touchpoint_fast = encode_touchpoint


def decode_touchpoint(data: bytes) -> dict[str, Any]:
    return _codec("TouchpointEvent").decode(data)


def encode_dead_letter(record: dict[str, Any]) -> bytes:
    return _codec("DeadLetter").encode(record)


def decode_dead_letter(data: bytes) -> dict[str, Any]:
    return _codec("DeadLetter").decode(data)


def touchpoint_json_schema(*, ref_template: str) -> dict[str, Any]:
    from schemas.models import TouchpointEvent

    return TouchpointEvent.model_json_schema(ref_template=ref_template)


def _event_id(raw: dict[str, Any]) -> str | None:
    value = raw.get("event_id")
    return value if isinstance(value, str) else None

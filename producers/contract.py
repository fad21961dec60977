"""The one place where producers meet the event contract (``schemas``).

Everything else in ``producers`` calls these functions, so a change of the contract's
API touches this file only.
"""

from __future__ import annotations

from typing import Any

from producers.exceptions import InvalidEventError

__all__ = [
    "decode_dead_letter",
    "decode_touchpoint",
    "encode_dead_letter",
    "encode_touchpoint",
    "encode_touchpoint_fast",
    "touchpoint_json_schema",
    "validate_touchpoint",
    "validate_touchpoint_fast",
]


def validate_touchpoint(raw: dict[str, Any]) -> dict[str, Any]:
    """Validate with the contract's pydantic model; the normalised dict, or ``InvalidEventError``."""
    from pydantic import ValidationError
    from schemas.exceptions import validation_problems
    from schemas.models import TouchpointEvent

    try:
        model = TouchpointEvent.model_validate(raw)
    except ValidationError as exc:
        raise InvalidEventError(validation_problems(exc), event_id=_event_id(raw)) from exc
    return model.model_dump()


validate_touchpoint_fast = validate_touchpoint


def encode_touchpoint(record: dict[str, Any]) -> bytes:
    from schemas.serde import encode_touchpoint as encode

    return encode(record)  # type: ignore[no-any-return]


encode_touchpoint_fast = encode_touchpoint


def decode_touchpoint(data: bytes) -> dict[str, Any]:
    from schemas.serde import decode_touchpoint as decode

    return decode(data)  # type: ignore[no-any-return]


def encode_dead_letter(record: dict[str, Any]) -> bytes:
    from schemas.serde import encode_dead_letter as encode

    return encode(record)  # type: ignore[no-any-return]


def decode_dead_letter(data: bytes) -> dict[str, Any]:
    from schemas.serde import decode_dead_letter as decode

    return decode(data)  # type: ignore[no-any-return]


def touchpoint_json_schema(*, ref_template: str) -> dict[str, Any]:
    from schemas.models import TouchpointEvent

    return TouchpointEvent.model_json_schema(ref_template=ref_template)


def _event_id(raw: dict[str, Any]) -> str | None:
    value = raw.get("event_id")
    return value if isinstance(value, str) else None

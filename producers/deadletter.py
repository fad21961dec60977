"""Dead letters: rejected input kept as data, with its reason; inspect and replay them.

A DeadLetter record (the contract's ``DeadLetter``) holds the original payload bytes,
the source, the error kind, the first offending field and a message listing every
problem. ``replay`` re-validates payloads (optionally after a fix) and sends the valid
ones to the raw topic; the still-invalid ones go back to the dead-letter topic with
``replay_count + 1``, so a record is never lost.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson

__all__ = ["ReplayOutcome", "apply_fix", "dead_letter", "matches", "replay_one"]

# The contract's DeadLetter keeps the payload whole up to this size (the broker's default
# message.max.bytes is 1 MiB, and the record carries more than the payload).
MAX_PAYLOAD_BYTES = 900_000
_NAMESPACE = uuid.UUID("0b0f5c3e-8a0e-4f55-a0b8-5d0f3b8b6e11")


def dead_letter(
    payload: bytes,
    *,
    source: str,
    error_kind: str,
    problems: list[tuple[str, str]],
    now: datetime,
    content_type: str = "application/json",
    replay_count: int = 0,
    origin: tuple[str, int, int] | None = None,
) -> dict[str, Any]:
    """A DeadLetter record. Its id is derived from source and payload, so the same bad input
    posted twice (a client retry) carries the same id."""
    digest = hashlib.sha256(source.encode() + b"\0" + payload).hexdigest()
    message = "; ".join(f"{field}: {reason}" for field, reason in problems) or error_kind
    if len(payload) > MAX_PAYLOAD_BYTES:
        # Kafka refuses records over ~1 MB (message.max.bytes); keep the head and say so.
        message = f"payload truncated from {len(payload)} bytes; " + message
        payload = payload[:MAX_PAYLOAD_BYTES]
    return {
        "dead_letter_id": str(uuid.uuid5(_NAMESPACE, digest)),
        "payload": payload,
        "content_type": content_type,
        "source": source,
        "error_kind": error_kind,
        "field": problems[0][0][:2048] if problems else None,
        "message": message[:65_536],
        "error_time": now,
        "original_topic": origin[0] if origin else None,
        "original_partition": origin[1] if origin else None,
        "original_offset": origin[2] if origin else None,
        "replay_count": replay_count,
    }


def matches(record: Mapping[str, Any], *, source: str | None = None, kind: str | None = None) -> bool:
    """The ``dlq inspect``/``replay`` filters."""
    return (source is None or record.get("source") == source) and (kind is None or record.get("error_kind") == kind)


def apply_fix(payload: Any, fix: Mapping[str, Any] | list[Any] | None) -> Any:
    """Apply a fix to a parsed payload: a JSON merge patch (RFC 7396, an object) or a JSON
    patch (RFC 6902, a list of ``{"op", "path", "value"}`` with add/replace/remove)."""
    if fix is None:
        return payload
    if isinstance(fix, Mapping):
        return _merge_patch(payload, fix)
    doc = orjson.loads(orjson.dumps(payload))
    for op in fix:
        doc = _json_patch_op(doc, op)
    return doc


def _merge_patch(target: Any, patch: Mapping[str, Any]) -> Any:
    out = dict(target) if isinstance(target, Mapping) else {}
    for key, value in patch.items():
        if value is None:
            out.pop(key, None)
        elif isinstance(value, Mapping):
            out[key] = _merge_patch(out.get(key), value)
        else:
            out[key] = value
    return out


def _json_patch_op(doc: Any, op: Mapping[str, Any]) -> Any:
    kind, path = op.get("op"), str(op.get("path", ""))
    parts = [p.replace("~1", "/").replace("~0", "~") for p in path.split("/")[1:]]
    if not parts:
        return op.get("value") if kind in {"add", "replace"} else doc
    parent = doc
    for part in parts[:-1]:
        parent = parent[int(part)] if isinstance(parent, list) else parent.setdefault(part, {})
    last = parts[-1]
    if isinstance(parent, list):
        index = len(parent) if last == "-" else int(last)
        if kind == "remove":
            parent.pop(index)
        elif kind == "add":
            parent.insert(index, op.get("value"))
        elif kind == "replace":
            parent[index] = op.get("value")
    elif kind == "remove":
        parent.pop(last, None)
    elif kind in {"add", "replace"}:
        parent[last] = op.get("value")
    else:
        raise ValueError(f"JSON patch op `{kind}` is not supported (use add, replace or remove)")
    return doc


@dataclass
class ReplayOutcome:
    """What replay decided for one dead letter: ``event`` to send to raw, or ``dead`` to re-park."""

    dead_letter_id: str
    event: dict[str, Any] | None = None
    dead: dict[str, Any] | None = None


def replay_one(
    record: Mapping[str, Any],
    *,
    to_touchpoints: Callable[[Any, str], Iterator[dict[str, Any] | None]],
    validate: Callable[[dict[str, Any]], dict[str, Any]],
    fix: Mapping[str, Any] | list[Any] | None,
    now: datetime,
) -> list[ReplayOutcome]:
    """Re-validate one DeadLetter's payload (after ``fix``). Pure: the CLI does the Kafka part.

    ``to_touchpoints(parsed_payload, source)`` maps a payload to raw touchpoints (a Segment call
    or a native touchpoint); ``validate`` raises ``InvalidEventError``.
    """
    from producers.exceptions import InvalidEventError

    dead_id = str(record["dead_letter_id"])
    payload: bytes = record["payload"]

    def repark(problems: list[tuple[str, str]], kind: str) -> list[ReplayOutcome]:
        again = dead_letter(
            payload,
            source=str(record["source"]),
            error_kind=kind,
            problems=problems,
            now=now,
            content_type=str(record.get("content_type") or "application/json"),
            replay_count=int(record.get("replay_count") or 0) + 1,
        )
        again["dead_letter_id"] = dead_id  # the same letter, one more attempt
        for name in ("original_topic", "original_partition", "original_offset"):
            again[name] = record.get(name)
        return [ReplayOutcome(dead_id, dead=again)]

    try:
        parsed = orjson.loads(payload)
    except orjson.JSONDecodeError as exc:
        if fix is None or not isinstance(fix, Mapping):
            return repark([("$", f"payload is not JSON: {exc}")], "decode")
        parsed = {}
    try:
        fixed = apply_fix(parsed, fix)
    except (ValueError, KeyError, IndexError, TypeError) as exc:
        return repark([("$", f"the fix does not apply: {exc}")], str(record.get("error_kind") or "validation"))
    outcomes: list[ReplayOutcome] = []
    for raw in to_touchpoints(fixed, str(record["source"])):
        if raw is None:
            return repark([("$", "payload is not a touchpoint or a Segment call")], "validation")
        try:
            outcomes.append(ReplayOutcome(dead_id, event=validate(raw)))
        except InvalidEventError as exc:
            return repark(exc.problems, "validation")
    return outcomes

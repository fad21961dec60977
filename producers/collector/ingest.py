"""The collector's request handling as plain functions: body -> touchpoints + dead letters.

No I/O here: ``read_json`` checks size and gzip, ``touchpoints_from`` maps a parsed body
of one endpoint to raw touchpoint dicts, ``split`` validates each one and turns the
invalid ones into dead-letter records. The FastAPI adapter (``producers.collector.app``)
only moves bytes in and out.
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import orjson

from producers.contract import validate_touchpoint_fast
from producers.deadletter import dead_letter
from producers.exceptions import InvalidEventError
from producers.segment import from_segment, merge_batch_context

__all__ = ["Accepted", "RequestError", "Split", "read_json", "split", "touchpoints_from"]

SEGMENT_KINDS = ("track", "identify", "alias", "page", "screen", "group")


class RequestError(Exception):
    """The whole request is refused with ``status`` (400, 401, 413, 415)."""

    def __init__(self, status: int, message: str, *, kind: str = "decode") -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.kind = kind


def gunzip(body: bytes, max_bytes: int) -> bytes:
    """Inflate a gzip body, refusing (413) to inflate past ``max_bytes`` (a zip bomb stops there)."""
    inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
    try:
        out = inflater.decompress(body, max_bytes + 1)
    except zlib.error as exc:
        raise RequestError(400, f"the body is not valid gzip ({exc}); send it plain or fix Content-Encoding") from exc
    if len(out) > max_bytes or inflater.unconsumed_tail:
        raise RequestError(413, f"the body inflates past {max_bytes} bytes; send smaller batches", kind="oversize")
    return out


def read_json(body: bytes, *, content_encoding: str | None, max_bytes: int) -> Any:
    """Bytes of a request -> parsed JSON (orjson), after gzip and size checks."""
    if len(body) > max_bytes:
        raise RequestError(
            413, f"the body has {len(body)} bytes, more than {max_bytes}; send smaller batches", kind="oversize"
        )
    encoding = (content_encoding or "").strip().lower()
    if encoding == "gzip":
        body = gunzip(body, max_bytes)
    elif encoding not in {"", "identity"}:
        raise RequestError(415, f"Content-Encoding `{encoding}` is not supported; use gzip or none")
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise RequestError(400, f"the body is not valid JSON: {exc}") from exc


def touchpoints_from(
    endpoint: str, body: Any, *, source: str, default_channel: str, now: datetime, max_batch: int
) -> list[tuple[Any, dict[str, Any] | None]]:
    """``(original item, raw touchpoint or None)`` for each event of a parsed body.

    ``None`` marks an item that is not even an object; ``split`` dead-letters it.
    """
    if endpoint == "touchpoints":
        items = body if isinstance(body, list) else [body]
        _check_length(items, max_batch)
        out: list[tuple[Any, dict[str, Any] | None]] = []
        for item in items:
            if isinstance(item, Mapping):
                native = dict(item)
                native["source"] = source  # the write key decides the source, not the body
                native["received_time"] = now
                native.setdefault("channel", default_channel)
                out.append((item, native))
            else:
                out.append((item, None))
        return out
    if endpoint == "batch":
        if not isinstance(body, Mapping) or not isinstance(body.get("batch"), list):
            raise RequestError(400, 'a batch body is {"batch": [call, ...]}; `batch` is missing or not a list')
        calls = body["batch"]
        _check_length(calls, max_batch)
        out = []
        for call in calls:
            kind = call.get("type") if isinstance(call, Mapping) else None
            if not isinstance(call, Mapping) or kind not in SEGMENT_KINDS:
                out.append((call, None))
                continue
            merged = merge_batch_context(call, body)
            out.append((call, from_segment(merged, kind=kind, source=source, default_channel=default_channel, now=now)))
        return out
    if not isinstance(body, Mapping):
        return [(body, None)]
    return [(body, from_segment(body, kind=endpoint, source=source, default_channel=default_channel, now=now))]


def _check_length(items: list[Any], max_batch: int) -> None:
    if len(items) > max_batch:
        raise RequestError(413, f"the batch has {len(items)} events, more than {max_batch}; split it", kind="oversize")


@dataclass
class Accepted:
    index: int
    record: dict[str, Any]


@dataclass
class Split:
    ok: list[Accepted] = field(default_factory=list)
    dead: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    """``(index, DeadLetter record)`` of each invalid item."""


def split(
    items: list[tuple[Any, dict[str, Any] | None]], *, source: str, now: datetime, original_topic: str | None = None
) -> Split:
    """Validate every item: valid ones to ``ok``, invalid ones to ``dead`` as DeadLetter records."""
    result = Split()
    for index, (original, raw) in enumerate(items):
        if raw is None:
            problems = [("$", f"expected a JSON object with a known `type`, got {_describe(original)}")]
        else:
            try:
                result.ok.append(Accepted(index, validate_touchpoint_fast(raw)))
                continue
            except InvalidEventError as exc:
                problems = exc.problems
        payload = orjson.dumps(original, option=orjson.OPT_NON_STR_KEYS) if original is not None else b"null"
        result.dead.append(
            (index, dead_letter(payload, source=source, error_kind="validation", problems=problems, now=now))
        )
    return result


def _describe(value: Any) -> str:
    if isinstance(value, Mapping):
        return f"an object whose `type` is {str(value.get('type'))[:40]!r}"
    return type(value).__name__

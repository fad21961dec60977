"""Record shapes on the stitcher's topics: touchpoints in and out, the repartition frame.

* :func:`compact` keeps the fields a journey carries (JourneyTouchpoint) from a decoded
  TouchpointEvent.
* :class:`StitchedWriter` builds the stitched topic's StitchedBatch: the touchpoints of one
  customer stitched in one commit. Avro writes a record as its fields one after the other
  and an array as a count then its items, so when the raw message is single-object framed
  with the current TouchpointEvent schema, each stitched touchpoint is the raw body
  followed by five small fields, and the batch is a header, a count and those bodies: no
  decode and re-encode of the whole event (that would cost ~17 us per event, the full
  fastavro encode measured in bench/serde.py). Otherwise it falls back to decode + encode
  with the codec.
* The repartition topic carries batches: one message per target partition per poll,
  each holding many entries (an event routed to a canonical customer, or a customer's
  state handed over after a merge). A message per event would double the produce cost
  (kafka-python sends ~36-56k msg/s here).
"""

from __future__ import annotations

import struct
from collections.abc import Iterator, Mapping
from functools import lru_cache
from typing import Any

import orjson

from consumers.journey import touchpoint_record
from schemas.fastcodec import avro_long
from schemas.models import IDENTIFIER_FIELDS
from schemas.serde import SINGLE_OBJECT_MAGIC, Serde

__all__ = ["TOUCHPOINT_FIELDS", "StitchedWriter", "compact", "link_record", "pack", "stitched_touchpoints", "unpack"]

_LEN = struct.Struct(">II")
# A StitchedBatch message stays below this (the stitched topic keeps the broker's 1 MiB record limit).
STITCHED_MESSAGE_BYTES = 512 * 1024


def compact(event: Mapping[str, Any], *, late: bool) -> dict[str, Any]:
    """The journey's view of one touchpoint (times in epoch ms).

    Optional fields that are absent are left out (readers use ``.get``): this dict is
    written twice per event and again at every commit that changes its customer (the
    repartition header, the changelog), and most of its fields are usually null; dropping
    them halves those bytes (bench/stitch.py, 100k events: changelog 62.7 -> 33.4 MB, repartition 50.7 -> 32.9 MB).
    """
    tp = {
        "event_id": event["event_id"],
        "event_time": event["event_time"],
        "channel": event["channel"],
        "event_type": event["event_type"],
        "late": late,
    }
    for name in _OPTIONAL:
        value = event.get(name)
        if value is not None:
            tp[name] = value
    country = (event.get("context") or {}).get("country")
    if country is not None:
        tp["country"] = country
    return tp


_OPTIONAL = (
    "page",
    "step",
    "intent",
    "outcome",
    "error_code",
    "latency_ms",
    "duration_ms",
    "survey_kind",
    "survey_score",
)

# What the stitcher reads of a TouchpointEvent (compact() and identity.event_identifiers): it
# decodes only these (RecordCodec.projected), ~30% less decode time for bench/stitch.py's events.
TOUCHPOINT_FIELDS: dict[str, frozenset[str] | None] = {
    **dict.fromkeys(("event_id", "event_time", "channel", "event_type", *_OPTIONAL, *IDENTIFIER_FIELDS)),
    "context": frozenset({"country"}),
}


def pack(entries: list[tuple[dict[str, Any], bytes]]) -> bytes:
    """One repartition message: ``(header, raw bytes)`` entries, length-prefixed."""
    parts = []
    for header, raw in entries:
        head = orjson.dumps(header)
        parts.append(_LEN.pack(len(head), len(raw)))
        parts.append(head)
        parts.append(raw)
    return b"".join(parts)


def unpack(data: bytes) -> Iterator[tuple[dict[str, Any], bytes]]:
    offset, size = 0, len(data)
    while offset < size:
        head_len, raw_len = _LEN.unpack_from(data, offset)
        offset += _LEN.size
        header = orjson.loads(data[offset : offset + head_len])
        offset += head_len
        yield header, data[offset : offset + raw_len]
        offset += raw_len


@lru_cache(maxsize=1 << 16)  # customer, journey and session ids: each repeats for many touchpoints
def _string(value: str) -> bytes:
    data = value.encode()
    return avro_long(len(data)) + data


class StitchedWriter:
    """StitchedTouchpoint bodies from raw TouchpointEvent messages, framed as a StitchedBatch
    (see the module docstring)."""

    def __init__(self, serde: Serde) -> None:
        self._events = serde.codec("TouchpointEvent")
        self._stitched = serde.codec("StitchedTouchpoint")
        self._batch = serde.codec("StitchedBatch")
        single = serde.settings.wire_format == "single-object"
        self._raw_header = SINGLE_OBJECT_MAGIC + self._events.current.fingerprint if single else None
        self._now = (-1, b"")  # the last stitched_time and its encoding: touchpoints of one ms share it

    def touchpoint(
        self, raw: bytes, *, customer_id: str, journey_id: str, session_id: str, late: bool, now_ms: int
    ) -> bytes:
        """The Avro body (no frame) of one StitchedTouchpoint."""
        if self._raw_header is not None and raw.startswith(self._raw_header):
            if self._now[0] != now_ms:
                self._now = (now_ms, avro_long(now_ms))
            return b"".join(
                (
                    memoryview(raw)[10:],  # no copy of the body before the join's
                    _string(customer_id),
                    _string(journey_id),
                    _string(session_id),
                    b"\x01" if late else b"\x00",
                    self._now[1],
                )
            )
        record = {
            "event": self._events.decode(raw),
            "customer_id": customer_id,
            "journey_id": journey_id,
            "session_id": session_id,
            "late": late,
            "stitched_time": now_ms,
        }
        return self._stitched.encode(record)[len(self._stitched.header) :]

    def batches_of(self, customer_id: str, entries: list[tuple[bytes, str, str, bool, int]]) -> list[bytes]:
        """StitchedBatch messages of one customer's ``(raw, journey id, session id, late,
        stitched ms)`` entries, in order: the same bytes as :meth:`touchpoint` of each and
        :meth:`batches`, with one join per message instead of one more per touchpoint (the
        stitcher keeps entries while it processes and builds the messages at its commit)."""
        if self._raw_header is None:
            return self.batches(
                [
                    self.touchpoint(raw, customer_id=customer_id, journey_id=j, session_id=s, late=late, now_ms=now)
                    for raw, j, s, late, now in entries
                ]
            )
        header, prefix = self._raw_header, self._batch.header
        if not prefix:  # an unreleased schema in the confluent format: encode() explains
            self._batch.encode({"touchpoints": []})
        customer = _string(customer_id)
        out: list[bytes] = []
        parts: list[Any] = []
        count = size = 0
        now_ms, now = -1, b""
        for raw, journey, session, late, stitched_ms in entries:
            if raw.startswith(header):
                if stitched_ms != now_ms:
                    now_ms, now = stitched_ms, avro_long(stitched_ms)
                journey_bytes, session_bytes = _string(journey), _string(session)
                body: tuple[Any, ...] = (
                    memoryview(raw)[10:],
                    customer,
                    journey_bytes,
                    session_bytes,
                    b"\x01" if late else b"\x00",
                    now,
                )
                length = len(raw) - 9 + len(customer) + len(journey_bytes) + len(session_bytes) + len(now)
            else:
                one = self.touchpoint(
                    raw, customer_id=customer_id, journey_id=journey, session_id=session, late=late, now_ms=stitched_ms
                )
                body, length = (one,), len(one)
            if size + length > STITCHED_MESSAGE_BYTES and count:
                out.append(b"".join((prefix, avro_long(count), *parts, b"\x00")))
                parts, count, size = [], 0, 0
            parts.extend(body)
            count += 1
            size += length
        out.append(b"".join((prefix, avro_long(count), *parts, b"\x00")))
        return out

    def batches(self, bodies: list[bytes]) -> list[bytes]:
        """StitchedBatch messages of the given StitchedTouchpoint bodies, in order, each under
        STITCHED_MESSAGE_BYTES (a customer's backfill must not exceed the topic's record limit)."""
        header = self._batch.header
        if not header:  # an unreleased schema in the confluent format: encode() explains
            self._batch.encode({"touchpoints": []})
        out: list[bytes] = []
        start, size = 0, 0
        for index, body in enumerate(bodies):
            if size + len(body) > STITCHED_MESSAGE_BYTES and index > start:
                out.append(b"".join((header, avro_long(index - start), *bodies[start:index], b"\x00")))
                start, size = index, 0
            size += len(body)
        out.append(b"".join((header, avro_long(len(bodies) - start), *bodies[start:], b"\x00")))
        return out


class JourneyWriter:
    """Journey messages whose touchpoints' bytes are kept between emissions.

    A journey is re-emitted as it grows, each time with all its touchpoints, and encoding them
    was most of an emission's cost. A record is its fields one after the other, so a Journey is
    the fields before ``touchpoints``, the array (count, items, 0) and the fields after: those
    two parts are encoded by codecs generated for them, each touchpoint's bytes come from a
    cache keyed by what can change in them (session, late flag) beside its event id. Same bytes
    as the contract's codec (tests/consumers/test_records.py).
    """

    CACHE_LIMIT = 500_000  # touchpoints (~100 bytes each); cleared when full

    def __init__(self, serde: Serde) -> None:
        from schemas.fastcodec import compile_codec

        self._codec = serde.codec("Journey")
        schema = self._codec.current.schema
        names = [f["name"] for f in schema["fields"]]
        cut = names.index("touchpoints")
        head = {**schema, "name": "JourneyHead", "fields": schema["fields"][:cut]}
        tail = {**schema, "name": "JourneyTail", "fields": [_inline(f) for f in schema["fields"][cut + 1 :]]}
        item = schema["fields"][cut]["type"]["items"]
        parts = [compile_codec(head), compile_codec(item), compile_codec(tail)]
        compiled = [p for p in parts if p is not None]
        self._parts = compiled if len(compiled) == 3 and self._codec.header else None
        self._cache: dict[tuple[str, str, bool], bytes] = {}

    def encode(self, record: Mapping[str, Any]) -> bytes:
        """The Journey message of ``record``, whose touchpoints are the contract's dicts or
        (compact touchpoint, session id) pairs (consumers.journey.journey_records ``pairs``)."""
        if self._parts is None:
            return self._codec.encode(_with_records(record))
        head, item, tail = self._parts
        touchpoints = record["touchpoints"]
        try:
            out = [self._codec.header, head.encode(record)]
            if touchpoints:
                cache = self._cache
                if len(cache) > self.CACHE_LIMIT:
                    cache.clear()
                out.append(avro_long(len(touchpoints)))
                for tp in touchpoints:
                    if type(tp) is tuple:
                        compact_tp, session_id = tp
                        key = (compact_tp["event_id"], session_id, compact_tp["late"])
                        data = cache.get(key)
                        if data is None:
                            data = cache[key] = item.encode(touchpoint_record(compact_tp, session_id))
                    else:
                        key = (tp["event_id"], tp["session_id"], tp["late"])
                        data = cache.get(key)
                        if data is None:
                            data = cache[key] = item.encode(tp)
                    out.append(data)
            out.append(b"\x00")
            out.append(tail.encode(record))
        except Exception:  # the contract's codec explains what is wrong with the record
            return self._codec.encode(_with_records(record))
        return b"".join(out)


def _with_records(record: Mapping[str, Any]) -> Mapping[str, Any]:
    """``record`` with (compact touchpoint, session id) pairs made the contract's dicts."""
    touchpoints = record.get("touchpoints") or []
    if not any(type(tp) is tuple for tp in touchpoints):
        return record
    return {
        **record,
        "touchpoints": [touchpoint_record(*tp) if type(tp) is tuple else tp for tp in touchpoints],
    }


def _inline(field: dict[str, Any]) -> dict[str, Any]:
    """``field`` with the named type its array refers to (defined earlier in the Journey) inlined."""
    from schemas import catalog

    kind = field["type"]
    if (
        isinstance(kind, dict)
        and kind.get("type") == "array"
        and isinstance(kind["items"], str)
        and "." in kind["items"]
    ):
        return {**field, "type": {**kind, "items": catalog.expanded(kind["items"].rpartition(".")[2])}}
    return field


def stitched_touchpoints(serde: Serde, data: bytes) -> list[dict[str, Any]]:
    """The StitchedTouchpoint dicts of a stitched-topic message: a StitchedBatch, or one
    StitchedTouchpoint as the stitcher wrote them before StitchedBatch (and other producers may)."""
    from schemas.serde import wire_type_of

    if wire_type_of(data) == "StitchedTouchpoint":
        return [serde.codec("StitchedTouchpoint").decode(data)]
    touchpoints: list[dict[str, Any]] = serde.codec("StitchedBatch").decode(data)["touchpoints"]
    return touchpoints


def link_record(decision: Any, *, source: str, event_id: str | None, observed_ms: int) -> dict[str, Any]:
    """The IdentityLink dict of a :class:`consumers.identity.Decision`."""
    from consumers.identity import customer_label

    return {
        "link_id": decision.link_id,
        "kind": decision.kind,
        "left_type": decision.left[0],
        "left_value": decision.left[1],
        "right_type": decision.right[0],
        "right_value": decision.right[1],
        "source": source,
        "event_id": event_id,
        "observed_time": observed_ms,
        "canonical_id": customer_label(decision.canonical) if decision.canonical else None,
        "reason": decision.reason[:2048],
    }

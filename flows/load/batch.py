"""One micro-batch: raw Kafka records in, decoded records per topic and failed records out.

Pure functions over plain data (no Kafka, no DuckDB): the source hands in
:class:`RawRecord` s, :func:`decode_batch` splits them into the records of each
wire type and the ones that could not be decoded, which become ``failed_events``
rows (error kind ``decode``, named by ``topic[partition]@offset``) instead of
stopping the load. Dead letters become ``failed_events`` rows too.
"""

from __future__ import annotations

import base64
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pyarrow as pa

from flows.load.container import ContainerFrames
from flows.load.records import RawRecord
from schemas.serde import Serde, wire_type_of

__all__ = [
    "NOT_LOADED",
    "DecodedBatch",
    "Decoder",
    "RawRecord",
    "TopicRoles",
    "decode_batch",
    "failed_event_from_dead_letter",
    "failed_event_from_decode_error",
    "flat_touchpoints",
    "payload_text",
]

# A fixed namespace, so the same undecodable record always gets the same dead-letter id
# (a re-run after a crash upserts it instead of adding a twin).
_DECODE_NAMESPACE = uuid.UUID("6f1c1b7a-57d5-4d1e-9a43-3f0cbb1c2d10")


@dataclass(frozen=True)
class TopicRoles:
    """Which topic carries which wire type (names with their prefix)."""

    stitched: str
    journeys: str
    identity: str
    deadletter: str

    def wire_types(self) -> dict[str, str]:
        """Topic -> its record type (the stitched topic also holds single StitchedTouchpoints:
        what the stitcher wrote before StitchedBatch, and what other producers may write)."""
        return {
            self.stitched: "StitchedBatch",
            self.journeys: "Journey",
            self.identity: "IdentityLink",
            self.deadletter: "DeadLetter",
        }


@dataclass
class DecodedBatch:
    """One batch decoded: touchpoints and journeys as Arrow tables (see flows.load.container),
    identity links and failed events as dicts."""

    touchpoints: pa.Table | None = None  # flat (see flat_touchpoints), with the message's _offset
    journeys: pa.Table | None = None  # Journey's fields, with _row (the record's place in the batch)
    identity_links: list[dict[str, Any]] = field(default_factory=list)
    failed_events: list[dict[str, Any]] = field(default_factory=list)
    decode_errors: int = 0
    tombstones: int = 0

    @property
    def touchpoint_count(self) -> int:
        return self.touchpoints.num_rows if self.touchpoints is not None else 0

    @property
    def journey_count(self) -> int:
        return self.journeys.num_rows if self.journeys is not None else 0

    @property
    def rows(self) -> int:
        return self.touchpoint_count + self.journey_count + len(self.identity_links) + len(self.failed_events)


# Contract fields the touchpoints table has no column for: left out of the staged table.
NOT_LOADED = frozenset(
    {"sent_time", "os", "app_name", "app_version", "user_agent", "campaign_medium", "campaign_name", "referrer"}
)


def flat_touchpoints(table: pa.Table) -> pa.Table:
    """StitchedTouchpoints with the event's and its context's fields at the top (zero-copy), loaded
    columns only.

    DuckDB reads flat Arrow columns ~4x faster than fields of a nested struct (measured here:
    0.28 s against 1.27 s for a 200k batch), and the event's own ``customer_id`` becomes
    ``event_customer_id`` beside the canonical one.
    """
    flat = table.flatten().flatten()
    names, keep = [], []
    for index, name in enumerate(flat.column_names):
        short = name.rsplit(".", 1)[-1]
        if short in NOT_LOADED:
            continue
        keep.append(index)
        names.append(short if short not in table.column_names or "." not in name else f"event_{short}")
    return flat.select(keep).rename_columns(names)


def payload_text(payload: bytes) -> str:
    """The payload as text: UTF-8 when it is (JSON as received), else ``base64:`` and its base64."""
    try:
        return payload.decode("utf-8")
    except UnicodeDecodeError:
        return "base64:" + base64.b64encode(payload).decode("ascii")


def failed_event_from_dead_letter(letter: Mapping[str, Any]) -> dict[str, Any]:
    """A ``failed_events`` row of a decoded DeadLetter (times in epoch ms)."""
    return {
        "dead_letter_id": letter["dead_letter_id"],
        "replay_count": letter["replay_count"],
        "source": letter["source"],
        "error_kind": letter["error_kind"],
        "field": letter["field"],
        "message": letter["message"],
        "content_type": letter["content_type"],
        "payload": payload_text(letter["payload"]),
        "error_time": letter["error_time"],
        "original_topic": letter["original_topic"],
        "original_partition": letter["original_partition"],
        "original_offset": letter["original_offset"],
    }


def failed_event_from_decode_error(record: RawRecord, reason: str, field: str | None = None) -> dict[str, Any]:
    """A ``failed_events`` row for a record the loader could not decode."""
    return {
        "dead_letter_id": str(uuid.uuid5(_DECODE_NAMESPACE, record.where)),
        "replay_count": 0,
        "source": "warehouse-loader",
        "error_kind": "decode",
        "field": field,
        "message": f"{record.where}: {reason}",
        "content_type": "avro/binary",
        "payload": payload_text(record.value or b""),
        "error_time": record.timestamp_ms if record.timestamp_ms > 0 else int(datetime.now(UTC).timestamp() * 1000),
        "original_topic": record.topic,
        "original_partition": record.partition,
        "original_offset": record.offset,
    }


class Decoder:
    """Decodes records into a :class:`DecodedBatch` chunk by chunk, so decoding can run while
    kafka-python's network thread fetches the next chunk (as the bare consumer loop does).
    Stitched and journey messages are only framed here; :meth:`finish` decodes each kind at once."""

    def __init__(self, roles: TopicRoles, serde: Serde) -> None:
        self.roles = roles
        self.serde = serde
        self.codecs = {topic: serde.codec(name) for topic, name in roles.wire_types().items()}
        self.stitched = ContainerFrames("StitchedTouchpoint", "StitchedBatch")
        self.journeys = ContainerFrames("Journey")
        self.batch = DecodedBatch()

    def add(self, records: Iterable[RawRecord]) -> None:
        """Decode ``records`` into the batch; a record that does not decode becomes a failed event."""
        from schemas.exceptions import DecodeError

        batch, roles, codecs = self.batch, self.roles, self.codecs
        for record in records:
            if record.value is None:  # a tombstone on the compacted identity topic: nothing to load
                batch.tombstones += 1
                continue
            if record.topic == roles.stitched:
                self.stitched.add(record)
                continue
            if record.topic == roles.journeys:
                self.journeys.add(record)
                continue
            try:
                decoded = codecs[record.topic].decode(record.value)
            except DecodeError as exc:
                self._failed(record, exc)
                continue
            if record.topic == roles.identity:
                batch.identity_links.append(decoded)
            else:
                batch.failed_events.append(failed_event_from_dead_letter(decoded))

    def rows(self) -> int:
        """Rows the batch holds so far (a StitchedBatch message counts its touchpoints)."""
        batch = self.batch
        stitched, journeys = self.stitched, self.journeys
        return (
            len(stitched.block_offsets)
            + len(stitched.others)
            + len(journeys.block_offsets)
            + len(journeys.others)
            + len(batch.identity_links)
            + len(batch.failed_events)
            + batch.tombstones
        )

    def finish(self) -> DecodedBatch:
        """The batch, with its stitched touchpoints and journeys decoded into tables."""
        batch = self.batch
        stitched = self.stitched.read(self._touchpoints)
        batch.touchpoints = flat_touchpoints(
            stitched.table.append_column("_offset", pa.array(stitched.offsets, type=pa.int64()))
        )
        journey_codec = self.serde.codec("Journey")
        journeys = self.journeys.read(lambda data: [journey_codec.decode(data)])
        batch.journeys = journeys.table.append_column("_row", pa.array(range(journeys.table.num_rows), type=pa.int64()))
        for record, exc in stitched.failures + journeys.failures:
            self._failed(record, exc)
        return batch

    def _touchpoints(self, data: bytes) -> list[dict[str, Any]]:
        """A stitched message's touchpoints: a StitchedBatch, or one StitchedTouchpoint (what the
        stitcher wrote before StitchedBatch, and what another producer may write)."""
        if wire_type_of(data) == "StitchedTouchpoint":
            return [self.serde.codec("StitchedTouchpoint").decode(data)]
        touchpoints: list[dict[str, Any]] = self.serde.codec("StitchedBatch").decode(data)["touchpoints"]
        return touchpoints

    def _failed(self, record: RawRecord, exc: Exception) -> None:
        self.batch.decode_errors += 1
        self.batch.failed_events.append(failed_event_from_decode_error(record, str(exc), getattr(exc, "field", None)))


def decode_batch(records: Iterable[RawRecord], roles: TopicRoles, serde: Serde) -> DecodedBatch:
    """Decode ``records`` (``serde`` should use plain timestamps); never raises for a bad record."""
    decoder = Decoder(roles, serde)
    decoder.add(records)
    return decoder.finish()

"""A batch's messages of one wire type -> one Arrow table, decoded in Rust by polars-avro.

Decoding in Python cost the loader most of its time: ~25-30 us per StitchedTouchpoint (46
fields) with the contract's generated codec, ~100 us per Journey with its touchpoints, and
~7 us more per record to build Arrow from the dicts. But a single-object message is a
10-byte header and the record's body, and Avro writes an array as an item count followed by
the items, so the body of a StitchedBatch (the count, the StitchedTouchpoint bodies, a closing
0) already is a data block of an Avro object container file. :class:`ContainerFrames` frames
a batch's messages as one container file in memory (a header naming the record's schema, then
one block per message with its count, size and sync marker: no record is copied or decoded in
Python), and polars-avro (Apache arrow-avro, in Rust) reads it into Arrow, ~10x the codec
(bench/warehouse.py).

What it cannot frame that way goes through the codec and into the same table: messages of
another schema version (the codec resolves them to the current one), arrays their writer cut
into several blocks, foreign frames; and, when polars-avro refuses the container, every message
of the batch, so that the one that does not decode becomes a failed event, as before.
"""

from __future__ import annotations

import io
import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import pyarrow as pa

from flows.load.arrow import contract_struct
from flows.load.records import RawRecord
from schemas import catalog
from schemas.fastcodec import avro_long
from schemas.serde import CONFLUENT_MAGIC, SINGLE_OBJECT_MAGIC

__all__ = ["ContainerFrames", "Decoded"]

Decode = Callable[[bytes], list[dict[str, Any]]]
"""A message -> its records (the codec's slow path; raises on what does not decode)."""


@cache
def _frames(item: str, batch: str | None) -> dict[bytes, tuple[int, bool]]:
    """Frame prefix -> (its length, whether the body is a batch of items), for the current schemas."""
    kinds = [(catalog.current(item), False)] + ([(catalog.current(batch), True)] if batch else [])
    prefixes: dict[bytes, tuple[int, bool]] = {}
    for version, is_batch in kinds:
        prefixes[SINGLE_OBJECT_MAGIC + version.fingerprint] = (10, is_batch)
        if version.schema_id is not None:
            prefixes[CONFLUENT_MAGIC + version.schema_id.to_bytes(4, "big")] = (5, is_batch)
    return prefixes


@cache
def _container_header(item: str) -> tuple[bytes, bytes]:
    """An object container file's header for ``item``'s current schema, and its sync marker."""
    # Ids read as strings (the uuid logical type would make them binary); logical types are not
    # part of the canonical form, a record's bytes do not depend on them.
    schema = catalog.for_reading(catalog.expanded(item), plain_timestamps=False)
    meta = {"avro.schema": json.dumps(schema).encode(), "avro.codec": b"null"}
    sync = os.urandom(16)
    parts = [b"Obj\x01", avro_long(len(meta))]
    for key, value in meta.items():
        parts += [avro_long(len(key)), key.encode(), avro_long(len(value)), value]
    parts += [b"\x00", sync]
    return b"".join(parts), sync


def _read_count(data: bytes, p: int) -> tuple[int, int]:
    shift = n = 0
    while True:
        byte = data[p]
        p += 1
        n |= (byte & 0x7F) << shift
        if byte < 0x80:
            return (n >> 1) ^ -(n & 1), p
        shift += 7


@dataclass
class Decoded:
    """The records of a batch's messages as one table, in message order within each path."""

    table: pa.Table
    offsets: list[int]  # the offset of the message each row came from
    failures: list[tuple[RawRecord, Exception]]  # messages that did not decode, with why


@dataclass
class ContainerFrames:
    """The messages of one batch whose records are ``item`` (single, or in ``batch`` records)."""

    item: str
    batch: str | None = None
    blocks: list[bytes] = field(default_factory=list)  # count + size + items + sync, ready to join
    block_offsets: list[int] = field(default_factory=list)  # the message offset of each row, in order
    framed: list[RawRecord] = field(default_factory=list)  # the messages behind the blocks
    others: list[RawRecord] = field(default_factory=list)  # messages for the codec

    def add(self, record: RawRecord) -> None:
        data = record.value or b""
        frames = _frames(self.item, self.batch)
        frame = frames.get(bytes(data[:10])) or frames.get(bytes(data[:5]))
        if frame is None:
            self.others.append(record)
            return
        start, is_batch = frame
        if is_batch:
            try:
                count, p = _read_count(data, start)
            except IndexError:
                count, p = -1, start
            if count < 0 or data[-1] != 0 or (count == 0 and p != len(data) - 1):
                self.others.append(record)  # a blocked array, or not a batch at all: the codec decides
                return
            items = data[p:-1]
        else:
            count, items = 1, data[start:]
        if count:
            _, sync = _container_header(self.item)
            self.blocks.append(b"".join((avro_long(count), avro_long(len(items)), items, sync)))
            self.block_offsets += [record.offset] * count
            self.framed.append(record)

    def read(self, decode: Decode) -> Decoded:
        """Every record as one Arrow table (polars-avro for the framed messages, ``decode`` for the rest)."""
        tables: list[pa.Table] = []
        offsets: list[int] = []
        failures: list[tuple[RawRecord, Exception]] = []
        others = list(self.others)
        if self.blocks:
            try:
                tables.append(self._read_blocks())
                offsets += self.block_offsets
            except Exception:  # a message the container cannot hold: let the codec find it
                others = self.framed + others
        records: list[dict[str, Any]] = []
        for record in others:
            try:
                decoded = decode(record.value or b"")
            except Exception as exc:
                failures.append((record, exc))
                continue
            records += decoded
            offsets += [record.offset] * len(decoded)
        if records or not tables:
            slow = pa.Table.from_struct_array(pa.array(records, type=contract_struct(self.item)))
            tables.append(slow.cast(tables[0].schema) if tables else slow)
        return Decoded(pa.concat_tables(tables) if len(tables) > 1 else tables[0], offsets, failures)

    def _read_blocks(self) -> pa.Table:
        import polars_avro

        header, _ = _container_header(self.item)
        frame = polars_avro.read_avro(io.BytesIO(b"".join((header, *self.blocks))))
        if frame.height != len(self.block_offsets):
            raise ValueError(f"polars-avro read {frame.height} records from blocks of {len(self.block_offsets)}")
        table: pa.Table = frame.to_arrow()
        return table

"""Records out of kafka-python's fetcher at a fraction of its per-record cost.

Why: kafka-python's consumer parses each record of a fetched v2 batch in pure Python, with
a ``DefaultRecord`` object, property look-ups of the batch header and a generic varint
function per field, then wraps it in a ``ConsumerRecord`` after two deserializer calls. That
was ~10 µs per record here, most of the bare consumer's time and ~15% of the stitcher's.
:func:`install` gives one consumer a ``PartitionRecords`` whose record loop reads a batch's
records in one pass with inline varints and the header read once:

* same ``ConsumerRecord`` values (offset, timestamp and its type, key, value, headers, sizes;
  ``tests/journeys/test_record_reader.py`` compares with kafka-python's own loop over plain,
  compressed, keyless, tombstone, header-carrying, committed and aborted batches from the
  real broker);
* everything around the loop is kafka-python's: the batch CRC check (crc32c), decompression,
  read_committed (aborted transactions skipped, control batches dropped), fetch positions;
* only for consumers without key or value deserializers (the stitcher's: :func:`supported`
  refuses others); a batch in message format v0/v1 goes through kafka-python's loop.

It subclasses kafka-python's internals (``Fetcher.PartitionRecords`` and the v2 batch), so
pyproject.toml pins kafka-python to 3.0.x and :func:`supported` checks them; a consumer this
module does not know keeps kafka-python's loop.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from typing import Any

__all__ = ["install", "supported"]

_NEEDED = (
    "_consume_aborted_transactions_up_to",
    "_is_batch_aborted",
    "_contains_abort_marker",
    "_unpack_records",
    "drain",
)


def supported(consumer: Any) -> bool:
    """Whether ``consumer`` is a kafka-python 3.0 consumer whose fetcher this module knows."""
    try:
        from kafka.record.default_records import DefaultRecordBatch

        fetcher = consumer._fetcher
        records = fetcher.PartitionRecords
        return (
            fetcher.config["key_deserializer"] is None
            and fetcher.config["value_deserializer"] is None
            and all(hasattr(records, name) for name in _NEEDED)
            and {"_buffer", "_pos", "_num_records", "_next_record_index", "_header_data"}
            <= set(DefaultRecordBatch.__slots__)
            and hasattr(DefaultRecordBatch, "_maybe_uncompress")
        )
    except (AttributeError, ImportError, KeyError, TypeError):
        return False


def install(consumer: Any) -> bool:
    """Give ``consumer`` the fast record loop; ``False`` (and nothing changed) when it is not
    :func:`supported`."""
    if not supported(consumer):
        return False
    consumer._fetcher.PartitionRecords = _partition_records_class()
    return True


@functools.cache
def _partition_records_class() -> Any:
    from kafka import errors
    from kafka.consumer.fetcher import ConsumerRecord, Fetcher
    from kafka.protocol.consumer import IsolationLevel
    from kafka.record.default_records import DefaultRecordBatch

    read_committed = IsolationLevel.READ_COMMITTED

    class PartitionRecords(Fetcher.PartitionRecords):
        """kafka-python's ``PartitionRecords`` with the record loop of :func:`batch_records`."""

        def _unpack_records(
            self, tp: Any, records: Any, key_deserializer: Any, value_deserializer: Any
        ) -> Iterator[Any]:
            # kafka-python 3.0's _unpack_records, batch for batch; only the loop over a v2
            # batch's records differs (kafka-python's own for any other batch).
            try:
                batch = records.next_batch()
                last_batch = None
                while batch is not None:
                    last_batch = batch
                    if self.check_crcs and not batch.validate_crc():
                        raise errors.CorruptRecordError(
                            f"Record batch for partition {self.topic_partition} at offset {batch.base_offset} "
                            "failed crc check"
                        )
                    if batch.magic == 2:
                        self.leader_epoch = batch.leader_epoch
                        if self.isolation_level == read_committed and batch.has_producer_id():
                            self._consume_aborted_transactions_up_to(batch.last_offset)
                            producer_id = batch.producer_id
                            if self._contains_abort_marker(batch):
                                self.aborted_producer_ids.discard(producer_id)
                            elif self._is_batch_aborted(batch):
                                self.next_fetch_offset = batch.next_offset
                                batch = records.next_batch()
                                continue
                        if batch.is_control_batch:
                            self.next_fetch_offset = batch.next_offset
                            batch = records.next_batch()
                            continue
                    if isinstance(batch, DefaultRecordBatch):
                        out, size = batch_records(batch, tp.topic, tp.partition, self.leader_epoch, ConsumerRecord)
                        self.records_read += len(out)
                        self.bytes_read += size
                        for record in out:
                            self.next_fetch_offset = record.offset + 1
                            yield record
                    else:
                        yield from self._unpack_legacy(tp, batch)
                    batch = records.next_batch()
                if last_batch and last_batch.magic == 2:
                    self.next_fetch_offset = last_batch.next_offset
                self.drain()
            except StopIteration as exc:  # as kafka-python: never end the generator silently
                raise RuntimeError("StopIteration raised unpacking messageset") from exc

        def _unpack_legacy(self, tp: Any, batch: Any) -> Iterator[Any]:
            # kafka-python's loop over one batch's records, for a v0/v1 message set (no
            # deserializers to call: install() refuses a consumer that has them).
            for record in batch:
                if self.check_crcs and not record.validate_crc():
                    raise errors.CorruptRecordError(
                        f"Record for partition {self.topic_partition} at offset {record.offset} failed crc check"
                    )
                key, value = record.key, record.value
                key_size = len(key) if key is not None else -1
                value_size = len(value) if value is not None else -1
                headers = record.headers
                header_size = (
                    sum(len(k.encode("utf-8")) + (len(v) if v is not None else 0) for k, v in headers)
                    if headers
                    else -1
                )
                self.records_read += 1
                self.bytes_read += record.size_in_bytes
                self.next_fetch_offset = record.offset + 1
                yield ConsumerRecord(
                    tp.topic, tp.partition, self.leader_epoch, record.offset, record.timestamp,
                    record.timestamp_type, key, value, record.headers, record.checksum,
                    key_size, value_size, header_size,
                )  # fmt: skip

    return PartitionRecords


def _varint(buf: bytes, pos: int) -> tuple[int, int]:
    """A zig-zag varint at ``pos``: (value, position after it)."""
    b = buf[pos]
    pos += 1
    v = b & 0x7F
    shift = 7
    while b & 0x80:
        b = buf[pos]
        pos += 1
        v |= (b & 0x7F) << shift
        shift += 7
    return (v >> 1) ^ -(v & 1), pos


def batch_records(batch: Any, topic: str, partition: int, leader_epoch: int, record_type: Any) -> tuple[list[Any], int]:
    """Every record of a v2 ``batch`` (kafka-python's ``DefaultRecordBatch``) as ``record_type``
    (``ConsumerRecord``), in one pass: the same fields kafka-python's loop gives; and the
    records' size in bytes, as kafka-python counts it for its fetch metrics.

    Most varints in a record are one or two bytes (lengths and deltas below 64 or 8,192), so
    those are read inline and :func:`_varint` runs only for longer ones. Raises
    ``CorruptRecordError`` as kafka-python does for a record whose fields do not add up to its
    length.
    """
    from kafka.errors import CorruptRecordError

    batch._maybe_uncompress()
    buf = bytes(batch._buffer)
    pos = batch._pos
    header = batch._header_data
    base_offset = header[0]
    log_append = bool(header[5] & 0x08)
    timestamp_type = 1 if log_append else 0
    first_timestamp, max_timestamp = header[7], header[8]
    count = batch._num_records
    out: list[Any] = []
    append = out.append
    # ConsumerRecord is a namedtuple: tuple.__new__ builds it as its _make does, without calling the
    # Python-level __new__ it generates (~2% of a stitcher's time)
    as_tuple = issubclass(record_type, tuple) and len(getattr(record_type, "_fields", ())) == 13
    new = tuple.__new__
    size_in_bytes = 0
    try:
        for _ in range(count):
            b = buf[pos]
            if b < 0x80:
                length, pos = (b >> 1) ^ -(b & 1), pos + 1
            elif buf[pos + 1] < 0x80:  # two bytes: record lengths, value sizes, deltas below 8,192
                v = (b & 0x7F) | buf[pos + 1] << 7
                length, pos = (v >> 1) ^ -(v & 1), pos + 2
            else:
                length, pos = _varint(buf, pos)
            start = pos
            pos += 1  # attributes: unused in v2 records
            b = buf[pos]
            if b < 0x80:
                ts_delta, pos = (b >> 1) ^ -(b & 1), pos + 1
            elif buf[pos + 1] < 0x80:
                v = (b & 0x7F) | buf[pos + 1] << 7
                ts_delta, pos = (v >> 1) ^ -(v & 1), pos + 2
            else:
                ts_delta, pos = _varint(buf, pos)
            b = buf[pos]
            if b < 0x80:
                offset_delta, pos = (b >> 1) ^ -(b & 1), pos + 1
            elif buf[pos + 1] < 0x80:
                v = (b & 0x7F) | buf[pos + 1] << 7
                offset_delta, pos = (v >> 1) ^ -(v & 1), pos + 2
            else:
                offset_delta, pos = _varint(buf, pos)
            b = buf[pos]
            if b < 0x80:
                key_size, pos = (b >> 1) ^ -(b & 1), pos + 1
            else:
                key_size, pos = _varint(buf, pos)
            if key_size >= 0:
                key: bytes | None = buf[pos : pos + key_size]
                pos += key_size
            else:
                key = None
            b = buf[pos]
            if b < 0x80:
                value_size, pos = (b >> 1) ^ -(b & 1), pos + 1
            elif buf[pos + 1] < 0x80:
                v = (b & 0x7F) | buf[pos + 1] << 7
                value_size, pos = (v >> 1) ^ -(v & 1), pos + 2
            else:
                value_size, pos = _varint(buf, pos)
            if value_size >= 0:
                value: bytes | None = buf[pos : pos + value_size]
                pos += value_size
            else:
                value = None
            b = buf[pos]
            if b < 0x80:
                header_count, pos = (b >> 1) ^ -(b & 1), pos + 1
            else:
                header_count, pos = _varint(buf, pos)
            headers: list[tuple[str, bytes | None]] = []
            header_size = -1
            if header_count:
                if header_count < 0:
                    raise CorruptRecordError(f"Found invalid number of record headers {header_count}")
                header_size = 0
                for _h in range(header_count):
                    name_size, pos = _varint(buf, pos)
                    if name_size < 0:
                        raise CorruptRecordError(f"Invalid negative header key size {name_size}")
                    name = buf[pos : pos + name_size].decode("utf-8")
                    pos += name_size
                    size, pos = _varint(buf, pos)
                    if size >= 0:
                        data: bytes | None = buf[pos : pos + size]
                        pos += size
                    else:
                        data = None
                    headers.append((name, data))
                    header_size += name_size + (size if size >= 0 else 0)
            if pos - start != length:
                raise CorruptRecordError(
                    f"Invalid record size: expected to read {length} bytes in record payload, but instead read "
                    f"{pos - start}"
                )
            size_in_bytes += length
            fields = (
                topic, partition, leader_epoch, base_offset + offset_delta,
                max_timestamp if log_append else first_timestamp + ts_delta, timestamp_type,
                key, value, headers, None, key_size, value_size, header_size,
            )  # fmt: skip
            append(new(record_type, fields) if as_tuple else record_type(*fields))
    except IndexError as exc:
        raise CorruptRecordError(f"Found invalid record structure: {exc!r}") from exc
    if pos != len(buf):
        raise CorruptRecordError(f"{len(buf) - pos} unconsumed bytes after all records consumed")
    batch._pos = pos
    batch._next_record_index = count
    return out, size_in_bytes

"""Records into kafka-python's producer at a fraction of ``KafkaProducer.send``'s cost.

Why: ``send`` is pure Python and does a lot per record: the partitioner's murmur2, a size
estimate, transaction checks, a ``FutureRecordMetadata`` with its callbacks, the record
encoder, the accumulator's locks. On the reference machine that is 20-70 µs per record,
which was most of the SDK's, the collector's and the stitcher's time (the SDK ran at 27%
of a bare ``send`` loop). :class:`RecordAppender` writes records straight into the
producer's open batches instead:

* the partition of a key is the default partitioner's (murmur2 like the Java client, so
  keys land where every other Kafka client puts them), memoised per key;
* each record is encoded with precomputed varints into the open batch's buffer: the same
  bytes kafka-python's ``DefaultRecordBatchBuilder`` writes (checked by
  ``tests/journeys/test_record_appender.py``);
* no future per record: when a batch is acknowledged (or fails), each :class:`DeliverySink`
  that has records in it is called once, with the tags of its records;
* everything else stays kafka-python's: the sender thread, ``linger_ms``, compression,
  idempotent sequence numbers, retries and ``delivery_timeout_ms``, transactions, and the
  split of a batch the broker refuses as too large (each record's marker is rebound to the
  smaller batch it moves to, like kafka-python's own futures).

It uses kafka-python's internals (the record accumulator, ``ProducerBatch`` and the v2
batch builder), so pyproject.toml pins kafka-python to 3.0.x and :func:`supported` checks
them; ``RecordAppender`` refuses a producer it cannot drive rather than guess.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable, Sequence
from typing import Any, Protocol

__all__ = ["DeliverySink", "RecordAppender", "SendAppender", "appender_for", "murmur2", "supported"]


class DeliverySink(Protocol):
    """Told the outcome of its records, on the producer's I/O thread (keep it short)."""

    def delivered(self, tags: list[Any], error: Exception | None) -> None:
        """``tags`` of records Kafka acknowledged (``error is None``) or finally refused."""


def murmur2(data: bytes) -> int:
    """kafka-python's (and the Java client's) murmur2 of a key: the same value, computed here so
    that it is compiled (journeys/native.py; its pure-Python original cost 2% of a stitcher's
    time, one call per new customer key)."""
    length = len(data)
    h = (0x9747B28C ^ length) & 0xFFFFFFFF
    m = 0x5BD1E995
    for i4 in range(0, length - length % 4, 4):
        k = data[i4] | data[i4 + 1] << 8 | data[i4 + 2] << 16 | data[i4 + 3] << 24
        k = (k * m) & 0xFFFFFFFF
        k ^= k >> 24
        k = (k * m) & 0xFFFFFFFF
        h = ((h * m) & 0xFFFFFFFF) ^ k
    tail = length & ~3
    extra = length % 4
    if extra >= 3:
        h ^= data[tail + 2] << 16
    if extra >= 2:
        h ^= data[tail + 1] << 8
    if extra >= 1:
        h ^= data[tail]
        h = (h * m) & 0xFFFFFFFF
    h ^= h >> 13
    h = (h * m) & 0xFFFFFFFF
    h ^= h >> 15
    return h


def _zigzag_varint(value: int) -> bytes:
    value = (value << 1) ^ (value >> 63)
    out = bytearray()
    while value > 0x7F:
        out.append(0x80 | (value & 0x7F))
        value >>= 7
    out.append(value)
    return bytes(out)


# Record lengths, offsets within a batch, key and value lengths: almost always below 2^14.
_SMALL = 1 << 14
_VARINTS = tuple(_zigzag_varint(i) for i in range(_SMALL))
_NULL = _zigzag_varint(-1)


def _varint(value: int) -> bytes:
    return _VARINTS[value] if 0 <= value < _SMALL else _zigzag_varint(value)


class _Record:
    """A record's place in ``ProducerBatch._record_futures`` (where kafka-python keeps its futures)."""

    __slots__ = ("sink", "tag")

    def __init__(self, sink: DeliverySink, tag: Any) -> None:
        self.sink = sink
        self.tag = tag

    def rebind(self, produce_future: Any, batch_index: int) -> None:
        """The batch was split (MESSAGE_TOO_LARGE): follow the record into its new batch."""
        produce_future.add_both(_resolve_one, self, batch_index)


def _resolve_one(record: _Record, batch_index: int, result: Any) -> None:
    if isinstance(result, Exception):
        record.sink.delivered([record.tag], result)
        return
    record_errors = result[2]
    record.sink.delivered([record.tag], record_errors(batch_index) if record_errors else None)


def _completed(batch: Any, result: Any) -> None:
    """A batch's produce future resolved: tell each sink about its records, once."""
    error = result if isinstance(result, Exception) else None
    record_errors = None if error is not None else result[2]
    by_sink: dict[Any, list[Any]] = {}
    failed: list[tuple[_Record, Exception]] = []
    for index, record in enumerate(batch._record_futures):
        if type(record) is not _Record:
            continue  # a record sent through KafkaProducer.send has its own future
        if record_errors is not None:
            record_error = record_errors(index)
            if record_error is not None:
                failed.append((record, record_error))
                continue
        tags = by_sink.get(record.sink)
        if tags is None:
            tags = by_sink[record.sink] = []
        tags.append(record.tag)
    for sink, tags in by_sink.items():
        sink.delivered(tags, error)
    for record, record_error in failed:
        record.sink.delivered([record.tag], record_error)


def supported(producer: Any) -> bool:
    """Whether ``producer`` is a kafka-python 3.0 producer whose internals this module knows."""
    try:
        from kafka.producer.producer_batch import ProducerBatch
        from kafka.record.default_records import DefaultRecordBatchBuilder
        from kafka.record.memory_records import MemoryRecordsBuilder

        accumulator = producer._accumulator
        return (
            producer.config["api_version"] >= (0, 11)  # v2 record batches
            and accumulator.config["message_version"] == 2
            and hasattr(accumulator, "_batches")
            and hasattr(accumulator, "_incomplete")
            and hasattr(accumulator, "_tp_lock")
            and {"_buffer", "_num_records", "_last_offset", "_first_timestamp", "_max_timestamp", "_batch_size"}
            <= set(DefaultRecordBatchBuilder.__slots__)
            and {"_builder", "_next_offset", "_closed"} <= set(MemoryRecordsBuilder.__slots__)
            and hasattr(ProducerBatch, "try_append")
        )
    except (AttributeError, ImportError, KeyError, TypeError):
        return False


class RecordAppender:
    """Appends records to a kafka-python ``KafkaProducer`` (see the module docstring).

    Thread-safe like ``send``. ``flush()`` and ``close()`` stay the producer's own.
    """

    def __init__(self, producer: Any) -> None:
        if not supported(producer):
            raise TypeError(
                "RecordAppender drives kafka-python 3.0's producer internals; this producer is "
                f"{type(producer).__module__}.{type(producer).__name__} (install kafka-python 3.0.x)"
            )
        from kafka.errors import IllegalStateError, MessageSizeTooLargeError
        from kafka.structs import TopicPartition

        self._closed_error = IllegalStateError
        self._too_large_error = MessageSizeTooLargeError

        self.producer = producer
        self._accumulator = producer._accumulator
        self._metadata = producer._metadata
        self._sender = producer._sender
        self._transactions = producer._transaction_manager
        self._max_request_size = producer.config["max_request_size"]
        self._max_block_s = producer.config["max_block_ms"] / 1000
        self._murmur2 = murmur2
        self._tp_type = TopicPartition
        self._tps: dict[tuple[str, int], Any] = {}
        self._locks: dict[Any, Any] = {}
        self._keys: dict[tuple[str, bytes], int] = {}
        self._counts: dict[str, int] = {}
        self._lock = threading.Lock()
        self._wake_pending = False

    # -- partitions -------------------------------------------------------------------------

    def partition_count(self, topic: str) -> int:
        """Partitions of ``topic`` (waits for its metadata up to ``max_block_ms``)."""
        count = self._counts.get(topic)
        if count is not None:
            return count
        partitions = self._metadata.partitions_for_topic(topic)
        if partitions is None:
            self.producer._wait_on_metadata(topic, self.producer.config["max_block_ms"])
            partitions = self._metadata.partitions_for_topic(topic)
        if not partitions:
            from kafka.errors import KafkaTimeoutError

            raise KafkaTimeoutError(f"no metadata for topic `{topic}` within {self._max_block_s:.1f} s")
        self._counts[topic] = count = len(partitions)
        return count

    def partition_of(self, topic: str, key: bytes) -> int:
        """The default partitioner's choice for ``key`` (murmur2, positive, modulo the partitions)."""
        cached = self._keys.get((topic, key))
        if cached is not None:
            return cached
        count = self.partition_count(topic)
        if count == 1:
            # No hash to compute, and nothing cached: the identity topic has one partition and a
            # new key per decision, which cost a pure-Python murmur2 each and flushed the cache.
            return 0
        partition = (self._murmur2(key) & 0x7FFFFFFF) % count
        if len(self._keys) >= 200_000:  # bounded: keys are people, and people are many
            self._keys.clear()
        self._keys[(topic, key)] = partition
        return partition

    def _tp(self, topic: str, partition: int) -> Any:
        tp = self._tps.get((topic, partition))
        if tp is None:
            if not 0 <= partition < self.partition_count(topic):
                raise ValueError(f"topic `{topic}` has no partition {partition}")
            tp = self._tps[(topic, partition)] = self._tp_type(topic, partition)
        return tp

    # -- appending ----------------------------------------------------------------------------

    def append(
        self,
        topic: str,
        key: bytes | None,
        value: bytes | None,
        sink: DeliverySink,
        tag: Any = None,
        *,
        partition: int | None = None,
    ) -> None:
        """One record; ``sink.delivered`` learns its outcome with ``tag``.

        Without ``partition`` the record goes where kafka-python would put it: by key, or
        to a random partition for a record without one.
        """
        if partition is None:
            if key is None:
                import random

                partition = random.randrange(self.partition_count(topic))
            else:
                partition = self.partition_of(topic, key)
        self.append_records(topic, partition, [(key, value, tag)], sink)

    def append_many(
        self, topic: str, records: Iterable[tuple[int, bytes | None, bytes | None, Any]], sink: Any
    ) -> None:
        """``(partition, key, value, tag)`` records, appended one partition at a time."""
        by_partition: dict[int, list[tuple[bytes | None, bytes | None, Any]]] = {}
        for partition, key, value, tag in records:
            group = by_partition.get(partition)
            if group is None:
                group = by_partition[partition] = []
            group.append((key, value, tag))
        for partition, group in by_partition.items():
            self.append_records(topic, partition, group, sink)

    def append_records(
        self,
        topic: str,
        partition: int | None,
        records: Sequence[tuple[bytes | None, bytes | None, Any]],
        sink: DeliverySink,
        *,
        wake: bool = True,
    ) -> None:
        """``(key, value, tag)`` records of one partition, in order, under the partition's lock
        (``partition=None``: each record where ``append`` would put it). ``wake=False`` leaves
        the sender's wake-up to :meth:`wakeup`: one for many partitions' records instead of one
        per batch opened (each a socket write; the stitcher's commit opens dozens)."""
        if partition is None:
            for key, value, tag in records:
                self.append(topic, key, value, sink, tag)
            return
        tp = self._tp(topic, partition)
        accumulator = self._accumulator
        if accumulator._closed:
            raise self._closed_error("the producer is closed")
        if self._transactions is not None and self._transactions.is_transactional():
            self._transactions.maybe_add_partition_to_transaction(tp)
        limit = self._max_request_size
        for key, value, _ in records:
            size = (len(key) if key is not None else 0) + (len(value) if value is not None else 0) + 61
            if size > limit:
                raise self._too_large_error(
                    f"a record of {size} bytes is larger than max_request_size ({limit}); send smaller records"
                )
        lock = self._locks.get(tp)
        if lock is None:
            lock = self._locks[tp] = accumulator._tp_lock(tp)
        timestamp = int(time.time() * 1000)
        now = time.monotonic()
        # Wake the sender only when a batch is opened or filled: kafka-python's send wakes it on
        # every record while more than one batch waits, and each wake-up is a socket write that
        # gives the GIL away.
        wake_up = False
        accumulator._appends_in_progress.increment()
        try:
            with lock:
                dq = accumulator._batches[tp]
                batch = dq[-1] if dq else None
                if batch is not None and not batch.records._closed and not getattr(batch, "_appender_hooked", False):
                    _hook(batch)  # a batch KafkaProducer.send opened: tell our sinks when it is done
                index = 0
                while index < len(records):
                    if batch is None or batch.records._closed:
                        batch = self._new_batch(tp, now)
                        dq.append(batch)
                        accumulator._incomplete.add(batch)
                        wake_up = wake_up or len(dq) == 1
                    written = _write(batch, records, index, timestamp, now=now, sink=sink)
                    if written == 0:  # full: the next record starts a new batch
                        batch = None
                        wake_up = True
                        continue
                    index += written
        finally:
            accumulator._appends_in_progress.decrement()
        if wake_up:
            if wake:
                self._sender.wakeup()
            else:
                self._wake_pending = True

    def wakeup(self) -> None:
        """Wake the sender for the batches that ``append_records(wake=False)`` opened or filled."""
        if self._wake_pending:
            self._wake_pending = False
            self._sender.wakeup()

    def _new_batch(self, tp: Any, now: float) -> Any:
        from kafka.producer.producer_batch import ProducerBatch
        from kafka.record.memory_records import MemoryRecordsBuilder

        config = self._accumulator.config
        records = MemoryRecordsBuilder(config["message_version"], config["compression_attrs"], config["batch_size"])
        batch = ProducerBatch(tp, records, now=now)
        _hook(batch)
        return batch


def _hook(batch: Any) -> None:
    batch._appender_hooked = True
    batch.produce_future.add_both(_completed, batch)


def _write(
    batch: Any,
    records: Sequence[tuple[bytes | None, bytes | None, Any]],
    start: int,
    timestamp: int,
    *,
    now: float,
    sink: DeliverySink,
) -> int:
    """Encode ``records[start:]`` into ``batch`` until it is full; how many were written.

    The bytes are DefaultRecordBatchBuilder.append's: a v2 record is its length, then
    attributes, timestamp delta, offset delta, key, value and header count, as zigzag varints.
    """
    memory = batch.records
    builder = memory._builder
    buffer = builder._buffer
    limit = builder._batch_size
    futures = batch._record_futures
    varints, small, null = _VARINTS, _SMALL, _NULL
    offset = memory._next_offset
    if builder._first_timestamp is None:
        builder._first_timestamp = builder._max_timestamp = timestamp
    delta = timestamp - builder._first_timestamp
    prefix = b"\x00" + (varints[delta] if 0 <= delta < small else _zigzag_varint(delta))
    written = 0
    biggest = batch.max_record_size
    for key, value, tag in records[start:] if start else records:
        # Each part goes into the batch's buffer once: joining them first copied every value
        # (a StitchedBatch, a customer's changelog entry: kilobytes) twice more.
        if key is None:
            key_head, key_size = null, 0
        else:
            key_size = len(key)
            key_head = varints[key_size] if key_size < small else _zigzag_varint(key_size)
        if value is None:
            value_head, value_size = null, 0
        else:
            value_size = len(value)
            value_head = varints[value_size] if value_size < small else _zigzag_varint(value_size)
        offset_part = varints[offset] if offset < small else _zigzag_varint(offset)
        size = len(prefix) + len(offset_part) + len(key_head) + key_size + len(value_head) + value_size + 1
        head = varints[size] if size < small else _zigzag_varint(size)
        total = size + len(head)
        if total + len(buffer) > limit and offset > 0:
            break
        buffer += head
        buffer += prefix
        buffer += offset_part
        buffer += key_head
        if key_size:
            buffer += key
        buffer += value_head
        if value_size:
            buffer += value
        buffer += b"\x00"
        futures.append(_Record(sink, tag))
        biggest = max(biggest, total)
        offset += 1
        written += 1
    if written:
        builder._num_records += written
        builder._last_offset = offset - 1
        builder._max_timestamp = max(builder._max_timestamp, timestamp)
        memory._next_offset = offset
        batch.max_record_size = biggest
        batch.last_append = now
    return written


class SendAppender:
    """The same interface over ``producer.send`` (one future per record), for a producer that
    :class:`RecordAppender` cannot drive: another client or version, or a test double."""

    def __init__(self, producer: Any) -> None:
        self.producer = producer

    def append(
        self,
        topic: str,
        key: bytes | None,
        value: bytes | None,
        sink: DeliverySink,
        tag: Any = None,
        *,
        partition: int | None = None,
    ) -> None:
        future = self.producer.send(topic, key=key, value=value, partition=partition)
        future.add_both(_resolve_future, sink, tag)

    def partition_of(self, topic: str, key: bytes) -> int | None:
        return None  # the producer's partitioner decides at send

    def append_records(
        self,
        topic: str,
        partition: int | None,
        records: Sequence[tuple[bytes | None, bytes | None, Any]],
        sink: DeliverySink,
        *,
        wake: bool = True,
    ) -> None:
        for key, value, tag in records:  # send() wakes the sender as it sees fit
            self.append(topic, key, value, sink, tag, partition=partition)

    def wakeup(self) -> None:
        """Nothing to do: ``send`` woke the sender."""

    def append_many(
        self, topic: str, records: Iterable[tuple[int, bytes | None, bytes | None, Any]], sink: Any
    ) -> None:
        for partition, key, value, tag in records:
            self.append(topic, key, value, sink, tag, partition=partition)


def _resolve_future(sink: DeliverySink, tag: Any, result: Any) -> None:
    sink.delivered([tag], result if isinstance(result, Exception) else None)


def appender_for(producer: Any) -> RecordAppender | SendAppender:
    """A :class:`RecordAppender` when the producer allows it, else the plain ``send`` path."""
    return RecordAppender(producer) if supported(producer) else SendAppender(producer)

"""record_reader: kafka-python's own ConsumerRecords from the real broker, without its per-record cost."""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

import pytest
from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.record.default_records import DefaultRecordBatchBuilder
from kafka.record.memory_records import MemoryRecords

from journeys import record_reader
from journeys.settings import KafkaSettings


def _consumer(broker: KafkaSettings, topic: str, *, fast: bool, **config: Any) -> KafkaConsumer:
    consumer = KafkaConsumer(
        bootstrap_servers=broker.bootstrap_servers,
        group_id=None,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        max_partition_fetch_bytes=64 * 1024,  # several fetches, so a batch may start mid-way
        **config,
    )
    consumer.assign([TopicPartition(topic, 0)])
    if fast:
        assert record_reader.install(consumer)
    return consumer


def _read_all(consumer: KafkaConsumer, expected: int) -> list[Any]:
    out: list[Any] = []
    for _ in range(200):
        for records in consumer.poll(timeout_ms=200, max_records=137).values():
            out.extend(records)
        if len(out) >= expected and not consumer.poll(timeout_ms=300):
            break
    consumer.close()
    return out


def _produce(broker: KafkaSettings, topic: str, *, compression: str | None, transactional: bool) -> int:
    """Records of every shape: keyless, tombstones, headers (empty, non-ASCII, long), long keys
    and values (multi-byte varints), old timestamps (negative deltas); a third of the
    transactions aborted when ``transactional``. Returns how many were committed (or sent)."""
    rng = random.Random(7)
    config: dict[str, Any] = {"compression_type": compression, "linger_ms": 5}
    if transactional:
        config["transactional_id"] = f"{topic}-tx"
    producer = KafkaProducer(bootstrap_servers=broker.bootstrap_servers, **config)
    if transactional:
        producer.init_transactions()
    kept = 0
    for txn in range(12):
        abort = transactional and txn % 3 == 1
        if transactional:
            producer.begin_transaction()
        for i in range(150):
            shape = rng.randrange(6)
            key = None if shape == 0 else f"k{txn}-{i}".encode() * (1 if shape != 4 else 40)
            value = None if shape == 1 else bytes(rng.randrange(256) for _ in range(rng.choice((0, 5, 70, 900))))
            headers = [("trace", b"abc"), ("empty", b""), ("ü", b"\x00" * 200)] if shape == 2 else None
            timestamp = 1_000_000 + rng.randrange(10_000) if shape == 3 else None
            producer.send(topic, key=key, value=value, headers=headers, timestamp_ms=timestamp)
            kept += not abort
        if abort:
            producer.flush()  # the aborted records reach the log (read_uncommitted sees them)
            producer.abort_transaction()
        elif transactional:
            producer.commit_transaction()
    producer.flush()
    producer.close()
    return kept


def _fields(record: Any) -> tuple[Any, ...]:
    return (
        record.topic, record.partition, record.leader_epoch, record.offset, record.timestamp,
        record.timestamp_type, record.key, record.value, list(record.headers), record.checksum,
        record.serialized_key_size, record.serialized_value_size, record.serialized_header_size,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("compression", "transactional", "isolation"),
    [
        (None, False, "read_uncommitted"),
        ("gzip", False, "read_uncommitted"),
        (None, True, "read_committed"),
        ("gzip", True, "read_committed"),
        ("zstd", True, "read_committed"),  # the producer's default
        (None, True, "read_uncommitted"),
    ],
)
def test_same_records_as_kafka_python(
    broker: KafkaSettings,
    topic_factory: Callable[..., str],
    compression: str | None,
    transactional: bool,
    isolation: str,
) -> None:
    topic = topic_factory("rr")
    kept = _produce(broker, topic, compression=compression, transactional=transactional)
    sent = 12 * 150
    expected = kept if isolation == "read_committed" else sent
    stock = _read_all(_consumer(broker, topic, fast=False, isolation_level=isolation), expected)
    fast = _read_all(_consumer(broker, topic, fast=True, isolation_level=isolation), expected)
    assert len(stock) == expected
    assert [_fields(r) for r in fast] == [_fields(r) for r in stock]


def test_position_and_metrics_follow_the_records(broker: KafkaSettings, topic_factory: Callable[..., str]) -> None:
    """After a poll the consumer's position is the next offset, and a re-seek reads from there."""
    topic = topic_factory("rr")
    _produce(broker, topic, compression=None, transactional=True)
    consumer = _consumer(broker, topic, fast=True, isolation_level="read_committed")
    tp = TopicPartition(topic, 0)
    first: list[Any] = []
    while len(first) < 300:
        first.extend(consumer.poll(timeout_ms=500, max_records=300 - len(first)).get(tp, []))
    assert consumer.position(tp) == first[-1].offset + 1
    consumer.seek(tp, first[100].offset)
    again = consumer.poll(timeout_ms=2000, max_records=5)[tp]
    assert [r.offset for r in again] == [r.offset for r in first[100:105]]
    consumer.close()


def test_corrupt_record_is_named() -> None:
    builder = DefaultRecordBatchBuilder(magic=2, compression_type=0, is_transactional=False,
                                        producer_id=-1, producer_epoch=-1, base_sequence=-1, batch_size=1 << 20)  # fmt: skip
    for i in range(3):
        builder.append(i, timestamp=1000 + i, key=b"k", value=b"v" * i, headers=[])
    data = bytearray(builder.build())
    data[-4] = 0x7F  # the last record's value length (2) becomes -64: its fields no longer add up
    batch = MemoryRecords(bytes(data)).next_batch()
    from kafka.consumer.fetcher import ConsumerRecord
    from kafka.errors import CorruptRecordError

    with pytest.raises(CorruptRecordError, match="record"):
        record_reader.batch_records(batch, "t", 0, -1, ConsumerRecord)


def test_consumers_it_does_not_know_keep_kafka_python() -> None:
    consumer = KafkaConsumer(bootstrap_servers="127.0.0.1:1", value_deserializer=bytes, api_version=(2, 8))
    try:
        assert not record_reader.supported(consumer)
        assert not record_reader.install(consumer)
        assert consumer._fetcher.PartitionRecords is not record_reader._partition_records_class()
    finally:
        consumer.close()
    assert not record_reader.supported(object())


@pytest.mark.parametrize("magic", [0, 1])
def test_a_legacy_message_set_goes_through_kafka_pythons_loop(magic: int) -> None:
    """Message formats v0/v1 (a cluster older than Kafka 4 may still hold them): the same records
    as kafka-python's own PartitionRecords, out of the fallback loop."""
    from kafka.consumer.fetcher import Fetcher
    from kafka.record.legacy_records import LegacyRecordBatchBuilder

    builder = LegacyRecordBatchBuilder(magic=magic, compression_type=0, batch_size=1 << 20)
    for i in range(20):
        builder.append(
            i, timestamp=1_000 + i if magic else None, key=None if i % 3 == 0 else b"k%d" % i, value=b"v" * i
        )
    data = bytes(builder.build())
    tp = TopicPartition("legacy", 0)
    stock = Fetcher.PartitionRecords(0, tp, MemoryRecords(data)).take()
    fast = record_reader._partition_records_class()(0, tp, MemoryRecords(data)).take()
    assert len(stock) == 20
    assert [_fields(r) for r in fast] == [_fields(r) for r in stock]

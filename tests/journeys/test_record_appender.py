"""RecordAppender: kafka-python's own bytes, partitions and delivery, without its per-record cost."""

from __future__ import annotations

import random
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.partitioner.default import DefaultPartitioner
from kafka.partitioner.default import murmur2 as kafka_murmur2
from kafka.producer.producer_batch import ProducerBatch
from kafka.record.memory_records import MemoryRecordsBuilder

from journeys.record_appender import RecordAppender, SendAppender, _write, appender_for, murmur2, supported
from journeys.settings import KafkaSettings


class Sink:
    """Collects what the appender reports, from whichever thread reports it."""

    def __init__(self) -> None:
        self.ok: list[Any] = []
        self.failed: list[tuple[Any, Exception]] = []
        self.calls = 0
        self._lock = threading.Lock()

    def delivered(self, tags: list[Any], error: Exception | None) -> None:
        with self._lock:
            self.calls += 1
            if error is None:
                self.ok.extend(tags)
            else:
                self.failed.extend((tag, error) for tag in tags)

    def wait(self, count: int, timeout_s: float = 30) -> None:
        deadline = time.monotonic() + timeout_s
        while len(self.ok) + len(self.failed) < count and time.monotonic() < deadline:
            time.sleep(0.01)


def _records(n: int, seed: int = 1) -> list[tuple[bytes | None, bytes | None, int]]:
    rng = random.Random(seed)
    out: list[tuple[bytes | None, bytes | None, int]] = []
    for i in range(n):
        key = None if i % 7 == 3 else f"anonymous_id:a-{rng.randrange(1000)}".encode()
        size = rng.choice((0, 1, 120, 300, 20_000))  # 20 kB: lengths past the varint table
        value = None if i % 11 == 5 else rng.randbytes(size)
        out.append((key, value, i))
    return out


@pytest.mark.parametrize("compression", [0, 1])  # none, gzip
@pytest.mark.parametrize("batch_size", [1_000, 64 * 1024, 1024 * 1024])
def test_batches_hold_the_bytes_kafka_python_writes(compression: int, batch_size: int) -> None:
    records = _records(300)
    timestamp = 1_764_620_000_123
    ours: list[bytes] = []
    theirs: list[bytes] = []
    # kafka-python: one record at a time until the builder says full, then a new builder.
    builder = MemoryRecordsBuilder(2, compression, batch_size)
    for key, value, _ in records:
        if builder.append(timestamp, key, value, []) is None:
            builder.close()
            theirs.append(bytes(builder.buffer()))
            builder = MemoryRecordsBuilder(2, compression, batch_size)
            assert builder.append(timestamp, key, value, []) is not None
    builder.close()
    theirs.append(bytes(builder.buffer()))
    # ours: the same records through _write, a new batch whenever it stops early.
    sink = Sink()
    tp = TopicPartition("t", 0)
    start = 0
    while start < len(records):
        batch = ProducerBatch(tp, MemoryRecordsBuilder(2, compression, batch_size), now=0.0)
        written = _write(batch, records, start, timestamp, now=0.0, sink=sink)
        assert written > 0
        assert batch.record_count == written
        start += written
        batch.records.close()
        ours.append(bytes(batch.records.buffer()))
    if compression:  # gzip stamps the time into its header: compare what the batches hold
        assert [_parsed(b) for b in ours] == [_parsed(b) for b in theirs]
    else:
        assert ours == theirs


def _parsed(buffer: bytes) -> list[tuple[Any, ...]]:
    from kafka.record.memory_records import MemoryRecords

    return [
        (batch.base_offset, r.offset, r.timestamp, r.key, r.value, r.headers)
        for batch in MemoryRecords(buffer)
        for r in batch
    ]


def test_later_appends_carry_their_timestamp_delta() -> None:
    batch = ProducerBatch(TopicPartition("t", 0), MemoryRecordsBuilder(2, 0, 1 << 20), now=0.0)
    builder = MemoryRecordsBuilder(2, 0, 1 << 20)
    for i, ts in enumerate((1_000_000, 1_000_007, 1_000_007 + 50_000, 999_000)):  # the clock may step back
        _write(batch, [(b"k", b"v%d" % i, i)], 0, ts, now=0.0, sink=Sink())
        builder.append(ts, b"k", b"v%d" % i, [])
    batch.records.close()
    builder.close()
    assert bytes(batch.records.buffer()) == bytes(builder.buffer())


def _producer(broker: KafkaSettings, **config: Any) -> KafkaProducer:
    return KafkaProducer(**broker.client_config(), acks="all", enable_idempotence=True, **config)


def _read(broker: KafkaSettings, topic: str, expected: int, **config: Any) -> list[Any]:
    consumer = KafkaConsumer(
        topic, **broker.client_config(), group_id=None, auto_offset_reset="earliest", consumer_timeout_ms=3000, **config
    )
    out: list[Any] = []
    deadline = time.monotonic() + 30
    while len(out) < expected and time.monotonic() < deadline:
        for messages in consumer.poll(timeout_ms=500).values():
            out.extend(messages)
    consumer.close()
    return out


@pytest.mark.kafka
def test_appended_records_arrive_where_send_would_put_them_in_order(
    broker: KafkaSettings, topic_factory: Callable[..., str]
) -> None:
    topic = topic_factory("appended", partitions=5)
    producer = _producer(broker, linger_ms=5, compression_type="gzip")
    appender = RecordAppender(producer)
    sink = Sink()
    keys = [f"device_id:d-{i % 40}".encode() for i in range(2_000)]
    for i, key in enumerate(keys):
        appender.append(topic, key, b"value-%d" % i, sink, i)
    producer.flush()
    sink.wait(len(keys))
    producer.close()
    assert sorted(sink.ok) == list(range(len(keys))) and not sink.failed
    assert sink.calls < len(keys) / 10  # one report per batch, not per record
    partitioner = DefaultPartitioner()
    got = _read(broker, topic, len(keys))
    assert len(got) == len(keys)
    seen: dict[bytes, list[int]] = {}
    for message in got:
        expected = partitioner.partition(topic, None, message.key, None, None, producer._metadata)
        assert message.partition == expected
        seen.setdefault(message.key, []).append(int(message.value.split(b"-")[1]))
    for key, indexes in seen.items():
        assert indexes == sorted(indexes), f"{key!r} out of order"


@pytest.mark.kafka
def test_a_single_partition_topic_needs_no_hash_and_fills_no_cache(
    broker: KafkaSettings, topic_factory: Callable[..., str]
) -> None:
    """The identity topic: one partition, a new key per record."""
    single, several = topic_factory("single"), topic_factory("several", partitions=3)
    producer = _producer(broker)
    appender = RecordAppender(producer)
    partitioner = DefaultPartitioner()
    keys = [f"link-{i}".encode() for i in range(50)]
    assert {appender.partition_of(single, key) for key in keys} == {0}
    assert not appender._keys
    assert appender.partition_count(several) == 3
    for key in keys:
        assert appender.partition_of(several, key) == partitioner.partition(
            several, None, key, None, None, producer._metadata
        )
    assert len(appender._keys) == len(keys)
    producer.close()


@pytest.mark.kafka
def test_appends_and_sends_share_a_producer(broker: KafkaSettings, topic_factory: Callable[..., str]) -> None:
    topic = topic_factory("mixed", partitions=2)
    producer = _producer(broker, linger_ms=20)
    appender = RecordAppender(producer)
    sink = Sink()
    futures = []
    for i in range(300):
        if i % 3:
            appender.append(topic, b"k", b"%d" % i, sink, i, partition=0)
        else:
            futures.append(producer.send(topic, key=b"k", value=b"%d" % i, partition=0))
    producer.flush()
    sink.wait(200)
    assert all(f.get(timeout=10).partition == 0 for f in futures)
    assert sorted(sink.ok) == [i for i in range(300) if i % 3]
    producer.close()
    assert [int(m.value) for m in _read(broker, topic, 300)] == list(range(300))


@pytest.mark.kafka
def test_a_batch_the_broker_finds_too_large_is_split_and_every_record_reported_once(
    broker: KafkaSettings, topic_factory: Callable[..., str]
) -> None:
    topic = topic_factory("small", partitions=1, config={"max.message.bytes": "4096"})
    producer = _producer(broker, linger_ms=200, batch_size=256 * 1024)
    appender = RecordAppender(producer)
    sink = Sink()
    appender.append_many(topic, [(0, b"k", bytes(500), i) for i in range(60)], sink)
    # Not producer.flush(): kafka-python 3.0.12's flush waits on the split batch's own future,
    # which never resolves ("Future not done"), with send() as with appended records.
    sink.wait(60)
    producer.close(timeout=5)
    assert sorted(sink.ok) == list(range(60)) and not sink.failed
    assert len(_read(broker, topic, 60)) == 60


@pytest.mark.kafka
def test_transactional_appends_commit_and_abort_with_the_transaction(
    broker: KafkaSettings, topic_factory: Callable[..., str]
) -> None:
    topic = topic_factory("txn", partitions=3)
    producer = KafkaProducer(
        **broker.client_config(), transactional_id=f"test-appender-{uuid.uuid4().hex[:8]}", linger_ms=10_000
    )
    producer.init_transactions()
    appender = RecordAppender(producer)
    aborted, committed = Sink(), Sink()
    producer.begin_transaction()
    appender.append_many(topic, [(i % 3, None, b"aborted", i) for i in range(30)], aborted)
    producer.abort_transaction()  # linger holds the records: they are never sent
    aborted.wait(30)
    assert len(aborted.failed) == 30 and not aborted.ok
    producer.begin_transaction()
    appender.append_many(topic, [(i % 3, None, b"committed", i) for i in range(30)], committed)
    producer.commit_transaction()
    committed.wait(30)
    producer.close()
    assert sorted(committed.ok) == list(range(30))
    got = _read(broker, topic, 30, isolation_level="read_committed")
    assert sorted(m.value for m in got) == [b"committed"] * 30


def test_producers_it_cannot_drive_fall_back_to_send() -> None:
    class Double:
        def __init__(self) -> None:
            self.sent: list[tuple[str, bytes | None]] = []

        def send(self, topic: str, *, key: bytes | None, value: bytes | None, partition: int | None) -> Any:
            from kafka.future import Future

            self.sent.append((topic, value))
            return Future().success(None)

    double = Double()
    assert not supported(double)
    appender = appender_for(double)
    assert isinstance(appender, SendAppender)
    sink = Sink()
    appender.append_records("t", None, [(b"k", b"v", "tag")], sink)
    assert double.sent == [("t", b"v")] and sink.ok == ["tag"]
    with pytest.raises(TypeError, match=r"kafka-python 3\.0"):
        RecordAppender(double)


@settings(max_examples=2000, deadline=None)
@given(st.binary(max_size=64))
def test_murmur2_is_kafka_pythons(key: bytes) -> None:
    assert murmur2(key) == kafka_murmur2(key)

"""A message goes through the real broker and comes back unchanged."""

from __future__ import annotations

from collections.abc import Callable

from kafka import KafkaConsumer, KafkaProducer, TopicPartition

from journeys.settings import KafkaSettings


def test_messages_round_trip_through_the_broker(
    broker: KafkaSettings, topic_factory: Callable[..., str], unique_group: str
) -> None:
    topic = topic_factory("roundtrip", partitions=3)
    sent = {f"key-{i}".encode(): f"value-{i}".encode() for i in range(30)}
    producer = KafkaProducer(**broker.client_config(), acks="all", enable_idempotence=True)
    for key, value in sent.items():
        producer.send(topic, key=key, value=value)
    producer.flush()
    producer.close()

    consumer = KafkaConsumer(
        **broker.client_config(),
        group_id=unique_group,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        consumer_timeout_ms=10_000,
    )
    consumer.subscribe([topic])
    received: dict[bytes, bytes] = {}
    partitions: dict[bytes, int] = {}
    for message in consumer:
        received[message.key] = message.value
        partitions[message.key] = message.partition
        if len(received) == len(sent):
            break
    consumer.commit()
    committed = {tp: consumer.committed(tp) for tp in (TopicPartition(topic, p) for p in range(3))}
    consumer.close()

    assert received == sent
    assert len(set(partitions.values())) > 1, "keys should spread over the partitions"
    assert sum(v or 0 for v in committed.values()) == len(sent)

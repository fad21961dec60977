"""A round trip through the configured broker: proves the stack works end to end."""

from __future__ import annotations

import time
import uuid

from journeys.errors import TransientError
from journeys.settings import Settings

__all__ = ["round_trip"]


def round_trip(settings: Settings, *, timeout_s: float = 30.0) -> float:
    """Produce one message to a one-hour `<prefix>smoke` topic and read it back; return seconds taken.

    Seeks to the end first, so it reads only its own message.
    """
    from kafka import KafkaConsumer, KafkaProducer, TopicPartition

    from journeys.topics import TopicSpec, create_topics

    topic = settings.topics.name("smoke")
    kafka = settings.kafka
    create_topics(kafka, [TopicSpec(topic, 1, "smoke test", {"retention.ms": "3600000"})])
    started = time.monotonic()
    consumer = KafkaConsumer(**kafka.client_config(), client_id=f"{kafka.client_id}-smoke", enable_auto_commit=False)
    partitions = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or []]
    if not partitions:
        consumer.close()
        raise TransientError(f"topic `{topic}` has no partitions yet; run again in a few seconds.")
    consumer.assign(partitions)
    consumer.seek_to_end()
    for tp in partitions:
        consumer.position(tp)  # resolve the end offsets before producing
    marker = f"smoke-{uuid.uuid4()}".encode()
    producer = KafkaProducer(**kafka.client_config(), acks="all", enable_idempotence=True)
    producer.send(topic, key=b"smoke", value=marker, headers=[("journeys-smoke", b"1")]).get(timeout=timeout_s)
    producer.close()
    deadline = time.monotonic() + timeout_s
    try:
        while time.monotonic() < deadline:
            for records in consumer.poll(timeout_ms=500).values():
                if any(r.value == marker for r in records):
                    return time.monotonic() - started
    finally:
        consumer.close()
    raise TransientError(f"the smoke message did not come back from `{topic}` within {timeout_s:.0f} s")

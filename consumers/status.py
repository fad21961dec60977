"""What ``journeys stitch status`` shows: the group's lag from Kafka, the instances' reports."""

from __future__ import annotations

from typing import Any

import orjson

from consumers.runner import status_dir
from journeys.settings import Settings
from journeys.topics import require_broker

__all__ = ["group_lag", "instance_reports"]


def group_lag(settings: Settings) -> list[dict[str, Any]]:
    """Committed offset, end offset and lag of every raw and repartition partition."""
    from kafka import KafkaConsumer, TopicPartition

    require_broker(settings.kafka)
    consumer = KafkaConsumer(
        **settings.kafka.client_config(),
        client_id=f"{settings.kafka.client_id}-stitch-status",
        group_id=settings.stitcher.group_id,
        enable_auto_commit=False,
        isolation_level="read_committed",
    )
    try:
        t = settings.topics
        partitions = [
            TopicPartition(t.name(topic), p) for topic in (t.raw, t.repartition) for p in range(t.raw_partitions)
        ]
        ends = consumer.end_offsets(partitions)
        rows = []
        for tp in partitions:
            committed = consumer.committed(tp) or 0
            rows.append(
                {
                    "topic": tp.topic,
                    "partition": tp.partition,
                    "committed": committed,
                    "end": ends[tp],
                    "lag": max(0, ends[tp] - committed),
                }
            )
        return rows
    finally:
        consumer.close()


def instance_reports(settings: Settings) -> list[dict[str, Any]]:
    """The last status file of each instance of this group."""
    folder = status_dir(settings)
    if not folder.exists():
        return []
    prefix = f"{settings.stitcher.group_id}-"
    return [
        orjson.loads(path.read_bytes())
        for path in sorted(folder.glob(f"{prefix}*.json"))
        if path.stem[len(prefix) :].isdigit()
    ]

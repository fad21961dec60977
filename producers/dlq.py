"""The Kafka side of ``journeys dlq``: read the dead-letter topic in full, replay records.

Reading assigns every partition and reads from the beginning to the end offsets taken
at the start (no consumer group, nothing committed), so inspecting changes nothing.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from journeys.errors import TransientError
from journeys.settings import Settings
from producers.contract import decode_dead_letter, validate_touchpoint
from producers.deadletter import matches, replay_one

__all__ = ["ReplayReport", "read_dead_letters", "replay_dead_letters"]


def read_dead_letters(
    settings: Settings, *, source: str | None = None, kind: str | None = None, consumer: Any = None
) -> list[dict[str, Any]]:
    """Every dead letter (the latest attempt per ``dead_letter_id``), oldest first, filtered."""
    from kafka import KafkaConsumer, TopicPartition

    from journeys.topics import require_broker

    topic = settings.topics.name(settings.topics.deadletter)
    own = consumer is None
    if own:
        require_broker(settings.kafka)
        consumer = KafkaConsumer(
            **settings.kafka.client_config(),
            client_id=f"{settings.kafka.client_id}-dlq",
            group_id=None,
            enable_auto_commit=False,
        )
    try:
        partitions = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or ())]
        if not partitions:
            raise TransientError(f"topic `{topic}` does not exist; create it with `journeys topics create`")
        consumer.assign(partitions)
        consumer.seek_to_beginning(*partitions)
        ends = consumer.end_offsets(partitions)
        latest: dict[str, dict[str, Any]] = {}
        remaining = {tp for tp in partitions if ends[tp] > consumer.position(tp)}
        deadline = time.monotonic() + 60
        while remaining and time.monotonic() < deadline:
            for tp, messages in consumer.poll(timeout_ms=500).items():
                for message in messages:
                    if message.offset >= ends[tp]:
                        continue
                    record = decode_dead_letter(message.value)
                    record["_partition"], record["_offset"] = message.partition, message.offset
                    latest.pop(record["dead_letter_id"], None)  # re-insert: keep arrival order
                    latest[record["dead_letter_id"]] = record
            remaining = {tp for tp in remaining if consumer.position(tp) < ends[tp]}
        return [r for r in latest.values() if matches(r, source=source, kind=kind)]
    finally:
        if own:
            consumer.close()


@dataclass
class ReplayReport:
    letters: int = 0
    replayed: int = 0
    still_invalid: int = 0


def replay_dead_letters(
    settings: Settings,
    *,
    source: str | None = None,
    kind: str | None = None,
    fix: Any = None,
    ids: set[str] | None = None,
    dry_run: bool = False,
    producer: Any = None,
    clock: Any = lambda: datetime.now(UTC),
) -> ReplayReport:
    """Re-validate matching dead letters; valid -> raw topic, invalid -> dead-letter topic (replay_count + 1)."""
    from producers.collector.ingest import touchpoints_from
    from producers.collector.publisher import Publisher

    report = ReplayReport()
    records = [
        r for r in read_dead_letters(settings, source=source, kind=kind) if not ids or r["dead_letter_id"] in ids
    ]
    now = clock()
    events: list[dict[str, Any]] = []
    dead: list[dict[str, Any]] = []

    def to_touchpoints(payload: Any, record_source: str) -> Any:
        endpoint = "touchpoints"
        if isinstance(payload, dict) and payload.get("type") in {
            "track",
            "identify",
            "alias",
            "page",
            "screen",
            "group",
        }:
            endpoint = str(payload["type"])
        channel = settings.collector.source_channels.get(record_source, "other")
        items = touchpoints_from(
            endpoint, payload, source=record_source, default_channel=channel, now=now, max_batch=10**6
        )
        return (raw for _original, raw in items)

    for record in records:
        report.letters += 1
        for outcome in replay_one(
            record, to_touchpoints=to_touchpoints, validate=validate_touchpoint, fix=fix, now=now
        ):
            if outcome.event is not None:
                events.append(outcome.event)
                report.replayed += 1
            elif outcome.dead is not None:
                dead.append(outcome.dead)
                report.still_invalid += 1
    if dry_run or not (events or dead):
        return report
    publisher = Publisher(settings, producer=producer)
    try:
        by_source: dict[str, list[dict[str, Any]]] = {}
        for letter in dead:
            by_source.setdefault(letter["source"], []).append(letter)
        publisher.publish_blocking(events, [], source="replay")
        for letter_source, letters in by_source.items():
            publisher.publish_blocking([], letters, source=letter_source)
    finally:
        publisher.close()
    return report

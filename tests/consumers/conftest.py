"""Helpers of the stitcher's broker tests: produce touchpoints, read what the stitcher wrote."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

import pytest

from journeys.settings import Settings, StitcherSettings
from producers.keys import identity_key
from schemas.serde import Serde

NOW_MS = int(datetime.now(UTC).timestamp() * 1000)


def event(t_s: float, event_type: str = "page_view", channel: str = "web", **fields: Any) -> dict[str, Any]:
    """A TouchpointEvent dict ``t_s`` seconds after a fixed recent instant."""
    t = NOW_MS - 3_600_000 + int(t_s * 1000)
    return {
        "event_id": fields.pop("event_id", None) or str(uuid.uuid4()),
        "event_time": t,
        "received_time": t,
        "source": "test",
        "channel": channel,
        "event_type": event_type,
        **fields,
    }


def produce(settings: Settings, events: Iterable[dict[str, Any]], *, raw: list[tuple[bytes, bytes]] = ()) -> int:  # type: ignore[assignment]
    from kafka import KafkaProducer

    codec = Serde(settings.serde).codec("TouchpointEvent")
    producer = KafkaProducer(**settings.kafka.client_config(), acks="all", linger_ms=5)
    topic = settings.topics.name(settings.topics.raw)
    n = 0
    for e in events:
        producer.send(topic, key=identity_key(e), value=codec.encode(e))
        n += 1
    for key, value in raw:
        producer.send(topic, key=key, value=value)
    producer.flush()
    producer.close()
    return n


def read_topic(settings: Settings, name: str, codec_name: str, *, timeout_s: float = 90.0) -> list[dict[str, Any]]:
    """Every committed record of a pipeline topic, decoded, in partition order.

    Reads each partition up to its high watermark, not until a quiet moment: the markers of a
    transaction that just committed reach the partitions a little after the commit returns,
    and a reader that stopped after a silence (it used to) could miss them. A transaction
    still open after ``timeout_s`` (a zombie nobody aborted) fails the test by name.
    """
    from kafka import KafkaConsumer, TopicPartition

    codec = Serde(settings.serde, plain_timestamps=True).codec(codec_name)
    topic = settings.topics.name(name)
    ends_reader = KafkaConsumer(**settings.kafka.client_config(), group_id=None)  # read_uncommitted: the HW
    consumer = KafkaConsumer(**settings.kafka.client_config(), group_id=None, isolation_level="read_committed")
    try:
        partitions = [TopicPartition(topic, p) for p in sorted(ends_reader.partitions_for_topic(topic) or ())]
        ends = ends_reader.end_offsets(partitions)
        consumer.assign(partitions)
        consumer.seek_to_beginning(*partitions)
        values: dict[Any, list[bytes]] = {tp: [] for tp in partitions}
        deadline = time.monotonic() + timeout_s
        while any(consumer.position(tp) < ends[tp] for tp in partitions):
            if time.monotonic() > deadline:
                stuck = [
                    f"{tp.partition}: {consumer.position(tp)} < {ends[tp]}"
                    for tp in partitions
                    if consumer.position(tp) < ends[tp]
                ]
                raise AssertionError(f"{topic}: an open transaction holds partitions {stuck} after {timeout_s} s")
            for tp, messages in consumer.poll(timeout_ms=200).items():
                values[tp].extend(m.value for m in messages)
        return [codec.decode(v) for tp in partitions for v in values[tp]]
    finally:
        consumer.close()
        ends_reader.close()


def read_stitched(settings: Settings) -> list[dict[str, Any]]:
    """Every committed stitched touchpoint, out of its StitchedBatch messages, in topic order."""
    return [
        s for batch in read_topic(settings, settings.topics.stitched, "StitchedBatch") for s in batch["touchpoints"]
    ]


def latest_journeys(settings: Settings) -> dict[str, dict[str, Any]]:
    latest: dict[str, dict[str, Any]] = {}
    for record in read_topic(settings, settings.topics.journeys, "Journey"):
        seen = latest.get(record["journey_id"])
        if seen is None or record["version"] > seen["version"]:
            latest[record["journey_id"]] = record
    return latest


def live(journeys: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    return [j for j in journeys.values() if j["status"] != "merged"]


@pytest.fixture
def stitch_settings(pipeline_settings: Settings, unique_group: str) -> Callable[..., Settings]:
    """``stitch_settings(inactivity_gap_s=5)``: the test's topics, its own group, stitcher overrides."""

    def make(**overrides: Any) -> Settings:
        stitcher = StitcherSettings(group_id=unique_group, commit_interval_ms=100, status_interval_s=2.0, **overrides)
        return pipeline_settings.model_copy(update={"stitcher": stitcher})

    return make

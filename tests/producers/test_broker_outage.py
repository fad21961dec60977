"""A throw-away second broker goes down and comes back: nothing accepted is lost.

Never touches the shared broker on 9092: this test starts its own on a free port.
"""

from __future__ import annotations

import base64
import socket
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from journeys.settings import CollectorSettings, KafkaSettings, ProducerSettings, Settings, TopicSettings
from journeys.stack import LocalKafka
from journeys.topics import create_topics, pipeline_topics
from producers import DeliveryError, Tracker
from producers.contract import decode_touchpoint

pytestmark = [pytest.mark.kafka, pytest.mark.slow]


def _two_free_ports() -> int:
    """A port p with p+1 free too (the KRaft controller listens on broker port + 1)."""
    for _ in range(50):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = int(s.getsockname()[1])
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port + 1))
            except OSError:
                continue
        return port
    raise RuntimeError("no two adjacent free ports")


def test_events_buffered_while_the_broker_is_down_arrive_when_it_is_back(
    tmp_path: Path, serve_collector: Callable[..., Any], read_topic: Callable[..., list[Any]]
) -> None:
    kafka = KafkaSettings(bootstrap_servers=f"127.0.0.1:{_two_free_ports()}", request_timeout_ms=5000)
    settings = Settings(
        data_dir=tmp_path / "data",
        kafka=kafka,
        topics=TopicSettings(prefix=f"outage.{uuid.uuid4().hex[:6]}.", raw_partitions=2),
        producer=ProducerSettings(max_block_ms=3000, delivery_timeout_ms=180_000),
        collector=CollectorSettings(write_keys={"wk": "shop"}, ack_timeout_ms=2000, retry_after_s=1),
    )
    broker = LocalKafka(settings)
    broker.up()
    try:
        create_topics(kafka, pipeline_topics(settings.topics))
        tracker = Tracker(settings, close_at_exit=False)
        before = [tracker.track("click", channel="web", anonymous_id=f"a-{i}") for i in range(20)]
        tracker.flush()
        collector = serve_collector(settings)

        broker.down()
        during = [tracker.track("click", channel="web", anonymous_id=f"a-{i}") for i in range(20)]  # buffered
        with pytest.raises(DeliveryError):
            tracker.flush(timeout=2)
        auth = {"Authorization": "Basic " + base64.b64encode(b"wk:").decode()}
        call = {"messageId": str(uuid.uuid4()), "anonymousId": "a-http", "event": "click"}
        down = httpx.post(f"{collector.url}/v1/track", json=call, headers=auth, timeout=30)
        assert down.status_code == 503 and down.headers["Retry-After"] == "1"

        broker.up()
        tracker.flush(timeout=120)  # every buffered event is acknowledged now
        tracker.close()
        for _attempt in range(60):  # what a Segment client does: retry after Retry-After
            retried = httpx.post(f"{collector.url}/v1/track", json=call, headers=auth, timeout=60)
            if retried.status_code != 503:
                break
            time.sleep(int(retried.headers["Retry-After"]))
        assert retried.status_code == 200, retried.text

        messages = read_topic(settings, settings.topics.name(settings.topics.raw), 41, timeout_s=60)
        ids = {decode_touchpoint(m.value)["event_id"] for m in messages}
        assert set(before) | set(during) | {call["messageId"]} <= ids
    finally:
        broker.down()

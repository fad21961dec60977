"""Fixtures for ingestion tests: a collector served by uvicorn in a thread, and a raw-topic reader."""

from __future__ import annotations

import socket
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from journeys.settings import Settings

# pytest puts tests/ on sys.path (rootdir conftest, no __init__.py), where the folder
# tests/producers would shadow the real `producers` package as a namespace package. Put the
# repository first. (A `pythonpath = ["."]` in [tool.pytest.ini_options] would do the same.)
_ROOT = str(Path(__file__).resolve().parents[2])
if sys.path[:1] != [_ROOT]:
    sys.path.insert(0, _ROOT)
for _name in [m for m in sys.modules if m == "producers" or m.startswith("producers.")]:
    if getattr(sys.modules[_name], "__file__", None) is None:
        del sys.modules[_name]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class RunningCollector:
    def __init__(self, app: Any) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> RunningCollector:
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the collector did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(30)


@pytest.fixture
def serve_collector() -> Iterator[Callable[..., RunningCollector]]:
    """``serve_collector(settings)`` -> a started collector (stopped after the test)."""
    running: list[RunningCollector] = []

    def start(settings: Settings, **kwargs: Any) -> RunningCollector:
        from producers.collector.app import create_app

        collector = RunningCollector(create_app(settings, **kwargs)).__enter__()
        running.append(collector)
        return collector

    yield start
    for collector in running:
        collector.__exit__()


def read_topic(settings: Settings, topic: str, expected: int, *, timeout_s: float = 30) -> list[Any]:
    """Every message of ``topic`` (read_committed), waiting until ``expected`` arrived."""
    from kafka import KafkaConsumer, TopicPartition

    consumer = KafkaConsumer(**settings.kafka.client_config(), group_id=None, enable_auto_commit=False)
    try:
        partitions = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or ())]
        consumer.assign(partitions)
        consumer.seek_to_beginning(*partitions)
        out: list[Any] = []
        deadline = time.monotonic() + timeout_s
        while len(out) < expected and time.monotonic() < deadline:
            for messages in consumer.poll(timeout_ms=300).values():
                out.extend(messages)
        # anything beyond `expected` would be a duplicate or a stray: read a little more to see it
        for messages in consumer.poll(timeout_ms=300).values():
            out.extend(messages)
        return out
    finally:
        consumer.close()


@pytest.fixture(name="read_topic")
def read_topic_fixture() -> Callable[..., list[Any]]:
    """``read_topic(settings, topic, expected)`` -> the topic's messages."""
    return read_topic


@pytest.fixture
def unused_port() -> int:
    """A loopback port where nothing listens (a broker that is down)."""
    return free_port()

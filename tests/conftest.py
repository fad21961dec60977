"""Session-wide fixtures: one real Kafka broker per test session, unique topics per test.

The broker fixture reuses a broker that already answers at
``JOURNEYS_KAFKA_BOOTSTRAP_SERVERS`` (default 127.0.0.1:9092) and otherwise
starts the local one with ``journeys stack up`` into a folder of this session,
stopping at the end only what it started.
"""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from journeys.settings import KafkaSettings, Settings, TopicSettings
from journeys.stack import LocalKafka, kafka_answers
from journeys.topics import TopicSpec, admin_client, create_topics, pipeline_topics


@pytest.fixture(scope="session")
def broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[KafkaSettings]:
    """A real broker for the whole session: reused when up, else started (and stopped) here."""
    kafka = KafkaSettings()
    host, _, port = kafka.servers[0].rpartition(":")
    if kafka_answers(host, int(port)):
        yield kafka
        return
    data_dir = Path(os.environ.get("JOURNEYS_TEST_DATA_DIR") or tmp_path_factory.mktemp("stack"))
    local = LocalKafka(Settings(data_dir=data_dir, kafka=kafka))
    status = local.up()
    try:
        yield kafka
    finally:
        if status.managed:
            local.down()


@pytest.fixture(scope="session")
def admin(broker: KafkaSettings) -> Iterator[object]:
    client = admin_client(broker)
    yield client
    client.close()


def _slug(request: pytest.FixtureRequest) -> str:
    name = re.sub(r"[^a-zA-Z0-9]+", "-", request.node.name).strip("-")[:40]
    return f"{name}-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def topic_factory(broker: KafkaSettings, admin: object, request: pytest.FixtureRequest) -> Iterator[Callable[..., str]]:
    """Make topics unique to this test: ``topic_factory("raw", partitions=4)`` returns the name."""
    made: list[str] = []
    slug = _slug(request)

    def make(suffix: str = "t", *, partitions: int = 1, config: dict[str, str] | None = None) -> str:
        name = f"test.{slug}.{suffix}"
        create_topics(broker, [TopicSpec(name, partitions, "test", config or {})], admin=admin)
        made.append(name)
        return name

    yield make
    if made:
        admin.delete_topics(made, raise_errors=False)  # type: ignore[attr-defined]


@pytest.fixture
def unique_group(request: pytest.FixtureRequest) -> str:
    """A consumer group id nobody else uses."""
    return f"test.{_slug(request)}"


@pytest.fixture
def pipeline_settings(
    broker: KafkaSettings, admin: object, request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[Settings]:
    """Settings whose every pipeline topic is unique to this test (and created), with a temp data dir."""
    prefix = f"test.{_slug(request)}."
    topics = TopicSettings(prefix=prefix, raw_partitions=4, partitions=4)
    settings = Settings(data_dir=tmp_path / "data", kafka=broker, topics=topics)
    specs = pipeline_topics(topics)
    create_topics(broker, specs, admin=admin)
    yield settings
    admin.delete_topics([s.name for s in specs], raise_errors=False)  # type: ignore[attr-defined]


@pytest.fixture(scope="session")
def prefect_harness(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Real Prefect flow runs against a throw-away local database (once per session: ~15 s)."""
    os.environ["PREFECT_HOME"] = str(tmp_path_factory.mktemp("prefect-home"))
    from prefect.testing.utilities import prefect_test_harness

    # Its server starts in a subprocess that imports all of Prefect: 6-12 s here, more on a loaded
    # 2-core machine; the default 30 s limit was hit once.
    with prefect_test_harness(server_startup_timeout=180):
        yield

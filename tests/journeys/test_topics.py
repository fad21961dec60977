"""`journeys topics create` makes every pipeline topic, idempotently, with its layout."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from journeys.settings import KafkaSettings, TopicSettings
from journeys.topics import create_topics, pipeline_topics


@pytest.fixture
def topics(request: pytest.FixtureRequest, admin: object) -> Iterator[TopicSettings]:
    settings = TopicSettings(prefix=f"test.topics-{id(request)}.", raw_partitions=6)
    yield settings
    admin.delete_topics([s.name for s in pipeline_topics(settings)], raise_errors=False)  # type: ignore[attr-defined]


def test_create_is_idempotent_and_sets_partitions_and_compaction(
    broker: KafkaSettings, admin: object, topics: TopicSettings
) -> None:
    specs = pipeline_topics(topics)
    first = create_topics(broker, specs)
    second = create_topics(broker, specs)
    assert set(first.values()) == {"created"}
    assert set(second.values()) == {"exists"}

    described = {t["name"]: t for t in admin.describe_topics([s.name for s in specs])}  # type: ignore[attr-defined]
    assert len(described[topics.name(topics.raw)]["partitions"]) == 6
    from kafka.admin import ConfigResource, ConfigResourceType

    resource = ConfigResource(ConfigResourceType.TOPIC, topics.name(topics.identity))
    configs = admin.describe_configs([resource])  # type: ignore[attr-defined]
    assert configs["topic"][topics.name(topics.identity)]["cleanup.policy"]["value"] == "compact"

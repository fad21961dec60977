"""End to end on real components: simulate -> stitch -> load, friction, scores -> evaluate.

The simulation replays 30 days of event time in seconds. The raw topic has one partition
here, so the stitcher reads the stream in the order the simulator sent it (event-time
order, with its deliberate disorder); with the default allowed lateness every journey must
come back whole, every injected friction be found and every person be one customer.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from journeys.settings import KafkaSettings, Settings, StitcherSettings, TopicSettings
from journeys.topics import create_topics, pipeline_topics
from producers.simulator.evaluate import evaluate_warehouse
from producers.simulator.run import simulate

pytestmark = [pytest.mark.kafka, pytest.mark.slow]


@pytest.fixture
def ordered_settings(broker: KafkaSettings, admin: object, unique_group: str, tmp_path: Path) -> Iterator[Settings]:
    """Pipeline topics of this test, the raw one with a single partition."""
    topics = TopicSettings(prefix=f"{unique_group}.", raw_partitions=1, partitions=4)
    specs = pipeline_topics(topics)
    create_topics(broker, specs, admin=admin)
    yield Settings(
        data_dir=tmp_path / "data", kafka=broker, topics=topics, stitcher=StitcherSettings(group_id=unique_group)
    )
    admin.delete_topics([s.name for s in specs], raise_errors=False)  # type: ignore[attr-defined]


def test_pipeline_recovers_the_injected_friction_and_identities(
    ordered_settings: Settings, prefect_harness: None, tmp_path: Path
) -> None:
    from consumers.api import run as stitch
    from flows.pipeline import pipeline

    settings = ordered_settings
    truth = tmp_path / "truth.json"
    simulate(settings, customers=150, seed=21, friction_rate=0.2, truth=truth, progress=False)
    stitch(settings, until_idle_s=3.0)
    pipeline(settings, checks=False)
    result = evaluate_warehouse(settings.duckdb_path, truth)
    assert result["journeys"]["intact"] == 1.0
    assert result["stitching"]["accuracy"] == 1.0 and result["stitching"]["wrong_merges"] == 0
    missed = {rule: m for rule, m in result["friction"].items() if m["precision"] < 1 or m["recall"] < 1}
    assert missed == {}
    assert sum(m["injected"] for m in result["friction"].values()) > 50
    assert result["ingestion"]["invalid_dead_lettered"] == result["ingestion"]["invalid_sent"] > 0
    assert result["ingestion"]["late_flagged"] <= result["ingestion"]["late_sent"]
    assert result["passed"]

"""End to end on real components: simulate -> stitch -> load, friction, scores -> evaluate.

The simulation replays 30 days of event time in seconds; the stitcher's allowed lateness
is widened to cover that replay (see docs/simulator.md), so every journey must come back
whole and every injected friction found.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from journeys.settings import Settings, StitcherSettings
from producers.simulator.evaluate import evaluate_warehouse
from producers.simulator.run import simulate

pytestmark = [pytest.mark.kafka, pytest.mark.slow]


def test_pipeline_recovers_the_injected_friction_and_identities(
    pipeline_settings: Settings, unique_group: str, prefect_harness: None, tmp_path: Path
) -> None:
    from consumers.api import run as stitch
    from flows.pipeline import pipeline

    settings = pipeline_settings.model_copy(
        update={"stitcher": StitcherSettings(group_id=unique_group, allowed_lateness_s=31 * 24 * 3600)}
    )
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
    assert result["passed"]

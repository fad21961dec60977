"""`journeys demo`, the README's main command, end to end as a user runs it (small population)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from journeys.settings import KafkaSettings

pytestmark = [pytest.mark.kafka, pytest.mark.slow]


def test_demo_runs_the_whole_pipeline_and_writes_warehouse_evaluation_and_report(
    broker: KafkaSettings, tmp_path: Path
) -> None:
    env = {
        **os.environ,
        "JOURNEYS_DATA_DIR": str(tmp_path / "data"),
        "JOURNEYS_TOPIC_PREFIX": f"test.demo-{uuid.uuid4().hex[:8]}.",
        "JOURNEYS_STITCHER_GROUP_ID": f"test.demo-{uuid.uuid4().hex[:8]}",
        "JOURNEYS_TOPIC_RAW_PARTITIONS": "4",
        "JOURNEYS_TOPIC_PARTITIONS": "4",
        "PREFECT_HOME": str(tmp_path / "prefect"),
    }
    command = [sys.executable, "-m", "journeys.cli", "demo", "--customers", "150", "--seed", "3"]
    result = subprocess.run(command, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=600, check=False)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    data = tmp_path / "data"
    for name in ("journeys.duckdb", "report.html", "evaluation.json", "ground_truth.json"):
        assert (data / name).exists(), name
    evaluation = json.loads((data / "evaluation.json").read_text())
    assert evaluation["stitching"]["people"] == 150
    assert "journeys sql" in result.stdout
    assert str(data / "report.html") in result.stdout.replace("\n", "")

"""docker-compose.yml gives Docker users the same stack as `journeys stack up`."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from journeys.settings import StackSettings

COMPOSE = Path(__file__).resolve().parents[2] / "docker-compose.yml"


def test_compose_runs_the_same_kafka_version_in_kraft_mode_and_a_prefect_server() -> None:
    spec = yaml.safe_load(COMPOSE.read_text())
    kafka = spec["services"]["kafka"]
    assert kafka["image"] == f"apache/kafka:{StackSettings().kafka_version}"
    assert kafka["environment"]["KAFKA_PROCESS_ROLES"] == "broker,controller"
    assert "9092:9092" in kafka["ports"]
    # the image keeps its data in /tmp unless told otherwise: the volume must be where the logs go
    data_volume = next(v for v in kafka["volumes"] if v.startswith("kafka-data:"))
    assert kafka["environment"]["KAFKA_LOG_DIRS"] == data_volume.split(":", 1)[1]
    assert spec["services"]["prefect"]["image"].startswith("prefecthq/prefect:3.8.")


@pytest.mark.skipif(
    shutil.which("docker") is None
    or subprocess.run(["docker", "compose", "version"], capture_output=True, check=False).returncode != 0,
    reason="the docker compose client is not installed",
)
def test_docker_compose_config_accepts_the_file() -> None:
    result = subprocess.run(
        ["docker", "compose", "-f", str(COMPOSE), "config", "--quiet"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr

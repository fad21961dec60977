"""`journeys stitch status`: the group's lag from Kafka and each instance's state, against the real broker."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
import pytest
from typer.testing import CliRunner

from consumers.runner import Stitcher
from consumers.status import describe
from journeys.cli import app
from journeys.settings import Settings
from tests.consumers.conftest import event, produce


def _status(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    for name, value in {
        "JOURNEYS_DATA_DIR": str(settings.data_dir),
        "JOURNEYS_TOPIC_PREFIX": settings.topics.prefix,
        "JOURNEYS_TOPIC_RAW_PARTITIONS": str(settings.topics.raw_partitions),
        "JOURNEYS_TOPIC_PARTITIONS": str(settings.topics.partitions),
        "JOURNEYS_STITCHER_GROUP_ID": settings.stitcher.group_id,
    }.items():
        monkeypatch.setenv(name, value)
    result = CliRunner().invoke(app, ["stitch", "status", "--json"])
    assert result.exit_code == 0, result.output
    return orjson.loads(result.output)


def test_status_shows_a_running_instance_at_once_then_stopped_with_no_lag(
    stitch_settings: Callable[..., Settings], monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = stitch_settings()
    # a long interval: the first report must not wait for it
    settings = settings.model_copy(
        update={"stitcher": settings.stitcher.model_copy(update={"status_interval_s": 30.0})}
    )
    events = [event(i, anonymous_id=f"a-{i % 5}") for i in range(40)]
    produce(settings, events)
    stitcher = Stitcher(settings, until_idle_s=8.0)  # running long enough to be seen running
    worker = threading.Thread(target=stitcher.run)
    worker.start()
    try:
        deadline = time.monotonic() + 30
        while not list((settings.data_dir / "stitcher").glob("*.json")) and time.monotonic() < deadline:
            time.sleep(0.2)
        (running,) = _status(settings, monkeypatch)["instances"]
        assert running["now"] == "running" and running["state"] == "running"
    finally:
        worker.join(60)

    shown = _status(settings, monkeypatch)
    (stopped,) = shown["instances"]
    assert stopped["now"] == "stopped" and stopped["stats"]["consumed"] == len(events)
    raw = [row for row in shown["lag"] if row["topic"].endswith("touchpoints.raw")]
    assert len(raw) == 4 and sum(row["end"] for row in raw) == len(events)
    assert all(row["lag"] == 0 and row["committed"] == row["end"] for row in raw)

    table = CliRunner().invoke(app, ["stitch", "status"])
    assert table.exit_code == 0 and "instance 0: stopped" in table.output


def test_describe_tells_running_stopped_gone_and_silent() -> None:
    now = datetime.now(UTC)
    ended = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, check=True)
    dead_pid = int(ended.stdout)
    report = {"state": "running", "host": "here", "pid": 1, "updated": now.isoformat(), "status_interval_s": 10.0}
    assert describe(report, now, host="here") == "running"  # pid 1 always exists
    assert describe({**report, "state": "stopped"}, now, host="here") == "stopped"
    assert describe({**report, "pid": dead_pid}, now, host="here").startswith("gone")
    assert describe({**report, "pid": dead_pid}, now, host="elsewhere") == "running"  # cannot see its pid
    later = now + timedelta(seconds=45)
    assert describe(report, later, host="elsewhere") == "silent for 45 s"

"""Kill a real `journeys flows run` process mid-load (SIGKILL), run again: the same tables as one clean load.

The subprocess runs the `flows` commands (flows.cli) against the session's Prefect test
server, with tiny batches; the test kills it after a few committed batches, either in the
pause between two batches or at a random point (mid-transaction, most of the time).
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import IO, Any

import pytest
from loader_records import T0, journey, link, produce, stitched

from flows.load import load
from journeys.settings import Settings
from warehouse.db import connect

pytestmark = [pytest.mark.kafka, pytest.mark.slow, pytest.mark.usefixtures("prefect_harness")]

# Every table the loader writes, with the columns that do not depend on when it ran.
_TABLES = {
    "touchpoints": "* exclude (loaded_at)",
    "journeys": "* exclude (loaded_at)",
    "journey_versions": "* exclude (loaded_at)",
    "journey_touchpoints": "*",
    "identity_links": "* exclude (loaded_at)",
    "identities": "*",
    "failed_events": "* exclude (loaded_at)",
    "load_state": "topic, partition, next_offset",
    "journey_changes": "journey_id",
}


def _fill(settings: Settings) -> None:
    """~1,600 records over every topic: journeys re-versioned, a merge, a refusal, a bad record."""
    events = [f"e{i:04d}" for i in range(1000)]
    produce(
        settings,
        "stitched",
        [stitched(e, customer=f"c{i // 50}", journey_id=f"j{i // 10}") for i, e in enumerate(events)],
    )
    versions = [
        journey(
            f"j{k}",
            events[k * 10 : k * 10 + 10 - v],
            customer=f"c{k // 5}",
            version=3 - v,
            status="closed" if v == 0 else "open",
            identifiers=[("anonymous_id", f"anon-{k // 5}")],
        )
        for v in (2, 1, 0)
        for k in range(100)
    ]
    produce(settings, "journeys", versions)
    produce(
        settings,
        "identity",
        [
            link(("customer_id", "c-merged"), ("anonymous_id", "anon-3"), canonical="c-merged", at=T0),
            link(("customer_id", "c-other"), ("anonymous_id", "anon-4"), kind="refused", reason="too many links"),
        ],
    )
    produce(settings, "stitched", [b"\xc3\x01truncated"])


def _snapshot(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    con = connect(path)
    try:
        return {
            table: con.execute(f"select {cols} from {table} order by all").fetchall() for table, cols in _TABLES.items()
        }
    finally:
        con.close()


def _env(settings: Settings) -> dict[str, str]:
    from prefect.settings import get_current_settings

    return os.environ | {
        "JOURNEYS_KAFKA_BOOTSTRAP_SERVERS": settings.kafka.bootstrap_servers,
        "JOURNEYS_TOPIC_PREFIX": settings.topics.prefix,
        "JOURNEYS_TOPIC_PARTITIONS": str(settings.topics.partitions),
        "JOURNEYS_DATA_DIR": str(settings.data_dir),
        "JOURNEYS_FLOWS_BATCH_MAX_RECORDS": "100",
        "PREFECT_API_URL": str(get_current_settings().api.url),
    }


def _wait_for(stream: IO[str], text: str, timeout_s: float = 120) -> list[str]:
    seen = []
    deadline = time.monotonic() + timeout_s
    for line in stream:
        seen.append(line)
        if text in line:
            return seen
        if time.monotonic() > deadline:
            break
    raise AssertionError(f"the flow never logged `{text}`:\n{''.join(seen[-30:])}")


@pytest.mark.parametrize("kill_at", ["between batches", "at a random point"])
def test_a_run_killed_mid_load_and_run_again_ends_with_the_same_tables(
    pipeline_settings: Settings, tmp_path: Path, kill_at: str
) -> None:
    _fill(pipeline_settings)
    env = _env(pipeline_settings)
    env["JOURNEYS_FLOWS_PAUSE_BETWEEN_BATCHES_S"] = "1.0" if kill_at == "between batches" else "0"
    command = [sys.executable, "-c", "from flows.cli import flows_app; flows_app(['run', '--no-checks'])"]
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        assert process.stdout is not None
        _wait_for(process.stdout, "batch 3 committed")
        time.sleep(0.3 if kill_at == "between batches" else random.uniform(0, 0.2))
        process.send_signal(signal.SIGKILL)
    finally:
        process.wait(timeout=60)
        if process.stdout:
            process.stdout.close()
    assert process.returncode == -signal.SIGKILL

    con = connect(pipeline_settings.duckdb_path)
    try:
        partial = con.execute("select count(*) from load_state").fetchone()
        report = load(con, pipeline_settings)
    finally:
        con.close()
    assert partial is not None and partial[0] > 0, "the killed run committed nothing; the test proves nothing"
    assert report.caught_up

    reference = pipeline_settings.model_copy(update={"data_dir": tmp_path / "reference"})
    con = connect(reference.duckdb_path)
    try:
        load(con, reference)
    finally:
        con.close()
    assert _snapshot(pipeline_settings.duckdb_path) == _snapshot(reference.duckdb_path)

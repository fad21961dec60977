"""The parent flow `journeys-pipeline` as real Prefect flow runs against the broker and a DuckDB file."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from loader_records import journey, produce, stitched

from flows.pipeline import PIPELINE_NAME, optional_step, pipeline
from flows.quality import DataQualityError
from journeys.settings import Settings
from warehouse.db import connect

pytestmark = [pytest.mark.kafka, pytest.mark.usefixtures("prefect_harness")]


def _with_checks(settings: Settings, path: Path, freshness_fail: float) -> Settings:
    path.write_text(f"checks:\n  freshness:\n    description: age\n    fail_above: {freshness_fail}\n")
    flows = settings.flows.model_copy(update={"quality_path": path, "retries": 0})
    return settings.model_copy(update={"flows": flows})


def _fill(settings: Settings, at: datetime) -> None:
    events = [f"e{i}" for i in range(40)]
    produce(settings, "stitched", [stitched(e, journey_id=f"j{i // 4}", at=at) for i, e in enumerate(events)])
    produce(settings, "journeys", [journey(f"j{k}", events[k * 4 : k * 4 + 4], start=at) for k in range(10)])


def test_the_pipeline_loads_reworks_changed_journeys_and_checks(pipeline_settings: Settings, tmp_path: Path) -> None:
    settings = _with_checks(pipeline_settings, tmp_path / "checks.yaml", 60)
    _fill(settings, datetime.now(UTC).replace(microsecond=0))
    summary = pipeline(settings)
    assert summary["load"]["touchpoints"] == 40
    assert summary["load"]["journeys_changed"] == 10
    assert summary["quality"] == {"freshness": "pass"}
    both = optional_step("flows.friction", "flag_friction") and optional_step("flows.scoring", "score_journeys")
    con = connect(settings.duckdb_path)
    try:
        pending = con.execute("select count(*) from journey_changes").fetchone()
        stored = con.execute("select check_name, status from dq_results").fetchall()
    finally:
        con.close()
    assert pending == ((0,) if both else (10,))
    assert stored == [("freshness", "pass")]

    again = pipeline(settings)
    assert again["load"]["batches"] == 0
    assert (again["friction"], again["scores"]) == ({}, 0)  # nothing changed: nothing reworked

    everything = pipeline(settings, rework_all=True)
    if both:
        assert everything["scores"] == 10


def test_a_failed_check_fails_the_flow_run_after_the_load_committed(
    pipeline_settings: Settings, tmp_path: Path
) -> None:
    settings = _with_checks(pipeline_settings, tmp_path / "checks.yaml", 60)
    _fill(settings, datetime(2025, 3, 1, tzinfo=UTC))
    state = pipeline(settings, return_state=True)
    assert state.is_failed()
    with pytest.raises(DataQualityError, match="freshness"):
        state.result()
    con = connect(settings.duckdb_path)
    try:
        assert con.execute("select count(*) from touchpoints").fetchone() == (40,)
    finally:
        con.close()


def test_the_flow_has_the_documented_name() -> None:
    assert pipeline.name == PIPELINE_NAME == "journeys-pipeline"


def test_the_served_deployment_runs_one_at_a_time_on_the_configured_interval(pipeline_settings: Settings) -> None:
    from flows.pipeline import pipeline_deployment

    deployment = pipeline_deployment(pipeline_settings)
    assert deployment.name == "journeys-pipeline"
    assert deployment.concurrency_limit == 1
    (schedule,) = deployment.schedules
    assert schedule.schedule.interval.total_seconds() == pipeline_settings.flows.schedule_interval_s
    by_cron = pipeline_deployment(pipeline_settings, cron="*/5 * * * *")
    assert by_cron.schedules[0].schedule.cron == "*/5 * * * *"


def test_an_unreachable_broker_fails_the_run_with_what_to_do(pipeline_settings: Settings, tmp_path: Path) -> None:
    from journeys.errors import TransientError
    from journeys.settings import KafkaSettings

    settings = _with_checks(pipeline_settings, tmp_path / "checks.yaml", 60)
    flows = settings.flows.model_copy(update={"retries": 1, "retry_delay_s": 0})
    settings = settings.model_copy(update={"kafka": KafkaSettings(bootstrap_servers="127.0.0.1:1"), "flows": flows})
    with pytest.raises(TransientError, match=r"no Kafka broker answers at 127\.0\.0\.1:1"):
        pipeline(settings)


def test_journeys_flows_run_loads_and_prints_a_summary(
    pipeline_settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from flows.cli import flows_app

    _fill(pipeline_settings, datetime.now(UTC).replace(microsecond=0))
    checks = tmp_path / "checks.yaml"
    checks.write_text("checks:\n  freshness:\n    description: age\n    fail_above: 60\n")
    for name, value in {
        "JOURNEYS_KAFKA_BOOTSTRAP_SERVERS": pipeline_settings.kafka.bootstrap_servers,
        "JOURNEYS_TOPIC_PREFIX": pipeline_settings.topics.prefix,
        "JOURNEYS_TOPIC_PARTITIONS": str(pipeline_settings.topics.partitions),
        "JOURNEYS_DATA_DIR": str(pipeline_settings.data_dir),
        "JOURNEYS_FLOWS_QUALITY_PATH": str(checks),
    }.items():
        monkeypatch.setenv(name, value)
    result = CliRunner().invoke(flows_app, ["run"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "journeys-pipeline" in result.output and "touchpoints 40" in result.output


def test_a_reversioned_journey_and_an_identity_merge_reach_the_warehouse(
    pipeline_settings: Settings, tmp_path: Path
) -> None:
    from loader_records import link

    settings = _with_checks(pipeline_settings, tmp_path / "checks.yaml", 60)
    now = datetime.now(UTC).replace(microsecond=0)
    anon = [("anonymous_id", "anon-7")]
    produce(settings, "stitched", [stitched(e, customer="anon-c", journey_id="j-old", at=now) for e in ("e1", "e2")])
    produce(settings, "stitched", [stitched("e3", customer="anon-c", journey_id="j-open", at=now)])
    produce(
        settings,
        "journeys",
        [
            journey("j-old", ["e1", "e2"], customer="anon-c", identifiers=anon, start=now),
            journey("j-open", ["e3"], customer="anon-c", status="open", identifiers=anon, start=now),
        ],
    )
    pipeline(settings)

    # the customer logs in: the stitcher merges the identities and re-emits the open journey
    produce(settings, "identity", [link(("customer_id", "c-7"), ("anonymous_id", "anon-7"), canonical="c-7")])
    produce(settings, "stitched", [stitched("e4", customer="c-7", journey_id="j-open", at=now)])
    produce(
        settings,
        "journeys",
        [
            journey(
                "j-open",
                ["e3", "e4"],
                customer="c-7",
                version=2,
                identifiers=[*anon, ("customer_id", "c-7")],
                start=now,
            )
        ],
    )
    summary = pipeline(settings)
    assert summary["load"]["reattributed"] == 1

    con = connect(settings.duckdb_path)
    try:
        journeys = con.execute("select journey_id, customer_id, version, touchpoint_count from journeys order by 1")
        assert journeys.fetchall() == [("j-old", "c-7", 1, 2), ("j-open", "c-7", 2, 2)]
        assert con.execute("select distinct customer_id from touchpoints").fetchall() == [("c-7",)]
        assert con.execute("select count(*) from journey_versions").fetchone() == (3,)
    finally:
        con.close()


def _hold(path: Path, seconds: float) -> subprocess.Popen[str]:
    """Another process holding the warehouse open (as an analyst's `journeys sql` would)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    code = f"import duckdb, time; c = duckdb.connect({str(path)!r}); print('open', flush=True); time.sleep({seconds})"
    holder = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    assert holder.stdout is not None and holder.stdout.readline().strip() == "open"
    return holder


def test_a_run_waits_for_a_warehouse_held_by_another_process(pipeline_settings: Settings, tmp_path: Path) -> None:
    settings = _with_checks(pipeline_settings, tmp_path / "checks.yaml", 60)
    settings = settings.model_copy(update={"flows": settings.flows.model_copy(update={"lock_wait_s": 60})})
    holder = _hold(settings.duckdb_path, 2)
    try:
        summary = pipeline(settings)
    finally:
        holder.kill()
        holder.wait()
    assert summary["load"]["caught_up"]


def test_a_warehouse_held_too_long_fails_the_run_with_what_to_do(pipeline_settings: Settings, tmp_path: Path) -> None:
    from journeys.errors import ConfigurationError

    settings = pipeline_settings.model_copy(
        update={"flows": pipeline_settings.flows.model_copy(update={"lock_wait_s": 0})}
    )
    holder = _hold(settings.duckdb_path, 60)
    try:
        with pytest.raises(ConfigurationError, match="Another process may hold it open"):
            pipeline(settings)
    finally:
        holder.kill()
        holder.wait()

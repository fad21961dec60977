"""Data-quality checks: bounds (pure), every check's SQL on a real DuckDB file, results in dq_results."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from flows.quality import Check, DataQualityError, enforce, evaluate, load_config, run_checks
from journeys.settings import FlowSettings, Settings
from warehouse.db import connect

NOW = datetime.now(UTC)


@pytest.fixture
def con(tmp_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    connection = connect(tmp_path / "journeys.duckdb")
    yield connection
    connection.close()


def _touchpoint(con: duckdb.DuckDBPyConnection, event_id: str, *, received: datetime = NOW, **fields: object) -> None:
    row: dict[str, object] = {
        "event_id": event_id,
        "customer_id": "c-1",
        "journey_id": "j-1",
        "session_id": "s-1",
        "event_time": received,
        "received_time": received,
        "stitched_time": received,
        "source": "web",
        "channel": "web",
        "event_type": "page_view",
        "late": False,
        "anonymous_id": "anon-1",
        "loaded_at": NOW,
    }
    row.update(fields)
    columns = ", ".join(row)
    con.execute(f"insert into touchpoints ({columns}) values ({', '.join('?' for _ in row)})", list(row.values()))


def _results(con: duckdb.DuckDBPyConnection, settings: Settings | None = None) -> dict[str, str]:
    results = run_checks(con, settings or Settings(), run_id="test")
    return {r.check: r.status for r in results}


def test_a_value_beyond_the_fail_bound_fails_and_says_by_how_much() -> None:
    check = Check("late_events", "share of late touchpoints", warn_above=0.05, fail_above=0.25)
    result = evaluate(check, 0.3, "3 of 10")
    assert (result.status, result.threshold) == ("fail", 0.25)
    assert "0.3 is above the fail bound 0.25 (3 of 10)" in result.message
    assert evaluate(check, 0.1, "1 of 10").status == "warn"
    assert evaluate(check, 0.0, "0 of 10").status == "pass"


def test_a_lower_bound_catches_a_drop_in_volume() -> None:
    check = Check("volume", "volume ratio", warn_below=0.5, fail_below=0.1)
    assert evaluate(check, 0.05, "").status == "fail"
    assert evaluate(check, 0.4, "").status == "warn"


def test_a_check_without_data_passes_as_not_evaluated() -> None:
    result = evaluate(Check("volume", "volume ratio", fail_below=0.1), None, "no history")
    assert result.status == "pass" and "not evaluated yet" in result.message


def test_the_shipped_checks_cover_the_issue() -> None:
    names = {check.name for check in load_config().checks}
    assert names == {
        "freshness",
        "volume",
        "duplicate_event_ids",
        "missing_identifiers",
        "late_events",
        "reopened_journeys",
        "dead_letters",
        "refused_merges",
    }


def test_a_healthy_warehouse_passes_and_every_result_is_stored(con: duckdb.DuckDBPyConnection) -> None:
    for i in range(20):
        _touchpoint(con, f"e{i}")
    assert set(_results(con).values()) == {"pass"}
    stored = con.execute("select count(*), count(distinct check_name) from dq_results where run_id = 'test'").fetchone()
    assert stored == (8, 8)


def test_stale_data_fails_freshness(con: duckdb.DuckDBPyConnection) -> None:
    _touchpoint(con, "e1", received=NOW - timedelta(days=2))
    assert _results(con)["freshness"] == "fail"


def test_touchpoints_without_identifiers_and_late_ones_are_flagged(con: duckdb.DuckDBPyConnection) -> None:
    for i in range(10):
        _touchpoint(con, f"e{i}", anonymous_id=None if i < 2 else "anon", late=i < 5)
    results = _results(con)
    assert results["missing_identifiers"] == "fail"
    assert results["late_events"] == "fail"


def test_an_event_in_two_live_journeys_is_a_duplicate(con: duckdb.DuckDBPyConnection) -> None:
    for journey_id in ("j-1", "j-2"):
        con.execute(
            "insert into journey_touchpoints (journey_id, position, event_id, event_time, channel, event_type,"
            " session_id, late) values (?, 1, 'e1', now(), 'web', 'page_view', 's', false)",
            [journey_id],
        )
        con.execute(
            "insert into journeys values (?, 'c', 'purchase', 'closed', null, null, now(), now(), 0, 1, null, null,"
            " 1, 0, 1, ['web'], '[]', now(), now())",
            [journey_id],
        )
    assert _results(con)["duplicate_event_ids"] == "fail"


def test_a_drop_in_volume_against_the_previous_days_fails(con: duckdb.DuckDBPyConnection) -> None:
    for day in range(1, 6):
        for i in range(20):
            _touchpoint(con, f"d{day}-{i}", received=NOW - timedelta(days=day, hours=1))
    _touchpoint(con, "today", received=NOW - timedelta(minutes=5))
    assert _results(con)["volume"] == "fail"


def test_a_failed_check_fails_with_a_message_naming_it(con: duckdb.DuckDBPyConnection) -> None:
    _touchpoint(con, "e1", received=NOW - timedelta(days=3))
    results = run_checks(con, Settings(), run_id="r1")
    with pytest.raises(DataQualityError, match=r"- freshness \(fail\): minutes since"):
        enforce(results, "fail")
    enforce(results, "never")


def test_thresholds_come_from_the_configured_yaml(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    path = tmp_path / "checks.yaml"
    path.write_text("checks:\n  freshness:\n    description: age\n    fail_above: 999999999\n")
    _touchpoint(con, "e1", received=NOW - timedelta(days=3))
    settings = Settings(flows=FlowSettings(quality_path=path))
    assert _results(con, settings) == {"freshness": "pass"}

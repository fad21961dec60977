"""The friction flow: scope, idempotence, one transaction, a catalogue that fails clearly, Prefect runs."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import duckdb
import pytest
import yaml
from friction_factories import WarehouseBuilder

from flows.friction import flag_friction, friction_flow
from flows.rules import default_catalogue_path, load_catalogue, parse_catalogue
from flows.scoring import score_flow
from journeys.errors import ConfigurationError
from journeys.settings import Settings
from warehouse.db import connect

RAGE = [
    {"id": "c1", "t": 0, "type": "click", "page": "/cart", "target": "pay"},
    {"id": "c2", "t": 0.5, "type": "click", "page": "/cart", "target": "pay"},
    {"id": "c3", "t": 1.0, "type": "click", "page": "/cart", "target": "pay"},
]


def _rage(build: WarehouseBuilder, journey_id: str, *, changed: bool = True) -> None:
    touchpoints = [{**tp, "id": f"{journey_id}.{tp['id']}"} for tp in RAGE]
    build.journey(journey_id, customer=journey_id, touchpoints=touchpoints, changed=changed)


def _points(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str]]:
    return con.execute("select journey_id, rule from friction_points order by all").fetchall()


@pytest.fixture
def con(tmp_path: Path) -> duckdb.DuckDBPyConnection:
    return connect(tmp_path / "journeys.duckdb")


def test_only_journeys_in_the_work_queue_are_reworked(con: duckdb.DuckDBPyConnection) -> None:
    build = WarehouseBuilder(con)
    _rage(build, "old", changed=False)
    _rage(build, "new")
    assert flag_friction(con)["rage_click"] == 1
    assert _points(con) == [("new", "rage_click")]
    assert flag_friction(con, changed_only=False)["rage_click"] == 2


def test_a_rerun_replaces_the_points_of_a_changed_journey(con: duckdb.DuckDBPyConnection) -> None:
    build = WarehouseBuilder(con)
    _rage(build, "j")
    flag_friction(con)
    flag_friction(con)
    assert _points(con) == [("j", "rage_click")]
    # the journey is re-versioned without the burst: its old point goes
    build.journey("j", customer="j", touchpoints=[{"id": "j.v", "t": 0, "type": "page_view"}])
    con.execute("delete from journey_touchpoints where event_id like 'j.c%'")
    flag_friction(con)
    assert _points(con) == []


def test_a_merged_journey_loses_its_points(con: duckdb.DuckDBPyConnection) -> None:
    build = WarehouseBuilder(con)
    _rage(build, "j")
    flag_friction(con)
    con.execute("update journeys set status = 'merged', merged_into = 'k' where journey_id = 'j'")
    flag_friction(con)
    assert _points(con) == []


def test_a_failing_rule_rolls_back_every_rule_and_names_itself(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    build = WarehouseBuilder(con)
    _rage(build, "j")
    flag_friction(con)
    folder = tmp_path / "rules"
    shutil.copytree(default_catalogue_path().parent / "friction", folder / "friction")
    (folder / "friction" / "broken.sql").write_text("select journey_id from no_such_table")
    document = yaml.safe_load(default_catalogue_path().read_text())
    document["rules"].append(
        {"name": "broken", "description": "x", "severity": "low", "enabled": True, "sql": "friction/broken.sql"}
    )
    (folder / "rules.yaml").write_text(yaml.safe_dump(document))
    with pytest.raises(ConfigurationError, match=r"friction rule `broken` \(friction/broken.sql\) failed"):
        flag_friction(con, rules=folder / "rules.yaml", changed_only=False)
    assert _points(con) == [("j", "rage_click")]


def test_a_disabled_rule_does_not_run(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    build = WarehouseBuilder(con)
    _rage(build, "j")
    document = yaml.safe_load(default_catalogue_path().read_text())
    for rule in document["rules"]:
        rule["enabled"] = rule["name"] != "rage_click"
    catalogue = parse_catalogue(document, base=default_catalogue_path().parent)
    counts = flag_friction(con, rules=catalogue)
    assert "rage_click" not in counts and _points(con) == []


def test_tuning_a_parameter_changes_what_fires(con: duckdb.DuckDBPyConnection) -> None:
    build = WarehouseBuilder(con)
    _rage(build, "j")
    document = yaml.safe_load(default_catalogue_path().read_text())
    next(r for r in document["rules"] if r["name"] == "rage_click")["parameters"]["min_clicks"] = 4
    flag_friction(con, rules=parse_catalogue(document, base=default_catalogue_path().parent))
    assert _points(con) == []


def _mutated(change: Any) -> dict[str, Any]:
    document = yaml.safe_load(default_catalogue_path().read_text())
    change(next(r for r in document["rules"] if r["name"] == "slow_response"))
    return document


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda r: r.update(sql="friction/nope.sql"), "rule `slow_response`: field `sql` names `friction/nope.sql`"),
        (lambda r: r["parameters"].pop("thresholds_ms"), "field `parameters.thresholds_ms` is missing"),
        (lambda r: r["parameters"].update(extra=1), "field `parameters.extra` is not used"),
        (lambda r: r["parameters"]["thresholds_ms"].update(web="fast"), "field `parameters.thresholds_ms.web`"),
        (lambda r: r["parameters"].update(event_types=[]), "field `parameters.event_types`"),
        (lambda r: r.update(severity="critical"), "field `severity` must be one of low, medium, high"),
        (lambda r: r.update(enabeld=True), "field `enabeld` is unknown"),
    ],
    ids=[
        "unknown-sql-file",
        "missing-parameter",
        "unused-parameter",
        "bad-threshold",
        "empty-list",
        "bad-severity",
        "typo",
    ],
)
def test_a_bad_catalogue_names_the_rule_and_the_field(change: Any, message: str) -> None:
    with pytest.raises(ConfigurationError, match=re.escape(message)):
        parse_catalogue(_mutated(change), base=default_catalogue_path().parent)


def test_the_packaged_catalogue_defines_the_shared_rules() -> None:
    catalogue = load_catalogue()
    assert catalogue.names == (
        "rage_click",
        "error_event",
        "slow_response",
        "loop_backtrack",
        "form_abandonment",
        "checkout_abandonment",
        "failed_self_service",
        "repeat_contact",
        "multiple_transfers",
        "long_queue_wait",
        "slow_reply",
        "undelivered_message",
        "negative_survey",
        "channel_ping_pong",
        "off_preference_channel",
    )
    severities = {rule.name: rule.severity for rule in catalogue.rules}
    assert severities["checkout_abandonment"] == "high" and severities["slow_response"] == "low"


def test_friction_and_score_flows_run_under_prefect(prefect_harness: None, tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data")
    con = connect(settings.duckdb_path)
    _rage(WarehouseBuilder(con), "j")
    con.close()
    assert friction_flow(settings)["rage_click"] == 1
    assert score_flow(settings) == 1
    con = connect(settings.duckdb_path, read_only=True)
    assert con.execute("select count(*) from journey_scores").fetchone() == (1,)
    assert con.execute("select count(*) from friction_detail").fetchone() == (1,)
    con.close()


def test_a_rerun_keeps_unchanged_points_with_their_first_detection(con: duckdb.DuckDBPyConnection) -> None:
    _rage(WarehouseBuilder(con), "j")
    flag_friction(con)
    first = con.execute("select detected_at from friction_points").fetchall()
    flag_friction(con, changed_only=False)
    assert con.execute("select detected_at from friction_points").fetchall() == first


def test_a_rule_returning_two_rows_for_a_journey_is_refused(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    _rage(WarehouseBuilder(con), "j")
    (tmp_path / "twice.sql").write_text(
        "select journey_id, [event_id] as touchpoint_ids, channel, step, 'x' as detail from scope_touchpoints"
    )
    document = {
        "rules": [{"name": "twice", "description": "x", "severity": "low", "enabled": True, "sql": "twice.sql"}]
    }
    catalogue = parse_catalogue(document, base=tmp_path)
    with pytest.raises(ConfigurationError, match="returned several rows for journey `j`"):
        flag_friction(con, rules=catalogue)


def test_an_earlier_contact_arriving_late_flags_the_later_journey_and_requeues_it(
    con: duckdb.DuckDBPyConnection,
) -> None:
    build = WarehouseBuilder(con)
    later = [{"id": "b.1", "t": "3d", "channel": "voice", "type": "contact_started", "intent": "billing"}]
    build.journey("b", customer="c", touchpoints=later)
    flag_friction(con)
    con.execute("delete from journey_changes")
    assert _points(con) == []
    earlier = [{"id": "a.1", "t": 0, "channel": "chat", "type": "contact_started", "intent": "billing"}]
    build.journey("a", customer="c", touchpoints=earlier)
    flag_friction(con)
    assert _points(con) == [("b", "repeat_contact")]
    assert con.execute("select journey_id from journey_changes order by 1").fetchall() == [("a",), ("b",)]


def test_the_catalogue_is_readable_in_sql(con: duckdb.DuckDBPyConnection) -> None:
    flag_friction(con)
    row = con.execute(
        "select severity, enabled, parameters->>'$.window_ms', sql_path from friction_rules where rule = 'rage_click'"
    ).fetchone()
    assert row == ("medium", True, "2000", "friction/rage_click.sql")
    assert con.execute("select count(*) from friction_rules").fetchone() == (len(load_catalogue().rules),)


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ({"rules": [], "lookback_s": -1}, "field `lookback_s` must be a number of seconds >= 0"),
        ({"rules": [], "lookbak_s": 1}, "field `lookbak_s` is unknown"),
        ({"rule": []}, "expected a mapping with a `rules` list"),
    ],
    ids=["negative-lookback", "misspelt-top-level-field", "no-rules-list"],
)
def test_a_bad_catalogue_top_level_is_named(document: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigurationError, match=re.escape(message)):
        parse_catalogue(document, base=default_catalogue_path().parent)


def test_every_rule_file_is_in_the_catalogue_and_says_what_it_detects() -> None:
    folder = default_catalogue_path().parent / "friction"
    files = {f"friction/{path.name}" for path in folder.glob("*.sql") if not path.name.startswith("_")}
    catalogue = load_catalogue()
    assert files == {rule.sql_path for rule in catalogue.rules}
    for rule in catalogue.rules:
        assert rule.sql.startswith(f"-- {rule.name}: "), f"{rule.sql_path} should start with `-- {rule.name}: ...`"

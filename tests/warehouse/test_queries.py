"""Every saved query of warehouse/queries/ runs on a warehouse the friction and score flows filled.

The warehouse holds every golden friction case (tests/cases/friction/) plus a few journeys
whose channel paths, contacts and self-service outcomes the assertions know.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "flows"))
from friction_factories import WarehouseBuilder, case_journeys, load_cases

from flows.friction import flag_friction
from flows.scoring import score_journeys
from flows.views import saved_queries
from warehouse.db import connect

QUERIES = saved_queries()


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[duckdb.DuckDBPyConnection]:
    con = connect(tmp_path_factory.mktemp("queries") / "journeys.duckdb")
    build = WarehouseBuilder(con)
    for index, (rule, case) in enumerate(load_cases()):
        for journey in case_journeys(case):
            build.journey(
                f"{rule}.{index}.{journey['id']}",
                customer=f"{rule}.{index}",
                touchpoints=[{**tp, "id": f"{rule}.{index}.{tp['id']}"} for tp in journey["touchpoints"]],
                kind=journey.get("kind", "support"),
                status=journey.get("status", "closed"),
                country=journey.get("country", "DE"),
                outcome=journey.get("outcome"),
            )
    # known paths: a contained bot journey and a resolved support journey in GB
    build.journey(
        "bot-ok",
        customer="gb1",
        country="GB",
        kind="support",
        outcome="success",
        touchpoints=[
            {"id": "bot-ok.1", "t": 0, "channel": "chatbot", "type": "message_received", "intent": "returns"},
            {"id": "bot-ok.2", "t": 30, "channel": "chatbot", "type": "message_sent", "outcome": "success"},
        ],
    )
    build.journey(
        "call-ok",
        customer="gb2",
        country="GB",
        kind="support",
        outcome="contact_resolved",
        touchpoints=[
            {"id": "call-ok.1", "t": 0, "channel": "web", "type": "page_view", "step": "help"},
            {"id": "call-ok.2", "t": 600, "channel": "voice", "type": "contact_started", "intent": "returns"},
            {"id": "call-ok.3", "t": 4200, "channel": "voice", "type": "contact_resolved", "intent": "returns"},
        ],
    )
    flag_friction(con)
    score_journeys(con)
    yield con
    con.close()


def _run(con: duckdb.DuckDBPyConnection, name: str) -> list[dict[str, object]]:
    relation = con.sql(QUERIES[name])
    return [dict(zip(relation.columns, row, strict=True)) for row in relation.fetchall()]


def test_the_issue_asks_for_these_saved_queries() -> None:
    assert {
        "friction_by_channel",
        "friction_by_step",
        "friction_by_country",
        "score_distribution",
        "channel_preference_by_country",
        "channel_transitions",
        "top_paths",
        "time_to_resolution",
        "self_service_containment",
        "repeat_contact_rate",
    } <= set(QUERIES)


@pytest.mark.parametrize("name", sorted(QUERIES))
def test_saved_query_runs_and_returns_rows(warehouse: duckdb.DuckDBPyConnection, name: str) -> None:
    assert _run(warehouse, name), f"{name} returned no rows"


@pytest.mark.parametrize("name", sorted(QUERIES))
def test_saved_query_starts_with_its_name_and_a_description(name: str) -> None:
    first = QUERIES[name].splitlines()[0]
    assert first.startswith(f"-- {name}: ") and len(first) > len(name) + 10


def test_friction_by_channel_counts_each_rule_on_its_channel(warehouse: duckdb.DuckDBPyConnection) -> None:
    rows = {(r["channel"], r["rule"]): r["friction_points"] for r in _run(warehouse, "friction_by_channel")}
    assert rows[("app", "rage_click")] == 1 and rows[("web", "rage_click")] == 1


def test_channel_transitions_count_moves_between_channels(warehouse: duckdb.DuckDBPyConnection) -> None:
    rows = {(r["from_channel"], r["to_channel"]): r for r in _run(warehouse, "channel_transitions")}
    assert rows[("web", "voice")]["transitions"] >= 1  # call-ok and the ping-pong case
    assert ("voice", "voice") not in rows


def test_self_service_containment_counts_the_bot_that_solved_it(warehouse: duckdb.DuckDBPyConnection) -> None:
    rows = [r for r in _run(warehouse, "self_service_containment") if r["country"] == "GB"]
    assert rows == [
        {
            "kind": "support",
            "country": "GB",
            "self_service_journeys": 2,
            "contained": 1,
            "containment_rate": 0.5,
            "avg_score": rows[0]["avg_score"],
        }
    ]


def test_time_to_resolution_reports_resolved_journeys(warehouse: duckdb.DuckDBPyConnection) -> None:
    rows = [r for r in _run(warehouse, "time_to_resolution") if r["country"] == "GB"]
    assert rows[0]["resolved_journeys"] == 2 and rows[0]["p90_hours"] > 0


def test_repeat_contact_rate_sees_the_repeated_intent(warehouse: duckdb.DuckDBPyConnection) -> None:
    rows = {(r["intent"], r["channel"]): r for r in _run(warehouse, "repeat_contact_rate")}
    assert rows[("delivery", "chat")]["repeated_within_7_days"] == 1
    assert rows[("returns", "voice")]["repeated_within_7_days"] == 0


def test_channel_preference_by_country_shows_stated_beside_observed(warehouse: duckdb.DuckDBPyConnection) -> None:
    rows = {(r["country"], r["channel"]): r for r in _run(warehouse, "channel_preference_by_country")}
    assert rows[("BR", "whatsapp")]["stated_share"] == 0.43
    assert rows[("GB", "voice")]["observed_share"] == 0.5 and rows[("GB", "voice")]["stated_share"] is None

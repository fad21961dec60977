"""Golden tests of the friction catalogue: each rule fires on its pattern and not on the near miss.

Every case of tests/cases/friction/<rule>.yaml is written into one real DuckDB warehouse
(its own customer, journeys and event ids), the friction flow runs once over all of them,
and each case compares the rule's expected evidence with the friction points it got.
Cases of `clean.yaml` (friction-free journeys as the simulator makes them) must trigger
no rule at all.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest
from friction_factories import WarehouseBuilder, case_expectation, case_journeys, load_cases, seconds

from flows.friction import flag_friction
from flows.rules import load_catalogue
from warehouse.db import connect

CASES = load_cases()
# The warehouse's "now" (newest event time) sits here, so an open journey of a case is quiet
# for about 30 days unless the case says `ends_before_now_s`.
NOW_OFFSET_S = 30 * 86400


def _slug(rule: str, index: int) -> str:
    return f"{rule}.{index}"


def _case_id(item: tuple[str, dict[str, Any]]) -> str:
    rule, case = item
    return f"{rule}-{re.sub(r'[^a-z0-9]+', '-', case['name'].lower()).strip('-')}"


@pytest.fixture(scope="module")
def flagged(tmp_path_factory: pytest.TempPathFactory) -> Iterator[duckdb.DuckDBPyConnection]:
    """One warehouse holding every case, with friction flagged once over all of it."""
    con = connect(Path(tmp_path_factory.mktemp("friction")) / "journeys.duckdb")
    build = WarehouseBuilder(con)
    build.journey("now", customer="now", touchpoints=[{"id": "now", "t": NOW_OFFSET_S, "type": "page_view"}])
    for index, (rule, case) in enumerate(CASES):
        slug = _slug(rule, index)
        for journey in case_journeys(case):
            touchpoints = [{**tp, "id": f"{slug}.{tp['id']}"} for tp in journey["touchpoints"]]
            shift = 0.0
            if "ends_before_now_s" in journey:
                last = max(seconds(tp.get("t", 0)) for tp in journey["touchpoints"])
                shift = NOW_OFFSET_S - journey["ends_before_now_s"] - last
            build.journey(
                f"{slug}.{journey['id']}",
                customer=f"{slug}.customer",
                touchpoints=touchpoints,
                kind=journey.get("kind", "support"),
                status=journey.get("status", "closed"),
                country=journey.get("country", "DE"),
                outcome=journey.get("outcome"),
                shift_s=shift,
            )
    flag_friction(con)
    yield con
    con.close()


@pytest.mark.parametrize("item", [c for c in CASES if c[0] != "none"], ids=_case_id)
def test_rule_fires_on_its_pattern_and_not_on_the_near_miss(
    flagged: duckdb.DuckDBPyConnection, item: tuple[str, dict[str, Any]]
) -> None:
    rule, case = item
    slug = _slug(rule, CASES.index(item))
    rows = flagged.execute(
        "select journey_id, touchpoint_ids from friction_points where rule = ? and journey_id like ?",
        [rule, f"{slug}.%"],
    ).fetchall()
    actual = {
        journey_id.removeprefix(f"{slug}."): [event_id.removeprefix(f"{slug}.") for event_id in ids]
        for journey_id, ids in rows
    }
    assert actual == case_expectation(case), case["name"]


@pytest.mark.parametrize("item", [c for c in CASES if c[0] == "none"], ids=_case_id)
def test_clean_journey_triggers_no_rule(flagged: duckdb.DuckDBPyConnection, item: tuple[str, dict[str, Any]]) -> None:
    slug = _slug(item[0], CASES.index(item))
    rows = flagged.execute("select rule, detail from friction_points where journey_id like ?", [f"{slug}.%"]).fetchall()
    assert rows == [], item[1]["name"]


def test_every_rule_of_the_catalogue_has_golden_cases_both_ways() -> None:
    covered: dict[str, set[bool]] = {}
    for rule, case in CASES:
        covered.setdefault(rule, set()).add(bool(case_expectation(case)))
    for rule in load_catalogue().names:
        assert covered.get(rule) == {True, False}, f"{rule} needs a case that fires and one that does not"


def test_friction_points_carry_rule_severity_channel_step_and_detail(flagged: duckdb.DuckDBPyConnection) -> None:
    index = next(i for i, (rule, _) in enumerate(CASES) if rule == "rage_click")
    slug = _slug("rage_click", index)
    row = flagged.execute(
        "select severity, channel, step, detail, detected_at is not null from friction_points "
        "where journey_id = ? and rule = 'rage_click'",
        [f"{slug}.j"],
    ).fetchone()
    assert row == ("medium", "web", "/checkout", "3 rapid clicks on `pay`", True)

"""The experience score: explainable components, configurable weights, friction lowers it."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import duckdb
import pytest
import yaml
from friction_factories import WarehouseBuilder

from flows.friction import flag_friction
from flows.scoring import default_scoring_path, load_scoring_config, parse_scoring_config, score_journeys
from journeys.errors import ConfigurationError
from warehouse.db import connect

CLEAN = [
    {"id": "a", "t": 0, "type": "page_view", "step": "product"},
    {"id": "b", "t": 60, "type": "add_to_cart", "step": "product"},
    {"id": "c", "t": 120, "type": "purchase", "step": "checkout"},
]


def _typical_purchases(build: WarehouseBuilder, count: int = 25) -> None:
    """Enough clean purchases for the kind to be its own norm (min_kind_journeys 20)."""
    for n in range(count):
        build.journey(
            f"typical{n}",
            customer=f"typical{n}",
            kind="purchase",
            outcome="purchase",
            touchpoints=[{**tp, "id": f"typical{n}.{tp['id']}"} for tp in CLEAN],
        )


def _score(con: duckdb.DuckDBPyConnection, journey_id: str) -> dict[str, Any]:
    row = con.execute(
        "select score, outcome_points, effort_points, friction_points, sentiment_points, components, weights_version "
        "from journey_scores where journey_id = ?",
        [journey_id],
    ).fetchone()
    assert row is not None, f"{journey_id} was not scored"
    names = ["score", "outcome", "effort", "friction", "sentiment", "components", "version"]
    result = dict(zip(names, row, strict=True))
    result["components"] = json.loads(result["components"])
    return result


@pytest.fixture
def con(tmp_path: Path) -> duckdb.DuckDBPyConnection:
    return connect(tmp_path / "journeys.duckdb")


def test_a_typical_successful_journey_scores_high_and_explains_itself(con: duckdb.DuckDBPyConnection) -> None:
    build = WarehouseBuilder(con)
    _typical_purchases(build)
    flag_friction(con)
    assert score_journeys(con) == 25
    scored = _score(con, "typical0")
    assert scored["score"] == 90.0  # outcome 45 + effort 35 + no survey 10 (half of 20)
    assert (scored["outcome"], scored["effort"], scored["friction"], scored["sentiment"]) == (45, 35, 0, 10)
    effort = scored["components"]["effort"]
    assert effort["typical_of"] == "purchase" and effort["typical_touchpoints"] == 3
    assert scored["version"] == load_scoring_config().version


def test_friction_failure_and_effort_each_lower_the_score(con: duckdb.DuckDBPyConnection) -> None:
    build = WarehouseBuilder(con)
    _typical_purchases(build)
    build.journey(
        "abandoned",
        customer="x",
        kind="purchase",
        touchpoints=[{"id": "x1", "t": 0, "type": "add_to_cart"}, {"id": "x2", "t": 60, "type": "checkout_started"}],
    )
    long_path = [{"id": f"l{n}", "t": n * 600, "type": "page_view", "step": f"s{n}"} for n in range(12)]
    build.journey("laborious", customer="y", kind="purchase", outcome="purchase", touchpoints=long_path)
    flag_friction(con)
    score_journeys(con)
    clean, abandoned, laborious = (_score(con, j) for j in ("typical0", "abandoned", "laborious"))
    assert abandoned["friction"] == -18  # checkout_abandonment: high = 3 x 6 points
    assert abandoned["components"]["friction"]["rules"] == ["checkout_abandonment"]
    assert abandoned["outcome"] == pytest.approx(11.25)  # closed without an outcome: unknown_share 0.25
    assert laborious["effort"] < clean["effort"]
    assert abandoned["score"] < laborious["score"] < clean["score"]


def test_a_survey_answer_moves_the_sentiment_points(con: duckdb.DuckDBPyConnection) -> None:
    build = WarehouseBuilder(con)
    _typical_purchases(build)
    for journey_id, kind, answer in [("happy", "csat", 5), ("unhappy", "nps", 0)]:
        survey = {"id": f"{journey_id}.s", "t": 200, "type": "survey_response", "survey_kind": kind}
        touchpoints = [{**tp, "id": f"{journey_id}.{tp['id']}"} for tp in CLEAN]
        build.journey(
            journey_id,
            customer=journey_id,
            kind="purchase",
            outcome="purchase",
            touchpoints=[*touchpoints, {**survey, "survey_score": answer}],
        )
    flag_friction(con)
    score_journeys(con)
    assert _score(con, "happy")["sentiment"] == 20
    unhappy = _score(con, "unhappy")
    assert unhappy["sentiment"] == 0 and unhappy["friction"] == -18  # negative_survey is high
    assert unhappy["components"]["sentiment"] == {"surveys": 1, "level": 0.0}


def test_only_changed_journeys_are_rescored(con: duckdb.DuckDBPyConnection) -> None:
    build = WarehouseBuilder(con)
    _typical_purchases(build, count=3)
    flag_friction(con)
    assert score_journeys(con) == 3
    con.execute("delete from journey_changes")
    build.journey("later", customer="later", kind="purchase", touchpoints=[{"id": "later.a", "t": 0, "type": "search"}])
    assert score_journeys(con) == 1
    assert con.execute("select count(*) from journey_scores").fetchone() == (4,)
    assert score_journeys(con, changed_only=False) == 4


def test_weights_are_configuration_and_change_the_version(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    build = WarehouseBuilder(con)
    _typical_purchases(build, count=3)
    flag_friction(con)
    document = yaml.safe_load(default_scoring_path().read_text())
    document["outcome"]["points"], document["effort"]["points"] = 60, 20
    path = tmp_path / "scoring.yaml"
    path.write_text(yaml.safe_dump(document))
    score_journeys(con, config=path)
    scored = _score(con, "typical0")
    assert (scored["outcome"], scored["effort"]) == (60, 20)
    assert scored["version"] != load_scoring_config().version
    stored = con.execute("select config from scoring_configs where weights_version = ?", [scored["version"]])
    assert json.loads(stored.fetchone()[0])["outcome"]["points"] == 60  # type: ignore[index]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda d: d["effort"].update(points=50), "(top level)"),
        (lambda d: d["effort"]["measures"].update(touchpoints=0.9), "effort"),
        (lambda d: d["outcome"].update(open_share=2), "outcome.open_share"),
        (lambda d: d["friction"].update(severity_weigths={}), "friction.severity_weigths"),
    ],
    ids=["points-do-not-add-to-100", "measures-do-not-sum-to-1", "share-above-1", "misspelt-field"],
)
def test_a_bad_score_configuration_names_the_field(change: Any, field: str) -> None:
    document = yaml.safe_load(default_scoring_path().read_text())
    change(document)
    with pytest.raises(ConfigurationError, match=re.escape(f"field `{field}`")):
        parse_scoring_config(document)

"""The analyst views of warehouse/views/: created by the score flow, each readable, aggregates right."""

from __future__ import annotations

import sys
from pathlib import Path

import duckdb
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "flows"))
from friction_factories import WarehouseBuilder

from flows.friction import flag_friction
from flows.scoring import score_journeys
from flows.views import apply_views, view_files
from journeys.errors import ConfigurationError
from warehouse.db import connect


@pytest.fixture
def con(tmp_path: Path) -> duckdb.DuckDBPyConnection:
    con = connect(tmp_path / "journeys.duckdb")
    build = WarehouseBuilder(con)
    for n, country in enumerate(["DE", "DE", "JP"]):
        build.journey(
            f"j{n}",
            customer="c1" if n < 2 else "c2",
            country=country,
            kind="purchase",
            outcome="purchase",
            touchpoints=[
                {"id": f"j{n}.1", "t": 0, "channel": "web", "type": "add_to_cart"},
                {"id": f"j{n}.2", "t": 60, "channel": "app", "type": "purchase"},
            ],
        )
    build.journey(
        "bad",
        customer="c2",
        country="JP",
        kind="purchase",
        touchpoints=[{"id": "bad.1", "t": 0, "type": "add_to_cart"}],
    )
    flag_friction(con)
    score_journeys(con)
    return con


def test_every_view_file_becomes_a_view_that_reads(con: duckdb.DuckDBPyConnection) -> None:
    views = {row[0] for row in con.execute("select view_name from duckdb_views() where not internal").fetchall()}
    assert set(view_files()) <= views
    for name in view_files():
        con.execute(f"select * from {name} limit 1").fetchall()  # names come from our own files


def test_views_are_recreated_idempotently(con: duckdb.DuckDBPyConnection) -> None:
    assert sorted(apply_views(con)) == sorted(view_files())


def test_scores_by_customer_and_country_aggregate_the_journeys(con: duckdb.DuckDBPyConnection) -> None:
    by_customer = dict(con.execute("select customer_id, journeys from scores_by_customer").fetchall())
    assert by_customer == {"c1": 2, "c2": 2}
    by_country = {
        row[0]: row[1:]
        for row in con.execute("select country, journeys, share_with_friction from scores_by_country").fetchall()
    }
    assert by_country == {"DE": (2, 0.0), "JP": (2, 0.5)}


def test_channel_mix_groups_journeys_by_the_channels_they_used(con: duckdb.DuckDBPyConnection) -> None:
    rows = dict(con.execute("select channel_mix, journeys from scores_by_channel_mix").fetchall())
    assert rows == {"app+web": 3, "web": 1}


def test_journey_summary_leaves_merged_journeys_out(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("update journeys set status = 'merged' where journey_id = 'j0'")
    assert con.execute("select count(*) from journey_summary").fetchone() == (3,)


def test_a_broken_view_names_its_file(con: duckdb.DuckDBPyConnection, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("warehouse.model.view_files", lambda: {"oops": "create or replace view oops as select nope"})
    with pytest.raises(ConfigurationError, match=r"view `oops` \(warehouse/views/oops.sql\) failed"):
        apply_views(con)

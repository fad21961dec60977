"""The warehouse opens with its schema up to date, and migrations are applied once."""

from __future__ import annotations

from pathlib import Path

import pytest

from journeys.errors import ConfigurationError
from warehouse.db import connect, migrations


def test_connect_creates_the_file_and_every_core_table(tmp_path: Path) -> None:
    con = connect(tmp_path / "w" / "journeys.duckdb")
    tables = {row[0] for row in con.execute("show tables").fetchall()}
    assert {"touchpoints", "journeys", "journey_touchpoints", "friction_points", "journey_scores"} <= tables
    assert {"load_state", "identities", "identity_links", "failed_events", "dq_results"} <= tables


def test_migrations_are_applied_once(tmp_path: Path) -> None:
    path = tmp_path / "journeys.duckdb"
    connect(path).close()
    con = connect(path)
    count = con.execute("select count(*) from schema_migrations").fetchone()
    assert count == (len(migrations()),)


def test_an_edited_migration_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "journeys.duckdb"
    con = connect(path)
    con.execute("update schema_migrations set checksum = 'x' where version = 1")
    con.close()
    with pytest.raises(ConfigurationError, match="changed after it was applied"):
        connect(path)

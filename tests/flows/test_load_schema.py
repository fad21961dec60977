"""The tables the loader writes explain themselves: every core table and column has a comment."""

from __future__ import annotations

from pathlib import Path

from warehouse.db import connect, read_sql

_CORE = read_sql("migrations/001_core.sql")


def test_every_core_table_and_column_is_described(tmp_path: Path) -> None:
    con = connect(tmp_path / "journeys.duckdb")
    try:
        tables = [
            name
            for (name,) in con.execute("select table_name from duckdb_tables() where not internal").fetchall()
            if f"create table if not exists {name} " in _CORE or name == "schema_migrations"
        ]
        bare_tables = con.execute(
            "select table_name from duckdb_tables() where comment is null and list_contains(?, table_name)", [tables]
        ).fetchall()
        bare_columns = con.execute(
            "select table_name || '.' || column_name from duckdb_columns()"
            " where (comment is null or comment = '') and list_contains(?, table_name)",
            [tables],
        ).fetchall()
    finally:
        con.close()
    assert len(tables) == 13
    assert bare_tables == []
    assert bare_columns == []

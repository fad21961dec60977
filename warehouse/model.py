"""The analyst's model on top of the tables: the views of ``warehouse/views/`` and the saved
queries of ``warehouse/queries/``.

Views hold no data, so they are not migrations: :func:`apply_views` (re)creates them from
their ``.sql`` files (``create or replace view``) whenever the warehouse is opened for
writing (``warehouse.db.connect``) and on every score run, so a fresh warehouse answers the
saved queries and an edited view takes effect on the next run.
"""

from __future__ import annotations

from importlib import resources

import duckdb

from journeys.errors import ConfigurationError

__all__ = ["apply_views", "saved_queries", "view_files"]


def view_files() -> dict[str, str]:
    """Every view shipped in warehouse/views/: file stem -> SQL."""
    folder = resources.files("warehouse").joinpath("views")
    return {
        entry.name.removesuffix(".sql"): entry.read_text(encoding="utf-8")
        for entry in sorted(folder.iterdir(), key=lambda e: e.name)
        if entry.name.endswith(".sql")
    }


def saved_queries() -> dict[str, str]:
    """Every saved query shipped in warehouse/queries/: name -> SQL."""
    folder = resources.files("warehouse").joinpath("queries")
    return {
        entry.name.removesuffix(".sql"): entry.read_text(encoding="utf-8")
        for entry in sorted(folder.iterdir(), key=lambda e: e.name)
        if entry.name.endswith(".sql")
    }


def apply_views(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Create or replace every view; a view that reads another is retried after it. Returns the names."""
    pending = view_files()
    done: list[str] = []
    errors: dict[str, str] = {}
    while pending:
        progressed = False
        for name, sql in list(pending.items()):
            try:
                con.execute(sql)
            except duckdb.CatalogException as exc:  # reads a view not created yet
                errors[name] = str(exc)
                continue
            except duckdb.Error as exc:
                raise ConfigurationError(f"view `{name}` (warehouse/views/{name}.sql) failed: {exc}") from exc
            done.append(name)
            del pending[name]
            progressed = True
        if not progressed:
            name = next(iter(pending))
            raise ConfigurationError(f"view `{name}` (warehouse/views/{name}.sql) failed: {errors[name]}")
    return done

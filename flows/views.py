"""The analyst's model around the flows: channel preferences and the views of warehouse/views/.

Views are not migrations: they hold no data, so they are (re)created from their ``.sql``
files on every score run (``create or replace view``), and editing one takes effect on
the next run. Channel preferences are copied from warehouse/channel_preferences.csv on
every friction run, so the CSV stays the one place to change a figure.

    apply_views(con)                 # every view in warehouse/views/, in dependency order
    sync_channel_preferences(con)    # the CSV into channel_preferences
"""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime
from importlib import resources
from typing import TYPE_CHECKING

import duckdb

from journeys.errors import ConfigurationError

if TYPE_CHECKING:
    from flows.rules import Catalogue

__all__ = ["apply_views", "saved_queries", "sync_channel_preferences", "sync_friction_rules", "view_files"]


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


def sync_channel_preferences(con: duckdb.DuckDBPyConnection) -> int:
    """Replace ``channel_preferences`` with warehouse/channel_preferences.csv; return its rows."""
    text = resources.files("warehouse").joinpath("channel_preferences.csv").read_text(encoding="utf-8")
    rows = []
    for number, row in enumerate(csv.DictReader(io.StringIO(text)), start=2):
        try:
            share = float(row["share"])
        except (KeyError, TypeError, ValueError):
            raise ConfigurationError(
                f"warehouse/channel_preferences.csv line {number}: field `share` must be a number 0-1"
            ) from None
        if not 0 <= share <= 1:
            raise ConfigurationError(f"warehouse/channel_preferences.csv line {number}: `share` {share} is not 0-1")
        rows.append((row["country"].strip().upper(), row["channel"].strip().lower(), share, row.get("source")))
    con.execute("delete from channel_preferences")
    con.executemany("insert into channel_preferences values (?, ?, ?, ?)", rows)
    return len(rows)


def sync_friction_rules(con: duckdb.DuckDBPyConnection, catalogue: Catalogue, now: datetime) -> int:
    """Replace ``friction_rules`` with the catalogue a friction run uses; return its rules."""
    rows = [
        (
            rule.name,
            rule.description,
            rule.severity,
            rule.enabled,
            json.dumps(dict(rule.parameters), sort_keys=True),
            rule.sql_path,
            catalogue.version,
            now,
        )
        for rule in catalogue.rules
    ]
    con.execute("delete from friction_rules")
    con.executemany("insert into friction_rules values (?, ?, ?, ?, ?, ?, ?, ?)", rows)
    return len(rows)

"""The analyst's model around the flows: channel preferences and the views of warehouse/views/.

Views are not migrations: they hold no data, so they are (re)created from their ``.sql``
files whenever the warehouse is opened for writing and on every score run (``create or
replace view``; :mod:`warehouse.model`), and editing one takes effect on the next run. Channel preferences are copied from warehouse/channel_preferences.csv on
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
from warehouse.model import apply_views, saved_queries, view_files

if TYPE_CHECKING:
    from flows.rules import Catalogue

__all__ = ["apply_views", "saved_queries", "sync_channel_preferences", "sync_friction_rules", "view_files"]


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

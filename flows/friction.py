"""The friction flow: run every enabled rule of the catalogue over the journeys in scope.

Set-based: each rule is one SQL statement over the whole scope, never a loop over
journeys. A run, in one DuckDB transaction:

1. refresh ``channel_preferences`` from warehouse/channel_preferences.csv, and
   ``friction_rules`` from the catalogue (so analysts read the rules in SQL);
2. build the scope: ``scope_touchpoints`` (membership rows of the journeys to rework:
   those in ``journey_changes``, or all) and ``scope_journeys`` (one row per journey,
   with its customer, status, country and how long it has been quiet);
3. run each rule into a staging table: its ``select`` returns journey_id, touchpoint_ids,
   channel, step, detail (one row per journey); the flow adds rule, severity, detected_at;
4. retire the scope's points the run did not reproduce exactly (every point of a merged
   journey, or of a journey that lost the pattern), and insert the new and changed ones,
   sorted by key;
5. put the later journeys whose points changed (the scope reaches ``lookback_s`` past each
   changed journey of a customer, for the cross-journey rules) into ``journey_changes``, so
   the score flow rescores them. A point found again unchanged keeps its row and first ``detected_at``:
   DuckDB pays ~17 us per key deleted from a primary-key index at commit, so rewriting
   unchanged rows would make a rerun over 1M journeys cost half a minute for nothing.

A rule that fails rolls the whole run back, and the error names the rule and its file.

    counts = flag_friction(con)                      # {"rage_click": 12, ...}
    counts = flag_friction(con, changed_only=False)  # rework every journey
"""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
from prefect import flow

from flows.rules import Catalogue, FrictionRule, load_catalogue
from flows.views import sync_channel_preferences, sync_friction_rules
from journeys.errors import ConfigurationError
from journeys.settings import Settings
from warehouse.db import read_sql

__all__ = ["flag_friction", "friction_flow", "prepare_scope"]

log = logging.getLogger(__name__)

_STAGE = "create or replace temp table friction_staging as select * from friction_points limit 0"
_INSERT = """
insert into friction_staging (journey_id, rule, severity, touchpoint_ids, channel, step, detail, detected_at)
select journey_id, $rule, $severity, touchpoint_ids, channel, step, detail, $detected_at
from ({sql}) as rule_output
where journey_id is not null and len(touchpoint_ids) > 0
"""
_DUPLICATE = "select rule, journey_id from friction_staging group by rule, journey_id having count(*) > 1 limit 1"
_DELETE_GONE = (
    "delete from friction_points as f using friction_gone as g where f.journey_id = g.journey_id and f.rule = g.rule"
)
_INSERT_NEW = "insert into friction_points select * from friction_new order by journey_id, rule"
_TEMP_TABLES = ("friction_staging", "friction_gone", "friction_new", "scope_ids", "scope_touchpoints", "scope_journeys")


def prepare_scope(con: duckdb.DuckDBPyConnection, *, changed_only: bool, lookback_s: float = 0) -> int:
    """Create the ``scope_ids``, ``scope_touchpoints`` and ``scope_journeys`` temp tables; return the journeys in scope.

    ``lookback_s``: also rework the customers' journeys that started up to this long after a
    changed one (what cross-journey rules look back over).
    """
    con.execute(read_sql("friction/_scope_ids.sql"), {"changed_only": changed_only, "lookback_s": lookback_s})
    con.execute(read_sql("friction/_scope_touchpoints.sql"))
    con.execute(read_sql("friction/_scope_journeys.sql"))
    row = con.execute("select count(*) from scope_journeys").fetchone()
    return int(row[0]) if row else 0


def _resolve(rules: Catalogue | Path | str | None) -> Catalogue:
    if isinstance(rules, Catalogue):
        return rules
    return load_catalogue(rules)


def _run_rule(con: duckdb.DuckDBPyConnection, rule: FrictionRule, detected_at: datetime) -> int:
    # The rule's SQL text is composed into the insert (it is configuration, like a view); its
    # values never are: they are bound as named parameters.
    statement = _INSERT.format(sql=rule.sql.rstrip().rstrip(";"))
    parameters: dict[str, Any] = {
        **rule.bound_parameters(),
        "rule": rule.name,
        "severity": rule.severity,
        "detected_at": detected_at,
    }
    try:
        row = con.execute(statement, parameters).fetchone()
    except duckdb.Error as exc:
        raise ConfigurationError(
            f"friction rule `{rule.name}` ({rule.sql_path}) failed: {exc}. Its select must return "
            "journey_id, touchpoint_ids, channel, step, detail; fix the SQL or set `enabled: false`"
        ) from exc
    return int(row[0]) if row else 0


def flag_friction(
    con: duckdb.DuckDBPyConnection,
    *,
    rules: Catalogue | Path | str | None = None,
    changed_only: bool = True,
) -> dict[str, int]:
    """Replace the friction points of the journeys in scope; return the rows written per rule.

    ``rules``: a loaded catalogue, or the path of one (default warehouse/friction_rules.yaml).
    ``changed_only``: rework the journeys in ``journey_changes`` (the loader's work queue),
    else every journey. Runs in one transaction: on any error nothing changes.
    """
    catalogue = _resolve(rules)
    detected_at = datetime.now(UTC)
    counts: dict[str, int] = {}
    con.execute("begin transaction")
    try:
        sync_channel_preferences(con)
        sync_friction_rules(con, catalogue, detected_at)
        journeys = prepare_scope(con, changed_only=changed_only, lookback_s=catalogue.lookback_s)
        con.execute(_STAGE)
        for rule in catalogue.enabled:
            started = time.perf_counter()
            counts[rule.name] = _run_rule(con, rule, detected_at)
            log.debug(
                "friction rule %s: %d rows in %.2f s", rule.name, counts[rule.name], time.perf_counter() - started
            )
        duplicate = con.execute(_DUPLICATE).fetchone()
        if duplicate:
            rule = catalogue.rule(duplicate[0])
            raise ConfigurationError(
                f"friction rule `{rule.name}` ({rule.sql_path}) returned several rows for journey `{duplicate[1]}`; "
                "a rule fires at most once per journey: group its select by journey_id"
            )
        con.execute(read_sql("friction/_retire.sql"))
        con.execute(_DELETE_GONE)
        con.execute(read_sql("friction/_publish.sql"))
        con.execute(_INSERT_NEW)
        if changed_only:
            con.execute(read_sql("friction/_requeue.sql"))
        for table in _TEMP_TABLES:
            con.execute(f"drop table if exists {table}")  # our own temp tables' names, not values
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    log.info(
        "friction: %d journeys in scope, %d friction points (%s)",
        journeys,
        sum(counts.values()),
        ", ".join(f"{name} {count}" for name, count in counts.items() if count),
    )
    return counts


@flow(name="journeys-friction", log_prints=True)
def friction_flow(settings: Settings | None = None, changed_only: bool = True) -> dict[str, int]:
    """Prefect flow `journeys-friction`: open the warehouse, flag friction, close it."""
    from warehouse.db import connect

    settings = settings or Settings()
    con = connect(settings.duckdb_path)
    try:
        return flag_friction(con, rules=settings.flows.rules_path, changed_only=changed_only)
    finally:
        con.close()

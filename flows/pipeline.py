"""The parent Prefect flow `journeys-pipeline`: load -> friction -> scores -> quality, incrementally.

The flow only orchestrates (the work is in plain functions that take a DuckDB connection):

1. **load** (task, retried on retryable errors): micro-batches from Kafka until caught up;
   every journey inserted, changed or re-attributed lands in ``journey_changes``.
2. **friction** (task): ``flows.friction.flag_friction(con, changed_only=True)``.
3. **scores** (task): ``flows.scoring.score_journeys(con, changed_only=True)``.
4. **clear changes** (task): empties ``journey_changes`` up to the snapshot friction and
   scores worked on, in one transaction; skipped when either step is not installed, so they
   catch up later. When no journey changed, steps 2-4 are skipped.
5. **quality** (task): every data-quality check, written to ``dq_results``; a failed check
   fails the run with a message that says what is wrong.

DuckDB has one writer: the flow opens one connection, hands it to every task, and closes it
at the end. ``journeys flows run`` calls :func:`pipeline` once; ``journeys flows serve``
serves it on an interval with ``flow.serve``.
"""

from __future__ import annotations

import importlib
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

import duckdb
from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE

from journeys.errors import JourneysError
from journeys.settings import Settings

__all__ = [
    "PIPELINE_NAME",
    "clear_changes",
    "load_flow",
    "optional_step",
    "pipeline",
    "pipeline_deployment",
    "quality_flow",
]

PIPELINE_NAME = "journeys-pipeline"


def _retryable(task: Any, task_run: Any, state: Any) -> bool:
    """Retry a task only when its error says trying again can help (broker down, file locked)."""
    try:
        state.result()
    except JourneysError as exc:
        return exc.retryable
    except Exception:
        return False
    return False


def _retrying(step: Any, settings: Settings) -> Any:
    """``step`` with the configured retries, the delay doubling each time."""
    delays = [settings.flows.retry_delay_s * 2**attempt for attempt in range(max(settings.flows.retries, 1))]
    return step.with_options(retries=settings.flows.retries, retry_delay_seconds=delays)


def optional_step(module: str, name: str) -> Callable[..., Any] | None:
    """``module.name`` when that module is installed, else None (the step is skipped with a log line)."""
    try:
        found = importlib.import_module(module)
    except ModuleNotFoundError as exc:
        if exc.name == module:
            return None
        raise
    step = getattr(found, name, None)
    return step if callable(step) else None


@task(name="load", cache_policy=NO_CACHE, retry_condition_fn=_retryable)
def load_task(con: duckdb.DuckDBPyConnection, settings: Settings, max_batches: int | None) -> dict[str, Any]:
    from flows.load import load

    logger = get_run_logger()
    report = load(con, settings, max_batches=max_batches, logger=logger)
    return {
        "batches": len(report.batches),
        "touchpoints": report.total("touchpoints"),
        "journeys": report.total("journeys"),
        "journeys_changed": report.total("journeys_changed"),
        "identity_links": report.total("identity_links"),
        "reattributed": report.total("reattributed"),
        "failed_events": report.total("failed_events"),
        "caught_up": report.caught_up,
        "seconds": round(report.seconds, 2),
    }


@task(name="friction", cache_policy=NO_CACHE)
def friction_task(
    con: duckdb.DuckDBPyConnection, settings: Settings, changed_only: bool = True
) -> dict[str, int] | None:
    step = optional_step("flows.friction", "flag_friction")
    if step is None:
        get_run_logger().warning("friction: flows.friction is not installed; skipped (journey_changes kept)")
        return None
    counts: dict[str, int] = step(con, rules=settings.flows.rules_path, changed_only=changed_only)
    return counts


@task(name="scores", cache_policy=NO_CACHE)
def scores_task(con: duckdb.DuckDBPyConnection, settings: Settings, changed_only: bool = True) -> int | None:
    step = optional_step("flows.scoring", "score_journeys")
    if step is None:
        get_run_logger().warning("scores: flows.scoring is not installed; skipped (journey_changes kept)")
        return None
    return int(step(con, config=settings.flows.scoring_path, changed_only=changed_only))


def clear_changes(con: duckdb.DuckDBPyConnection, up_to: datetime | None) -> int:
    """Empty ``journey_changes`` up to ``up_to`` (the snapshot the flows worked on), in a transaction."""
    if up_to is None:
        return 0
    con.execute("begin transaction")
    try:
        row = con.execute("delete from journey_changes where changed_at <= ? returning journey_id", [up_to]).fetchall()
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    return len(row)


@task(name="clear-changes", cache_policy=NO_CACHE)
def clear_changes_task(con: duckdb.DuckDBPyConnection, up_to: datetime | None) -> int:
    return clear_changes(con, up_to)


@task(name="quality", cache_policy=NO_CACHE)
def quality_task(con: duckdb.DuckDBPyConnection, settings: Settings, run_id: str) -> dict[str, str]:
    from flows.quality import enforce, run_checks

    results = run_checks(con, settings, run_id=run_id, logger=get_run_logger())
    enforce(results, settings.flows.quality_fail_on)
    return {result.check: result.status for result in results}


def _run_id() -> str:
    from prefect.runtime import flow_run

    return str(flow_run.id or "local")


def _snapshot(con: duckdb.DuckDBPyConnection) -> datetime | None:
    row = con.execute("select max(changed_at) from journey_changes").fetchone()
    return row[0] if row else None


def _open(settings: Settings) -> duckdb.DuckDBPyConnection:
    """The run's one connection; waits up to ``lock_wait_s`` while another process holds the file
    (an analyst's `journeys sql`, a run that is finishing), then fails with what to do."""
    from journeys.errors import ConfigurationError
    from warehouse.db import connect

    deadline = time.monotonic() + settings.flows.lock_wait_s
    waited = False
    while True:
        try:
            return connect(settings.duckdb_path)
        except ConfigurationError as exc:
            if not isinstance(exc.__cause__, duckdb.IOException) or time.monotonic() >= deadline:
                raise
            if not waited:
                get_run_logger().warning(
                    "the warehouse %s is held open by another process; waiting up to %.0f s",
                    settings.duckdb_path,
                    settings.flows.lock_wait_s,
                )
                waited = True
            time.sleep(1.0)


@flow(name=PIPELINE_NAME, log_prints=True)
def pipeline(
    settings: Settings | None = None, max_batches: int | None = None, checks: bool = True, rework_all: bool = False
) -> dict[str, Any]:
    """Load new records, rework the changed journeys (friction, scores), then check data quality.

    ``rework_all``: friction and scores over every journey, e.g. after editing the rule
    catalogue or the score weights.
    """
    settings = settings or Settings()
    logger = get_run_logger()
    con = _open(settings)
    try:
        summary: dict[str, Any] = {"load": _retrying(load_task, settings)(con, settings, max_batches)}
        up_to = _snapshot(con)
        if up_to is None and not rework_all:
            # Nothing new or changed since the last run: friction and scores would rework nothing.
            logger.info("no journey changed since the last run; friction and scores skipped")
            summary |= {"friction": {}, "scores": 0}
        else:
            changed_only = not rework_all
            friction = _retrying(friction_task, settings)(con, settings, changed_only)
            scores = _retrying(scores_task, settings)(con, settings, changed_only)
            summary |= {"friction": friction, "scores": scores}
            if friction is not None and scores is not None:
                summary["changes_cleared"] = clear_changes_task(con, up_to)
        if checks:
            summary["quality"] = quality_task(con, settings, _run_id())
    finally:
        con.close()
    logger.info("pipeline done: %s", summary)
    return summary


def pipeline_deployment(
    settings: Settings, *, name: str = PIPELINE_NAME, interval: int | None = None, cron: str | None = None
) -> Any:
    """The pipeline as a scheduled deployment for ``flow.serve`` / ``prefect.serve``.

    One run at a time (``concurrency_limit=1``): DuckDB has one writer, so a run that starts
    while the previous one still loads would only fail on the locked file.
    """
    schedule: dict[str, Any] = {"cron": cron} if cron else {"interval": interval or settings.flows.schedule_interval_s}
    return pipeline.to_deployment(
        name=name,
        concurrency_limit=1,
        tags=["journeys"],
        description="Load Kafka into DuckDB exactly once, then friction, scores and data-quality checks.",
        **schedule,
    )


@flow(name="journeys-load", log_prints=True)
def load_flow(settings: Settings | None = None, max_batches: int | None = None) -> dict[str, Any]:
    """Only the load (the other steps pick its changes up on the next pipeline run)."""
    settings = settings or Settings()
    con = _open(settings)
    try:
        result: dict[str, Any] = _retrying(load_task, settings)(con, settings, max_batches)
        return result
    finally:
        con.close()


@flow(name="journeys-quality", log_prints=True)
def quality_flow(settings: Settings | None = None) -> dict[str, str]:
    """Only the data-quality checks."""
    settings = settings or Settings()
    con = _open(settings)
    try:
        result: dict[str, str] = quality_task(con, settings, _run_id())
        return result
    finally:
        con.close()

"""Data-quality checks of the warehouse: each a SQL file, thresholds in a YAML next to them.

A check is ``warehouse/quality/<name>.sql`` returning one row ``(observed, detail)``; its
bounds (``warn_above``, ``fail_above``, ``warn_below``, ``fail_below``) come from
``warehouse/quality/checks.yaml`` (or ``JOURNEYS_FLOWS_QUALITY_PATH``). Every result is
written to ``dq_results`` with the run id, then :func:`enforce` fails the run when a check
failed, with a message that lists what is wrong.

    results = run_checks(con, settings, run_id="manual")
    enforce(results, "fail")
"""

from __future__ import annotations

import logging
import math
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import duckdb
import yaml

from journeys.errors import ConfigurationError, JourneysError
from journeys.settings import Settings
from warehouse.db import read_sql

__all__ = [
    "Check",
    "CheckResult",
    "DataQualityError",
    "QualityConfig",
    "enforce",
    "evaluate",
    "load_config",
    "run_checks",
]

log = logging.getLogger("journeys.quality")

Status = Literal["pass", "warn", "fail"]
_BOUNDS = ("fail_above", "warn_above", "fail_below", "warn_below")
_PARAMETER = re.compile(r"\$([a-z_]+)")


class DataQualityError(JourneysError):
    """A data-quality check failed; the message lists each failed check with what it saw."""


@dataclass(frozen=True)
class Check:
    name: str
    description: str
    fail_above: float | None = None
    warn_above: float | None = None
    fail_below: float | None = None
    warn_below: float | None = None


@dataclass(frozen=True)
class QualityConfig:
    window_hours: int
    history_windows: int
    checks: tuple[Check, ...]


@dataclass(frozen=True)
class CheckResult:
    check: str
    status: Status
    observed: float | None
    threshold: float | None
    message: str


def load_config(path: Path | None = None) -> QualityConfig:
    """The checks and their bounds from ``path`` (default warehouse/quality/checks.yaml)."""
    if path is None:
        text = resources.files("warehouse").joinpath("quality/checks.yaml").read_text(encoding="utf-8")
        origin = "warehouse/quality/checks.yaml"
    else:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except OSError as exc:
            raise ConfigurationError(f"cannot read the quality checks `{path}`: {exc}") from exc
        origin = str(path)
    document = yaml.safe_load(text) or {}
    checks = []
    for name, raw in (document.get("checks") or {}).items():
        spec = raw or {}
        unknown = set(spec) - {"description", *_BOUNDS}
        if unknown:
            raise ConfigurationError(
                f"quality check `{name}` in {origin} has unknown keys {sorted(unknown)}; use {', '.join(_BOUNDS)}"
            )
        checks.append(
            Check(name, str(spec.get("description", name)), **{k: float(spec[k]) for k in _BOUNDS if k in spec})
        )
    return QualityConfig(
        window_hours=int(document.get("window_hours", 24)),
        history_windows=int(document.get("history_windows", 7)),
        checks=tuple(checks),
    )


def evaluate(check: Check, observed: float | None, detail: str) -> CheckResult:
    """Pure: the status of ``check`` for ``observed`` (None: could not be evaluated yet -> pass)."""
    if observed is None or math.isnan(observed):
        return CheckResult(check.name, "pass", None, None, f"{check.description}: not evaluated yet ({detail})")
    rules: tuple[tuple[Status, float | None, str], ...] = (
        ("fail", check.fail_above, "above"),
        ("fail", check.fail_below, "below"),
        ("warn", check.warn_above, "above"),
        ("warn", check.warn_below, "below"),
    )
    for status, bound, side in rules:
        if bound is not None and (observed > bound if side == "above" else observed < bound):
            return CheckResult(
                check.name,
                status,
                observed,
                bound,
                f"{check.description}: {_number(observed)} is {side} the {status} bound {bound:g} ({detail})",
            )
    main = check.fail_above if check.fail_above is not None else check.fail_below
    return CheckResult(check.name, "pass", observed, main, f"{check.description}: {_number(observed)} ({detail})")


def _number(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.4g}"


def _measure(con: duckdb.DuckDBPyConnection, name: str, params: dict[str, Any]) -> tuple[float | None, str]:
    try:
        sql = read_sql(f"quality/{name}.sql")
    except FileNotFoundError as exc:
        raise ConfigurationError(
            f"quality check `{name}` has no SQL file warehouse/quality/{name}.sql; add it or remove the check"
        ) from exc
    used = {key: params[key] for key in set(_PARAMETER.findall(sql)) if key in params}
    row = con.execute(sql, used).fetchone()
    if row is None:
        return None, "the query returned no row"
    observed = None if row[0] is None else float(row[0])
    return observed, str(row[1])


def run_checks(
    con: duckdb.DuckDBPyConnection,
    settings: Settings,
    *,
    run_id: str,
    logger: logging.Logger | logging.LoggerAdapter[Any] | None = None,
) -> list[CheckResult]:
    """Run every check, write the results to ``dq_results`` (one transaction), return them."""
    out = logger or log
    config = load_config(settings.flows.quality_path)
    params = {"window_hours": config.window_hours, "history_windows": config.history_windows}
    results = [evaluate(check, *_measure(con, check.name, params)) for check in config.checks]
    checked_at = datetime.now(UTC)
    con.execute("begin transaction")
    try:
        con.executemany(
            "insert or replace into dq_results (run_id, check_name, status, observed, threshold, message, checked_at)"
            " values (?, ?, ?, ?, ?, ?, ?)",
            [[run_id, r.check, r.status, r.observed, r.threshold, r.message, checked_at] for r in results],
        )
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    for result in results:
        level = {"pass": logging.INFO, "warn": logging.WARNING, "fail": logging.ERROR}[result.status]
        out.log(level, "%s %s: %s", result.status.upper(), result.check, result.message)
    return results


def enforce(results: list[CheckResult], fail_on: str) -> None:
    """Raise :class:`DataQualityError` when a check ended ``fail`` (or ``warn`` too, per ``fail_on``)."""
    statuses = {"fail": {"fail"}, "warn": {"fail", "warn"}, "never": set()}[fail_on]
    bad = [r for r in results if r.status in statuses]
    if bad:
        lines = "\n".join(f"- {r.check} ({r.status}): {r.message}" for r in bad)
        raise DataQualityError(
            f"{len(bad)} data-quality check(s) failed:\n{lines}\n"
            "Every result is in the table dq_results; thresholds are in warehouse/quality/checks.yaml "
            "(or JOURNEYS_FLOWS_QUALITY_PATH)."
        )

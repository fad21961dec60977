"""What ``journeys report`` needs around ``build_report``: open the warehouse, read the evaluation."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import duckdb

from journeys.errors import ConfigurationError
from warehouse.db import connect

__all__ = ["open_read_only", "read_evaluation"]


def open_read_only(path: Path) -> duckdb.DuckDBPyConnection:
    """The warehouse, read-only, in UTC; a clear error when it is missing or locked by a writer."""
    try:
        con = connect(path, read_only=True)
    except duckdb.IOException as exc:
        raise ConfigurationError(
            f"cannot read the warehouse `{path}`: {exc}. A process holds it open for writing "
            "(a running `journeys flows serve`?); run the report between flow runs or stop it"
        ) from exc
    con.execute("set TimeZone = 'UTC'")
    return con


def read_evaluation(path: Path, *, required: bool = False) -> dict[str, Any] | None:
    """The parsed ``evaluation.json``; None when absent (unless the user named it)."""
    if not path.exists():
        if required:
            raise ConfigurationError(f"no evaluation at `{path}`; run `journeys evaluate` first or drop --evaluation")
        return None
    try:
        parsed = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigurationError(
            f"cannot read the evaluation `{path}`: {exc}; run `journeys evaluate` again to rewrite it"
        ) from exc
    if not isinstance(parsed, dict):
        raise ConfigurationError(f"the evaluation `{path}` is not a JSON object; run `journeys evaluate` again")
    return parsed

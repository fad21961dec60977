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
    """The warehouse, read-only, in UTC; ``warehouse.db.connect`` says what to do when it is missing or locked."""
    return connect(path, read_only=True)


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

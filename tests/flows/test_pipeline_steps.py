"""The parent flow's plain parts: which errors are retried, the optional steps, the change queue."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from flows.pipeline import _retryable, clear_changes, optional_step
from journeys.errors import ConfigurationError, TransientError
from warehouse.db import connect


class _State:
    def __init__(self, error: BaseException) -> None:
        self.error = error

    def result(self) -> Any:
        raise self.error


@pytest.mark.parametrize(
    ("error", "retried"),
    [
        (TransientError("broker down"), True),
        (ConfigurationError("topic missing"), False),
        (ValueError("a bug"), False),
    ],
)
def test_only_retryable_errors_are_retried(error: BaseException, retried: bool) -> None:
    assert _retryable(None, None, _State(error)) is retried


def test_a_missing_step_is_skipped_not_failed() -> None:
    assert optional_step("flows.not_there_yet", "anything") is None
    assert optional_step("flows.quality", "no_such_function") is None
    assert optional_step("flows.quality", "run_checks") is not None


def test_clearing_changes_keeps_those_queued_after_the_snapshot(tmp_path: Path) -> None:
    con = connect(tmp_path / "journeys.duckdb")
    snapshot = datetime(2025, 3, 1, tzinfo=UTC)
    con.execute(
        "insert into journey_changes values ('j-old', ?), ('j-new', ?)", [snapshot, snapshot + timedelta(seconds=1)]
    )
    assert clear_changes(con, snapshot) == 1
    assert con.execute("select journey_id from journey_changes").fetchall() == [("j-new",)]
    assert clear_changes(con, None) == 0
    con.close()

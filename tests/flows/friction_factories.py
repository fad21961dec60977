"""Build journeys in a real DuckDB warehouse for the friction and score tests.

A journey is written the way the loader writes it: a ``journeys`` row, its
``journey_touchpoints`` membership rows, the matching ``touchpoints`` rows and an entry in
``journey_changes``. Touchpoints are small dicts; times are offsets from ``BASE``
(seconds, or "90s", "5m", "2h", "3d")::

    build = WarehouseBuilder(con)
    build.journey("j1", customer="c1", touchpoints=[
        {"id": "e1", "t": 0, "channel": "web", "type": "page_view", "step": "cart"},
        {"id": "e2", "t": "1m", "channel": "web", "type": "click", "target": "pay"},
    ])
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import yaml

BASE = datetime(2026, 1, 1, tzinfo=UTC)
CASES = Path(__file__).resolve().parents[1] / "cases" / "friction"
_DURATION = re.compile(r"^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)$")
_UNIT_S = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400}
# touchpoint dict keys that are columns of both touchpoints and journey_touchpoints
_SHARED = (
    "page",
    "step",
    "intent",
    "outcome",
    "error_code",
    "latency_ms",
    "duration_ms",
    "survey_kind",
    "survey_score",
)
# columns only touchpoints has
_ONLY_TOUCHPOINTS = ("target", "conversation_id", "agent_id", "country")


def seconds(value: float | str) -> float:
    """An offset: a number of seconds, or a string with a unit (ms, s, m, h, d)."""
    if isinstance(value, int | float):
        return float(value)
    match = _DURATION.match(value.strip())
    if not match:
        raise ValueError(f"`{value}` is not a duration like 90s, 5m, 2h, 3d")
    return float(match.group(1)) * _UNIT_S[match.group(2)]


class WarehouseBuilder:
    """Writes journeys into a warehouse opened with ``warehouse.db.connect``."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con

    def journey(
        self,
        journey_id: str,
        *,
        customer: str,
        touchpoints: list[dict[str, Any]],
        kind: str = "support",
        status: str = "closed",
        country: str | None = "DE",
        outcome: str | None = None,
        shift_s: float = 0.0,
        changed: bool = True,
    ) -> None:
        """One journey; ``shift_s`` moves every touchpoint (e.g. to end it just before "now")."""
        rows = sorted(
            ({**tp, "time": BASE + timedelta(seconds=seconds(tp.get("t", 0)) + shift_s)} for tp in touchpoints),
            key=lambda tp: tp["time"],
        )
        channels: list[str] = []
        for tp in rows:
            if tp.get("channel", "web") not in channels:
                channels.append(tp.get("channel", "web"))
        start, end = rows[0]["time"], rows[-1]["time"]
        self.con.execute(
            "insert or replace into journeys values (?, ?, ?, ?, ?, null, ?, ?, ?, 1, ?, ?, ?, 0, ?, ?, ?, ?, now())",
            [
                journey_id,
                customer,
                kind,
                status,
                "outcome" if outcome and status == "closed" else ("inactivity" if status == "closed" else None),
                start,
                end,
                (end - start).total_seconds(),
                outcome,
                country,
                len(rows),
                len(channels),
                channels,
                json.dumps([{"type": "customer_id", "value": customer}]),
                end,
            ],
        )
        self.con.execute("delete from journey_touchpoints where journey_id = ?", [journey_id])
        for position, tp in enumerate(rows, start=1):
            self._touchpoint(journey_id, customer, position, tp, country)
        if changed:
            self.con.execute("insert or replace into journey_changes values (?, now())", [journey_id])

    def _touchpoint(
        self, journey_id: str, customer: str, position: int, tp: dict[str, Any], country: str | None
    ) -> None:
        channel = tp.get("channel", "web")
        event_type = tp["type"]
        session = tp.get("session", f"{journey_id}.{channel}")
        shared = [tp.get(name) for name in _SHARED]
        self.con.execute(
            "insert into journey_touchpoints values (?, ?, ?, ?, ?, ?, ?, false, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [journey_id, position, tp["id"], tp["time"], channel, event_type, session, *shared],
        )
        extra = {name: tp.get(name) for name in _ONLY_TOUCHPOINTS}
        extra["country"] = extra["country"] or country
        columns = ["event_id", "customer_id", "journey_id", "session_id", "event_time", "received_time"]
        columns += ["stitched_time", "source", "channel", "event_type", "late", "loaded_at"]
        values = [tp["id"], customer, journey_id, session, tp["time"], tp["time"], tp["time"], "test"]
        values += [channel, event_type, False, tp["time"]]
        for name, value in [*zip(_SHARED, shared, strict=True), *extra.items()]:
            columns.append(name)
            values.append(value)
        self.con.execute(
            f"insert or replace into touchpoints ({', '.join(columns)}) values ({', '.join('?' * len(values))})",
            values,
        )


def load_cases() -> list[tuple[str, dict[str, Any]]]:
    """Every golden case under tests/cases/friction/<rule>.yaml, as (rule, case)."""
    found = []
    for path in sorted(CASES.glob("*.yaml")):
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
        for case in document["cases"]:
            found.append((document["rule"], case))
    return found


def case_journeys(case: dict[str, Any]) -> list[dict[str, Any]]:
    """A case's journeys: ``journeys:`` as given, or one journey `j` from ``touchpoints:``."""
    if "journeys" in case:
        return list(case["journeys"])
    single = {key: value for key, value in case.items() if key not in {"name", "expect"}}
    return [{"id": "j", **single}]


def case_expectation(case: dict[str, Any]) -> dict[str, list[str]]:
    """Expected evidence per journey key; a journey not listed must not fire."""
    expect = case.get("expect") or []
    if isinstance(expect, list):
        return {"j": list(expect)} if expect else {}
    return {key: list(ids) for key, ids in expect.items() if ids}

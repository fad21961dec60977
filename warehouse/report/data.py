"""Read what the report shows from the warehouse: one query per chart, plain data out.

This is the report's only DuckDB adapter. Each query lives in ``warehouse/report/<name>.sql``;
the functions here run them with bound parameters and turn rows into the frozen dataclasses
the chart modules draw. Tables a newer migration adds (``channel_preferences``) are optional:
when absent, the preference table shipped as ``warehouse/channel_preferences.csv`` is used.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any

import duckdb

from warehouse.db import read_sql

__all__ = [
    "WORST_JOURNEYS",
    "ChannelFriction",
    "CountryFriction",
    "DeadLetterCount",
    "DqResult",
    "FrictionPoint",
    "Headline",
    "LinkCount",
    "ReportData",
    "RuleCount",
    "ScoreBand",
    "ScoreMaxima",
    "Share",
    "TimelinePoint",
    "Transition",
    "VolumePoint",
    "WorstJourney",
    "load_report_data",
    "preference_csv",
]

# How many lowest-scored journeys get a timeline, and how many data-quality runs the grid shows.
WORST_JOURNEYS = 8
DQ_RUNS = 12


@dataclass(frozen=True)
class Headline:
    journeys: int
    customers: int
    touchpoints: int
    median_score: float | None
    journeys_with_friction: int
    first_time: datetime | None
    last_time: datetime | None

    @property
    def friction_rate(self) -> float | None:
        return self.journeys_with_friction / self.journeys if self.journeys else None


@dataclass(frozen=True)
class VolumePoint:
    period: datetime
    journeys: int
    with_friction: int


@dataclass(frozen=True)
class ScoreBand:
    band: int  # 0 = scores 0-9.99, ..., 9 = 90-100
    journeys: int
    outcome_points: float
    effort_points: float
    friction_points: float
    sentiment_points: float


@dataclass(frozen=True)
class RuleCount:
    rule: str
    severity: str
    journeys: int


@dataclass(frozen=True)
class ChannelFriction:
    channel: str
    journeys: int
    journeys_with_friction: int
    friction_points: int


@dataclass(frozen=True)
class CountryFriction:
    country: str
    journeys: int
    journeys_with_friction: int
    friction_points: int


@dataclass(frozen=True)
class Share:
    country: str
    channel: str
    share: float


@dataclass(frozen=True)
class Transition:
    source: str
    target: str
    transitions: int
    journeys: int
    journeys_with_friction: int = 0


@dataclass(frozen=True)
class TimelinePoint:
    position: int
    event_id: str
    event_time: datetime
    channel: str
    event_type: str
    page: str | None = None
    step: str | None = None
    intent: str | None = None
    outcome: str | None = None
    error_code: str | None = None
    latency_ms: int | None = None
    survey_kind: str | None = None
    survey_score: float | None = None


@dataclass(frozen=True)
class FrictionPoint:
    rule: str
    severity: str
    touchpoint_ids: tuple[str, ...]
    channel: str | None = None
    step: str | None = None
    detail: str | None = None


@dataclass(frozen=True)
class ScoreMaxima:
    """The most points each score part can give (outcome + effort + sentiment = 100), the largest penalty."""

    outcome: float
    effort: float
    sentiment: float
    max_penalty: float


@dataclass(frozen=True)
class WorstJourney:
    journey_id: str
    customer_id: str
    kind: str
    status: str
    outcome: str | None
    country: str | None
    start_time: datetime
    end_time: datetime
    touchpoint_count: int
    score: float
    outcome_points: float
    effort_points: float
    friction_points: float
    sentiment_points: float
    components: str
    weights_version: str = ""
    maxima: ScoreMaxima | None = None  # from scoring_configs, when the warehouse has it
    touchpoints: tuple[TimelinePoint, ...] = ()
    friction: tuple[FrictionPoint, ...] = ()


@dataclass(frozen=True)
class DqResult:
    run_id: str
    run_time: datetime
    check_name: str
    status: str
    observed: float | None
    threshold: float | None
    message: str


@dataclass(frozen=True)
class DeadLetterCount:
    error_kind: str
    source: str
    dead_letters: int


@dataclass(frozen=True)
class LinkCount:
    kind: str
    reason: str
    links: int


@dataclass(frozen=True)
class ReportData:
    """Everything one report shows, read in one go."""

    headline: Headline
    volume_bucket: str = "day"
    volume: tuple[VolumePoint, ...] = ()
    score_bands: tuple[ScoreBand, ...] = ()
    friction_by_rule: tuple[RuleCount, ...] = ()
    friction_by_channel: tuple[ChannelFriction, ...] = ()
    friction_by_country: tuple[CountryFriction, ...] = ()
    preferences: tuple[Share, ...] = ()
    preference_source: str = "warehouse/channel_preferences.csv"
    channel_mix: tuple[Share, ...] = ()
    transitions: tuple[Transition, ...] = ()
    worst: tuple[WorstJourney, ...] = ()
    dq: tuple[DqResult, ...] = ()
    dead_letters: tuple[DeadLetterCount, ...] = ()
    identity_links: tuple[LinkCount, ...] = ()
    identifiers_per_customer: tuple[tuple[int, int], ...] = ()  # (identifiers, 6 = 6 or more; customers)
    evaluation: dict[str, Any] | None = None
    warehouse: str = ""  # the DuckDB file's name
    generated_at: datetime = field(default_factory=lambda: datetime.now(UTC))


def _utc(value: Any) -> Any:
    """DuckDB hands TIMESTAMPTZ back in the session's zone; the report speaks UTC."""
    return value.astimezone(UTC) if isinstance(value, datetime) and value.tzinfo else value


def _rows(con: duckdb.DuckDBPyConnection, name: str, params: list[Any] | None = None) -> list[dict[str, Any]]:
    cursor = con.execute(read_sql(f"report/{name}.sql"), params or [])
    columns = [d[0] for d in cursor.description]
    return [{c: _utc(v) for c, v in zip(columns, row, strict=True)} for row in cursor.fetchall()]


def _has_table(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    found = con.execute(
        "select count(*) from information_schema.tables where table_name = ? and table_schema = current_schema()",
        [table],
    ).fetchone()
    return bool(found and found[0])


def preference_csv() -> tuple[Share, ...]:
    """The by-country channel preference table shipped with the package."""
    text = resources.files("warehouse").joinpath("channel_preferences.csv").read_text(encoding="utf-8")
    return tuple(Share(r["country"], r["channel"], float(r["share"])) for r in csv.DictReader(io.StringIO(text)))


def _bucket(headline: Headline) -> str:
    """Hourly bars for a warehouse spanning under three days, else daily."""
    if headline.first_time is None or headline.last_time is None:
        return "day"
    return "hour" if (headline.last_time - headline.first_time).total_seconds() < 3 * 86_400 else "day"


def _worst(con: duckdb.DuckDBPyConnection, limit: int) -> tuple[WorstJourney, ...]:
    journeys = _rows(con, "worst_journeys", [limit])
    ids = [j["journey_id"] for j in journeys]
    if not ids:
        return ()
    points: dict[str, list[TimelinePoint]] = {i: [] for i in ids}
    for row in _rows(con, "journey_timeline", [ids]):
        points[row.pop("journey_id")].append(TimelinePoint(**row))
    friction: dict[str, list[FrictionPoint]] = {i: [] for i in ids}
    for row in _rows(con, "journey_friction", [ids]):
        row["touchpoint_ids"] = tuple(row["touchpoint_ids"] or ())
        friction[row.pop("journey_id")].append(FrictionPoint(**row))
    maxima = _maxima(con, sorted({j["weights_version"] for j in journeys}))
    return tuple(
        WorstJourney(
            **j,
            maxima=maxima.get(j["weights_version"]),
            touchpoints=tuple(points[j["journey_id"]]),
            friction=tuple(friction[j["journey_id"]]),
        )
        for j in journeys
    )


def _maxima(con: duckdb.DuckDBPyConnection, versions: list[str]) -> dict[str, ScoreMaxima]:
    """Each weights_version's maxima; a config this report cannot read is skipped, not fatal."""
    if not versions or not _has_table(con, "scoring_configs"):
        return {}
    found = {}
    for row in _rows(con, "scoring_configs", [versions]):
        try:
            config = json.loads(row["config"])
            found[row["weights_version"]] = ScoreMaxima(
                float(config["outcome"]["points"]),
                float(config["effort"]["points"]),
                float(config["sentiment"]["points"]),
                float(config["friction"]["max_penalty"]),
            )
        except (KeyError, TypeError, ValueError):
            continue
    return found


def load_report_data(
    con: duckdb.DuckDBPyConnection,
    *,
    evaluation: dict[str, Any] | None = None,
    worst: int = WORST_JOURNEYS,
    dq_runs: int = DQ_RUNS,
) -> ReportData:
    """Run every report query against ``con`` (read-only is enough)."""
    headline = Headline(**_rows(con, "headline")[0])
    bucket = _bucket(headline)
    stored = (
        tuple(Share(**r) for r in _rows(con, "channel_preferences")) if _has_table(con, "channel_preferences") else ()
    )
    if stored:
        preferences, source = stored, "table channel_preferences"
    else:  # before the friction flow's first run the table is absent or empty
        preferences, source = preference_csv(), "warehouse/channel_preferences.csv"
    return ReportData(
        headline=headline,
        volume_bucket=bucket,
        volume=tuple(VolumePoint(**r) for r in _rows(con, "volume", [bucket])),
        score_bands=tuple(ScoreBand(**r) for r in _rows(con, "score_distribution")),
        friction_by_rule=tuple(RuleCount(**r) for r in _rows(con, "friction_by_rule")),
        friction_by_channel=tuple(ChannelFriction(**r) for r in _rows(con, "friction_by_channel")),
        friction_by_country=tuple(CountryFriction(**r) for r in _rows(con, "friction_by_country")),
        preferences=preferences,
        preference_source=source,
        channel_mix=tuple(Share(r["country"], r["channel"], r["share"]) for r in _rows(con, "channel_mix")),
        transitions=tuple(Transition(**r) for r in _rows(con, "channel_transitions")),
        worst=_worst(con, worst),
        dq=tuple(DqResult(**r) for r in _rows(con, "dq_results", [dq_runs])),
        dead_letters=tuple(DeadLetterCount(**r) for r in _rows(con, "dead_letters")),
        identity_links=tuple(LinkCount(**r) for r in _rows(con, "identity_links")),
        identifiers_per_customer=tuple(
            (r["identifiers"], r["customers"]) for r in _rows(con, "identifiers_per_customer")
        ),
        evaluation=evaluation,
        warehouse=_database_name(con),
    )


def _database_name(con: duckdb.DuckDBPyConnection) -> str:
    found = con.execute("select path from duckdb_databases() where database_name = current_database()").fetchone()
    return Path(found[0]).name if found and found[0] else "in-memory warehouse"

"""The score flow: an explainable experience score from 0 to 100 per journey.

    score = clamp(outcome_points + effort_points + sentiment_points + friction_points, 0, 100)

The weights live in warehouse/scoring.yaml (docs/scoring.md explains the formula), each
journey's inputs and points are stored beside its score (``journey_scores.components``),
and ``weights_version`` is a short hash of the configuration, whose full text is kept in
``scoring_configs``. Set-based, in one transaction:

1. the scope, as the friction flow builds it (``flows.friction.prepare_scope``);
2. ``journey_effort``: touchpoints, channel switches and duration of each journey in scope;
3. ``journey_norms``: the median effort per kind over every closed journey (what a typical
   journey of the same kind takes);
4. ``journey_scores``: the scope's scores, staged, then only the rows that changed are
   rewritten (an unchanged score keeps its row and first ``scored_at``).

Run it after the friction flow: the friction penalty reads ``friction_points``.

    scored = score_journeys(con)                     # the journeys in journey_changes
    scored = score_journeys(con, changed_only=False) # every journey
"""

from __future__ import annotations

import hashlib
import json
import logging
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any

import duckdb
import yaml
from prefect import flow
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from flows.friction import prepare_scope
from flows.views import apply_views
from journeys.errors import ConfigurationError
from journeys.settings import Settings
from warehouse.db import read_sql

__all__ = ["ScoringConfig", "load_scoring_config", "score_flow", "score_journeys"]

log = logging.getLogger(__name__)

# The staged rows are compared with the stored ones, and only what changed is rewritten
# (see warehouse/scoring/_retire_scores.sql for why).
_STAGE_EFFORT = "create or replace temp table effort_staging as\n"
_STAGE_SCORES = "create or replace temp table score_staging as\n"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class OutcomeWeights(_Strict):
    points: float = Field(ge=0, le=100, description="Points of a journey that reached its goal.")
    shares: dict[str, float] = Field(description="Share (0-1) of the outcome points by journeys.outcome.")
    open_share: float = Field(ge=0, le=1, description="Share for a still-open journey without an outcome.")
    unknown_share: float = Field(ge=0, le=1, description="Share for an outcome not listed, or none.")

    @model_validator(mode="after")
    def _shares_in_range(self) -> OutcomeWeights:
        for name, share in self.shares.items():
            if not 0 <= share <= 1:
                raise ValueError(f"shares.{name} must be 0-1 (got {share})")
        return self


class EffortWeights(_Strict):
    points: float = Field(ge=0, le=100, description="Points of a journey no harder than typical.")
    measures: dict[str, float] = Field(description="Split of the points: touchpoints, channel_switches, duration.")
    full_penalty_ratio: float = Field(gt=1, le=100, description="Times the typical value that loses all points.")
    min_kind_journeys: int = Field(ge=1, description="Closed journeys a kind needs to be its own norm.")

    @model_validator(mode="after")
    def _measures_known_and_sum_to_one(self) -> EffortWeights:
        known = {"touchpoints", "channel_switches", "duration"}
        if set(self.measures) != known:
            raise ValueError(f"measures must be exactly {', '.join(sorted(known))} (got {', '.join(self.measures)})")
        if abs(sum(self.measures.values()) - 1) > 1e-6 or min(self.measures.values()) < 0:
            raise ValueError(f"measures must be >= 0 and sum to 1 (got {sum(self.measures.values()):g})")
        return self


class SentimentWeights(_Strict):
    points: float = Field(ge=0, le=100, description="Points of the best survey answer.")
    no_survey_share: float = Field(ge=0, le=1, description="Share of the points without a survey answer.")
    scales: dict[str, tuple[float, float]] = Field(description="Survey kind -> [worst, best] answer.")

    @model_validator(mode="after")
    def _scales_ordered(self) -> SentimentWeights:
        for kind, (low, high) in self.scales.items():
            if not low < high:
                raise ValueError(f"scales.{kind} must be [worst, best] with worst < best (got [{low}, {high}])")
        return self


class FrictionWeights(_Strict):
    severity_weights: dict[str, float] = Field(description="Severity -> weight (low, medium, high).")
    points_per_weight: float = Field(ge=0, le=100, description="Points lost per unit of severity weight.")
    max_penalty: float = Field(ge=0, le=100, description="Most points friction can take in total.")


class ScoringConfig(_Strict):
    """warehouse/scoring.yaml, validated."""

    outcome: OutcomeWeights
    effort: EffortWeights
    sentiment: SentimentWeights
    friction: FrictionWeights

    @model_validator(mode="after")
    def _best_is_100(self) -> ScoringConfig:
        best = self.outcome.points + self.effort.points + self.sentiment.points
        if abs(best - 100) > 1e-6:
            raise ValueError(
                f"outcome.points + effort.points + sentiment.points must be 100 (got {best:g}), so the best journey scores 100"
            )
        return self

    @property
    def version(self) -> str:
        """Short hash of the configuration: journey_scores.weights_version."""
        return hashlib.sha256(self.canonical_json().encode()).hexdigest()[:12]

    def canonical_json(self) -> str:
        return json.dumps(self.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))

    def parameters(self) -> dict[str, Any]:
        """The named parameters of warehouse/scoring/journey_scores.sql."""

        def as_map(values: dict[str, float]) -> dict[str, list[Any]]:
            return {"key": list(values), "value": [float(v) for v in values.values()]}

        return {
            "outcome_points": self.outcome.points,
            "outcome_shares": as_map(self.outcome.shares),
            "open_share": self.outcome.open_share,
            "unknown_share": self.outcome.unknown_share,
            "effort_points": self.effort.points,
            "touchpoints_share": self.effort.measures["touchpoints"],
            "channel_switches_share": self.effort.measures["channel_switches"],
            "duration_share": self.effort.measures["duration"],
            "full_penalty_ratio": self.effort.full_penalty_ratio,
            "min_kind_journeys": self.effort.min_kind_journeys,
            "sentiment_points": self.sentiment.points,
            "no_survey_share": self.sentiment.no_survey_share,
            "scale_low": as_map({kind: low for kind, (low, _) in self.sentiment.scales.items()}),
            "scale_high": as_map({kind: high for kind, (_, high) in self.sentiment.scales.items()}),
            "severity_weights": as_map(self.friction.severity_weights),
            "points_per_weight": self.friction.points_per_weight,
            "max_penalty": self.friction.max_penalty,
        }


def default_scoring_path() -> Path:
    return Path(str(resources.files("warehouse").joinpath("scoring.yaml")))


def parse_scoring_config(document: Any, *, origin: str = "<scoring config>") -> ScoringConfig:
    try:
        return ScoringConfig.model_validate(document)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "(top level)"
        raise ConfigurationError(f"{origin}: field `{where}`: {first['msg']}") from exc


def load_scoring_config(path: Path | str | None = None) -> ScoringConfig:
    """Read and validate a score configuration (default: the packaged warehouse/scoring.yaml)."""
    path = Path(path) if path is not None else default_scoring_path()
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigurationError(
            f"cannot read the score configuration `{path}`: {exc.strerror}; "
            "set JOURNEYS_FLOWS_SCORING_PATH to an existing file"
        ) from exc
    except yaml.YAMLError as exc:
        raise ConfigurationError(f"the score configuration `{path}` is not valid YAML: {exc}") from exc
    return parse_scoring_config(document, origin=str(path))


def score_journeys(
    con: duckdb.DuckDBPyConnection,
    *,
    config: ScoringConfig | Path | str | None = None,
    changed_only: bool = True,
    refresh_views: bool = True,
) -> int:
    """Score the journeys in scope (``journey_changes``, or every journey); return how many were scored.

    ``refresh_views``: also (re)create the analyst views of warehouse/views/ afterwards.
    """
    config = config if isinstance(config, ScoringConfig) else load_scoring_config(config)
    now = datetime.now(UTC)
    con.execute("begin transaction")
    try:
        journeys = prepare_scope(con, changed_only=changed_only)
        # effort first: the norms are medians over every journey's effort, this run's included
        con.execute(_STAGE_EFFORT + read_sql("scoring/journey_effort.sql"), {"measured_at": now})
        con.execute(read_sql("scoring/_retire_effort.sql"))
        con.execute(read_sql("scoring/_publish_effort.sql"))
        con.execute("delete from journey_norms")
        con.execute(read_sql("scoring/journey_norms.sql"), {"computed_at": now})
        parameters = {**config.parameters(), "weights_version": config.version, "scored_at": now}
        con.execute(_STAGE_SCORES + read_sql("scoring/journey_scores.sql"), parameters)
        con.execute(read_sql("scoring/_retire_scores.sql"))
        con.execute(read_sql("scoring/_publish_scores.sql"))
        row = con.execute("select count(*) from score_staging").fetchone()
        con.execute(
            "insert into scoring_configs values (?, ?, ?) on conflict do nothing",
            [config.version, config.canonical_json(), now],
        )
        for table in ("effort_staging", "score_staging", "scope_ids", "scope_touchpoints", "scope_journeys"):
            con.execute(f"drop table if exists {table}")  # our own temp tables' names, not values
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    scored = int(row[0]) if row else 0
    if refresh_views:
        apply_views(con)
    log.info("scores: %d of %d journeys in scope scored (weights %s)", scored, journeys, config.version)
    return scored


@flow(name="journeys-scores", log_prints=True)
def score_flow(settings: Settings | None = None, changed_only: bool = True) -> int:
    """Prefect flow `journeys-scores`: open the warehouse, score journeys, close it."""
    from warehouse.db import connect

    settings = settings or Settings()
    con = connect(settings.duckdb_path)
    try:
        return score_journeys(con, config=settings.flows.scoring_path, changed_only=changed_only)
    finally:
        con.close()

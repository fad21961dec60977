"""The README's main job, end to end: ``journeys demo``.

Brings the stack up, creates the topics, simulates customers through the SDK, runs the
stitcher until it has caught up, runs the pipeline flow (load, friction, scores, data
quality) under Prefect, evaluates the warehouse against the simulation's ground truth,
and writes the HTML report. Each step is the same code the separate commands run.

A demo starts from nothing: against a broker on this machine it deletes the pipeline's
topics, the stitcher's consumer group and the warehouse file first, so a second run gives
the same figures. Against a remote cluster it never deletes anything: it works under a
topic prefix and consumer group of its own (``journeys-demo-<run>.``) instead.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from journeys.errors import ConfigurationError
from journeys.settings import Settings
from journeys.stack.kafka_local import is_loopback

__all__ = ["SAMPLE_QUERIES", "DemoResult", "run_demo"]

# Shown at the end: three questions an analyst asks first, as saved queries and plain SQL.
SAMPLE_QUERIES: tuple[tuple[str, str], ...] = (
    ("where customers struggle, by channel", "journeys sql --query friction_by_channel"),
    ("how journeys hop between channels", "journeys sql --query channel_transitions"),
    (
        "the ten worst journeys and why",
        'journeys sql "select journey_id, kind, country, score, outcome_points, effort_points, friction_points '
        'from journeys join journey_scores using (journey_id) order by score limit 10"',
    ),
)


@dataclass
class DemoResult:
    warehouse: Path
    report: Path
    evaluation: Path
    truth: Path
    passed: bool
    seconds: dict[str, float] = field(default_factory=dict)
    figures: dict[str, Any] = field(default_factory=dict)


Say = Callable[[str], None]

# The stitcher stops once it is caught up and nothing new arrived for this long: the simulator
# has flushed everything before the stitcher starts, so a few seconds of quiet means done.
_IDLE_S = 5.0


@contextmanager
def _step(name: str, seconds: dict[str, float], say: Say) -> Iterator[None]:
    say(f"[bold]{name}[/] ...")
    started = time.perf_counter()
    yield
    seconds[name] = time.perf_counter() - started


def _describe(stats: list[Any]) -> str:
    total = {name: sum(getattr(s, name) for s in stats) for name in ("consumed", "duplicates", "journeys_emitted")}
    rate = total["consumed"] / max([s.elapsed_s for s in stats] + [1e-9])
    return (
        f"{total['consumed']:,} events ({total['duplicates']:,} duplicates dropped) at {rate:,.0f} events/s, "
        f"{total['journeys_emitted']:,} journey versions, {sum(s.merges for s in stats):,} identity merges, "
        f"{sum(s.refusals for s in stats):,} refused"
    )


def _is_local(settings: Settings) -> bool:
    return all(is_loopback(server.rpartition(":")[0]) for server in settings.kafka.servers)


def _isolated(settings: Settings) -> Settings:
    """The same settings under a topic prefix and stitcher group of this run (remote clusters)."""
    run = uuid.uuid4().hex[:8]
    topics = settings.topics.model_copy(update={"prefix": f"journeys-demo-{run}."})
    stitcher = settings.stitcher.model_copy(update={"group_id": f"journeys-demo-{run}-stitcher"})
    return settings.model_copy(update={"topics": topics, "stitcher": stitcher})


def _reset(settings: Settings, say: Say) -> None:
    """Delete the pipeline's topics, the stitcher's group and the warehouse (local broker only)."""
    from journeys.topics import admin_client, pipeline_topics

    names = [spec.name for spec in pipeline_topics(settings.topics)]
    admin = admin_client(settings.kafka)
    try:
        listed = set(admin.list_topics())
        existing = [name for name in names if name in listed]
        if existing:
            admin.delete_topics(existing)
            deadline = time.monotonic() + 60
            while set(existing) & set(admin.list_topics()):
                if time.monotonic() > deadline:
                    raise ConfigurationError(f"the broker did not delete {existing} within 60 s; try again")
                time.sleep(0.2)
        groups = {group["group_id"] for group in admin.list_groups()}
        stale = [g for g in groups if g.startswith(settings.stitcher.group_id)]
        if stale:
            admin.delete_groups(stale)
    finally:
        admin.close()
    warehouse = settings.duckdb_path
    for path in (warehouse, warehouse.with_name(warehouse.name + ".wal")):
        path.unlink(missing_ok=True)
    say(f"[dim]reset: {len(existing)} topics, {len(stale)} consumer groups, the warehouse {warehouse}[/]")


def run_demo(settings: Settings, *, customers: int | None = None, seed: int | None = None, say: Say) -> DemoResult:
    """Run the whole pipeline once on simulated customers; see the module docstring."""
    from journeys.stack import LocalKafka
    from journeys.topics import create_topics, pipeline_topics

    seconds: dict[str, float] = {}
    figures: dict[str, Any] = {}
    started = time.perf_counter()

    with _step("Kafka", seconds, say):
        status = LocalKafka(settings, say=lambda m: say(f"[dim]{m}[/]")).up()
        say(f"[green]✓[/] Kafka at {status.bootstrap}: {status.detail}")
        if _is_local(settings):
            _reset(settings, say)
        else:
            settings = _isolated(settings)
            say(f"[dim]remote cluster: this run uses topics `{settings.topics.prefix}*`; nothing is deleted[/]")
        create_topics(settings.kafka, pipeline_topics(settings.topics))

    with _step("simulate", seconds, say):
        from producers.simulator.run import simulate

        simulated = simulate(settings, customers=customers, seed=seed)
        counts = simulated.simulation.counts
        figures["simulated"] = counts
        say(
            f"[green]✓[/] {counts['people']:,} people, {counts['journeys']:,} journeys, {counts['events']:,} events "
            f"sent at {simulated.report.per_second:,.0f} events/s ({counts['duplicates']:,} duplicates, "
            f"{counts['late']:,} late, {simulated.report.refused:,} invalid -> dead letters)"
        )

    with _step("stitch", seconds, say):
        from consumers import run as stitch

        stats = stitch(settings, instances=1, until_idle_s=_IDLE_S)
        figures["stitched"] = [vars(s) for s in stats]
        say(f"[green]✓[/] stitched: {_describe(stats)}")

    with _step("flows", seconds, say):
        from flows.pipeline import pipeline
        from flows.quality import DataQualityError

        try:
            summary = pipeline(settings)
            say("[green]✓[/] pipeline flow: loaded, friction flagged, journeys scored, data quality passed")
        except DataQualityError as exc:
            # The data is loaded and scored; a failed check is a finding to show, not a reason to stop.
            summary = {"quality_failed": str(exc)}
            say(f"[yellow]![/] the pipeline flow loaded and scored everything, but data quality failed:\n{exc}")
        figures["pipeline"] = summary

    with _step("evaluate", seconds, say):
        from rich.console import Console

        from producers.simulator.evaluate import evaluate_warehouse, render, write_evaluation

        evaluation = evaluate_warehouse(settings.duckdb_path, simulated.truth_path)
        evaluation_path = write_evaluation(evaluation, settings.data_dir / "evaluation.json")
        render(evaluation, Console())

    with _step("report", seconds, say):
        from warehouse.db import connect
        from warehouse.report.page import build_report

        con = connect(settings.duckdb_path, read_only=True)
        try:
            report = build_report(con, evaluation=evaluation, out=settings.data_dir / "report.html")
        finally:
            con.close()

    seconds["total"] = time.perf_counter() - started
    return DemoResult(
        warehouse=settings.duckdb_path,
        report=report,
        evaluation=evaluation_path,
        truth=simulated.truth_path,
        passed=bool(evaluation.get("passed")) and "quality_failed" not in figures["pipeline"],
        seconds=seconds,
        figures=figures,
    )

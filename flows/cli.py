"""``journeys flows run|serve|load|check``: the Prefect flows from the command line."""

from __future__ import annotations

from typing import Annotated, Any

import typer

__all__ = ["register"]

flows_app = typer.Typer(help="Prefect flows: load the warehouse, flag friction, score, check data quality.")


@flows_app.callback()
def _quiet_telemetry() -> None:
    """Prefect flows: load the warehouse, flag friction, score, check data quality."""
    from flows.prefect_env import prefect_defaults

    prefect_defaults()


def _print_summary(summary: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title="journeys-pipeline", show_header=True)
    table.add_column("step")
    table.add_column("result")
    for step, result in summary.items():
        if isinstance(result, dict):
            text = ", ".join(f"{k} {v}" for k, v in result.items()) or "-"
        else:
            text = "skipped (not installed)" if result is None else str(result)
        table.add_row(step, text)
    Console().print(table)


@flows_app.command("run")
def run(
    max_batches: Annotated[int, typer.Option(help="Stop the load after this many batches (0: until caught up).")] = 0,
    checks: Annotated[bool, typer.Option(help="Run the data-quality checks at the end.")] = True,
    rework_all: Annotated[
        bool, typer.Option("--all", help="Friction and scores over every journey (after editing rules or weights).")
    ] = False,
) -> None:
    """Run the pipeline once: load new records, friction and scores of changed journeys, quality checks."""
    from flows.pipeline import pipeline

    # No settings parameter: the flow builds them from the environment, so no credential is
    # stored with the flow run's parameters in Prefect.
    summary = pipeline(max_batches=max_batches or None, checks=checks, rework_all=rework_all)
    _print_summary(summary)


@flows_app.command("load")
def load(
    max_batches: Annotated[int, typer.Option(help="Stop after this many batches (0: until caught up).")] = 0,
) -> None:
    """Only load Kafka into DuckDB (exactly once; friction and scores catch up on the next run)."""
    from flows.pipeline import load_flow

    _print_summary({"load": load_flow(max_batches=max_batches or None)})


@flows_app.command("check")
def check() -> None:
    """Only the data-quality checks (results in the table dq_results)."""
    from flows.pipeline import quality_flow

    _print_summary({"quality": quality_flow()})


@flows_app.command("lag")
def lag() -> None:
    """How far the warehouse is behind Kafka: loaded and last stable offset of every partition."""
    from rich.console import Console
    from rich.table import Table

    from flows.load import lag as partition_lag
    from flows.load import stored_offsets
    from journeys.settings import Settings
    from warehouse.db import connect

    settings = Settings()
    con = connect(settings.duckdb_path, read_only=True)
    try:
        stored = stored_offsets(con)
    finally:
        con.close()
    rows = partition_lag(stored, settings)
    table = Table("topic", "partition", "loaded up to", "end (stable)", "records behind", title="warehouse lag")
    for topic, partition, loaded, end in rows:
        behind = max(end - loaded, 0)
        table.add_row(topic, str(partition), f"{loaded:,}", f"{end:,}", f"[red]{behind:,}[/]" if behind else "0")
    Console().print(table)
    total = sum(max(end - loaded, 0) for _, _, loaded, end in rows)
    Console().print(f"{total:,} records not loaded yet" if total else "caught up")


@flows_app.command("serve")
def serve(
    interval: Annotated[
        int, typer.Option(help="Seconds between runs (default JOURNEYS_FLOWS_SCHEDULE_INTERVAL_S).")
    ] = 0,
    cron: Annotated[str, typer.Option(help="A cron schedule instead of the interval, e.g. '*/5 * * * *'.")] = "",
    name: Annotated[str, typer.Option(help="Deployment name shown in the Prefect UI.")] = "journeys-pipeline",
) -> None:
    """Serve the pipeline on a schedule (``flow.serve``); runs until interrupted.

    Needs a Prefect API (``prefect server start`` and PREFECT_API_URL, or Prefect Cloud); see docs/flows.md.
    """
    from prefect import serve as prefect_serve
    from prefect.settings import get_current_settings
    from rich.console import Console

    from flows.pipeline import pipeline_deployment
    from journeys.settings import Settings

    if not get_current_settings().api.url:
        Console(stderr=True).print(
            "[yellow]note:[/] no PREFECT_API_URL: Prefect runs a temporary server inside this process, so the "
            "schedule and its run history live only as long as it does. For a UI and history, run "
            "`prefect server start` and export PREFECT_API_URL=http://127.0.0.1:4200/api (docs/flows.md)."
        )
    deployment = pipeline_deployment(Settings(), name=name, interval=interval or None, cron=cron or None)
    prefect_serve(deployment)


def register(app: typer.Typer) -> None:
    app.add_typer(flows_app, name="flows")

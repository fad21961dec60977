"""``journeys simulate`` and ``journeys evaluate``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

__all__ = ["register"]


def register(app: typer.Typer) -> None:
    app.command("simulate")(simulate)
    app.command("evaluate")(evaluate)


def simulate(
    *,
    customers: Annotated[int | None, typer.Option(min=1, help="Simulated people (default 10,000).")] = None,
    seed: Annotated[int | None, typer.Option(help="Random seed; the same seed gives the same events.")] = None,
    days: Annotated[int | None, typer.Option(min=1, max=365, help="Days of event time, ending now.")] = None,
    friction_rate: Annotated[
        float | None, typer.Option(min=0, max=1, help="Chance a journey gets each friction it can host.")
    ] = None,
    via: Annotated[
        str | None, typer.Option(help="sdk (default, fastest), http (the collector) or file (JSON lines, no Kafka).")
    ] = None,
    out: Annotated[Path | None, typer.Option(help="For --via file; default <data_dir>/simulated_events.jsonl.")] = None,
    collector_url: Annotated[str | None, typer.Option(help="Collector base URL for --via http.")] = None,
    rate: Annotated[float | None, typer.Option(min=1, help="Events per second; default as fast as possible.")] = None,
    truth: Annotated[Path | None, typer.Option(help="Ground truth file; default <data_dir>/ground_truth.json.")] = None,
) -> None:
    """Simulate customers on every channel, with known friction, and send their events."""
    from rich.console import Console

    from journeys.errors import ConfigurationError
    from journeys.settings import Settings
    from producers.simulator.run import simulate as run

    settings = Settings()
    if via not in {None, "sdk", "http", "file"}:
        raise ConfigurationError(f"--via `{via}` is not sdk, http or file")
    if collector_url:
        settings.simulator.collector_url = collector_url
    console = Console()
    result = run(
        settings,
        customers=customers,
        seed=seed,
        days=days,
        friction_rate=friction_rate,
        via=via,  # type: ignore[arg-type]
        rate=rate,
        truth=truth,
        out=out,
    )
    counts = result.simulation.counts
    console.print(
        f"[green]✓[/] {counts['people']:,} people, {counts['journeys']:,} journeys "
        f"({counts['journeys_with_friction']:,} with injected friction), {counts['events']:,} events "
        f"generated in {result.generate_seconds:.1f} s"
    )
    console.print(
        f"[green]✓[/] sent {result.report.deliveries:,} ({counts['duplicates']:,} duplicates, "
        f"{counts['out_of_order']:,} out of order, {counts['late']:,} late, {result.report.refused:,} invalid "
        f"-> dead letters) in {result.report.seconds:.1f} s: {result.report.per_second:,.0f} events/s"
    )
    console.print(f"[green]✓[/] ground truth: {result.truth_path}")


def evaluate(
    truth: Annotated[Path | None, typer.Option(help="Ground truth file; default <data_dir>/ground_truth.json.")] = None,
    warehouse: Annotated[Path | None, typer.Option(help="DuckDB file; default the configured warehouse.")] = None,
    output: Annotated[Path | None, typer.Option(help="Where to write; default <data_dir>/evaluation.json.")] = None,
    strict: Annotated[bool, typer.Option(help="Exit 1 when a threshold is missed.")] = False,
) -> None:
    """Compare the warehouse with the simulation's ground truth (friction, stitching, scores)."""
    from rich.console import Console

    from journeys.settings import Settings
    from producers.simulator.evaluate import evaluate_warehouse, render, write_evaluation
    from producers.simulator.run import truth_path

    settings = Settings()
    truth = truth or truth_path(settings)
    result = evaluate_warehouse(warehouse or settings.duckdb_path, truth)
    path = write_evaluation(result, output or settings.data_dir / "evaluation.json")
    console = Console()
    render(result, console)
    console.print(f"written to {path}")
    if strict and not result["passed"]:
        raise typer.Exit(1)

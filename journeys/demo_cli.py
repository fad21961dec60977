"""``journeys demo``: the README's main command."""

from __future__ import annotations

from typing import Annotated

import typer

__all__ = ["register"]


def register(app: typer.Typer) -> None:
    @app.command("demo")
    def demo(
        customers: Annotated[
            int | None, typer.Option(min=1, help="Simulated people; default JOURNEYS_SIMULATOR_CUSTOMERS (10,000).")
        ] = None,
        seed: Annotated[int | None, typer.Option(help="Random seed; default JOURNEYS_SIMULATOR_SEED.")] = None,
        strict: Annotated[
            bool, typer.Option(help="Exit 1 when the evaluation misses a threshold or a data-quality check fails.")
        ] = False,
    ) -> None:
        """Run the pipeline end to end on simulated customers: Kafka, stitcher, flows, evaluation, report."""
        from flows.prefect_env import prefect_defaults

        prefect_defaults()  # before anything imports Prefect
        from rich.console import Console

        from journeys.demo import SAMPLE_QUERIES, run_demo
        from journeys.settings import Settings

        console = Console()
        result = run_demo(Settings(), customers=customers, seed=seed, say=console.print)
        timings = ", ".join(f"{name} {s:.0f} s" for name, s in result.seconds.items() if name != "total")
        console.print(f"\n[bold green]done[/] in {result.seconds['total']:.0f} s ({timings})")
        console.print(f"  warehouse   {result.warehouse}")
        console.print(f"  report      {result.report}   (open it in a browser; it works offline)")
        console.print(f"  evaluation  {result.evaluation}   ground truth {result.truth}")
        console.print("\nThree queries to try:")
        for question, command in SAMPLE_QUERIES:
            console.print(f"  [dim]# {question}[/]\n  .venv/bin/{command}")
        if strict and not result.passed:
            console.print("[bold red]the evaluation missed a threshold or a data-quality check failed[/] (see above)")
            raise typer.Exit(1)

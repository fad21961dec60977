"""``journeys simulate`` as a function: generate, write the ground truth, send, report.

from producers.simulator.run import simulate
result = simulate(Settings(), customers=10_000, seed=7)
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from journeys.settings import Settings
from producers.simulator.generate import Simulation, SimulationConfig, simulate_population
from producers.simulator.send import FileSink, HttpSink, SdkSink, SendReport, Sink, send_all
from producers.simulator.truth import write_truth

__all__ = ["SimulateResult", "simulate", "truth_path"]


@dataclass
class SimulateResult:
    simulation: Simulation
    report: SendReport
    truth_path: Path
    generate_seconds: float


def truth_path(settings: Settings) -> Path:
    return settings.simulator.truth_path or settings.data_dir / "ground_truth.json"


def simulate(
    settings: Settings,
    *,
    customers: int | None = None,
    seed: int | None = None,
    days: int | None = None,
    friction_rate: float | None = None,
    via: Literal["sdk", "http", "file"] | None = None,
    rate: float | None = None,
    truth: Path | None = None,
    out: Path | None = None,
    sink: Sink | None = None,
    progress: bool = True,
) -> SimulateResult:
    """Generate the population, write its ground truth, then send every event (``via="file"``:
    write them as JSON lines to ``out``, default ``<data_dir>/simulated_events.jsonl``)."""
    sim_settings = settings.simulator
    config = SimulationConfig(
        customers=customers or sim_settings.customers,
        seed=sim_settings.seed if seed is None else seed,
        days=days or sim_settings.days,
        friction_rate=sim_settings.friction_rate if friction_rate is None else friction_rate,
    )
    started = time.perf_counter()
    if progress:
        from rich.console import Console

        with Console(stderr=True).status(f"generating {config.customers:,} customers..."):
            simulation = simulate_population(config)
    else:
        simulation = simulate_population(config)
    generate_seconds = time.perf_counter() - started
    path = write_truth(simulation.truth, truth or truth_path(settings))
    if sink is None:
        if (via or sim_settings.via) == "http":
            sink = HttpSink(sim_settings.collector_url, write_key=sim_settings.write_key)
        elif (via or sim_settings.via) == "file":
            sink = FileSink(out or settings.data_dir / "simulated_events.jsonl")
        else:
            from journeys.topics import create_topics, pipeline_topics

            create_topics(settings.kafka, pipeline_topics(settings.topics))
            sink = SdkSink(settings)
    pace = rate or sim_settings.rate
    if not progress:
        report = send_all(simulation.deliveries, sink, rate=pace)
    else:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

        columns = (
            TextColumn("[bold]sending"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("[cyan]{task.fields[rate]}"),
            TimeRemainingColumn(),
        )
        with Progress(*columns) as bar:
            task = bar.add_task("send", total=len(simulation.deliveries), rate="")
            done = [0]
            t0 = time.perf_counter()

            def advance(n: int) -> None:
                done[0] += n
                elapsed = time.perf_counter() - t0
                bar.update(task, advance=n, rate=f"{done[0] / elapsed:,.0f} ev/s" if elapsed > 0 else "")

            report = send_all(simulation.deliveries, sink, rate=pace, on_progress=advance)
    return SimulateResult(simulation, report, path, generate_seconds)

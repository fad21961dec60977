"""``journeys demo``: the README's main command."""

from __future__ import annotations

import typer

__all__ = ["register"]


def register(app: typer.Typer) -> None:
    @app.command("demo")
    def demo() -> None:
        """Bring the stack up, create the topics and run the pipeline end to end."""
        from rich.console import Console

        from journeys.settings import Settings
        from journeys.smoke import round_trip
        from journeys.stack import LocalKafka
        from journeys.topics import create_topics, pipeline_topics

        console = Console()
        settings = Settings()
        status = LocalKafka(settings, say=lambda m: console.print(f"[dim]{m}[/]")).up()
        console.print(f"[green]✓[/] Kafka at {status.bootstrap}: {status.detail}")
        outcome = create_topics(settings.kafka, pipeline_topics(settings.topics))
        console.print(f"[green]✓[/] topics: {', '.join(f'{k} ({v})' for k, v in outcome.items())}")
        seconds = round_trip(settings)
        console.print(f"[green]✓[/] a message went through Kafka and back in {seconds * 1000:.0f} ms")

"""``journeys topics``: create and list the pipeline's topics."""

from __future__ import annotations

import typer

__all__ = ["register"]


def register(app: typer.Typer) -> None:
    topics = typer.Typer(help="The pipeline's Kafka topics.", no_args_is_help=True)

    @topics.command("create")
    def create() -> None:
        """Create the pipeline's topics (idempotent: existing ones are left as they are)."""
        from rich.console import Console
        from rich.table import Table

        from journeys.settings import Settings
        from journeys.topics import create_topics, pipeline_topics

        settings = Settings()
        specs = pipeline_topics(settings.topics)
        outcome = create_topics(settings.kafka, specs)
        table = Table("topic", "partitions", "purpose", "config", "result", title=settings.kafka.bootstrap_servers)
        for spec in specs:
            config = ", ".join(f"{k}={v}" for k, v in spec.config.items())
            table.add_row(spec.name, str(spec.partitions), spec.purpose, config, outcome[spec.name])
        Console().print(table)

    app.add_typer(topics, name="topics")

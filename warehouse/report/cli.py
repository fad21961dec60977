"""``journeys report``: write the HTML report of the warehouse."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

__all__ = ["register"]


def register(app: typer.Typer) -> None:
    @app.command("report")
    def report(
        warehouse: Annotated[
            Path | None, typer.Option(help="DuckDB warehouse; default <data_dir>/journeys.duckdb.")
        ] = None,
        out: Annotated[
            Path | None, typer.Option(help="Where to write the HTML; default <data_dir>/report.html.")
        ] = None,
        evaluation: Annotated[
            Path | None,
            typer.Option(help="evaluation.json of `journeys evaluate`; default <data_dir>/evaluation.json if present."),
        ] = None,
        worst: Annotated[
            int, typer.Option(min=1, max=100, help="How many of the lowest-scored journeys get a timeline.")
        ] = 8,
    ) -> None:
        """Write one self-contained HTML report (works offline): volume, scores, friction, channels, worst journeys."""
        from journeys.settings import Settings
        from warehouse.report.cli_support import open_read_only, read_evaluation
        from warehouse.report.page import build_report

        settings = Settings()
        con = open_read_only(warehouse or settings.duckdb_path)
        try:
            path = build_report(
                con,
                evaluation=read_evaluation(
                    evaluation or settings.data_dir / "evaluation.json", required=bool(evaluation)
                ),
                out=out or settings.data_dir / "report.html",
                worst=worst,
            )
        finally:
            con.close()
        typer.echo(str(path))

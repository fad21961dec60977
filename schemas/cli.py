"""``journeys schemas``: check the event contract's compatibility, release a changed schema."""

from __future__ import annotations

from typing import Annotated

import typer

__all__ = ["register"]


def register(app: typer.Typer) -> None:
    """Add the ``schemas`` command group to the root CLI."""
    schemas = typer.Typer(name="schemas", help="The event contract: Avro schemas and their evolution.")

    @schemas.command("check")
    def check() -> None:
        """Fail when a current schema cannot read a released version's data, or the reverse."""
        from rich.console import Console

        from schemas.evolution import check_all
        from schemas.exceptions import IncompatibleSchemaError

        console = Console()
        failed = []
        for report in check_all():
            versions = ", ".join(f"v{v}" for v in report.released) or "none"
            state = "[green]ok[/]" if report.ok else "[red]incompatible[/]"
            note = " (changed, not released yet)" if report.unreleased else ""
            console.print(f"{report.name}: {state} against {versions}{note}")
            for version, direction, problem in report.problems:
                console.print(f"  v{version} {direction}: {problem}")
            if not report.ok:
                failed.append(report)
        if failed:
            first = failed[0].problems[0]
            raise IncompatibleSchemaError(
                failed[0].name,
                f"{first[1]} against v{first[0]}: {first[2].reason}",
                field=first[2].path or None,
                action="give the field a default, keep the symbol, or use a promotable type",
            )

    @schemas.command("release")
    def release(
        name: Annotated[str, typer.Argument(help="Wire type, e.g. TouchpointEvent.")],
    ) -> None:
        """Freeze a changed schema as its next version (history file + schema id); commit both."""
        from schemas import catalog

        version = catalog.release(name)
        typer.echo(f"{version.label}: schema id {version.schema_id}, fingerprint {version.fingerprint.hex()}")

    app.add_typer(schemas)

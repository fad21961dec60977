"""``journeys collect`` and ``journeys dlq inspect|replay``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

__all__ = ["register"]

dlq_app = typer.Typer(
    help="The dead-letter topic: what was rejected and why; replay fixed events.", no_args_is_help=True
)


def register(app: typer.Typer) -> None:
    app.command("collect")(collect)
    app.add_typer(dlq_app, name="dlq")


def collect(
    host: Annotated[str | None, typer.Option(help="Interface; default JOURNEYS_COLLECTOR_HOST.")] = None,
    port: Annotated[int | None, typer.Option(help="Port; default JOURNEYS_COLLECTOR_PORT.")] = None,
    workers: Annotated[int, typer.Option(min=1, help="uvicorn worker processes (each with its own producer).")] = 1,
) -> None:
    """Serve the HTTP collector (Segment-compatible /v1/track, /v1/batch, ... and /v1/touchpoints)."""
    import uvicorn

    from journeys import logs
    from journeys.settings import Settings

    logs.configure()
    settings = Settings()
    host = host or settings.collector.host
    port = port or settings.collector.port
    if workers > 1:
        uvicorn.run("producers.collector.serve:app", host=host, port=port, workers=workers, access_log=False)
    else:
        from producers.collector.app import create_app

        uvicorn.run(create_app(settings), host=host, port=port, access_log=False)


@dlq_app.command("inspect")
def inspect(
    source: Annotated[str | None, typer.Option(help="Only this source.")] = None,
    kind: Annotated[str | None, typer.Option(help="Only this error kind (validation, decode, ...).")] = None,
    limit: Annotated[int, typer.Option(min=1, help="Show at most this many (the newest).")] = 50,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line instead of a table.")] = False,
) -> None:
    """Show what is in the dead-letter topic and why."""
    from rich.console import Console
    from rich.table import Table

    from journeys.settings import Settings
    from producers.dlq import read_dead_letters

    settings = Settings()
    records = read_dead_letters(settings, source=source, kind=kind)
    shown = records[-limit:]
    if as_json:
        for r in shown:
            typer.echo(json.dumps(_printable(r), default=str))
        return
    table = Table(title=f"dead letters: {len(shown)} of {len(records)} matching")
    for col in ("where", "time", "source", "kind", "field", "reason", "replays", "payload"):
        table.add_column(col, overflow="fold")
    for r in shown:
        table.add_row(
            f"{r['_partition']}@{r['_offset']}",
            r["error_time"].isoformat(timespec="seconds"),
            r["source"],
            r["error_kind"],
            r.get("field") or "",
            r["message"][:200],
            str(r.get("replay_count") or 0),
            r["payload"][:120].decode("utf-8", "replace"),
        )
    Console().print(table)


@dlq_app.command("replay")
def replay(
    source: Annotated[str | None, typer.Option(help="Only this source.")] = None,
    kind: Annotated[str | None, typer.Option(help="Only this error kind.")] = None,
    fix: Annotated[
        str | None,
        typer.Option(
            help="A JSON merge patch (object) or JSON patch (list), inline or @file, applied to each payload."
        ),
    ] = None,
    dead_letter_id: Annotated[list[str] | None, typer.Option("--id", help="Only these dead letters.")] = None,
    dry_run: Annotated[bool, typer.Option(help="Only say what would happen.")] = False,
) -> None:
    """Re-validate dead letters (after --fix) and send the valid ones to the raw topic.

    Still-invalid ones are written back with replay_count + 1: nothing is lost. Replaying twice
    is safe: the event id is the dedup key downstream.
    """
    from journeys.settings import Settings
    from producers.dlq import replay_dead_letters

    settings = Settings()
    patch: Any = None
    if fix:
        text = Path(fix[1:]).read_text() if fix.startswith("@") else fix
        patch = json.loads(text)
    report = replay_dead_letters(
        settings, source=source, kind=kind, fix=patch, ids=set(dead_letter_id or ()), dry_run=dry_run
    )
    typer.echo(
        f"replayed {report.replayed} events from {report.letters} dead letters; "
        f"{report.still_invalid} still invalid (re-parked with replay_count + 1)"
        + (" [dry run: nothing sent]" if dry_run else "")
    )


def _printable(record: dict[str, Any]) -> dict[str, Any]:
    out = dict(record)
    out["payload"] = record["payload"].decode("utf-8", "replace")
    return out

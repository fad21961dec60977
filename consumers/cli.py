"""``journeys stitch`` (run the stitcher) and ``journeys stitch status`` (lag, rate, open journeys)."""

from __future__ import annotations

from typing import Annotated

import typer

__all__ = ["register"]

stitch_app = typer.Typer(help="The journey stitcher: raw touchpoints in, customers and journeys out.")


def register(app: typer.Typer) -> None:
    app.add_typer(stitch_app, name="stitch")


@stitch_app.callback(invoke_without_command=True)
def stitch(
    ctx: typer.Context,
    instances: Annotated[int, typer.Option(min=1, max=64, help="Instances in the consumer group (processes).")] = 1,
    instance: Annotated[
        int | None, typer.Option(min=0, help="Run only this instance number (for one process per host).")
    ] = None,
    until_idle: Annotated[
        float | None,
        typer.Option(min=0.5, help="Exit once everything is processed and nothing arrived for this many seconds."),
    ] = None,
) -> None:
    """Run the stitcher (Ctrl-C stops it after a final commit)."""
    if ctx.invoked_subcommand is not None:
        return
    from rich.console import Console

    from consumers.api import run
    from consumers.runner import Stitcher
    from journeys import logs
    from journeys.settings import Settings

    logs.configure()
    settings = Settings()
    if instance is not None:
        stats = [Stitcher(settings, instance=instance, until_idle_s=until_idle).run()]
    else:
        stats = run(settings, instances=instances, until_idle_s=until_idle)
    console = Console()
    for s in stats:
        console.print(
            f"[green]✓[/] instance {s.instance}: consumed {s.consumed:,} ({s.duplicates:,} duplicates, "
            f"{s.dead_letters:,} dead letters), stitched {s.stitched:,}, journeys emitted {s.journeys_emitted:,}, "
            f"merges {s.merges:,}, refusals {s.refusals:,}, open journeys {s.open_journeys:,}, "
            f"restored in {s.restore_s:.2f} s, {s.elapsed_s:.1f} s"
        )


@stitch_app.command("status")
def status(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
) -> None:
    """Lag per partition of the group, and each instance's last report (rate, open journeys)."""
    from datetime import UTC, datetime

    import orjson
    from rich.console import Console
    from rich.table import Table

    from consumers.status import describe, group_lag, instance_reports
    from journeys.settings import Settings

    settings = Settings()
    lag = group_lag(settings)
    now = datetime.now(UTC)
    reports = [{**r, "now": describe(r, now)} for r in instance_reports(settings)]
    if as_json:
        typer.echo(orjson.dumps({"lag": lag, "instances": reports}, option=orjson.OPT_INDENT_2).decode())
        return
    console = Console()
    table = Table(title=f"group {settings.stitcher.group_id}: lag per partition")
    for name in ("topic", "partition", "committed", "end", "lag"):
        table.add_column(name, justify="right" if name != "topic" else "left")
    for row in lag:
        table.add_row(row["topic"], str(row["partition"]), str(row["committed"]), str(row["end"]), str(row["lag"]))
    console.print(table)
    if not reports:
        console.print("[dim]no instance has reported yet (reports live in <data_dir>/stitcher/)[/]")
    for r in reports:
        console.print(
            f"instance {r['instance']}: {r['now']} (pid {r['pid']}, last report {r['updated']}): "
            f"{r['events_per_s']:,} ev/s, open journeys {r['open_journeys']:,}, consumed {r['stats']['consumed']:,}"
        )

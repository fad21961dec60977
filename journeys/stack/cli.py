"""``journeys stack up | down | status``."""

from __future__ import annotations

import typer

__all__ = ["register"]


def _print(status: object) -> None:
    from rich.console import Console

    from journeys.stack import StackStatus

    if not isinstance(status, StackStatus):
        return
    state = "[green]up[/]" if status.running else "[yellow]down[/]"
    lines = [f"Kafka {state} at {status.bootstrap}: {status.detail}"]
    if status.pid:
        lines.append(f"  pid  {status.pid}")
    if status.log_file:
        lines.append(f"  log  {status.log_file}")
    Console().print("\n".join(lines))


def register(app: typer.Typer) -> None:
    stack = typer.Typer(help="A local single-node Kafka broker (no Docker needed).", no_args_is_help=True)

    def _local() -> object:
        from rich.console import Console

        from journeys.settings import Settings
        from journeys.stack import LocalKafka

        console = Console(stderr=True)
        return LocalKafka(Settings(), say=lambda msg: console.print(f"[dim]{msg}[/]"))

    @stack.command("up")
    def up() -> None:
        """Start the broker (fetching Kafka once) and wait until it answers. Harmless when already up."""
        from journeys.stack import LocalKafka

        local = _local()
        if isinstance(local, LocalKafka):
            _print(local.up())

    @stack.command("down")
    def down() -> None:
        """Stop the broker that `stack up` started (never someone else's)."""
        from journeys.stack import LocalKafka

        local = _local()
        if isinstance(local, LocalKafka):
            _print(local.down())

    @stack.command("status")
    def status() -> None:
        """Say whether the broker is up, its pid and where its log is."""
        from journeys.stack import LocalKafka

        local = _local()
        if isinstance(local, LocalKafka):
            st = local.status()
            _print(st)
            if not st.running:
                raise typer.Exit(3)

    app.add_typer(stack, name="stack")

"""The ``journeys`` command line.

Each package owns its commands in ``<package>/cli.py`` with a
``register(app)`` function; this module only assembles them, so adding a
command never means editing a hub file. Heavy imports (Prefect, DuckDB,
kafka-python) happen inside the commands, which keeps ``journeys --help`` fast.
"""

from __future__ import annotations

import importlib

import typer

from journeys.errors import JourneysError

__all__ = ["app", "main"]

app = typer.Typer(
    name="journeys",
    help="Customer-journey tracking: Kafka in, DuckDB out.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)

# The packages whose cli.py contributes commands, in the order of the data flow.
_COMMAND_MODULES = (
    "journeys.stack.cli",
    "journeys.topics_cli",
    "schemas.cli",
    "producers.cli",
    "producers.simulator.cli",
    "consumers.cli",
    "flows.cli",
    "warehouse.cli",
    "warehouse.report.cli",
    "journeys.demo_cli",
)

for _name in _COMMAND_MODULES:
    try:
        _module = importlib.import_module(_name)
    except ModuleNotFoundError as exc:  # a package without commands yet
        if exc.name is None or not _name.startswith(exc.name):
            raise
        continue
    _module.register(app)


def main() -> None:
    """Entry point: turn JourneysError into a clear message and exit code 1."""
    try:
        app()
    except JourneysError as exc:
        from rich.console import Console

        Console(stderr=True).print(f"[bold red]error:[/] {exc}")
        raise SystemExit(1) from None


if __name__ == "__main__":  # `python -m journeys.cli`, as the tests run it
    main()

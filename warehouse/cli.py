"""``journeys sql``: query the warehouse (read-only) from the command line.

journeys sql "select channel, count(*) from touchpoints group by 1"
journeys sql --file q.sql --format csv > out.csv
journeys sql --list                       # saved queries in warehouse/queries/
journeys sql --query friction_by_channel
journeys sql --describe journeys          # columns with their comments
journeys sql                              # interactive (the duckdb CLI when on PATH)
"""

from __future__ import annotations

import csv
import json
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any

import typer

__all__ = ["register", "saved_queries"]

_FORMATS = ("table", "csv", "json")


def saved_queries() -> dict[str, tuple[str, str]]:
    """Saved queries shipped in warehouse/queries/: name -> (description, SQL).

    The description is the file's first line, ``-- name: what it shows``.
    """
    from warehouse.model import saved_queries as shipped

    found = {}
    for name, sql in shipped().items():
        first = sql.lstrip().splitlines()[0] if sql.strip() else ""
        description = (
            first.removeprefix("--").strip().removeprefix(f"{name}:").strip() if first.startswith("--") else ""
        )
        found[name] = (description, sql)
    return found


def _open(path: Path) -> Any:
    from warehouse.db import connect

    return connect(path, read_only=True)


def _params(pairs: Sequence[str]) -> dict[str, str]:
    from journeys.errors import ConfigurationError

    params = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise ConfigurationError(f"`--param {pair}` is not name=value (e.g. --param country=DE)")
        params[key] = value
    return params


def _execute(con: Any, sql: str, params: dict[str, str]) -> Any:
    import duckdb

    from journeys.errors import JourneysError

    try:
        return con.execute(sql, params) if params else con.execute(sql)
    except duckdb.Error as exc:
        raise JourneysError(f"the query failed: {exc}") from exc


def _print(cursor: Any, *, fmt: str, limit: int) -> None:
    from rich.console import Console
    from rich.table import Table

    if cursor.description is None:
        Console(stderr=True).print("[dim]ok (no rows returned)[/]")
        return
    columns = [column[0] for column in cursor.description]
    rows = cursor.fetchmany(limit + 1) if limit else cursor.fetchall()
    more = limit and len(rows) > limit
    rows = rows[:limit] if limit else rows
    if fmt == "csv":
        writer = csv.writer(sys.stdout)
        writer.writerow(columns)
        writer.writerows(rows)
    elif fmt == "json":
        for row in rows:
            sys.stdout.write(json.dumps(dict(zip(columns, row, strict=True)), default=str) + "\n")
    else:
        table = Table(*columns, show_lines=False)
        for row in rows:
            table.add_row(*("" if value is None else str(value) for value in row))
        Console().print(table)
    if more:
        Console(stderr=True).print(f"[dim]first {limit} rows shown; raise --limit (0: all) to see more[/]")


def _list_queries() -> None:
    from rich.console import Console
    from rich.table import Table

    queries = saved_queries()
    if not queries:
        Console().print("no saved queries in warehouse/queries/")
        return
    table = Table("query", "what it shows", title="saved queries (journeys sql --query NAME)")
    for name, (description, _) in queries.items():
        table.add_row(name, description)
    Console().print(table)


def _describe(con: Any, name: str) -> None:
    from rich.console import Console
    from rich.table import Table

    from journeys.errors import ConfigurationError

    described = con.execute(
        "select comment from duckdb_tables() where table_name = ?"
        " union all select comment from duckdb_views() where view_name = ?",
        [name, name],
    ).fetchall()
    if not described:
        raise ConfigurationError(f"no table or view `{name}` in the warehouse; `journeys sql --describe` lists them")
    columns = con.execute(
        "select column_name, data_type, comment from duckdb_columns() where table_name = ? order by column_index",
        [name],
    ).fetchall()
    table = Table("column", "type", "description", title=f"{name}: {described[0][0] or ''}")
    for column, kind, comment in columns:
        table.add_row(column, kind, comment or "")
    Console().print(table)


def _list_tables(con: Any) -> None:
    from rich.console import Console
    from rich.table import Table

    rows = con.execute(
        "select table_name, 'table', estimated_size, comment from duckdb_tables() where not internal"
        " union all select view_name, 'view', null, comment from duckdb_views() where not internal"
        " order by 2, 1"
    ).fetchall()
    table = Table("name", "kind", "rows (est.)", "description", title="warehouse tables and views")
    for name, kind, size, comment in rows:
        table.add_row(name, kind, "" if size is None else str(size), comment or "")
    Console().print(table)


def _interactive(con: Any, path: Path) -> None:
    """A minimal prompt: statements end with `;`, `.tables`, `.describe NAME`, `.quit`."""
    from rich.console import Console

    console = Console()
    console.print(f"[dim]{path} (read-only). End statements with ;  .tables  .describe NAME  .quit[/]")
    buffer: list[str] = []
    while True:
        try:
            line = input("journeys> " if not buffer else "      ...> ")
        except (EOFError, KeyboardInterrupt):
            console.print()
            return
        stripped = line.strip()
        if not buffer and stripped in (".quit", ".exit", "\\q"):
            return
        if not buffer and stripped == ".tables":
            _list_tables(con)
            continue
        if not buffer and stripped.startswith(".describe "):
            _guarded(console, _describe, con, stripped.split(maxsplit=1)[1])
            continue
        buffer.append(line)
        if stripped.endswith(";"):
            sql = "\n".join(buffer)
            buffer.clear()
            _guarded(console, _run_and_print, con, sql)


def _run_and_print(con: Any, sql: str) -> None:
    _print(_execute(con, sql, {}), fmt="table", limit=1000)


def _guarded(console: Any, action: Any, *args: Any) -> None:
    from journeys.errors import JourneysError

    try:
        action(*args)
    except JourneysError as exc:
        console.print(f"[bold red]error:[/] {exc}")


def register(app: typer.Typer) -> None:
    @app.command("sql")
    def sql(
        query: Annotated[str, typer.Argument(help="SQL to run; without it, an interactive prompt.")] = "",
        *,
        file: Annotated[
            Path | None, typer.Option("--file", "-f", help="Run the SQL in this file.", exists=True)
        ] = None,
        saved: Annotated[str, typer.Option("--query", "-q", help="Run a saved query of warehouse/queries/.")] = "",
        list_saved: Annotated[bool, typer.Option("--list", help="List the saved queries.")] = False,
        describe: Annotated[
            str, typer.Option("--describe", help="Columns and descriptions of a table or view ('all': every one).")
        ] = "",
        param: Annotated[
            list[str] | None, typer.Option("--param", "-p", help="Bound parameter name=value (for $name).")
        ] = None,
        fmt: Annotated[str, typer.Option("--format", help="table, csv or json (one object per line).")] = "table",
        limit: Annotated[
            int, typer.Option(help="Most rows printed as a table (0: all); csv and json print all.")
        ] = 200,
        db: Annotated[Path | None, typer.Option(help="DuckDB file (default JOURNEYS_WAREHOUSE_PATH or data/).")] = None,
    ) -> None:
        """Query the warehouse (read-only): a statement, a file, or a saved query."""
        from journeys.errors import ConfigurationError
        from journeys.settings import Settings

        if fmt not in _FORMATS:
            raise ConfigurationError(f"--format `{fmt}` is unknown; use one of {', '.join(_FORMATS)}")
        if list_saved:
            _list_queries()
            return
        path = db or Settings().duckdb_path
        text = query
        if file is not None:
            text = file.read_text(encoding="utf-8")
        elif saved:
            queries = saved_queries()
            if saved not in queries:
                raise ConfigurationError(
                    f"no saved query `{saved}` in warehouse/queries/; `journeys sql --list` shows them"
                )
            text = queries[saved][1]
        if not text and not describe:
            duckdb_cli = shutil.which("duckdb")
            if duckdb_cli and sys.stdin.isatty():
                import os

                os.execv(duckdb_cli, [duckdb_cli, "-readonly", str(path)])
        con = _open(path)
        try:
            if describe:
                _list_tables(con) if describe == "all" else _describe(con, describe)
            elif text:
                _print(_execute(con, text, _params(param or [])), fmt=fmt, limit=0 if fmt != "table" else limit)
            else:
                _interactive(con, path)
        finally:
            con.close()

"""`journeys sql`: statements, files, saved queries and descriptions against a real DuckDB file."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from journeys.errors import ConfigurationError
from warehouse import cli
from warehouse.db import connect


@pytest.fixture
def app() -> typer.Typer:
    application = typer.Typer()
    cli.register(application)

    @application.command("noop", hidden=True)
    def noop() -> None:  # a second command keeps `sql` a sub-command, as in `journeys`
        """Nothing."""

    return application


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "journeys.duckdb"
    con = connect(path)
    con.execute(
        "insert into load_state values ('journeys.touchpoints.stitched', 0, 42, now()),"
        " ('journeys.touchpoints.stitched', 1, 7, now())"
    )
    con.close()
    return path


def _run(app: typer.Typer, *args: str) -> str:
    result = CliRunner().invoke(app, ["sql", *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def test_a_statement_prints_a_table(app: typer.Typer, db: Path) -> None:
    output = _run(app, "select partition, next_offset from load_state order by 1", "--db", str(db))
    assert "partition" in output and "next_offset" in output and "42" in output


def test_csv_output_with_a_bound_parameter(app: typer.Typer, db: Path) -> None:
    output = _run(
        app,
        "select next_offset from load_state where partition = $p::integer",
        "--param",
        "p=1",
        "--format",
        "csv",
        "--db",
        str(db),
    )
    assert output.splitlines() == ["next_offset", "7"]


def test_a_file_of_sql_runs(app: typer.Typer, db: Path, tmp_path: Path) -> None:
    query = tmp_path / "q.sql"
    query.write_text("-- offsets\nselect sum(next_offset) as total from load_state;\n")
    output = _run(app, "--file", str(query), "--format", "json", "--db", str(db))
    assert output.strip() == '{"total": 49}'


def test_list_shows_the_saved_queries_with_what_they_show(app: typer.Typer) -> None:
    queries = cli.saved_queries()
    if not queries:
        pytest.skip("no saved queries in warehouse/queries/ yet")
    output = _run(app, "--list")
    name = next(iter(queries))
    assert name in output


def test_a_saved_query_runs_by_name(app: typer.Typer, db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cli, "saved_queries", lambda: {"offsets": ("offsets", "select count(*) as n from load_state")})
    output = _run(app, "--query", "offsets", "--format", "csv", "--db", str(db))
    assert output.splitlines() == ["n", "2"]


def test_an_unknown_saved_query_says_how_to_list_them(app: typer.Typer, db: Path) -> None:
    with pytest.raises(ConfigurationError, match="journeys sql --list"):
        CliRunner().invoke(app, ["sql", "--query", "nope", "--db", str(db)], catch_exceptions=False)


def test_describe_explains_every_column(app: typer.Typer, db: Path) -> None:
    output = _run(app, "--describe", "load_state", "--db", str(db))
    assert "next_offset" in output and "Offset of the next record" in output


def test_a_missing_warehouse_says_to_run_the_flows_first(app: typer.Typer, tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="journeys flows run"):
        CliRunner().invoke(app, ["sql", "select 1", "--db", str(tmp_path / "none.duckdb")], catch_exceptions=False)


def test_a_warehouse_locked_by_a_writer_says_what_to_do(app: typer.Typer, db: Path) -> None:
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"import duckdb, time; c = duckdb.connect({str(db)!r}); print('open', flush=True); time.sleep(60)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "open"
        with pytest.raises(ConfigurationError, match="one writer"):
            CliRunner().invoke(app, ["sql", "select 1", "--db", str(db)], catch_exceptions=False)
    finally:
        holder.kill()
        holder.wait()


def test_without_a_statement_an_interactive_prompt_reads_until_the_semicolon(
    app: typer.Typer, db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cli.shutil, "which", lambda name: None)  # no duckdb CLI: the built-in prompt
    result = CliRunner().invoke(
        app, ["sql", "--db", str(db)], input="select 6 *\n 7 as answer;\n.tables\n.quit\n", catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    assert "answer" in result.output and "42" in result.output
    assert "load_state" in result.output

"""The DuckDB warehouse: open it, and bring its schema up to date with versioned migrations.

Migrations are the ``warehouse/migrations/NNN_name.sql`` files, applied in order, each in
its own transaction together with its row in ``schema_migrations``, so a crash mid-way
leaves the warehouse at the previous version. A migration that was applied is never
edited: add the next one instead (its checksum is stored, and a changed file is refused).

    from warehouse.db import connect
    con = connect(settings.duckdb_path)   # creates the file, applies what is missing, (re)creates the views
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import duckdb

from journeys.errors import ConfigurationError
from warehouse.model import apply_views

__all__ = ["Migration", "connect", "migrate", "migrations", "read_sql"]

_NAME = re.compile(r"^(\d{3})_[a-z0-9_]+\.sql$")
_LEDGER = """
create table if not exists schema_migrations (
      version     integer primary key
    , name        varchar not null
    , checksum    varchar not null
    , applied_at  timestamptz not null default now()
)
"""


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.sql.encode()).hexdigest()[:16]


def read_sql(relative: str) -> str:
    """The text of ``warehouse/<relative>`` (a ``.sql`` file shipped with the package)."""
    return resources.files("warehouse").joinpath(relative).read_text(encoding="utf-8")


def migrations() -> list[Migration]:
    """Every migration shipped in ``warehouse/migrations``, in version order."""
    folder = resources.files("warehouse").joinpath("migrations")
    found = []
    for entry in folder.iterdir():
        match = _NAME.match(entry.name)
        if match:
            found.append(Migration(int(match.group(1)), entry.name, entry.read_text(encoding="utf-8")))
    found.sort(key=lambda m: m.version)
    versions = [m.version for m in found]
    if len(set(versions)) != len(versions):
        raise ConfigurationError(f"two migrations share a version in warehouse/migrations: {versions}")
    return found


def migrate(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Apply the migrations this warehouse lacks; return their names."""
    con.execute(_LEDGER)
    applied = {v: c for v, c in con.execute("select version, checksum from schema_migrations").fetchall()}
    done = []
    for migration in migrations():
        if migration.version in applied:
            if applied[migration.version] != migration.checksum:
                raise ConfigurationError(
                    f"migration `{migration.name}` changed after it was applied; "
                    "never edit an applied migration, add the next one instead"
                )
            continue
        con.execute("begin transaction")
        try:
            con.execute(migration.sql)
            con.execute(
                "insert into schema_migrations (version, name, checksum) values (?, ?, ?)",
                [migration.version, migration.name, migration.checksum],
            )
            con.execute("commit")
        except Exception:
            con.execute("rollback")
            raise
        done.append(migration.name)
    return done


def connect(path: Path | str, *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open the warehouse at ``path`` (created with its folder when missing) with its schema up to date."""
    path = Path(path)
    if read_only:
        if not path.exists():
            raise ConfigurationError(f"no warehouse at `{path}`; run `journeys flows run` first")
        try:
            reader = duckdb.connect(str(path), read_only=True)
        except duckdb.IOException as exc:
            raise ConfigurationError(
                f"cannot open the warehouse `{path}` for reading: {exc}. A process holds it open for writing, and "
                "DuckDB allows one writer and no readers beside it: wait for the running `journeys flows run` to "
                "finish (or stop `journeys flows serve`), or query a copy of the file"
            ) from exc
        reader.execute("set TimeZone = 'UTC'")
        return reader
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        con = duckdb.connect(str(path))
    except duckdb.IOException as exc:
        raise ConfigurationError(
            f"cannot open the warehouse `{path}`: {exc}. Another process may hold it open for writing "
            "(a running `journeys flows serve`?); stop it, or open read-only"
        ) from exc
    con.execute("set TimeZone = 'UTC'")
    migrate(con)
    apply_views(con)
    return con

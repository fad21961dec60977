"""Write one decoded batch to DuckDB in one transaction, together with the offsets it consumed.

The order inside the transaction (each step is a file in ``warehouse/load/``):

1. ``touchpoints.sql``   upsert stitched touchpoints (newest stitch wins)
2. ``journeys.sql``      keep every version, upsert the latest, replace membership, queue changes
3. ``identity.sql``      store links; merges move identifiers and older closed journeys
4. ``membership.sql``    re-attribute touchpoints to the non-merged journey that lists them
5. ``failed_events.sql`` dead letters and undecodable records
6. ``load_state.sql``    the next offset of every partition read

Then ``commit``. A crash before the commit leaves nothing of the batch (DuckDB rolls the
open transaction back when it replays its WAL), and the next run reads the batch again from
the offsets stored with the rows: nothing is loaded twice, nothing is skipped.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache

import duckdb
import pyarrow as pa

from flows.load.arrow import records_to_table
from flows.load.batch import DecodedBatch
from journeys.errors import JourneysError, TransientError
from warehouse.db import read_sql

__all__ = [
    "STEPS",
    "BatchWritten",
    "StagedBatch",
    "stage",
    "statements",
    "write_batch",
    "write_staged",
]

STEPS = ("touchpoints", "journeys", "identity", "membership", "failed_events", "load_state")

_FAILED_SCHEMA = pa.schema(
    [
        ("dead_letter_id", pa.string()),
        ("replay_count", pa.int32()),
        ("source", pa.string()),
        ("error_kind", pa.string()),
        ("field", pa.string()),
        ("message", pa.string()),
        ("content_type", pa.string()),
        ("payload", pa.string()),
        ("error_time", pa.timestamp("ms", tz="UTC")),
        ("original_topic", pa.string()),
        ("original_partition", pa.int32()),
        ("original_offset", pa.int64()),
    ]
)
_OFFSETS_SCHEMA = pa.schema([("topic", pa.string()), ("partition", pa.int32()), ("next_offset", pa.int64())])


@dataclass(frozen=True)
class BatchWritten:
    """What one committed batch changed."""

    touchpoints: int
    journeys: int
    journeys_changed: int
    identity_links: int
    reattributed: int
    failed_events: int
    partitions: int


@cache
def statements(step: str) -> tuple[str, ...]:
    """The statements of ``warehouse/load/<step>.sql`` (split on a ``;`` that ends a line)."""
    text = read_sql(f"load/{step}.sql")
    parts = [part.strip() for part in text.split(";\n")]
    return tuple(part for part in parts if _has_code(part))


def _has_code(part: str) -> bool:
    return any(line.strip() and not line.strip().startswith("--") for line in part.splitlines())


@dataclass(frozen=True)
class StagedBatch:
    """A decoded batch as Arrow tables, ready for :func:`write_staged` (built off the writer's thread)."""

    tables: dict[str, pa.Table]
    offsets: dict[tuple[str, int], int]
    touchpoints: int
    journeys: int
    identity_links: int
    failed_events: int


def stage(batch: DecodedBatch, offsets: Mapping[tuple[str, int], int]) -> StagedBatch:
    """The Arrow tables of ``batch`` and ``offsets`` (``{(topic, partition): next offset}``)."""
    return StagedBatch(
        tables=_staged(batch, offsets),
        offsets=dict(offsets),
        touchpoints=batch.touchpoint_count,
        journeys=batch.journey_count,
        identity_links=len(batch.identity_links),
        failed_events=len(batch.failed_events),
    )


def _staged(batch: DecodedBatch, offsets: Mapping[tuple[str, int], int]) -> dict[str, pa.Table]:
    return {
        "staged_touchpoints": batch.touchpoints if batch.touchpoints is not None else _empty().touchpoints,
        "staged_journeys": batch.journeys if batch.journeys is not None else _empty().journeys,
        "staged_links": records_to_table("IdentityLink", batch.identity_links),
        "staged_failed": pa.Table.from_pylist(batch.failed_events, schema=_FAILED_SCHEMA),
        "staged_offsets": pa.Table.from_pylist(
            [{"topic": t, "partition": p, "next_offset": o} for (t, p), o in sorted(offsets.items())],
            schema=_OFFSETS_SCHEMA,
        ),
    }


@cache
def _empty() -> DecodedBatch:
    """A batch without touchpoints and journeys, for a stage without them (its tables' columns)."""
    from flows.load.batch import Decoder, TopicRoles
    from schemas.serde import Serde

    return Decoder(TopicRoles("", "", "", ""), Serde(plain_timestamps=True)).finish()


def write_batch(
    con: duckdb.DuckDBPyConnection, batch: DecodedBatch, offsets: Mapping[tuple[str, int], int]
) -> BatchWritten:
    """Load ``batch`` and store ``offsets`` (``{(topic, partition): next offset}``) atomically."""
    return write_staged(con, stage(batch, offsets))


def write_staged(con: duckdb.DuckDBPyConnection, staged: StagedBatch) -> BatchWritten:
    """Run the steps over ``staged`` and commit its rows with its offsets, or roll everything back."""
    con.execute("begin transaction")
    try:
        for name, table in staged.tables.items():
            con.register(name, table)
        _dedupe_touchpoints(con)
        for step in STEPS:
            for sql in statements(step):
                con.execute(sql)
        changed = _count(con, "select count(*) from batch_changed_journeys")
        reattributed = _count(con, "select count(*) from batch_reattributed_journeys")
        con.execute("commit")
    except duckdb.Error as exc:
        con.execute("rollback")
        raise _load_error(exc, staged.offsets) from exc
    except BaseException:
        con.execute("rollback")
        raise
    finally:
        for name in staged.tables:
            con.unregister(name)
    return BatchWritten(
        touchpoints=staged.touchpoints,
        journeys=staged.journeys,
        journeys_changed=changed,
        identity_links=staged.identity_links,
        reattributed=reattributed,
        failed_events=staged.failed_events,
        partitions=len(staged.offsets),
    )


def _dedupe_touchpoints(con: duckdb.DuckDBPyConnection) -> None:
    """Keep the newest stitch of an event id that the batch holds twice (rare: checked first)."""
    if _count(con, "select count(*) - count(distinct event_id) from staged_touchpoints"):
        deduped = con.sql(read_sql("load/dedupe_touchpoints.sql")).to_arrow_table()
        con.unregister("staged_touchpoints")
        con.register("staged_touchpoints", deduped)


def _count(con: duckdb.DuckDBPyConnection, sql: str) -> int:
    rows = con.execute(sql).fetchall()  # all: DuckDB 2 refuses the next query while a result is open
    return int(rows[0][0]) if rows else 0


def _load_error(exc: duckdb.Error, offsets: Mapping[tuple[str, int], int]) -> JourneysError:
    where = ", ".join(f"{t}[{p}]" for t, p in sorted(offsets)) or "no partition"
    message = (
        f"loading the batch from {where} into DuckDB failed and was rolled back ({type(exc).__name__}: {exc}); "
        "nothing of it was stored, the next run reads it again"
    )
    if isinstance(exc, duckdb.IOException | duckdb.TransactionException):
        return TransientError(message)
    return JourneysError(message + "; if it fails again, report it with this message")

"""The loader's DuckDB transaction on a real DuckDB file: upserts, versions, merges, offsets."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import count
from pathlib import Path
from typing import Any

import duckdb
import pytest
from loader_records import T0, dead_letter, journey, link, stitched

from flows.load.batch import RawRecord, TopicRoles, decode_batch
from flows.load.sink import write_batch
from schemas.serde import Serde
from warehouse.db import connect

ROLES = TopicRoles(stitched="s", journeys="j", identity="i", deadletter="d")
_WIRE = {"s": "StitchedTouchpoint", "j": "Journey", "i": "IdentityLink", "d": "DeadLetter"}
_offsets = count()


@pytest.fixture
def con(tmp_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    connection = connect(tmp_path / "journeys.duckdb")
    yield connection
    connection.close()


def load(con: duckdb.DuckDBPyConnection, **records: list[dict[str, Any] | bytes]) -> Any:
    serde = Serde(plain_timestamps=True)
    raw = []
    for topic, values in records.items():
        for value in values:
            data = value if isinstance(value, bytes) else serde.encode(_WIRE[topic], value)
            raw.append(RawRecord(topic, 0, next(_offsets), data, 1_740_830_400_000))
    offsets = {(r.topic, 0): r.offset + 1 for r in raw}
    return write_batch(con, decode_batch(raw, ROLES, serde), offsets)


def rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[tuple[Any, ...]]:
    return con.execute(sql).fetchall()


def test_a_batch_lands_in_every_table_with_its_offsets(con: duckdb.DuckDBPyConnection) -> None:
    written = load(
        con,
        s=[stitched("e1"), stitched("e2")],
        j=[journey("j-1", ["e1", "e2"])],
        i=[link(("customer_id", "c-1"), ("anonymous_id", "anon-1"), kind="observed")],
        d=[dead_letter("7d6c2f1e-0a9b-4c8d-9e7f-6a5b4c3d2e1f", payload=b'{"channel": "pigeon"}')],
    )
    assert (written.touchpoints, written.journeys, written.identity_links, written.failed_events) == (2, 1, 1, 1)
    assert rows(con, "select event_id, journey_id, customer_id, country from touchpoints order by 1") == [
        ("e1", "j-1", "c-1", "DE"),
        ("e2", "j-1", "c-1", "DE"),
    ]
    assert rows(con, "select journey_id, position, event_id from journey_touchpoints order by 2") == [
        ("j-1", 1, "e1"),
        ("j-1", 2, "e2"),
    ]
    assert rows(con, "select payload from failed_events") == [('{"channel": "pigeon"}',)]
    assert rows(con, "select topic, next_offset > 0 from load_state order by 1") == [
        ("d", True),
        ("i", True),
        ("j", True),
        ("s", True),
    ]
    assert rows(con, "select journey_id from journey_changes") == [("j-1",)]


def test_an_undecodable_record_becomes_a_failed_event_named_by_its_offset(con: duckdb.DuckDBPyConnection) -> None:
    load(con, s=[stitched("e1"), b"\xc3\x01garbage"])
    (message, kind, topic) = rows(con, "select message, error_kind, original_topic from failed_events")[0]
    assert kind == "decode" and topic == "s"
    assert message.startswith("s[0]@") and "StitchedBatch" in message
    assert rows(con, "select count(*) from touchpoints") == [(1,)]


def test_the_newest_stitch_of_a_touchpoint_wins(con: duckdb.DuckDBPyConnection) -> None:
    newer = stitched("e1", journey_id="j-2", stitched_at=T0.replace(hour=14))
    older = stitched("e1", journey_id="j-1", stitched_at=T0.replace(hour=13))
    load(con, s=[newer, older])
    load(con, s=[older])
    assert rows(con, "select journey_id from touchpoints") == [("j-2",)]


def test_a_later_journey_version_replaces_the_earlier_and_both_are_kept(con: duckdb.DuckDBPyConnection) -> None:
    load(con, j=[journey("j-1", ["e1", "e2"], version=1, status="open")])
    con.execute("delete from journey_changes")
    load(con, j=[journey("j-1", ["e1", "e2", "e3"], version=2), journey("j-1", ["e1"], version=1, status="open")])
    assert rows(con, "select version, status, touchpoint_count from journeys") == [(2, "closed", 3)]
    assert rows(con, "select version from journey_versions order by 1") == [(1,), (2,)]
    assert rows(con, "select count(*) from journey_touchpoints") == [(3,)]
    assert rows(con, "select journey_id from journey_changes") == [("j-1",)]


def test_an_older_version_arriving_late_changes_nothing(con: duckdb.DuckDBPyConnection) -> None:
    load(con, j=[journey("j-1", ["e1", "e2"], version=3)])
    con.execute("delete from journey_changes")
    written = load(con, j=[journey("j-1", ["e1"], version=2, status="open")])
    assert written.journeys_changed == 0
    assert rows(con, "select version, touchpoint_count from journeys") == [(3, 2)]
    assert rows(con, "select count(*) from journey_changes") == [(0,)]


def test_a_merged_journey_moves_its_touchpoints_to_the_surviving_one(con: duckdb.DuckDBPyConnection) -> None:
    load(
        con,
        s=[stitched("e1", journey_id="j-a"), stitched("e2", journey_id="j-a"), stitched("e3", journey_id="j-b")],
        j=[journey("j-a", ["e1", "e2"]), journey("j-b", ["e3"])],
    )
    load(
        con,
        j=[
            journey("j-a", [], version=2, status="merged", merged_into="j-b"),
            journey("j-b", ["e1", "e2", "e3"], version=2),
        ],
    )
    assert rows(con, "select journey_id, status, merged_into from journeys order by 1") == [
        ("j-a", "merged", "j-b"),
        ("j-b", "closed", None),
    ]
    assert rows(con, "select distinct journey_id from touchpoints") == [("j-b",)]


def test_a_touchpoint_arriving_after_its_journey_takes_the_journeys_attribution(
    con: duckdb.DuckDBPyConnection,
) -> None:
    load(con, j=[journey("j-b", ["e1"], customer="c-2")])
    load(con, s=[stitched("e1", journey_id="j-a", customer="c-1")])
    assert rows(con, "select journey_id, customer_id from touchpoints") == [("j-b", "c-2")]


def test_an_identity_merge_reattributes_older_closed_journeys(con: duckdb.DuckDBPyConnection) -> None:
    load(
        con,
        s=[
            stitched("e1", customer="anon-c", journey_id="j-old"),
            stitched("e2", customer="anon-c", journey_id="j-open"),
        ],
        j=[
            journey("j-old", ["e1"], customer="anon-c", identifiers=[("anonymous_id", "anon-9")]),
            journey("j-open", ["e2"], customer="anon-c", status="open", identifiers=[("anonymous_id", "anon-9")]),
        ],
    )
    con.execute("delete from journey_changes")
    written = load(con, i=[link(("customer_id", "c-9"), ("anonymous_id", "anon-9"), canonical="c-9")])
    assert written.reattributed == 1
    assert rows(con, "select journey_id, customer_id from journeys order by 1") == [
        ("j-old", "c-9"),
        ("j-open", "anon-c"),  # open: the stitcher re-emits it with the new customer
    ]
    assert rows(con, "select event_id, customer_id from touchpoints order by 1") == [("e1", "c-9"), ("e2", "anon-c")]
    assert rows(con, "select id_type, customer_id from identities order by 1") == [
        ("anonymous_id", "c-9"),
        ("customer_id", "c-9"),
    ]
    assert rows(con, "select journey_id from journey_changes") == [("j-old",)]


def test_a_refused_merge_is_recorded_and_moves_nothing(con: duckdb.DuckDBPyConnection) -> None:
    load(con, j=[journey("j-1", ["e1"], customer="c-1", identifiers=[("anonymous_id", "guest")])])
    load(con, i=[link(("customer_id", "c-2"), ("anonymous_id", "guest"), kind="refused", reason="placeholder id")])
    assert rows(con, "select kind, reason from identity_links") == [("refused", "placeholder id")]
    assert rows(con, "select customer_id from journeys") == [("c-1",)]


def test_a_failed_batch_is_rolled_back_entirely(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("alter table journeys add column must_fail integer not null default 0")
    con.execute("alter table journeys alter column must_fail drop default")
    with pytest.raises(Exception, match="rolled back"):
        load(con, s=[stitched("e1")], j=[journey("j-1", ["e1"])])
    assert rows(con, "select (select count(*) from touchpoints), (select count(*) from load_state)") == [(0, 0)]


def test_a_closed_journey_loaded_after_its_customers_merge_follows_it(con: duckdb.DuckDBPyConnection) -> None:
    load(con, j=[journey("j-1", ["e1"], customer="anon-c", identifiers=[("anonymous_id", "anon-9")])])
    load(con, i=[link(("customer_id", "c-9"), ("anonymous_id", "anon-9"), canonical="c-9")])
    # emitted by the stitcher before the merge, read by the loader after it
    load(
        con,
        s=[stitched("e2", customer="anon-c", journey_id="j-2")],
        j=[journey("j-2", ["e2"], customer="anon-c", identifiers=[("anonymous_id", "anon-9")])],
    )
    assert rows(con, "select journey_id, customer_id from journeys order by 1") == [("j-1", "c-9"), ("j-2", "c-9")]
    assert rows(con, "select customer_id from touchpoints") == [("c-9",)]


def test_chained_merges_lead_to_the_last_canonical_customer(con: duckdb.DuckDBPyConnection) -> None:
    load(con, j=[journey("j-1", ["e1"], customer="a", identifiers=[("anonymous_id", "anon-a")])])
    load(con, i=[link(("device_id", "d-b"), ("anonymous_id", "anon-a"), canonical="b")])
    load(con, i=[link(("customer_id", "c"), ("device_id", "d-b"), canonical="c")])
    load(con, j=[journey("j-2", ["e2"], customer="a", identifiers=[("anonymous_id", "anon-a")])])
    assert rows(con, "select journey_id, customer_id from journeys order by 1") == [("j-1", "c"), ("j-2", "c")]
    assert rows(con, "select old_customer_id, canonical_id from customer_merges order by 1") == [("a", "c"), ("b", "c")]


def test_properties_land_as_a_json_object_and_empty_ones_as_null(con: duckdb.DuckDBPyConnection) -> None:
    load(con, s=[stitched("e1", properties={"plan": "pro", "ab": "b"}), stitched("e2")])
    assert rows(con, "select event_id, properties ->> 'plan' from touchpoints order by 1") == [
        ("e1", "pro"),
        ("e2", None),
    ]
    assert rows(con, "select properties from touchpoints where event_id = 'e1'") == [('{"ab":"b","plan":"pro"}',)]


def test_a_version_sent_twice_in_one_batch_is_loaded_once(con: duckdb.DuckDBPyConnection) -> None:
    written = load(con, j=[journey("j-1", ["e1", "e2"], version=2), journey("j-1", ["e1", "e2"], version=2)])
    assert written.journeys_changed == 1
    assert rows(con, "select count(*) from journeys") == [(1,)]
    assert rows(con, "select count(*) from journey_versions") == [(1,)]
    assert rows(con, "select count(*) from journey_touchpoints") == [(2,)]

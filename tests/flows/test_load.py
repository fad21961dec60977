"""The load against the real broker and a DuckDB file: every topic lands once, offsets with the rows."""

from __future__ import annotations

import pytest
from loader_records import dead_letter, journey, link, produce, stitched

from flows.load import load, stored_offsets
from journeys.settings import Settings
from warehouse.db import connect

pytestmark = pytest.mark.kafka


def _fill(settings: Settings, touchpoints: int = 300) -> None:
    events = [f"e{i:05d}" for i in range(touchpoints)]
    produce(settings, "stitched", [stitched(e, journey_id=f"j{i // 10}") for i, e in enumerate(events)])
    produce(settings, "journeys", [journey(f"j{k}", events[k * 10 : k * 10 + 10]) for k in range(touchpoints // 10)])
    produce(settings, "identity", [link(("customer_id", "c-1"), ("anonymous_id", "anon-1"), kind="observed")])
    produce(settings, "deadletter", [dead_letter("7d6c2f1e-0a9b-4c8d-9e7f-6a5b4c3d2e1f")])
    produce(settings, "stitched", [b"not avro"])


def _counts(settings: Settings) -> tuple[int, ...]:
    con = connect(settings.duckdb_path)
    try:
        row = con.execute(
            "select (select count(*) from touchpoints), (select count(*) from journeys),"
            " (select count(*) from journey_touchpoints), (select count(*) from identity_links),"
            " (select count(*) from failed_events)"
        ).fetchone()
        assert row is not None
        return tuple(row)
    finally:
        con.close()


def test_load_brings_every_topic_into_duckdb_with_its_offsets(pipeline_settings: Settings) -> None:
    _fill(pipeline_settings)
    con = connect(pipeline_settings.duckdb_path)
    try:
        report = load(con, pipeline_settings)
        assert report.caught_up
        assert report.total("touchpoints") == 300
        offsets = stored_offsets(con)
        decode_failure = con.execute("select message from failed_events where error_kind = 'decode'").fetchall()
    finally:
        con.close()
    assert _counts(pipeline_settings) == (300, 30, 300, 1, 2)
    stitched_topic = pipeline_settings.topics.name(pipeline_settings.topics.stitched)
    assert sum(o for (t, _), o in offsets.items() if t == stitched_topic) == 301
    assert decode_failure[0][0].startswith(f"{stitched_topic}[")


def test_a_rerun_loads_nothing_twice(pipeline_settings: Settings) -> None:
    _fill(pipeline_settings)
    con = connect(pipeline_settings.duckdb_path)
    try:
        load(con, pipeline_settings)
        again = load(con, pipeline_settings)
    finally:
        con.close()
    assert again.batches == []
    assert _counts(pipeline_settings) == (300, 30, 300, 1, 2)


@pytest.mark.parametrize("prefetch", [False, True])
def test_small_batches_end_with_the_same_tables_as_one_big_batch(pipeline_settings: Settings, prefetch: bool) -> None:
    _fill(pipeline_settings)
    small = pipeline_settings.model_copy(
        update={"flows": pipeline_settings.flows.model_copy(update={"batch_max_records": 100, "prefetch": prefetch})}
    )
    con = connect(small.duckdb_path)
    try:
        report = load(con, small)
    finally:
        con.close()
    assert len(report.batches) >= 4
    assert _counts(small) == (300, 30, 300, 1, 2)


def test_new_records_are_picked_up_from_the_stored_offsets(pipeline_settings: Settings) -> None:
    produce(pipeline_settings, "stitched", [stitched("e1"), stitched("e2")])
    con = connect(pipeline_settings.duckdb_path)
    try:
        load(con, pipeline_settings)
        produce(pipeline_settings, "stitched", [stitched("e3")])
        report = load(con, pipeline_settings)
    finally:
        con.close()
    assert report.total("touchpoints") == 1
    assert _counts(pipeline_settings)[0] == 3


def test_lag_shows_what_is_not_loaded_yet(pipeline_settings: Settings) -> None:
    from flows.load import lag

    produce(pipeline_settings, "stitched", [stitched("e1"), stitched("e2")])
    con = connect(pipeline_settings.duckdb_path)
    try:
        load(con, pipeline_settings)
        produce(pipeline_settings, "stitched", [stitched("e3")])
        rows = lag(stored_offsets(con), pipeline_settings)
    finally:
        con.close()
    assert sum(end - loaded for _, _, loaded, end in rows) == 1

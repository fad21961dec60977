"""A batch's pure steps: decoding splits good records from bad ones; the newest stitch wins."""

from __future__ import annotations

from loader_records import dead_letter, stitched

from flows.load.batch import RawRecord, TopicRoles, decode_batch, payload_text
from schemas.fastcodec import avro_long
from schemas.serde import Serde

ROLES = TopicRoles(stitched="s", journeys="j", identity="i", deadletter="d")


def test_a_payload_that_is_not_utf8_is_kept_as_base64() -> None:
    assert payload_text(b'{"a": 1}') == '{"a": 1}'
    assert payload_text(b"\xff\xfe") == "base64://4="


def test_bad_records_and_tombstones_never_stop_a_batch() -> None:
    serde = Serde(plain_timestamps=True)
    records = [
        RawRecord("s", 0, 0, serde.encode("StitchedTouchpoint", stitched("e1")), 1),
        RawRecord("s", 0, 1, b"\x00\x00", 1),
        RawRecord("i", 0, 5, None, 1),
        RawRecord("d", 1, 7, serde.encode("DeadLetter", dead_letter("7d6c2f1e-0a9b-4c8d-9e7f-6a5b4c3d2e1f")), 1),
    ]
    batch = decode_batch(records, ROLES, serde)
    assert batch.touchpoints is not None and batch.touchpoints.column("event_id").to_pylist() == ["e1"]
    assert (batch.decode_errors, batch.tombstones) == (1, 1)
    kinds = sorted((f["error_kind"], f["original_topic"], f["original_offset"]) for f in batch.failed_events)
    assert kinds == [("decode", "s", 1), ("validation", None, None)]


def test_stitched_batches_and_single_stitched_touchpoints_are_both_loaded() -> None:
    serde = Serde(plain_timestamps=True)
    records = [
        RawRecord("s", 0, 3, serde.encode("StitchedBatch", {"touchpoints": [stitched("e1"), stitched("e2")]}), 1),
        RawRecord("s", 1, 8, serde.encode("StitchedTouchpoint", stitched("e3")), 1),
        RawRecord("s", 1, 9, serde.encode("StitchedBatch", {"touchpoints": []}), 1),
    ]
    batch = decode_batch(records, ROLES, serde)
    assert batch.touchpoints is not None
    assert sorted(batch.touchpoints.column("event_id").to_pylist()) == ["e1", "e2", "e3"]
    assert sorted(batch.touchpoints.column("_offset").to_pylist()) == [3, 3, 8]
    assert batch.decode_errors == 0


def test_the_same_undecodable_record_always_gets_the_same_id() -> None:
    serde = Serde(plain_timestamps=True)
    bad = [RawRecord("s", 2, 9, b"junk", 1)]
    first = decode_batch(bad, ROLES, serde).failed_events[0]["dead_letter_id"]
    assert decode_batch(bad, ROLES, serde).failed_events[0]["dead_letter_id"] == first


def test_a_message_the_container_refuses_sends_the_batch_to_the_codec_and_only_it_is_lost() -> None:
    serde = Serde(plain_timestamps=True)
    good = serde.encode("StitchedBatch", {"touchpoints": [stitched("e2")]})
    one = serde.encode("StitchedBatch", {"touchpoints": [stitched("e1")]})
    header = serde.codec("StitchedBatch").header
    lying = header + b"\x04" + one[len(header) + 1 :]  # says two touchpoints, holds one
    records = [RawRecord("s", 0, 1, good, 1), RawRecord("s", 0, 2, lying, 1)]
    batch = decode_batch(records, ROLES, serde)
    assert batch.touchpoints is not None and batch.touchpoints.column("event_id").to_pylist() == ["e2"]
    assert [(f["error_kind"], f["original_offset"]) for f in batch.failed_events] == [("decode", 2)]


def test_a_batch_written_in_several_array_blocks_is_read_by_the_codec() -> None:
    serde = Serde(plain_timestamps=True)
    one = serde.encode("StitchedBatch", {"touchpoints": [stitched("e1")]})
    header = serde.codec("StitchedBatch").header
    item = one[len(header) + 1 : -1]
    blocked = header + b"\x01" + avro_long(len(item)) + item + b"\x00"  # count -1, then the block's size
    batch = decode_batch([RawRecord("s", 0, 5, blocked, 1)], ROLES, serde)
    assert batch.touchpoints is not None and batch.touchpoints.column("event_id").to_pylist() == ["e1"]
    assert batch.failed_events == []


def test_the_flat_table_has_the_loaded_columns_only() -> None:
    serde = Serde(plain_timestamps=True)
    record = RawRecord("s", 0, 0, serde.encode("StitchedTouchpoint", stitched("e1", properties={"b": "2"})), 1)
    table = decode_batch([record], ROLES, serde).touchpoints
    assert table is not None
    names = set(table.column_names)
    assert {"event_id", "customer_id", "event_customer_id", "country", "properties", "_offset"} <= names
    assert not names & {"sent_time", "user_agent", "referrer", "context", "event"}

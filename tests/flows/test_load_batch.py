"""A batch's pure steps: decoding splits good records from bad ones; the newest stitch wins."""

from __future__ import annotations

from loader_records import T0, dead_letter, stitched

from flows.load.batch import (
    RawRecord,
    TopicRoles,
    decode_batch,
    newest_stitch_per_event,
    payload_text,
    properties_as_json,
)
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
    assert [t["event"]["event_id"] for t in batch.touchpoints] == ["e1"]
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
    assert [t["event"]["event_id"] for t in batch.touchpoints] == ["e1", "e2", "e3"]
    assert batch.touchpoint_offsets == [3, 3, 8]
    assert batch.decode_errors == 0


def test_the_same_undecodable_record_always_gets_the_same_id() -> None:
    serde = Serde(plain_timestamps=True)
    bad = [RawRecord("s", 2, 9, b"junk", 1)]
    first = decode_batch(bad, ROLES, serde).failed_events[0]["dead_letter_id"]
    assert decode_batch(bad, ROLES, serde).failed_events[0]["dead_letter_id"] == first


def test_within_a_batch_the_newest_stitch_of_an_event_wins() -> None:
    older = stitched("e1", journey_id="j-1", stitched_at=T0.replace(hour=13))
    newer = stitched("e1", journey_id="j-2", stitched_at=T0.replace(hour=14))
    other = stitched("e2")
    kept, offsets = newest_stitch_per_event([newer, other, older], [10, 11, 12])
    assert [(t["event"]["event_id"], t["journey_id"]) for t in kept] == [("e1", "j-2"), ("e2", "j-1")]
    assert offsets == [10, 11]


def test_properties_become_sorted_json_text_and_empty_ones_null() -> None:
    records = [stitched("e1", properties={"b": "2", "a": "1"}), stitched("e2")]
    properties_as_json(records)
    assert [r["event"]["properties"] for r in records] == ['{"a":"1","b":"2"}', None]

"""Record shapes: the stitched splice equals a full encode; repartition frames round-trip."""

from __future__ import annotations

import uuid

from consumers.records import StitchedWriter, pack, unpack
from journeys.settings import SerdeSettings
from schemas.serde import Serde


def _event() -> dict[str, object]:
    return {
        "event_id": str(uuid.uuid4()),
        "event_time": 1_700_000_000_000,
        "received_time": 1_700_000_000_500,
        "source": "web-shop",
        "channel": "web",
        "event_type": "page_view",
        "anonymous_id": "a-1",
        "customer_id": "ü-42",
        "page": "/cart",
        "properties": {"k": "v"},
        "value": 12.5,
    }


def test_spliced_stitched_record_decodes_like_a_fully_encoded_one() -> None:
    serde = Serde(SerdeSettings(), plain_timestamps=True)
    raw = serde.codec("TouchpointEvent").encode(_event())
    writer = StitchedWriter(serde)
    fields = {
        "customer_id": "ü-42",
        "journey_id": "j" * 32,
        "session_id": "s" * 24,
        "late": True,
        "now_ms": 1_700_000_123_456,
    }
    spliced = writer.write(raw, **fields)  # type: ignore[arg-type]
    decoded = serde.codec("StitchedTouchpoint").decode(spliced)
    assert decoded["event"] == serde.codec("TouchpointEvent").decode(raw)
    assert decoded["customer_id"] == "ü-42" and decoded["late"] is True
    assert decoded["stitched_time"] == 1_700_000_123_456


def test_confluent_framed_events_fall_back_to_a_full_encode() -> None:
    serde = Serde(SerdeSettings(wire_format="confluent"), plain_timestamps=True)
    raw = serde.codec("TouchpointEvent").encode(_event())
    out = StitchedWriter(serde).write(raw, customer_id="c", journey_id="j", session_id="s", late=False, now_ms=1)
    assert serde.codec("StitchedTouchpoint").decode(out)["journey_id"] == "j"


def test_repartition_frame_round_trips_headers_and_raw_bytes() -> None:
    entries = [({"k": "e", "r": ["customer_id", "c1"]}, b"\xc3\x01raw"), ({"k": "t", "state": {}}, b"")]
    assert list(unpack(pack(entries))) == entries

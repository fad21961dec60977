"""Record shapes: the stitched splice equals a full encode; repartition frames round-trip."""

from __future__ import annotations

import uuid

import pytest

from consumers.records import STITCHED_MESSAGE_BYTES, JourneyWriter, StitchedWriter, pack, stitched_touchpoints, unpack
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
    spliced = writer.touchpoint(raw, **fields)  # type: ignore[arg-type]
    stitched = serde.codec("StitchedTouchpoint")
    decoded = stitched.decode(stitched.header + spliced)
    assert decoded["event"] == serde.codec("TouchpointEvent").decode(raw)
    assert decoded["customer_id"] == "ü-42" and decoded["late"] is True
    assert decoded["stitched_time"] == 1_700_000_123_456
    (message,) = writer.batches([spliced, spliced])
    assert serde.codec("StitchedBatch").decode(message) == {"touchpoints": [decoded, decoded]}
    assert stitched_touchpoints(serde, message) == [decoded, decoded]
    assert stitched_touchpoints(serde, stitched.header + spliced) == [decoded]  # a StitchedTouchpoint message


def test_a_big_batch_is_cut_into_messages_under_the_record_limit() -> None:
    serde = Serde(SerdeSettings(), plain_timestamps=True)
    raw = serde.codec("TouchpointEvent").encode({**_event(), "page": "p" * 2000})
    writer = StitchedWriter(serde)
    body = writer.touchpoint(raw, customer_id="c", journey_id="j", session_id="s", late=False, now_ms=1)
    messages = writer.batches([body] * 1000)
    assert len(messages) > 1 and all(len(m) < STITCHED_MESSAGE_BYTES + 4096 for m in messages)
    decoded = [t for m in messages for t in serde.codec("StitchedBatch").decode(m)["touchpoints"]]
    assert len(decoded) == 1000 and {t["event"]["page"] for t in decoded} == {"p" * 2000}


def test_confluent_framed_events_fall_back_to_a_full_encode() -> None:
    serde = Serde(SerdeSettings(wire_format="confluent"), plain_timestamps=True)
    raw = serde.codec("TouchpointEvent").encode(_event())
    writer = StitchedWriter(serde)
    body = writer.touchpoint(raw, customer_id="c", journey_id="j", session_id="s", late=False, now_ms=1)
    (message,) = writer.batches([body])
    assert message[:5] == b"\x00" + (6).to_bytes(4, "big")  # StitchedBatch v1's schema id
    assert serde.codec("StitchedBatch").decode(message)["touchpoints"][0]["journey_id"] == "j"


def test_repartition_frame_round_trips_headers_and_raw_bytes() -> None:
    entries = [({"k": "e", "r": ["customer_id", "c1"]}, b"\xc3\x01raw"), ({"k": "t", "state": {}}, b"")]
    assert list(unpack(pack(entries))) == entries


def test_journeys_with_kept_touchpoint_bytes_encode_as_the_contract_does() -> None:
    from tests.schemas.schema_factories import journey, journey_touchpoint

    serde = Serde(SerdeSettings(), plain_timestamps=True)
    writer, codec = JourneyWriter(serde), serde.codec("Journey")
    tps = [journey_touchpoint(event_id=f"e{i}", session_id=f"s{i // 3}", late=i == 4) for i in range(7)]
    for record in (
        journey(touchpoints=tps),
        journey(touchpoints=tps[:3], status="open", close_reason=None),  # again: from the kept bytes
        journey(touchpoints=[{**tps[0], "session_id": "other"}]),  # a new session: encoded anew
        journey(touchpoints=[], status="merged", merged_into="j-9", channels=[]),
    ):
        assert writer.encode(record) == codec.encode(record)
        assert codec.decode(writer.encode(record)) == codec.decode(codec.encode(record))


def test_journey_touchpoints_carry_every_field_of_the_contract() -> None:
    from consumers import journey as jl
    from schemas import catalog

    rules = jl.Rules(inactivity_ms=1, session_ms=1, max_ms=10, max_touchpoints=5, terminal=frozenset())
    customer = jl.Customer(
        "c", tps=[{"event_id": "e", "event_time": 0, "channel": "web", "event_type": "click", "late": False}]
    )
    (touchpoint,) = jl._body(customer, jl.Segment(0, 1, "open", None), rules)["touchpoints"]
    assert list(touchpoint) == [f["name"] for f in catalog.expanded("JourneyTouchpoint")["fields"]]


@pytest.mark.parametrize("wire_format", ["single-object", "confluent"])
def test_batches_of_entries_are_the_bytes_of_touchpoint_and_batches(wire_format: str) -> None:
    serde = Serde(SerdeSettings(wire_format=wire_format), plain_timestamps=True)
    codec = serde.codec("TouchpointEvent")
    writer = StitchedWriter(serde)
    entries = [
        (
            codec.encode({**_event(), "page": "p" * size}),
            f"j{i % 3}",
            f"s{i % 5}",
            i % 4 == 0,
            1_700_000_000_000 + i // 7,
        )
        for i, size in enumerate([10, 3000, 0, 70_000] * 20)
    ]
    bodies = [
        writer.touchpoint(raw, customer_id="cust-ü", journey_id=j, session_id=s, late=late, now_ms=now)
        for raw, j, s, late, now in entries
    ]
    assert writer.batches_of("cust-ü", entries) == writer.batches(bodies)
    assert len(writer.batches_of("cust-ü", entries)) > 1  # 80 touchpoints, ~1.4 MB: cut under the limit


def test_journey_records_with_touchpoint_pairs_encode_to_the_same_bytes() -> None:
    """The engine hands JourneyWriter (compact touchpoint, session id) pairs instead of the
    contract's dicts: same message, with a cold and with a warm cache."""
    from consumers import journey as jl

    serde = Serde(SerdeSettings(), plain_timestamps=True)
    rules = jl.Rules(inactivity_ms=10**9, session_ms=5, max_ms=10**9, max_touchpoints=100, terminal=frozenset())
    tps = [
        {
            "event_id": f"e{i}",
            "event_time": i * 3,
            "channel": ("web", "app")[i % 2],
            "event_type": "click",
            "late": i == 2,
        }
        | ({"page": "/p", "survey_score": 4} if i % 3 == 0 else {})
        for i in range(9)
    ]
    codec = serde.codec("Journey")
    for warm in (JourneyWriter(serde), None):
        customers = [jl.Customer("c", tps=list(tps)) for _ in range(2)]
        for customer in customers:
            jl.refresh(customer, rules, 0)
        as_dicts = jl.journey_records(customers[0], rules, 0, identifiers=[], now_ms=7)
        as_pairs = jl.journey_records(customers[1], rules, 0, identifiers=[], now_ms=7, pairs=True)
        assert type(as_pairs[0]["touchpoints"][0]) is tuple
        writer = warm or JourneyWriter(serde)
        assert writer.encode(as_pairs[0]) == codec.encode(as_dicts[0]) == writer.encode(as_dicts[0])

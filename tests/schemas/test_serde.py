"""The codec: frames, round trips, resolution to the current schema, and errors that name the field."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from typing import Any

import pytest
from schema_factories import FACTORIES, NOW, dead_letter, touchpoint

from journeys.errors import ConfigurationError
from journeys.settings import SerdeSettings
from schemas import catalog
from schemas.catalog import SchemaVersion, fingerprint_of
from schemas.enums import Channel, EventType
from schemas.exceptions import DecodeError, EncodeError
from schemas.models import DeadLetter, TouchpointEvent
from schemas.serde import RecordCodec, Serde, decode_touchpoint, encode_touchpoint

SINGLE = Serde(SerdeSettings(wire_format="single-object"))
CONFLUENT = Serde(SerdeSettings(wire_format="confluent"))


@pytest.mark.parametrize("channel", list(Channel))
def test_every_channel_round_trips(channel: Channel) -> None:
    record = touchpoint(channel=channel.value)
    assert decode_touchpoint(encode_touchpoint(record)) == record


@pytest.mark.parametrize("event_type", list(EventType))
def test_every_event_type_round_trips(event_type: EventType) -> None:
    record = touchpoint(event_type=event_type.value, properties={"k": "v"}, value=9.5, currency="EUR")
    assert decode_touchpoint(encode_touchpoint(record)) == record


@pytest.mark.parametrize("serde", [SINGLE, CONFLUENT], ids=["single-object", "confluent"])
@pytest.mark.parametrize("name", catalog.WIRE_TYPES)
def test_every_wire_type_round_trips_in_both_frames(serde: Serde, name: str) -> None:
    record = FACTORIES[name]()
    assert serde.decode(name, serde.encode(name, record)) == record


def test_a_validated_model_dump_encodes_as_is() -> None:
    model = TouchpointEvent.parse(touchpoint(context={"country": "de"}, survey_kind="nps", survey_score=9), now=NOW)
    assert SINGLE.decode_model(TouchpointEvent, SINGLE.encode_model(model)) == model
    assert decode_touchpoint(encode_touchpoint(model.model_dump())) == model.to_avro()


def test_single_object_frame_is_magic_and_little_endian_fingerprint() -> None:
    data = SINGLE.encode("TouchpointEvent", touchpoint())
    assert data[:2] == b"\xc3\x01"
    assert data[2:10] == fingerprint_of(catalog.expanded("TouchpointEvent"))
    assert data[2:10] == catalog.current("TouchpointEvent").fingerprint


def test_confluent_frame_is_zero_and_big_endian_schema_id() -> None:
    data = CONFLUENT.encode("DeadLetter", dead_letter())
    assert data[:1] == b"\x00"
    assert int.from_bytes(data[1:5], "big") == catalog.current("DeadLetter").schema_id == 5


def test_a_decoder_reads_either_frame() -> None:
    record = touchpoint()
    assert SINGLE.decode("TouchpointEvent", CONFLUENT.encode("TouchpointEvent", record)) == record
    assert CONFLUENT.decode("TouchpointEvent", SINGLE.encode("TouchpointEvent", record)) == record


def test_ids_decode_as_strings_and_times_as_aware_utc() -> None:
    event = decode_touchpoint(encode_touchpoint(touchpoint()))
    assert isinstance(event["event_id"], str)
    assert event["received_time"] == NOW and event["received_time"].tzinfo is not None


def test_plain_timestamps_decode_as_epoch_millis_and_encode_the_same() -> None:
    plain = Serde(SerdeSettings(), plain_timestamps=True)
    millis = int(NOW.timestamp() * 1000)
    data = plain.encode("TouchpointEvent", touchpoint(received_time=millis))
    assert data == SINGLE.encode("TouchpointEvent", touchpoint())
    assert plain.decode("TouchpointEvent", data)["received_time"] == millis


def test_old_version_data_is_read_with_the_current_schema() -> None:
    v1 = catalog.history("TouchpointEvent")[0]
    writer = RecordCodec("TouchpointEvent", current=v1)
    data = writer.encode(touchpoint())
    assert data[2:10] == v1.fingerprint
    assert SINGLE.decode("TouchpointEvent", data) == touchpoint()


def _future_touchpoint() -> SchemaVersion:
    """A hypothetical v2: a new channel symbol and a new optional field."""
    schema = copy.deepcopy(catalog.expanded("TouchpointEvent"))
    for field in schema["fields"]:
        if field["name"] == "channel":
            field["type"]["symbols"].append("fax")
    schema["fields"].append({"name": "fax_pages", "type": ["null", "int"], "default": None, "doc": "pages"})
    return SchemaVersion("TouchpointEvent", 2, schema, fingerprint_of(schema), None)


def test_new_enum_symbol_reads_as_the_default_in_older_readers() -> None:
    future = _future_touchpoint()
    data = RecordCodec("TouchpointEvent", current=future).encode({**touchpoint(channel="fax"), "fax_pages": 3})
    writers = {**catalog.by_fingerprint(), future.fingerprint: future}
    decoded = RecordCodec("TouchpointEvent", writers=writers).decode(data)
    assert decoded == touchpoint(channel="other")
    assert "fax_pages" not in decoded


def test_unknown_fingerprint_is_a_decode_error() -> None:
    data = RecordCodec("TouchpointEvent", current=_future_touchpoint()).encode(touchpoint())
    with pytest.raises(DecodeError, match="unknown writer fingerprint"):
        decode_touchpoint(data)


def test_bad_magic_is_a_decode_error() -> None:
    with pytest.raises(DecodeError, match="bad magic bytes 7b22"):
        decode_touchpoint(b'{"event_id": 1}')
    with pytest.raises(DecodeError, match="empty"):
        decode_touchpoint(b"")


def test_truncated_message_names_the_field_it_stopped_in() -> None:
    data = encode_touchpoint(touchpoint())
    with pytest.raises(DecodeError) as caught:
        decode_touchpoint(data[:20])
    assert caught.value.field == "event_id" and caught.value.schema == "TouchpointEvent"
    with pytest.raises(DecodeError, match="truncated header"):
        decode_touchpoint(data[:6])


def test_trailing_bytes_are_a_decode_error() -> None:
    with pytest.raises(DecodeError, match="1 bytes left"):
        decode_touchpoint(encode_touchpoint(touchpoint()) + b"\x00")


def test_another_types_message_is_a_decode_error_naming_both() -> None:
    data = SINGLE.encode("DeadLetter", dead_letter())
    with pytest.raises(DecodeError, match="is a `DeadLetter v1`, not a `TouchpointEvent`"):
        decode_touchpoint(data)


def test_unknown_confluent_schema_id_is_a_decode_error() -> None:
    with pytest.raises(DecodeError, match="unknown schema id 999"):
        decode_touchpoint(b"\x00" + (999).to_bytes(4, "big") + b"\x02")


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"channel": "pigeon"}, "channel"),
        ({"event_time": None}, "event_time"),
        ({"context": {"country": 5}}, "context.country"),
        ({"duration_ms": "slow"}, "duration_ms"),
        ({"properties": {"k": 1}}, "properties"),
    ],
)
def test_encode_error_names_the_field(change: dict[str, Any], field: str) -> None:
    with pytest.raises(EncodeError) as caught:
        encode_touchpoint(touchpoint(**change))
    assert caught.value.field == field
    assert caught.value.__cause__ is not None


def test_missing_required_field_is_an_encode_error() -> None:
    record = touchpoint()
    del record["source"]
    with pytest.raises(EncodeError, match="`source`: required, but missing"):
        encode_touchpoint(record)


def test_dead_letter_payload_bytes_survive_unchanged() -> None:
    payload = bytes(range(256))
    record = SINGLE.decode("DeadLetter", SINGLE.encode("DeadLetter", dead_letter(payload=payload)))
    assert record["payload"] == payload
    assert DeadLetter.from_avro(record, now=NOW).payload == payload


def test_confluent_format_with_a_registry_url_is_refused_until_supported() -> None:
    with pytest.raises(ConfigurationError, match="registry"):
        Serde(SerdeSettings(wire_format="confluent", schema_registry_url="http://registry:8081"))


def test_unreleased_schema_cannot_be_written_in_the_confluent_frame() -> None:
    codec = RecordCodec("TouchpointEvent", wire_format="confluent", current=_future_touchpoint())
    with pytest.raises(EncodeError, match=r"no id in schemas/avro/ids\.json"):
        codec.encode(touchpoint())


def test_unknown_wire_type_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match="not a wire type"):
        SINGLE.codec("EventContext")


def test_ids_table_covers_every_released_version() -> None:
    table = json.loads(catalog.IDS_PATH.read_text())
    released = {f"{v.name}/v{v.version}" for name in catalog.WIRE_TYPES for v in catalog.history(name)}
    assert set(table.values()) == released
    assert len(table) == len(set(table.values()))


def test_now_constant_is_aware() -> None:
    assert NOW.tzinfo is UTC and isinstance(NOW, datetime)


def test_a_negative_length_in_a_corrupt_message_is_a_decode_error_not_a_hang() -> None:
    data = encode_touchpoint(touchpoint() | {"properties": {}})
    assert data.endswith(b"\x00")  # the empty properties map
    # one entry: key "", then a value whose length reads -3 (it moved the reader back, for ever)
    with pytest.raises(DecodeError):
        decode_touchpoint(data[:-1] + b"\x02\x00\x05")


def test_a_negative_enum_index_is_an_error_not_the_last_symbol() -> None:
    from schemas.fastcodec import compile_codec

    schema = {"type": "record", "name": "R", "fields": [{"name": "e", "type": {"type": "enum", "name": "E", "symbols": ["a", "b"]}}]}  # fmt: skip
    codec = compile_codec(schema)
    assert codec is not None and codec.decode(b"\x02", 0) == ({"e": "b"}, 1)
    with pytest.raises(ValueError, match="enum index"):
        codec.decode(b"\x01", 0)  # -1

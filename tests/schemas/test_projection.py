"""Projected decoders: the wanted fields exactly as the full decoder reads them, the same bytes
consumed, checked skips; through ``RecordCodec.projected``, ``decode``'s framing, fallback and errors."""

from __future__ import annotations

import copy
import struct
from collections.abc import Callable, Mapping
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from schema_factories import FACTORIES, touchpoint
from test_fastcodec import avro_values

from consumers.identity import event_identifiers
from consumers.records import compact
from journeys.settings import SerdeSettings
from schemas import catalog
from schemas.catalog import SchemaVersion, fingerprint_of
from schemas.exceptions import DecodeError
from schemas.fastcodec import (
    CompiledCodec,
    CompiledProjection,
    FrozenProjection,
    Projection,
    avro_long,
    compile_codec,
    compile_projection,
    freeze_projection,
)
from schemas.models import IDENTIFIER_FIELDS
from schemas.serde import RecordCodec, Serde

# What the stitcher reads of a TouchpointEvent (consumers/records.py compact, consumers/identity.py).
STITCHER: Projection = {
    **dict.fromkeys(["event_id", "event_time", "event_type", "channel", *IDENTIFIER_FIELDS]),
    **dict.fromkeys(["page", "step", "intent", "outcome", "error_code", "latency_ms", "duration_ms"]),
    **dict.fromkeys(["survey_kind", "survey_score"]),
    "context": frozenset({"country"}),
}

# Every shape the generator compiles: each primitive, named types defined in one field and used in
# later ones, records nested plain, in a union, in an array, and maps and arrays of unions and arrays.
_COLOR = {"type": "enum", "name": "Color", "namespace": "t", "symbols": ["red", "green", "blue"]}
_INNER = {
    "type": "record",
    "name": "Inner",
    "namespace": "t",
    "fields": [
        {"name": "a", "type": ["null", "string"]},
        {"name": "b", "type": "long"},
        {"name": "c", "type": "t.Color"},
        {"name": "tags", "type": {"type": "array", "items": "string"}},
    ],
}
EVERY: dict[str, Any] = {
    "type": "record",
    "name": "Every",
    "namespace": "t",
    "fields": [
        {"name": "nothing", "type": "null"},
        {"name": "flag", "type": "boolean"},
        {"name": "i", "type": "int"},
        {"name": "l", "type": "long"},
        {"name": "f", "type": "float"},
        {"name": "d", "type": "double"},
        {"name": "raw", "type": "bytes"},
        {"name": "s", "type": "string"},
        {"name": "at", "type": {"type": "long", "logicalType": "timestamp-millis"}},
        {"name": "maybe_at", "type": ["null", {"type": "long", "logicalType": "timestamp-millis"}]},
        {"name": "color", "type": _COLOR},
        {"name": "maybe_color", "type": ["null", "t.Color"]},
        {"name": "inner", "type": _INNER},
        {"name": "maybe_inner", "type": ["null", "t.Inner"]},
        {"name": "inners", "type": {"type": "array", "items": "t.Inner"}},
        {"name": "scores", "type": {"type": "map", "values": ["null", "double"]}},
        {"name": "grid", "type": {"type": "map", "values": {"type": "array", "items": ["null", "t.Color"]}}},
        {"name": "maybe_f", "type": ["null", "float"]},
        {"name": "maybe_raw", "type": ["null", "bytes"]},
        {"name": "last", "type": "string"},
    ],
}

# What a truncated input may raise: the generated code indexes, unpacks and checks its end.
_TRUNCATED = (EOFError, IndexError, ValueError, struct.error)
_EXAMPLES = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
_SCHEMAS = {**{name: catalog.current(name).schema for name in catalog.WIRE_TYPES}, "Every": EVERY}


def _named_types(node: Any, found: dict[str, Any]) -> dict[str, Any]:
    """Every record and enum defined in ``node``, by short and full name."""
    if isinstance(node, list):
        for branch in node:
            _named_types(branch, found)
    elif isinstance(node, dict):
        if node.get("type") in ("record", "enum"):
            found[node["name"]] = found[f"{node.get('namespace', catalog.NAMESPACE)}.{node['name']}"] = node
        for key in ("type", "items", "values"):
            _named_types(node.get(key), found)
        for field in node.get("fields", []):
            _named_types(field["type"], found)
    return found


def _record_of(node: Any, named: dict[str, Any]) -> dict[str, Any] | None:
    """The record a field holds (plain or as a union's non-null branch), ``None`` for other types."""
    if isinstance(node, str):
        return _record_of(named[node], named) if node in named else None
    if isinstance(node, list):
        return _record_of(node[1], named) if len(node) == 2 and node[0] == "null" else None
    if isinstance(node["type"], dict | list):
        return _record_of(node["type"], named)
    return node if node["type"] == "record" else None


def projections(schema: dict[str, Any]) -> list[Projection]:
    """Nothing, everything, each field alone and all but each field, and each record-valued field
    as each of its sub-fields alone and all but each: every field read and skipped, in every place.
    (A fixed list rather than drawn subsets: hypothesis then shrinks a failure in seconds, not minutes.)"""
    names = [field["name"] for field in schema["fields"]]
    found: list[Projection] = [{}, dict.fromkeys(names)]
    for name in names:
        found += [{name: None}, dict.fromkeys(n for n in names if n != name)]
    named = _named_types(schema, {})
    for field in schema["fields"]:
        record = _record_of(field["type"], named)
        subs = [f["name"] for f in record["fields"]] if record else []
        others = dict.fromkeys(n for n in names[:2] if n != field["name"])  # whole fields beside it
        for sub in subs:
            found += [{field["name"]: {sub}}, {**others, field["name"]: set(subs) - {sub}}]
    return found


def restricted(record: Mapping[str, Any], projection: Projection) -> dict[str, Any]:
    """``record`` cut to ``projection``, as a projected decoder should return it."""
    out: dict[str, Any] = {}
    for name, sub in projection.items():
        value = record[name]
        out[name] = value if sub is None or value is None else {key: value[key] for key in sub}
    return out


def _compiled(schema: dict[str, Any], plain: bool) -> CompiledCodec:
    compiled = compile_codec(schema, plain_timestamps=plain)
    if compiled is None:
        raise AssertionError(f"{schema['name']} should compile")
    return compiled


_PROJECTED: dict[tuple[str, FrozenProjection, bool], CompiledProjection] = {}


def _projected(schema: dict[str, Any], projection: Projection, plain: bool = False) -> CompiledProjection:
    """Compiled once per projection: hypothesis draws the same ones again, above all while shrinking."""
    key = (schema["name"], freeze_projection(projection), plain)
    if key not in _PROJECTED:
        compiled = compile_projection(schema, projection, plain_timestamps=plain)
        if compiled is None:
            raise AssertionError(f"{schema['name']} should compile")
        _PROJECTED[key] = compiled
    return _PROJECTED[key]


def _check_same_as_full(
    full: CompiledCodec, projected: CompiledProjection, projection: Projection, body: bytes
) -> None:
    record, end = full.decode(body, 0)
    got, got_end = projected.decode(body, 0)
    assert got_end == end == len(body)
    expected = restricted(record, projection)
    assert got == expected
    assert {k: type(v) for k, v in got.items()} == {k: type(v) for k, v in expected.items()}


@pytest.mark.parametrize("name", list(_SCHEMAS))
@pytest.mark.parametrize("plain", [False, True])
def test_projected_decode_is_the_full_decode_cut_to_the_projection(name: str, plain: bool) -> None:
    schema = _SCHEMAS[name]
    full = _compiled(schema, plain)

    wanted = [(projection, _projected(schema, projection, plain)) for projection in projections(schema)]

    @_EXAMPLES
    @given(avro_values(schema, {}))
    def check(record: dict[str, Any]) -> None:
        body = full.encode(record)
        for projection, projected in wanted:
            _check_same_as_full(full, projected, projection, body)

    check()


@pytest.mark.parametrize("name", list(_SCHEMAS))
def test_truncated_input_raises_whatever_is_skipped(name: str) -> None:
    schema = _SCHEMAS[name]
    full = _compiled(schema, False)
    decoders = [_projected(schema, projection).decode for projection in projections(schema)]

    @settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(avro_values(schema, {}))
    def check(record: dict[str, Any]) -> None:
        body = full.encode(record)
        for decode in decoders:
            for cut in range(len(body)):
                with pytest.raises(_TRUNCATED):
                    decode(body[:cut], 0)

    check()


def test_the_stitchers_projection_gives_it_the_same_touchpoint_and_identifiers() -> None:
    schema = catalog.current("TouchpointEvent").schema
    full = _compiled(schema, True)
    projected = _projected(schema, STITCHER, True)

    @_EXAMPLES
    @given(avro_values(schema, {}))
    def check(record: dict[str, Any]) -> None:
        body = full.encode(record)
        _check_same_as_full(full, projected, STITCHER, body)
        event, _ = full.decode(body, 0)
        cut, _ = projected.decode(body, 0)
        assert compact(cut, late=False) == compact(event, late=False)
        assert event_identifiers(cut) == event_identifiers(event)

    check()


def _blocks(*blocks: list[bytes], negative: bool) -> bytes:
    """An Avro array or map: each block a count (negative: followed by its size in bytes), then items."""
    out = b""
    for items in blocks:
        body = b"".join(items)
        out += avro_long(-len(items)) + avro_long(len(body)) + body if negative else avro_long(len(items)) + body
    return out + b"\x00"


def _string(value: str) -> bytes:
    return avro_long(len(value.encode())) + value.encode()


_BLOCKS = {
    "type": "record",
    "name": "Blocks",
    "namespace": "t",
    "fields": [
        {"name": "tags", "type": {"type": "array", "items": "string"}},
        {
            "name": "m",
            "type": {"type": "map", "values": {"type": "enum", "name": "E", "namespace": "t", "symbols": ["x", "y"]}},
        },
        {"name": "z", "type": "long"},
    ],
}


@pytest.mark.parametrize("negative", [False, True])
@pytest.mark.parametrize("projection", [{}, {"z": None}, {"tags": None}, {"m": None, "z": None}])
def test_blocks_with_negative_counts_are_skipped_by_their_items(negative: bool, projection: Projection) -> None:
    body = (
        _blocks([_string("ab"), _string("c")], [_string("d")], negative=negative)
        + _blocks([_string("k") + avro_long(1)], negative=negative)
        + avro_long(7)
    )
    full = _compiled(_BLOCKS, False)
    assert full.decode(body, 0) == ({"tags": ["ab", "c", "d"], "m": {"k": "y"}, "z": 7}, len(body))
    _check_same_as_full(full, _projected(_BLOCKS, projection), projection, body)


def _every_body(**changes: Any) -> tuple[dict[str, Any], bytes]:
    record = {
        "nothing": None,
        "flag": True,
        "i": 1,
        "l": -2,
        "f": 0.5,
        "d": 1.5,
        "raw": b"\x00\xff",
        "s": "s",
        "at": 1_740_830_000_000,
        "maybe_at": None,
        "color": "green",
        "maybe_color": "blue",
        "inner": {"a": "a", "b": 3, "c": "red", "tags": ["t"]},
        "maybe_inner": None,
        "inners": [],
        "scores": {"x": 2.0},
        "grid": {"g": [None, "red"]},
        "maybe_f": None,
        "maybe_raw": b"r",
        "last": "end",
        **changes,
    }
    return record, _compiled(EVERY, True).encode(record)


def _first_difference(one: bytes, other: bytes) -> int:
    return next(i for i, (x, y) in enumerate(zip(one, other, strict=False)) if x != y)


def _with_byte(data: bytes, at: int, byte: int) -> bytes:
    return data[:at] + bytes([byte]) + data[at + 1 :]


def _corrupt(changes: dict[str, Any], other: dict[str, Any], byte: int) -> bytes:
    """``EVERY``'s body with ``changes``, its first byte that differs from the body with ``other`` set to ``byte``."""
    _, one = _every_body(**changes)
    return _with_byte(one, _first_difference(one, _every_body(**other)[1]), byte)


@pytest.mark.parametrize(
    ("field", "before", "after", "byte", "error"),
    [
        ("color", "red", "green", 0x06, "enum index out of range"),  # index 3 of 3 symbols
        ("color", "red", "green", 0x01, "enum index out of range"),  # index -1
        ("grid", {"g": ["red"]}, {"g": ["green"]}, 0x06, "enum index out of range"),  # in a map of arrays
        ("maybe_color", None, "red", 0x04, "union index out of range"),  # branch 2 of [null, Color]
        ("maybe_at", None, 5, 0x04, "union index out of range"),
        ("s", "", "s", 0x01, "negative length"),  # -1
        ("maybe_raw", b"", b"r", 0x01, "negative length"),
    ],
)
def test_skipped_fields_check_enum_and_union_indexes_and_lengths(
    field: str, before: Any, after: Any, byte: int, error: str
) -> None:
    body = _corrupt({field: before}, {field: after}, byte)
    with pytest.raises(ValueError, match=error):
        _projected(EVERY, {"last": None}, True).decode(body, 0)


def test_a_bad_index_in_a_skipped_nested_field_raises() -> None:
    inner = {"a": None, "b": 3, "c": "red", "tags": []}
    body = _corrupt({"inner": inner}, {"inner": {**inner, "c": "green"}}, 0x06)  # index 3 of 3 symbols
    with pytest.raises(ValueError, match="enum index out of range"):
        _projected(EVERY, {"inner": frozenset({"a", "b"})}, True).decode(body, 0)


def test_sub_fields_of_a_nested_record_are_a_dict_of_those_only() -> None:
    _, body = _every_body(maybe_inner={"a": None, "b": 9, "c": "blue", "tags": ["x"]})
    got, end = _projected(EVERY, {"inner": {"c"}, "maybe_inner": {"b", "tags"}}, True).decode(body, 0)
    assert end == len(body)
    assert got == {"inner": {"c": "red"}, "maybe_inner": {"b": 9, "tags": ["x"]}}
    null_inner, _ = _projected(EVERY, {"maybe_inner": {"b"}}, True).decode(_every_body()[1], 0)
    assert null_inner == {"maybe_inner": None}


def test_a_bad_projection_is_refused() -> None:
    with pytest.raises(ValueError, match="no field 'colour'"):
        compile_projection(EVERY, {"colour": None})
    with pytest.raises(ValueError, match="`Inner` has no field 'd'"):
        compile_projection(EVERY, {"inner": {"a", "d"}})
    with pytest.raises(ValueError, match="not a record"):
        compile_projection(EVERY, {"scores": {"x"}})
    with pytest.raises(TypeError, match="collection of names"):
        compile_projection(EVERY, {"inner": "a"})


def test_unsupported_shapes_compile_to_none() -> None:
    schema = {
        "type": "record",
        "name": "R",
        "fields": [{"name": "u", "type": ["string", "long"]}, {"name": "v", "type": "long"}],
    }
    assert compile_projection(schema, {"v": None}) is None


# -- RecordCodec.projected -------------------------------------------------------------------

SINGLE = Serde(SerdeSettings(wire_format="single-object"), plain_timestamps=True)
CONFLUENT = Serde(SerdeSettings(wire_format="confluent"), plain_timestamps=True)


@pytest.mark.parametrize("serde", [SINGLE, CONFLUENT], ids=["single-object", "confluent"])
def test_a_current_schema_message_decodes_to_the_wanted_fields_only(serde: Serde) -> None:
    codec = serde.codec("TouchpointEvent")
    data = codec.encode(touchpoint(customer_id="c-1", context={"country": "DE", "locale": "de-DE"}))
    event = codec.projected(STITCHER)(data)
    assert event == restricted(codec.decode(data), STITCHER)
    assert event["context"] == {"country": "DE"}


@pytest.mark.parametrize("name", catalog.WIRE_TYPES)
def test_every_wire_type_projects_in_both_frames(name: str) -> None:
    first = catalog.current(name).schema["fields"][0]["name"]
    for serde in (SINGLE, CONFLUENT):
        codec = serde.codec(name)
        data = codec.encode(FACTORIES[name]())
        assert codec.projected({first: None})(data) == {first: codec.decode(data)[first]}


def test_a_message_of_the_other_frame_falls_back_to_the_full_decode() -> None:
    data = CONFLUENT.codec("TouchpointEvent").encode(touchpoint())
    codec = SINGLE.codec("TouchpointEvent")
    assert codec.projected(STITCHER)(data) == codec.decode(data)


def _future_touchpoint() -> SchemaVersion:
    """A hypothetical next version with a new optional field (as in test_serde)."""
    schema = copy.deepcopy(catalog.expanded("TouchpointEvent"))
    schema["fields"].append({"name": "fax_pages", "type": ["null", "int"], "default": None, "doc": "pages"})
    return SchemaVersion("TouchpointEvent", 2, schema, fingerprint_of(schema), None)


def test_an_older_writers_message_falls_back_to_the_full_decode() -> None:
    future = _future_touchpoint()
    reader = RecordCodec("TouchpointEvent", current=future, plain_timestamps=True)
    old = SINGLE.codec("TouchpointEvent").encode(touchpoint())
    decoded = reader.projected(STITCHER)(old)
    assert decoded == reader.decode(old)
    assert decoded["fax_pages"] is None and decoded["source"] == "web-shop"
    new = reader.encode({**touchpoint(), "fax_pages": 3})
    assert reader.projected(STITCHER)(new) == restricted(reader.decode(new), STITCHER)


def _outcome(decode: Callable[[bytes], dict[str, Any]], data: bytes) -> object:
    """What ``decode`` makes of ``data``: the record, or its error's type, message and field."""
    try:
        return decode(data)
    except DecodeError as exc:
        return type(exc), str(exc), exc.field


def test_input_the_projection_refuses_gets_what_decode_makes_of_it() -> None:
    codec = SINGLE.codec("TouchpointEvent")
    one = codec.encode(touchpoint(channel="web"))
    bad = _with_byte(one, _first_difference(one, codec.encode(touchpoint(channel="app"))), 0x01)  # index -1
    with pytest.raises(ValueError, match="enum index out of range"):
        _projected(catalog.current("TouchpointEvent").schema, {"event_id": None}, True).decode(bad, len(codec.header))
    assert _outcome(codec.projected({"event_id": None}), bad) == _outcome(codec.decode, bad)


@pytest.mark.parametrize(("field", "before", "after"), [("channel", "web", "app"), ("target", None, "")])
def test_a_bad_index_in_a_skipped_field_is_decodes_error_naming_the_field(field: str, before: Any, after: Any) -> None:
    codec = SINGLE.codec("TouchpointEvent")
    one = codec.encode(touchpoint(**{field: before}))
    bad = _with_byte(one, _first_difference(one, codec.encode(touchpoint(**{field: after}))), 0x20)
    with pytest.raises(DecodeError) as caught:
        codec.projected({"event_id": None})(bad)
    assert caught.value.field == field


def test_truncated_and_trailing_bytes_are_decodes_errors() -> None:
    codec = SINGLE.codec("TouchpointEvent")
    decode: Callable[[bytes], dict[str, Any]] = codec.projected(STITCHER)
    data = codec.encode(touchpoint())
    with pytest.raises(DecodeError) as caught:
        decode(data[:20])
    assert caught.value.field == "event_id"
    with pytest.raises(DecodeError, match="1 bytes left"):
        decode(data + b"\x00")
    with pytest.raises(DecodeError, match="bad magic"):
        decode(b"{}")


def test_a_projection_is_compiled_once_per_codec() -> None:
    codec = SINGLE.codec("TouchpointEvent")
    assert codec.projected(STITCHER) is codec.projected(dict(reversed(list(STITCHER.items()))))
    assert codec.projected({"event_id": None}) is not codec.projected(STITCHER)


def test_a_bad_projection_is_refused_by_the_codec() -> None:
    with pytest.raises(ValueError, match="no field 'contxt'"):
        SINGLE.codec("TouchpointEvent").projected({"contxt": {"country"}})

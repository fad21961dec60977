"""The generated codec writes the same bytes as fastavro and reads the same records, for any record."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from typing import Any

import pytest
from fastavro import parse_schema, schemaless_reader, schemaless_writer
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from schemas import catalog
from schemas.exceptions import DecodeError, EncodeError
from schemas.fastcodec import compile_codec
from schemas.serde import Serde

_LONG = st.integers(min_value=-(2**63), max_value=2**63 - 1)
_INT = st.integers(min_value=-(2**31), max_value=2**31 - 1)
_TIMES = st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(2200, 1, 1), timezones=st.just(UTC)).map(
    lambda d: d.replace(microsecond=d.microsecond // 1000 * 1000)
)


def avro_values(node: Any, named: dict[str, Any]) -> st.SearchStrategy[Any]:
    """Any value of the Avro type ``node`` (named types need explicit namespaces); test_projection uses it too."""
    if isinstance(node, list):
        return st.one_of(*[avro_values(branch, named) for branch in node])
    if isinstance(node, str):
        if node in named:
            return avro_values(named[node], named)
        return {
            "null": st.none(),
            "boolean": st.booleans(),
            "int": _INT,
            "long": _LONG,
            "double": st.floats(allow_nan=False),
            "float": st.floats(width=32, allow_nan=False),
            "string": st.text(max_size=20),
            "bytes": st.binary(max_size=20),
        }[node]
    kind = node["type"]
    if isinstance(kind, dict | list):
        return avro_values(kind, named)
    if node.get("logicalType") == "timestamp-millis":
        return _TIMES
    if kind == "enum":
        named[node["name"]] = named[f"{node.get('namespace', catalog.NAMESPACE)}.{node['name']}"] = node
        return st.sampled_from(node["symbols"])
    if kind == "record":
        named[node["name"]] = named[f"{node.get('namespace', catalog.NAMESPACE)}.{node['name']}"] = node
        return st.fixed_dictionaries({f["name"]: avro_values(f["type"], named) for f in node["fields"]})
    if kind == "array":
        return st.lists(avro_values(node["items"], named), max_size=3)
    if kind == "map":
        return st.dictionaries(st.text(max_size=8), avro_values(node["values"], named), max_size=3)
    return avro_values(kind, named)


def _fastavro_bytes(schema: Any, record: dict[str, Any]) -> bytes:
    buffer = io.BytesIO()
    schemaless_writer(buffer, schema, record)
    return buffer.getvalue()


@pytest.mark.parametrize("name", catalog.WIRE_TYPES)
@pytest.mark.parametrize("plain", [False, True])
def test_generated_codec_matches_fastavro_byte_for_byte(name: str, plain: bool) -> None:
    schema = catalog.current(name).schema
    compiled = compile_codec(schema, plain_timestamps=plain)
    assert compiled is not None, f"{name} should compile"
    writer = parse_schema(catalog.for_reading(schema, plain_timestamps=False))
    reader = parse_schema(catalog.for_reading(schema, plain_timestamps=plain))

    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(avro_values(schema, {}))
    def check(record: dict[str, Any]) -> None:
        expected = _fastavro_bytes(writer, record)
        assert compiled.encode(record) == expected
        decoded, end = compiled.decode(expected, 0)
        assert end == len(expected)
        assert decoded == schemaless_reader(io.BytesIO(expected), reader, None)

    check()


def test_unsupported_shapes_are_left_to_fastavro() -> None:
    schema = {"type": "record", "name": "R", "fields": [{"name": "u", "type": ["string", "long"]}]}
    assert compile_codec(schema) is None


def test_errors_still_name_the_field_after_the_fast_path_fails() -> None:
    codec = Serde().codec("IdentityLink")
    with pytest.raises(EncodeError, match="kind"):
        codec.encode({"link_id": "l", "kind": "not-a-kind"})
    good = codec.encode(
        {
            "link_id": "l",
            "kind": "observed",
            "left_type": "customer_id",
            "left_value": "c-1",
            "right_type": "anonymous_id",
            "right_value": "a-1",
            "source": "identify",
            "observed_time": datetime(2025, 3, 1, tzinfo=UTC),
        }
    )
    with pytest.raises(DecodeError):
        codec.decode(good[:-3])
    with pytest.raises(DecodeError, match="bytes left"):
        codec.decode(good + b"\x00")


def test_a_naive_datetime_is_still_accepted_through_fastavro() -> None:
    codec = Serde().codec("IdentityLink")
    record = {
        "link_id": "l",
        "kind": "observed",
        "left_type": "customer_id",
        "left_value": "c-1",
        "right_type": "anonymous_id",
        "right_value": "a-1",
        "source": "identify",
        "observed_time": datetime(2025, 3, 1, 12, 0),
    }
    assert codec.decode(codec.encode(record))["left_value"] == "c-1"


@pytest.mark.parametrize("plain", [False, True])
def test_ahead_of_time_codecs_are_the_generated_ones(plain: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    """schemas.ahead writes the generated sources into factories that Cython compiles; loaded
    from that module (here as plain Python), each codec reads and writes what the exec'd one does."""
    import types

    from schemas import fastcodec

    exec_d = {name: compile_codec(catalog.current(name).schema, plain_timestamps=plain) for name in catalog.WIRE_TYPES}
    module = types.ModuleType("schemas._codecs_aot")
    exec(fastcodec.ahead_of_time_module(["<avro codec"]), module.__dict__)
    monkeypatch.setattr(fastcodec, "_ahead_of_time", lambda: dict(module.FACTORIES))
    for name in catalog.WIRE_TYPES:
        schema = catalog.current(name).schema
        ahead, before = compile_codec(schema, plain_timestamps=plain), exec_d[name]
        assert ahead is not None and before is not None
        assert ahead.encode.__qualname__.startswith("_f_")  # from the module, not exec'd

        _same_codec(schema, ahead, before)


def _same_codec(schema: dict[str, Any], ahead: Any, before: Any) -> None:
    @settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(avro_values(schema, {}))
    def check(record: dict[str, Any]) -> None:
        data = before.encode(record)
        assert ahead.encode(record) == data
        assert ahead.decode(data, 0) == before.decode(data, 0)

    check()

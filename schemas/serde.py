"""Encode and decode the contract's records: Avro binary in a self-describing frame.

Two frames (``SerdeSettings.wire_format``):

* ``single-object`` (default), Avro's single-object encoding: ``C3 01``, the 8-byte
  little-endian CRC-64-AVRO fingerprint of the writer schema's Parsing Canonical Form,
  then the Avro binary body. The decoder looks the fingerprint up among every known
  version (current and ``schemas/avro/history``) and resolves to the current schema.
* ``confluent``: ``00``, the 4-byte big-endian schema id, the body. Ids come from
  ``schemas/avro/ids.json`` (one id per released version, never reused), not from a
  registry: only released schemas can be written this way.

The hot path takes and returns plain dicts (no pydantic): a :class:`RecordCodec`'s bound
``encode``/``decode`` cost one fastavro call plus a few dict look-ups. Times decode to
aware UTC ``datetime``; pass ``plain_timestamps=True`` to get epoch milliseconds instead
(cheaper, for consumers that only compare times). Encoding accepts either.

Usage::

    serde = Serde(settings.serde)
    touchpoints = serde.codec("TouchpointEvent")
    data = touchpoints.encode(event_dict)
    event = touchpoints.decode(data)
    model = serde.decode_model(TouchpointEvent, data)

A reader that needs a few fields of each record asks once for a projected decode function,
which skips the other fields instead of building them (see :meth:`RecordCodec.projected`)::

    decode = touchpoints.projected({"event_id": None, "channel": None, "context": {"country"}})
    event = decode(data)  # event["context"]["country"]; other fields may be absent
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Mapping
from functools import cache
from typing import Any, TypeVar

from fastavro import parse_schema, schemaless_reader, schemaless_writer

from journeys.errors import ConfigurationError
from journeys.settings import SerdeSettings
from schemas import catalog
from schemas.catalog import SchemaVersion
from schemas.diagnose import failing_decode_field, failing_encode_field
from schemas.exceptions import DecodeError, EncodeError
from schemas.fastcodec import (
    CompiledCodec,
    CompiledProjection,
    FrozenProjection,
    Projection,
    compile_codec,
    compile_projection,
    freeze_projection,
)
from schemas.models import AvroModel

__all__ = [
    "CONFLUENT_MAGIC",
    "SINGLE_OBJECT_MAGIC",
    "RecordCodec",
    "Serde",
    "decode_dead_letter",
    "decode_identity_link",
    "decode_journey",
    "decode_stitched",
    "decode_touchpoint",
    "default_serde",
    "encode_dead_letter",
    "encode_identity_link",
    "encode_journey",
    "encode_stitched",
    "encode_touchpoint",
    "wire_type_of",
]

SINGLE_OBJECT_MAGIC = b"\xc3\x01"
CONFLUENT_MAGIC = b"\x00"
_ENCODE_ERRORS = (ValueError, TypeError, KeyError, AttributeError, OverflowError)
_DECODE_ERRORS = (EOFError, IndexError, ValueError, TypeError, OverflowError, MemoryError, UnicodeDecodeError)

M = TypeVar("M", bound=AvroModel)


class RecordCodec:
    """Encoder and decoder of one wire type in one frame format. Thread-safe, no per-call state."""

    def __init__(
        self,
        name: str,
        *,
        wire_format: str = "single-object",
        plain_timestamps: bool = False,
        writers: Mapping[bytes, SchemaVersion] | None = None,
        current: SchemaVersion | None = None,
    ) -> None:
        """``writers`` (every known version by fingerprint) and ``current`` default to the
        catalogue's; tests pass their own to play a future or past version."""
        self.name = name
        self.wire_format = wire_format
        self._plain = plain_timestamps
        self._current = current or catalog.current(name)
        self._writers = dict(writers if writers is not None else catalog.by_fingerprint())
        self._writers.setdefault(self._current.fingerprint, self._current)
        # Encoding keeps timestamp-millis so it takes datetimes and epoch ms alike; decoding drops it
        # when plain_timestamps asks for epoch ms.
        self._write_schema = _parsed(self._current, False)
        self._schema = _parsed(self._current, plain_timestamps)
        # Generated straight-line code for the current schema (2-4x fastavro, see schemas.fastcodec);
        # fastavro stays the fallback for other writer versions and for every error.
        self._compiled = _compiled(self._current, plain_timestamps)
        self._header = self._make_header()
        self._current_key: bytes | int | None = (
            self._current.fingerprint if self.wire_format == "single-object" else self._current.schema_id
        )
        # Readers by frame key (fingerprint or schema id): (writer schema, reader schema or None).
        self._readers: dict[bytes | int, tuple[Any, Any]] = {}
        # Projected decode functions by projection (see projected()).
        self._projections: dict[FrozenProjection, Callable[[bytes], dict[str, Any]]] = {}

    def _make_header(self) -> bytes:
        if self.wire_format == "single-object":
            return SINGLE_OBJECT_MAGIC + self._current.fingerprint
        if self.wire_format == "confluent":
            if self._current.schema_id is None:
                return b""  # encode() explains; decoding still works
            return CONFLUENT_MAGIC + self._current.schema_id.to_bytes(4, "big")
        raise ConfigurationError(f"wire format `{self.wire_format}` is unknown; use single-object or confluent")

    @property
    def current(self) -> SchemaVersion:
        return self._current

    @property
    def header(self) -> bytes:
        """The frame this codec writes before each body (empty for an unreleased confluent schema)."""
        return self._header

    def encode(self, record: Mapping[str, Any]) -> bytes:
        """Frame + Avro binary of ``record`` (a dict in the Avro form; enums as symbols)."""
        if self._compiled is not None and self._header:
            try:
                return self._header + self._compiled.encode(record)
            except Exception:  # fastavro below accepts it or explains the error
                pass
        buffer = io.BytesIO()
        buffer.write(self._header or self._unreleased())
        try:
            schemaless_writer(buffer, self._write_schema, record)
        except _ENCODE_ERRORS as exc:
            field, reason = failing_encode_field(self._current.schema, record)
            raise EncodeError(
                self.name, reason or f"{type(exc).__name__}: {exc}", field=field, action="fix the field and send again"
            ) from exc
        return buffer.getvalue()

    def decode(self, data: bytes) -> dict[str, Any]:
        """The record in ``data`` as a dict of the current schema, whichever version wrote it."""
        header = self._header
        if self._compiled is not None and header and data[: len(header)] == header:
            # the current schema's frame (nearly every message): no frame parsing, no look-ups
            try:
                fast, end = self._compiled.decode(data, len(header))
                if end == len(data):
                    return fast
            except Exception:  # fastavro below explains what is wrong
                pass
        key, offset = self._frame(data)
        if self._compiled is not None and key == self._current_key:
            try:
                fast, end = self._compiled.decode(data, offset)
                if end == len(data):
                    return fast
            except Exception:  # fastavro below explains what is wrong
                pass
        reader = self._readers.get(key)
        if reader is None:
            reader = self._readers[key] = self._reader_for(key)
        buffer = io.BytesIO(data)
        buffer.seek(offset)
        try:
            record: dict[str, Any] = schemaless_reader(buffer, reader[0], reader[1])
        except _DECODE_ERRORS as exc:
            raise self._decode_error(key, data, offset, f"{type(exc).__name__}: {exc}") from exc
        if buffer.tell() != len(data):
            raise DecodeError(
                self.name, f"{len(data) - buffer.tell()} bytes left after the record; the message is corrupt"
            )
        return record

    def projected(self, fields: Projection) -> Callable[[bytes], dict[str, Any]]:
        """A decode function for readers that use only ``fields`` of each record.

        ``fields`` maps each wanted field to ``None`` (its whole value) or, for a record-valued
        field, to the names of the sub-fields wanted: ``{"event_id": None, "context": {"country"}}``.
        A message framed with the current schema (the case in which :meth:`decode` takes its
        generated fast path) is read by generated code that skips the other fields without
        building them: the result holds the wanted fields only, valued as ``decode`` values them,
        with a record field as a dict of its wanted sub-fields. Any other message (an older
        writer version, an error, bytes left after the record) goes through ``decode``: the
        result is then the full record, a superset, and errors are its ``DecodeError``. So read
        the wanted fields by name and never rely on the others being absent.

        Compiled on the first call per projection and kept (call it once, keep the function).
        Raises ``ValueError`` when a name is not a field of the current schema.
        """
        key = freeze_projection(fields)
        found = self._projections.get(key)
        if found is None:
            # Two threads may both compile a new projection; either result is correct.
            found = self._projections[key] = self._projected(_projection(self._current, self._plain, key))
        return found

    def _projected(self, compiled: CompiledProjection | None) -> Callable[[bytes], dict[str, Any]]:
        header = self._header
        decode = self.decode
        if compiled is None or self._compiled is None or not header:
            return decode  # decode has no fast path either
        project = compiled.decode
        start = len(header)

        def decode_projected(data: bytes) -> dict[str, Any]:
            # decode's fast-path test. Its second one (the parsed frame's key is the current schema's)
            # holds for the same messages: the header is that key's frame.
            if data[:start] == header:
                try:
                    record, end = project(data, start)
                    if end == len(data):
                        return record
                except Exception:  # decode below reads it again and explains what is wrong
                    pass
            return decode(data)

        return decode_projected

    def encode_model(self, model: AvroModel) -> bytes:
        return self.encode(model.to_avro())

    def _frame(self, data: bytes) -> tuple[bytes | int, int]:
        if not isinstance(data, bytes | bytearray | memoryview):
            raise DecodeError(self.name, f"expected bytes, got {type(data).__name__}")
        if data[:2] == SINGLE_OBJECT_MAGIC:
            if len(data) < 10:
                raise DecodeError(self.name, f"truncated header: {len(data)} bytes, a single-object header is 10")
            return bytes(data[2:10]), 10
        if data[:1] == CONFLUENT_MAGIC:
            if len(data) < 5:
                raise DecodeError(self.name, f"truncated header: {len(data)} bytes, a Confluent header is 5")
            return int.from_bytes(data[1:5], "big"), 5
        raise DecodeError(
            self.name,
            f"bad magic bytes {bytes(data[:2]).hex() or '(empty)'}; expected c301 (Avro single-object) or 00 (Confluent)",
        )

    def _reader_for(self, key: bytes | int) -> tuple[Any, Any]:
        if isinstance(key, bytes):
            writer = self._writers.get(key)
            if writer is None:
                raise DecodeError(
                    self.name,
                    f"unknown writer fingerprint {key.hex()}; the producer uses a schema this build does not know "
                    "(upgrade this consumer, or check the producer's schema)",
                )
        else:
            writer = catalog.by_id().get(key)
            if writer is None:
                raise DecodeError(self.name, f"unknown schema id {key}; it is not in schemas/avro/ids.json")
        if writer.name != self.name:
            raise DecodeError(self.name, f"the message is a `{writer.label}`, not a `{self.name}`; wrong topic?")
        if writer.fingerprint == self._current.fingerprint:
            return self._schema, None
        return _parsed(writer, self._plain), self._schema

    def _decode_error(self, key: bytes | int, data: bytes, offset: int, reason: str) -> DecodeError:
        writer = self._writers.get(key) if isinstance(key, bytes) else catalog.by_id().get(key)
        field = failing_decode_field(writer.schema, bytes(data), offset) if writer else None
        label = writer.label if writer else self.name
        return DecodeError(self.name, f"{reason} (written with {label}); truncated or not this schema", field=field)

    def _unreleased(self) -> bytes:
        raise EncodeError(
            self.name,
            "the current schema has no id in schemas/avro/ids.json, so it cannot be written in the confluent "
            "format; run `journeys schemas check`, then release it with `journeys schemas release`",
        )


@cache
def _compiled_for(schema_json: str, plain_timestamps: bool) -> CompiledCodec | None:
    return compile_codec(json.loads(schema_json), plain_timestamps=plain_timestamps)


def _compiled(version: SchemaVersion, plain_timestamps: bool) -> CompiledCodec | None:
    return _compiled_for(json.dumps(version.schema, sort_keys=True), plain_timestamps)


@cache
def _projection_for(schema_json: str, plain_timestamps: bool, fields: FrozenProjection) -> CompiledProjection | None:
    return compile_projection(json.loads(schema_json), dict(fields), plain_timestamps=plain_timestamps)


def _projection(version: SchemaVersion, plain_timestamps: bool, fields: FrozenProjection) -> CompiledProjection | None:
    return _projection_for(json.dumps(version.schema, sort_keys=True), plain_timestamps, fields)


def _parsed(version: SchemaVersion, plain_timestamps: bool) -> Any:
    return parse_schema(catalog.for_reading(version.schema, plain_timestamps=plain_timestamps))


class Serde:
    """Every wire type's codec for one settings object."""

    def __init__(self, settings: SerdeSettings | None = None, *, plain_timestamps: bool = False) -> None:
        self.settings = settings or SerdeSettings()
        if self.settings.wire_format == "confluent" and self.settings.schema_registry_url:
            raise ConfigurationError(
                "a schema registry client is not built in yet: unset JOURNEYS_SERDE_SCHEMA_REGISTRY_URL to use "
                "the local id table (schemas/avro/ids.json)"
            )
        self.plain_timestamps = plain_timestamps
        self._codecs: dict[str, RecordCodec] = {}

    def codec(self, name: str) -> RecordCodec:
        """The codec of wire type ``name`` (``TouchpointEvent``, ``DeadLetter``, ...)."""
        found = self._codecs.get(name)
        if found is None:
            if name not in catalog.WIRE_TYPES:
                raise ConfigurationError(f"`{name}` is not a wire type; use one of {', '.join(catalog.WIRE_TYPES)}")
            found = self._codecs[name] = RecordCodec(
                name, wire_format=self.settings.wire_format, plain_timestamps=self.plain_timestamps
            )
        return found

    def encode(self, name: str, record: Mapping[str, Any]) -> bytes:
        return self.codec(name).encode(record)

    def decode(self, name: str, data: bytes) -> dict[str, Any]:
        return self.codec(name).decode(data)

    def encode_model(self, model: AvroModel) -> bytes:
        """Encode a validated model (the convenience path: pays for ``model_dump``)."""
        return self.codec(type(model).__name__).encode(model.to_avro())

    def decode_model(self, model: type[M], data: bytes) -> M:
        """Decode and validate into ``model`` (the convenience path: pays for pydantic)."""
        return model.from_avro(self.codec(model.__name__).decode(data))


def wire_type_of(data: bytes) -> str | None:
    """The wire type named by a message's frame (fingerprint or schema id), ``None`` when unknown."""
    if data[:2] == SINGLE_OBJECT_MAGIC and len(data) >= 10:
        version = catalog.by_fingerprint().get(bytes(data[2:10]))
    elif data[:1] == CONFLUENT_MAGIC and len(data) >= 5:
        version = catalog.by_id().get(int.from_bytes(data[1:5], "big"))
    else:
        return None
    return version.name if version is not None else None


@cache
def default_serde() -> Serde:
    """The process's Serde, from ``SerdeSettings()`` (environment ``JOURNEYS_SERDE_*``)."""
    return Serde(SerdeSettings())


def encode_touchpoint(record: Mapping[str, Any]) -> bytes:
    """A TouchpointEvent dict -> bytes, with the default settings."""
    return default_serde().codec("TouchpointEvent").encode(record)


def decode_touchpoint(data: bytes) -> dict[str, Any]:
    """Bytes -> a TouchpointEvent dict (times as aware UTC datetimes)."""
    return default_serde().codec("TouchpointEvent").decode(data)


def encode_identity_link(record: Mapping[str, Any]) -> bytes:
    return default_serde().codec("IdentityLink").encode(record)


def decode_identity_link(data: bytes) -> dict[str, Any]:
    return default_serde().codec("IdentityLink").decode(data)


def encode_stitched(record: Mapping[str, Any]) -> bytes:
    return default_serde().codec("StitchedTouchpoint").encode(record)


def decode_stitched(data: bytes) -> dict[str, Any]:
    return default_serde().codec("StitchedTouchpoint").decode(data)


def encode_journey(record: Mapping[str, Any]) -> bytes:
    return default_serde().codec("Journey").encode(record)


def decode_journey(data: bytes) -> dict[str, Any]:
    return default_serde().codec("Journey").decode(data)


def encode_dead_letter(record: Mapping[str, Any]) -> bytes:
    return default_serde().codec("DeadLetter").encode(record)


def decode_dead_letter(data: bytes) -> dict[str, Any]:
    return default_serde().codec("DeadLetter").decode(data)

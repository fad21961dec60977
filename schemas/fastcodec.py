"""Avro binary encoders and decoders generated as Python source, one pair per schema.

fastavro interprets the schema on every call: for each field it looks the type up, and
for each ``["null", T]`` union it tries the branches in turn. The contract's records are
mostly such unions (TouchpointEvent: 30 of its 40 fields), which is why fastavro writes
and reads only ~60k TouchpointEvents/s here. Generating straight-line code for one
schema removes that interpretation: a union becomes an ``if v is None``, an enum a
dict look-up, a string length a table look-up (measured in bench/serde.py).

Only the shapes the contract uses are compiled: primitives, records, enums, arrays,
maps, ``["null", T]`` unions, and the ``timestamp-millis``/``uuid`` logical types.
:func:`compile_codec` returns ``None`` for anything else, and the caller keeps fastavro.
The generated code does not validate: :class:`schemas.serde.RecordCodec` calls it first
and, on any exception, repeats the call with fastavro, which either succeeds (an input
fastavro accepts that this code does not, such as a naive datetime) or raises the error
that :mod:`schemas.diagnose` explains. ``tests/schemas/test_fastcodec.py`` checks that
both write the same bytes and read the same records.
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

__all__ = ["CompiledCodec", "avro_long", "compile_codec"]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_PRIMITIVES = frozenset(["null", "boolean", "int", "long", "float", "double", "bytes", "string"])


def _zigzag(n: int) -> bytes:
    if not -(1 << 63) <= n < 1 << 63:
        raise OverflowError(f"{n} does not fit in an Avro long")
    n = (n << 1) ^ (n >> 63)
    out = bytearray()
    while n & ~0x7F:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


# Lengths of strings, counts of blocks and small longs: one tuple look-up instead of a loop.
_SMALL = tuple(_zigzag(n) for n in range(1 << 14))


def _long(n: int) -> bytes:
    if 0 <= n < 16384:
        return _SMALL[n]
    if 1 << 34 <= n < 1 << 41:  # epoch-ms timestamps of 1970-07 to 2039-09: six bytes without a loop
        z = n << 1
        return bytes(
            (
                z & 0x7F | 0x80,
                z >> 7 & 0x7F | 0x80,
                z >> 14 & 0x7F | 0x80,
                z >> 21 & 0x7F | 0x80,
                z >> 28 & 0x7F | 0x80,
                z >> 35,
            )
        )
    return _zigzag(n)


avro_long = _long
"""The Avro binary encoding of a long (zig-zag varint), for code that writes Avro bytes by hand."""


def _millis(value: Any) -> int:
    """Epoch ms of an aware datetime (as fastavro computes it), or an int as is."""
    if type(value) is int:
        return value
    delta = value - _EPOCH  # a naive datetime raises TypeError: fastavro handles it
    return (delta.days * 86_400 + delta.seconds) * 1000 + delta.microseconds // 1000


def _read_long(b: bytes, p: int) -> tuple[int, int]:
    shift = 0
    n = 0
    while True:
        x = b[p]
        p += 1
        n |= (x & 0x7F) << shift
        if x < 0x80:
            return (n >> 1) ^ -(n & 1), p
        shift += 7


_PACK_D = struct.Struct("<d").pack
_PACK_F = struct.Struct("<f").pack
_UNPACK_D = struct.Struct("<d").unpack_from
_UNPACK_F = struct.Struct("<f").unpack_from


class _UnsupportedError(Exception):
    pass


@dataclass(frozen=True)
class CompiledCodec:
    """``encode(record) -> bytes`` (the Avro body) and ``decode(data, offset) -> (record, end)``."""

    encode: Callable[[Any], bytes]
    decode: Callable[[bytes, int], tuple[dict[str, Any], int]]
    source: str


class _Generator:
    """Writes the Python source of the encoder and decoder of one schema."""

    def __init__(self, plain_timestamps: bool) -> None:
        self.plain = plain_timestamps
        self.constants: dict[str, Any] = {}
        self.functions: list[str] = []
        self.named: dict[str, Any] = {}
        self.counter = 0

    def fresh(self, stem: str) -> str:
        self.counter += 1
        return f"_{stem}{self.counter}"

    def constant(self, stem: str, value: Any) -> str:
        name = self.fresh(stem)
        self.constants[name] = value
        return name

    def resolve(self, node: Any) -> Any:
        if isinstance(node, str) and node not in _PRIMITIVES:
            if node not in self.named:
                raise _UnsupportedError(f"unknown named type {node}")
            return self.named[node]
        if isinstance(node, dict) and node.get("type") in ("record", "enum", "fixed"):
            name = node["name"] if "." in node["name"] else f"{node.get('namespace', '')}.{node['name']}".lstrip(".")
            self.named[name] = node
            self.named[node["name"]] = node
        return node

    # -- encoding: statements that append the value of expression `v` with `w` ---------------

    def write(self, node: Any, v: str, indent: str) -> list[str]:
        node = self.resolve(node)
        if isinstance(node, list):
            return self.write_union(node, v, indent)
        kind = node if isinstance(node, str) else node["type"]
        logical = node.get("logicalType") if isinstance(node, dict) else None
        if isinstance(kind, dict | list):
            return self.write(kind, v, indent)
        if kind == "null":
            return []
        if kind == "boolean":
            return [f"{indent}w(b'\\x01' if {v} else b'\\x00')"]
        if kind in ("int", "long"):
            if logical == "timestamp-millis":
                return [f"{indent}w(_long(_millis({v})))"]
            if logical is not None:
                raise _UnsupportedError(logical)
            return [f"{indent}w(_long({v}))"]
        if kind == "double":
            return [f"{indent}w(_PACK_D({v}))"]
        if kind == "float":
            return [f"{indent}w(_PACK_F({v}))"]
        if kind == "string":
            if logical not in (None, "uuid"):
                raise _UnsupportedError(logical)
            t = self.fresh("s")
            n = self.fresh("n")
            return [
                f"{indent}{t} = {v}.encode()",
                f"{indent}{n} = len({t})",
                f"{indent}w(_SMALL[{n}] if {n} < 16384 else _long({n}))",
                f"{indent}w({t})",
            ]
        if kind == "bytes":
            if logical is not None:
                raise _UnsupportedError(logical)
            t = self.fresh("s")
            return [f"{indent}{t} = bytes({v})", f"{indent}w(_long(len({t})))", f"{indent}w({t})"]
        if kind == "enum":
            table = self.constant("enum", {s: _long(i) for i, s in enumerate(node["symbols"])})
            return [f"{indent}w({table}[{v}])"]
        if kind == "record":
            return self.write_record(node, v, indent)
        if kind == "array":
            item = self.fresh("i")
            seq = self.fresh("a")
            body = self.write(node["items"], item, indent + "        ")
            return [
                f"{indent}{seq} = {v}",
                f"{indent}if {seq}:",
                f"{indent}    w(_long(len({seq})))",
                f"{indent}    for {item} in {seq}:",
                *(body or [f"{indent}        pass"]),
                f"{indent}w(b'\\x00')",
            ]
        if kind == "map":
            key = self.fresh("k")
            item = self.fresh("i")
            seq = self.fresh("m")
            body = self.write("string", key, indent + "        ") + self.write(
                node["values"], item, indent + "        "
            )
            return [
                f"{indent}{seq} = {v}",
                f"{indent}if {seq}:",
                f"{indent}    w(_long(len({seq})))",
                f"{indent}    for {key}, {item} in {seq}.items():",
                *body,
                f"{indent}w(b'\\x00')",
            ]
        raise _UnsupportedError(str(kind))

    def write_union(self, branches: list[Any], v: str, indent: str) -> list[str]:
        if len(branches) != 2 or branches[0] != "null":
            raise _UnsupportedError("union other than [null, T]")
        t = self.fresh("u")
        return [
            f"{indent}{t} = {v}",
            f"{indent}if {t} is None:",
            f"{indent}    w(b'\\x00')",
            f"{indent}else:",
            f"{indent}    w(b'\\x02')",
            *(self.write(branches[1], t, indent + "    ") or [f"{indent}    pass"]),
        ]

    def write_record(self, node: dict[str, Any], v: str, indent: str) -> list[str]:
        r = self.fresh("r")
        lines = [f"{indent}{r} = {v}"]
        for field in node["fields"]:
            if "default" in field:
                default = self.constant("d", field["default"])
                expr = f"{r}.get({field['name']!r}, {default})"
            else:
                expr = f"{r}[{field['name']!r}]"
            lines += self.write(field["type"], expr, indent)
        return lines

    # -- decoding: statements that set `target` from b[p:] and advance p ----------------------

    def read(self, node: Any, target: str, indent: str) -> list[str]:
        node = self.resolve(node)
        if isinstance(node, list):
            return self.read_union(node, target, indent)
        kind = node if isinstance(node, str) else node["type"]
        logical = node.get("logicalType") if isinstance(node, dict) else None
        if isinstance(kind, dict | list):
            return self.read(kind, target, indent)
        if kind == "null":
            return [f"{indent}{target} = None"]
        if kind == "boolean":
            return [f"{indent}{target} = b[p] == 1", f"{indent}p += 1"]
        if kind in ("int", "long"):
            lines = self.read_long(target, indent)
            if logical == "timestamp-millis" and not self.plain:
                # fromtimestamp is 2.5x faster than adding a timedelta, and exact to the microsecond
                # while ms / 1000 has under half a microsecond of float error: |t| < 2**32 s.
                lines.append(
                    f"{indent}{target} = _fromts({target} / 1000, _UTC) if -_TS_LIMIT < {target} < _TS_LIMIT "
                    f"else _EPOCH + _timedelta(milliseconds={target})"
                )
            return lines
        if kind == "double":
            return [f"{indent}{target} = _UNPACK_D(b, p)[0]", f"{indent}p += 8"]
        if kind == "float":
            return [f"{indent}{target} = _UNPACK_F(b, p)[0]", f"{indent}p += 4"]
        if kind in ("string", "bytes"):
            n = self.fresh("n")
            end = f"p + {n}"
            convert = f"b[p:{end}].decode()" if kind == "string" else f"bytes(b[p:{end}])"
            return [*self.read_long(n, indent), f"{indent}{target} = {convert}", f"{indent}p += {n}"]
        if kind == "enum":
            symbols = self.constant("sym", tuple(node["symbols"]))
            n = self.fresh("n")
            return [*self.read_long(n, indent), f"{indent}{target} = {symbols}[{n}]"]
        if kind == "record":
            fn = self.record_reader(node)
            return [f"{indent}{target}, p = {fn}(b, p)"]
        if kind in ("array", "map"):
            return self.read_blocks(node, target, indent)
        raise _UnsupportedError(str(kind))

    def read_long(self, target: str, indent: str) -> list[str]:
        # One byte covers 0..63 and -64..-1, so most lengths, indexes and flags skip the call.
        return [
            f"{indent}{target} = b[p]",
            f"{indent}if {target} < 0x80:",
            f"{indent}    {target} = ({target} >> 1) ^ -({target} & 1)",
            f"{indent}    p += 1",
            f"{indent}else:",
            f"{indent}    {target}, p = _read_long(b, p)",
        ]

    def read_union(self, branches: list[Any], target: str, indent: str) -> list[str]:
        if len(branches) != 2 or branches[0] != "null":
            raise _UnsupportedError("union other than [null, T]")
        return [
            f"{indent}if b[p] == 0:",
            f"{indent}    p += 1",
            f"{indent}    {target} = None",
            f"{indent}elif b[p] == 2:",
            f"{indent}    p += 1",
            *self.read(branches[1], target, indent + "    "),
            f"{indent}else:",
            f"{indent}    raise ValueError('union index out of range')",
        ]

    def read_blocks(self, node: dict[str, Any], target: str, indent: str) -> list[str]:
        count = self.fresh("c")
        item = self.fresh("i")
        is_map = node["type"] == "map"
        key = self.fresh("k")
        inner = indent + "        "
        body = self.read(node["values" if is_map else "items"], item, inner)
        if is_map:
            body = self.read("string", key, inner) + body + [f"{inner}{target}[{key}] = {item}"]
        else:
            body = [*body, f"{inner}{target}.append({item})"]
        return [
            f"{indent}{target} = {{}}" if is_map else f"{indent}{target} = []",
            f"{indent}while True:",
            *[f"    {line}" for line in self.read_long(count, indent)],
            f"{indent}    if {count} == 0:",
            f"{indent}        break",
            f"{indent}    if {count} < 0:  # a negative count is followed by the block's size in bytes",
            f"{indent}        {count} = -{count}",
            *[f"        {line}" for line in self.read_long(self.fresh("size"), indent)],
            f"{indent}    for _ in range({count}):",
            *body,
        ]

    def record_reader(self, node: dict[str, Any]) -> str:
        fn = self.fresh("read_" + node["name"])
        lines = [f"def {fn}(b, p):", "    r = {}"]
        for field in node["fields"]:
            lines += self.read(field["type"], f"r[{field['name']!r}]", "    ")
        lines.append("    return r, p")
        self.functions.append("\n".join(lines))
        return fn


def compile_codec(schema: dict[str, Any], *, plain_timestamps: bool = False) -> CompiledCodec | None:
    """Generated encoder and decoder of ``schema`` (an expanded record), or ``None`` if unsupported."""
    gen = _Generator(plain_timestamps)
    try:
        body = gen.write(schema, "record", "    ")
        reader = gen.read(schema, "out", "    ")
    except (_UnsupportedError, KeyError, TypeError):
        return None
    encoder = "\n".join(
        ["def encode(record):", "    parts = []", "    w = parts.append", *body, "    return b''.join(parts)"]
    )
    decoder = "\n".join(["def decode(b, p):", *reader, "    return out, p"])
    source = "\n\n".join([*gen.functions, encoder, decoder])
    namespace: dict[str, Any] = {
        "_long": _long,
        "_millis": _millis,
        "_read_long": _read_long,
        "_PACK_D": _PACK_D,
        "_PACK_F": _PACK_F,
        "_UNPACK_D": _UNPACK_D,
        "_UNPACK_F": _UNPACK_F,
        "_EPOCH": _EPOCH,
        "_UTC": UTC,
        "_fromts": datetime.fromtimestamp,
        "_TS_LIMIT": 2**32 * 1000,
        "_SMALL": _SMALL,
        "_timedelta": timedelta,
        **gen.constants,
    }
    exec(compile(source, f"<avro codec {schema.get('name')}>", "exec"), namespace)  # generated from the schema only
    return CompiledCodec(namespace["encode"], namespace["decode"], source)

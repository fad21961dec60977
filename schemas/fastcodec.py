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

:func:`compile_projection` generates a decoder of some fields only, for readers that use a
few fields of a wide record (the stitcher reads ~20 of TouchpointEvent's 40 and one of its
context's 11). It reads the same bytes, but the other fields are skipped: a string is its
length and an advance, a long its varint, with no ``str``, ``datetime`` or dict entry made.
Skipped enum and union indexes are still checked, and the decoder ends where the full one
does (``tests/schemas/test_projection.py``).
"""

from __future__ import annotations

import functools
import struct
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

__all__ = [
    "CompiledCodec",
    "CompiledProjection",
    "FrozenProjection",
    "Projection",
    "avro_long",
    "compile_codec",
    "compile_projection",
    "freeze_projection",
]

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


def _skip_long(b: bytes, p: int) -> int:
    """The position after the varint at ``p`` (IndexError when the input ends inside it)."""
    while b[p] & 0x80:
        p += 1
    return p + 1


_PACK_D = struct.Struct("<d").pack
_PACK_F = struct.Struct("<f").pack
_UNPACK_D = struct.Struct("<d").unpack_from
_UNPACK_F = struct.Struct("<f").unpack_from


class _UnsupportedError(Exception):
    pass


Projection = Mapping[str, Collection[str] | None]
"""The fields a projected decoder keeps: each wanted field of the record maps to ``None`` (its
whole value) or, for a record-valued field, to the names of its sub-fields to keep
(``{"event_id": None, "context": {"country"}}``)."""

FrozenProjection = tuple[tuple[str, frozenset[str] | None], ...]
"""A :data:`Projection` in canonical, hashable form (see :func:`freeze_projection`)."""


def freeze_projection(fields: Projection) -> FrozenProjection:
    """``fields`` sorted and frozen, so that equal projections make one cache key."""
    frozen: list[tuple[str, frozenset[str] | None]] = []
    for name, sub in fields.items():
        if isinstance(sub, str):  # a bare name would otherwise be read as a set of one-letter fields
            raise TypeError(f"sub-fields of `{name}`: expected a collection of names, got the string {sub!r}")
        frozen.append((name, None if sub is None else frozenset(sub)))
    return tuple(sorted(frozen, key=lambda item: item[0]))


@dataclass(frozen=True)
class CompiledCodec:
    """``encode(record) -> bytes`` (the Avro body) and ``decode(data, offset) -> (record, end)``."""

    encode: Callable[[Any], bytes]
    decode: Callable[[bytes, int], tuple[dict[str, Any], int]]
    source: str


@dataclass(frozen=True)
class CompiledProjection:
    """``decode(data, offset) -> (record, end)``: a dict of the wanted fields only, and the ``end``
    the full decoder reaches (raises on truncated input and on bad skipped enum or union indexes)."""

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
            return [*self.read_length(n, indent), f"{indent}{target} = {convert}", f"{indent}p += {n}"]
        if kind == "enum":
            symbols = self.constant("sym", tuple(node["symbols"]))
            n = self.fresh("n")
            # Not a negative index: Python would read it from the end of the symbols.
            return [
                *self.read_long(n, indent),
                f"{indent}if {n} < 0:",
                f"{indent}    raise ValueError('enum index out of range')",
                f"{indent}{target} = {symbols}[{n}]",
            ]
        if kind == "record":
            fn = self.record_reader(node)
            return [f"{indent}{target}, p = {fn}(b, p)"]
        if kind in ("array", "map"):
            return self.read_blocks(node, target, indent)
        raise _UnsupportedError(str(kind))

    def read_length(self, n: str, indent: str) -> list[str]:
        """A string's or bytes' length into ``n``. Not a negative one: it would move p back, and a
        corrupt map or array then re-read the same bytes for ever."""
        return [*self.read_long(n, indent), f"{indent}if {n} < 0:", f"{indent}    raise ValueError('negative length')"]

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
        return self.null_union(branches, indent, [f"{target} = None"], lambda t, inner: self.read(t, target, inner))

    def null_union(
        self, branches: list[Any], indent: str, on_null: list[str], on_value: Callable[[Any, str], list[str]]
    ) -> list[str]:
        """A ``[null, T]`` union: its index, then ``on_null`` or ``on_value(T, indent)`` (reading or skipping)."""
        if len(branches) != 2 or branches[0] != "null":
            raise _UnsupportedError("union other than [null, T]")
        inner = indent + "    "
        return [
            f"{indent}if b[p] == 0:",
            f"{inner}p += 1",
            *[inner + line for line in on_null],
            f"{indent}elif b[p] == 2:",
            f"{inner}p += 1",
            *on_value(branches[1], inner),
            f"{indent}else:",
            f"{inner}raise ValueError('union index out of range')",
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
        size = self.read_long(self.fresh("size"), indent)
        return [
            f"{indent}{target} = {{}}" if is_map else f"{indent}{target} = []",
            *self.blocks(count, size, indent),
            *body,
        ]

    def blocks(self, count: str, size: list[str], indent: str) -> list[str]:
        """The loop over an array's or map's blocks, down to the loop over one block's items;
        ``size`` reads or skips the byte size that follows a negative count."""
        return [
            f"{indent}while True:",
            *[f"    {line}" for line in self.read_long(count, indent)],
            f"{indent}    if {count} == 0:",
            f"{indent}        break",
            f"{indent}    if {count} < 0:  # a negative count is followed by the block's size in bytes",
            f"{indent}        {count} = -{count}",
            *[f"        {line}" for line in size],
            f"{indent}    for _ in range({count}):",
        ]

    def record_reader(self, node: dict[str, Any]) -> str:
        fn = self.fresh("read_" + node["name"])
        lines = [f"def {fn}(b, p):", "    r = {}"]
        for field in node["fields"]:
            lines += self.read(field["type"], f"r[{field['name']!r}]", "    ")
        lines.append("    return r, p")
        self.functions.append("\n".join(lines))
        return fn

    # -- projected decoding: statements that set only the wanted fields from b[p:] ------------

    def project_fields(self, node: dict[str, Any], wanted: Projection, r: str, indent: str) -> list[str]:
        """Fill a new dict ``r`` with the wanted fields of record ``node``; skip the others."""
        names = [field["name"] for field in node["fields"]]
        unknown = sorted(set(wanted) - set(names))
        if unknown:
            raise ValueError(f"`{node['name']}` has no field {', '.join(map(repr, unknown))}; its fields: {names}")
        lines = [f"{indent}{r} = {{}}"]
        for field in node["fields"]:
            name = field["name"]
            if name not in wanted:
                lines += self.skip(field["type"], indent)
            elif (sub := wanted[name]) is None:
                lines += self.read(field["type"], f"{r}[{name!r}]", indent)
            else:
                lines += self.project(field["type"], sub, f"{r}[{name!r}]", indent)
        return lines

    def project(self, node: Any, wanted: Collection[str], target: str, indent: str) -> list[str]:
        """Set ``target`` to a dict of the ``wanted`` sub-fields of the record ``node`` (``None`` from a null branch)."""
        node = self.resolve(node)
        if isinstance(node, list):
            return self.null_union(
                node, indent, [f"{target} = None"], lambda t, inner: self.project(t, wanted, target, inner)
            )
        if isinstance(node, dict) and isinstance(node["type"], dict | list):
            return self.project(node["type"], wanted, target, indent)
        if not isinstance(node, dict) or node["type"] != "record":
            raise ValueError(f"sub-fields {sorted(wanted)} asked of {target}, which is not a record")
        r = self.fresh("r")
        return [*self.project_fields(node, dict.fromkeys(wanted), r, indent), f"{indent}{target} = {r}"]

    def skip(self, node: Any, indent: str) -> list[str]:
        """Statements that advance p past a value of ``node`` without building it. They check what
        reading it would (enum and union indexes) but not the end of the input: the decoder does that
        once, at its end, since p only moves forward."""
        node = self.resolve(node)
        if isinstance(node, list):
            return self.null_union(node, indent, [], self.skip)
        kind = node if isinstance(node, str) else node["type"]
        if isinstance(kind, dict | list):
            return self.skip(kind, indent)
        if kind == "null":
            return []
        if kind == "boolean":
            return [f"{indent}p += 1"]
        if kind in ("int", "long"):
            return [
                f"{indent}if b[p] < 0x80:",
                f"{indent}    p += 1",
                f"{indent}else:",
                f"{indent}    p = _skip_long(b, p)",
            ]
        if kind == "double":
            return [f"{indent}p += 8"]
        if kind == "float":
            return [f"{indent}p += 4"]
        if kind in ("string", "bytes"):
            n = self.fresh("n")
            return [*self.read_length(n, indent), f"{indent}p += {n}"]
        if kind == "enum":
            n = self.fresh("n")
            return [
                *self.read_long(n, indent),
                f"{indent}if not 0 <= {n} < {len(node['symbols'])}:",
                f"{indent}    raise ValueError('enum index out of range')",
            ]
        if kind == "record":
            return [line for field in node["fields"] for line in self.skip(field["type"], indent)]
        if kind in ("array", "map"):
            return self.skip_blocks(node, indent)
        raise _UnsupportedError(str(kind))

    def skip_blocks(self, node: dict[str, Any], indent: str) -> list[str]:
        count = self.fresh("c")
        inner = indent + "        "
        if node["type"] == "map":
            body = self.skip("string", inner) + self.skip(node["values"], inner)
        else:
            body = self.skip(node["items"], inner)
        # A negative count's block size would allow one jump over the block, but the items are walked
        # as the full decoder walks them: their indexes get checked and both end at the same byte.
        return [*self.blocks(count, self.skip("long", indent), indent), *(body or [f"{inner}pass"])]


def _namespace(gen: _Generator) -> dict[str, Any]:
    """The globals of generated code: its helpers and the generator's constants."""
    return {
        "_long": _long,
        "_millis": _millis,
        "_read_long": _read_long,
        "_skip_long": _skip_long,
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
    namespace = _load(source, gen, f"<avro codec {schema.get('name')}>")  # generated from the schema only
    return CompiledCodec(namespace["encode"], namespace["decode"], source)


def compile_projection(
    schema: dict[str, Any], fields: Projection, *, plain_timestamps: bool = False
) -> CompiledProjection | None:
    """Generated decoder of the ``fields`` of ``schema`` (an expanded record), or ``None`` where
    :func:`compile_codec` would return ``None``.

    The values it builds are the full decoder's (same ``plain_timestamps``); a field asked with
    sub-fields becomes a dict of those only. Raises ``ValueError`` when a name is not a field (of
    the record, or of the nested record it is asked of) and ``TypeError`` for a bare string of
    sub-field names.
    """
    wanted = dict(freeze_projection(fields))
    if isinstance(schema, dict) and isinstance(schema.get("fields"), list):  # a bad name fails even if unsupported
        unknown = sorted(set(wanted) - {field.get("name") for field in schema["fields"]})
        if unknown:
            raise ValueError(f"`{schema.get('name')}` has no field {', '.join(map(repr, unknown))}")
    gen = _Generator(plain_timestamps)
    try:
        gen.write(schema, "record", "    ")  # compile_codec's checks of the shapes (logical types) are its writer's
        body = gen.project_fields(gen.resolve(schema), wanted, "out", "    ")
    except (_UnsupportedError, KeyError, TypeError):
        return None
    decoder = "\n".join(
        [
            "def decode(b, p):",
            *body,
            # skips advance p without reading, so input that ends inside them is only noticed here
            "    if p > len(b):",
            "        raise EOFError('the record ends after the input')",
            "    return out, p",
        ]
    )
    source = "\n\n".join([*gen.functions, decoder])
    label = f"<avro projection {schema.get('name')}: {', '.join(wanted)}>"
    namespace = _load(source, gen, label)  # generated from the schema and the field names only
    return CompiledProjection(namespace["decode"], source)


# Every source generated in this process, by hash: (source, its globals' names, label); what
# ahead_of_time_module writes out.
_GENERATED: dict[str, tuple[str, tuple[str, ...], str]] = {}


@functools.cache
def _ahead_of_time() -> dict[str, Callable[..., dict[str, Any]]]:
    """Ahead-of-time builds of generated sources: source hash -> a factory that takes the
    namespace's values and returns the source's functions by name (see ahead_of_time_module)."""
    import importlib

    try:
        module: Any = importlib.import_module("schemas._codecs_aot")
    except ImportError:
        return {}
    return dict(module.FACTORIES)


def _key(source: str) -> str:
    import hashlib

    return hashlib.sha256(source.encode()).hexdigest()[:20]


def _load(source: str, gen: _Generator, label: str) -> dict[str, Any]:
    """The functions ``source`` defines: from its compiled ahead-of-time build when the install
    made one (``make native``: schemas/_codecs_aot.py, Cython; ~1.3x faster), else exec'd."""
    namespace = _namespace(gen)
    key = _key(source)
    _GENERATED.setdefault(key, (source, tuple(namespace), label))
    factory = _ahead_of_time().get(key)
    if factory is not None:
        try:
            return factory(**namespace)
        except TypeError:  # built when the helpers had other names: exec'd, as without a build
            pass
    exec(compile(source, label, "exec"), namespace)
    return namespace


def ahead_of_time_module(labels: Collection[str]) -> str:
    """A module of the sources generated so far in this process whose label (``<avro codec
    Name>``, ``<avro projection Name: fields>``) starts with one of ``labels``, each in a factory
    keyed by its hash, for Cython to compile (setup.py). The constants and helpers are the
    factory's arguments, so a source is the same text as the one exec'd; a source changed
    since the build has another hash and is exec'd as before."""
    lines = [
        '"""Generated by schemas.fastcodec.ahead_of_time_module (setup.py): do not edit."""',
        "",
        "# ruff: noqa",
        "",
    ]
    names = []
    for key, (source, params, label) in sorted(_GENERATED.items()):
        if not label.startswith(tuple(labels)):
            continue
        defined = [line[4 : line.index("(")] for line in source.splitlines() if line.startswith("def ")]
        lines.append(f"def _f_{key}({', '.join(params)}):")
        lines.extend(f"    {line}" if line else "" for line in source.splitlines())
        lines.append(f"    return {{{', '.join(f'{name!r}: {name}' for name in defined)}}}")
        lines.append("")
        names.append(key)
    lines.append("FACTORIES = {" + ", ".join(f"{key!r}: _f_{key}" for key in names) + "}")
    return "\n".join(lines) + "\n"

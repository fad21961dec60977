"""The schema catalogue: the ``.avsc`` files, expanded, parsed once, with their fingerprints.

``schemas/avro/`` holds one named type per file; a file refers to other types by
name. :func:`expanded` inlines every reference (the first use carries the full
definition, later uses the full name, as Avro requires), so the Parsing Canonical
Form and its CRC-64-AVRO fingerprint cover the whole schema, not just its top level.

Released versions live in ``schemas/avro/history/<Name>/v<N>.avsc``, already
expanded and never edited; ``schemas/avro/ids.json`` gives each released version a
stable integer id for the Confluent wire format (there is no registry to ask).

Everything here is computed once per process (``lru_cache``): parsing a schema costs
about a millisecond, and the codec looks schemas up on every message.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from fastavro.schema import fingerprint, to_parsing_canonical_form

from journeys.errors import ConfigurationError

__all__ = [
    "AVRO_DIR",
    "HISTORY_DIR",
    "IDS_PATH",
    "NAMESPACE",
    "WIRE_TYPES",
    "SchemaVersion",
    "by_fingerprint",
    "by_id",
    "canonical_form",
    "current",
    "expanded",
    "fingerprint_of",
    "for_reading",
    "history",
    "raw_definitions",
    "release",
    "schema_ids",
]

AVRO_DIR = Path(__file__).parent / "avro"
HISTORY_DIR = AVRO_DIR / "history"
IDS_PATH = AVRO_DIR / "ids.json"
NAMESPACE = "journeys.v1"
# The records that travel on a topic; the other files are their parts.
WIRE_TYPES: tuple[str, ...] = (
    "TouchpointEvent",
    "IdentityLink",
    "StitchedTouchpoint",
    "StitchedBatch",
    "Journey",
    "DeadLetter",
)

_PRIMITIVES = frozenset(["null", "boolean", "int", "long", "float", "double", "bytes", "string"])


@dataclass(frozen=True)
class SchemaVersion:
    """One version of a wire type: its expanded schema, parsed, with fingerprint and id."""

    name: str
    version: int | None
    """Released version number; ``None`` for a current schema that is not released yet."""
    schema: dict[str, Any]
    """The expanded schema (plain JSON, not parsed)."""
    fingerprint: bytes
    """CRC-64-AVRO of the Parsing Canonical Form, 8 bytes little-endian (as on the wire)."""
    schema_id: int | None
    """Id in ``ids.json`` (Confluent wire format); ``None`` when not released."""

    @property
    def label(self) -> str:
        return f"{self.name} v{self.version}" if self.version is not None else f"{self.name} (unreleased)"


@cache
def raw_definitions() -> dict[str, dict[str, Any]]:
    """Every ``.avsc`` of ``schemas/avro/`` by full name, as written."""
    definitions: dict[str, dict[str, Any]] = {}
    for path in sorted(AVRO_DIR.glob("*.avsc")):
        schema = _read_json(path)
        full = _full_name(schema["name"], schema.get("namespace", NAMESPACE))
        if path.stem != schema["name"]:
            raise ConfigurationError(f"`{path}` defines `{schema['name']}`; name the file after its type")
        definitions[full] = schema
    return definitions


@cache
def _expanded(name: str) -> str:
    full = _full_name(name, NAMESPACE)
    definitions = raw_definitions()
    if full not in definitions:
        raise ConfigurationError(f"no schema `{name}` in {AVRO_DIR}; known: {', '.join(sorted(definitions))}")
    defined: set[str] = set()
    return json.dumps(_expand(definitions[full], NAMESPACE, definitions, defined))


def expanded(name: str) -> dict[str, Any]:
    """The current schema of ``name`` with every reference inlined (a fresh copy)."""
    result: dict[str, Any] = json.loads(_expanded(name))
    return result


def _expand(node: Any, namespace: str, definitions: dict[str, dict[str, Any]], defined: set[str]) -> Any:
    if isinstance(node, str):
        if node in _PRIMITIVES:
            return node
        full = _full_name(node, namespace)
        if full in defined:
            return full
        if full not in definitions:
            raise ConfigurationError(f"schema refers to unknown type `{node}`; add {AVRO_DIR}/{node}.avsc")
        return _expand(definitions[full], namespace, definitions, defined)
    if isinstance(node, list):
        return [_expand(branch, namespace, definitions, defined) for branch in node]
    if not isinstance(node, dict):
        return node
    kind = node.get("type")
    if kind in {"record", "enum", "fixed", "error"}:
        own_namespace = node.get("namespace", namespace)
        full = _full_name(node["name"], own_namespace)
        defined.add(full)
        out = copy.deepcopy({k: v for k, v in node.items() if k != "fields"})
        out["name"], out["namespace"] = full.rpartition(".")[2], own_namespace
        if "fields" in node:
            out["fields"] = [
                {**field, "type": _expand(field["type"], own_namespace, definitions, defined)}
                for field in node["fields"]
            ]
        return out
    if kind == "array":
        return {**node, "items": _expand(node["items"], namespace, definitions, defined)}
    if kind == "map":
        return {**node, "values": _expand(node["values"], namespace, definitions, defined)}
    if isinstance(kind, dict | list) or (isinstance(kind, str) and kind not in _PRIMITIVES):
        return _expand(kind, namespace, definitions, defined)
    return dict(node)


def canonical_form(schema: dict[str, Any]) -> str:
    """Avro's Parsing Canonical Form of an expanded schema."""
    return str(to_parsing_canonical_form(schema))


def fingerprint_of(schema: dict[str, Any]) -> bytes:
    """CRC-64-AVRO fingerprint, as the 8 little-endian bytes of the single-object header."""
    return bytes.fromhex(fingerprint(canonical_form(schema), "CRC-64-AVRO"))


@cache
def schema_ids() -> dict[int, tuple[str, int]]:
    """``ids.json``: Confluent schema id -> (type name, released version). Ids never change."""
    table = _read_json(IDS_PATH)
    ids: dict[int, tuple[str, int]] = {}
    for key, label in table.items():
        name, _, version = str(label).partition("/v")
        ids[int(key)] = (name, int(version))
    return ids


@cache
def history(name: str) -> tuple[SchemaVersion, ...]:
    """Every released version of ``name``, oldest first."""
    ids = {label: schema_id for schema_id, label in schema_ids().items()}
    versions = []
    for path in (HISTORY_DIR / name).glob("v*.avsc"):
        number = int(path.stem[1:])
        schema = _read_json(path)
        versions.append(SchemaVersion(name, number, schema, fingerprint_of(schema), ids.get((name, number))))
    return tuple(sorted(versions, key=lambda v: v.version or 0))


@cache
def current(name: str) -> SchemaVersion:
    """The current schema of ``name``; it carries the version and id of the release it equals, if any."""
    schema = expanded(name)
    fp = fingerprint_of(schema)
    for released in history(name):
        if released.fingerprint == fp:
            return SchemaVersion(name, released.version, schema, fp, released.schema_id)
    return SchemaVersion(name, None, schema, fp, None)


@cache
def by_fingerprint() -> dict[bytes, SchemaVersion]:
    """Every known writer schema (current and released, all wire types) by fingerprint."""
    known: dict[bytes, SchemaVersion] = {}
    for name in WIRE_TYPES:
        for version in (*history(name), current(name)):
            known.setdefault(version.fingerprint, version)
    return known


@cache
def by_id() -> dict[int, SchemaVersion]:
    """Every released version by its Confluent schema id."""
    known: dict[int, SchemaVersion] = {}
    for name in WIRE_TYPES:
        for version in history(name):
            if version.schema_id is not None:
                known[version.schema_id] = version
    return known


def for_reading(schema: dict[str, Any], *, plain_timestamps: bool) -> Any:
    """Drop the ``uuid`` logical type (ids read back as ``str``, not ``uuid.UUID``) and, when asked,
    ``timestamp-millis`` (times read back as epoch ms: ~25% faster decoding). Logical types are not
    part of the canonical form, so the fingerprint does not change."""
    dropped = {"uuid", "timestamp-millis"} if plain_timestamps else {"uuid"}

    def strip(node: Any) -> Any:
        if isinstance(node, list):
            return [strip(n) for n in node]
        if not isinstance(node, dict):
            return node
        out = {k: strip(v) for k, v in node.items()}
        if out.get("logicalType") in dropped:
            del out["logicalType"]
        return out

    return strip(schema)


def release(name: str) -> SchemaVersion:
    """Freeze the current schema of ``name`` as its next version and give it the next id.

    Run it once when a changed schema ships (after ``journeys schemas check`` passes);
    commit the new ``history`` file and ``ids.json``.
    """
    existing = current(name)
    if existing.version is not None:
        return existing
    number = max((v.version or 0 for v in history(name)), default=0) + 1
    target = HISTORY_DIR / name / f"v{number}.avsc"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(existing.schema, indent=2) + "\n")
    table = _read_json(IDS_PATH) if IDS_PATH.exists() else {}
    next_id = max((int(k) for k in table), default=0) + 1
    table[str(next_id)] = f"{name}/v{number}"
    IDS_PATH.write_text(json.dumps(table, indent=2) + "\n")
    for cached in (schema_ids, history, current, by_fingerprint, by_id):
        cached.cache_clear()
    return current(name)


def _full_name(name: str, namespace: str) -> str:
    return name if "." in name else f"{namespace}.{name}"


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise ConfigurationError(f"cannot read schema file `{path}`: {exc}") from exc

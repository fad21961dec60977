"""Find the field behind an encoding or decoding failure (the slow path, run only on errors).

fastavro says *what* went wrong ("Expected 5 bytes, read 3") but rarely *where*. On an
error, these helpers go through the record again, field by field, and return the
dotted path of the first field that fails, so a dead letter can name it.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from typing import Any

from fastavro import parse_schema, schemaless_reader
from fastavro.validation import validate

__all__ = ["failing_decode_field", "failing_encode_field"]

_DECODE_ERRORS = (EOFError, IndexError, ValueError, TypeError, OverflowError, MemoryError, UnicodeDecodeError)
_NAMED = ("record", "enum", "fixed")


def failing_encode_field(schema: dict[str, Any], record: Any) -> tuple[str | None, str | None]:
    """``(dotted field path, reason)`` of the first field of ``record`` that breaks ``schema``."""
    if not isinstance(record, Mapping):
        return None, f"expected a dict, got {type(record).__name__}"
    return _first_bad_value(schema, record, _named_types(schema), "")


def failing_decode_field(schema: dict[str, Any], data: bytes, offset: int) -> str | None:
    """Dotted path of the first field that cannot be read from ``data[offset:]``."""
    buffer = io.BytesIO(data)
    buffer.seek(offset)
    return _first_unreadable(schema, buffer, _named_types(schema), "")


def _first_bad_value(
    record_schema: dict[str, Any], record: Mapping[str, Any], named: dict[str, Any], prefix: str
) -> tuple[str | None, str | None]:
    for field in record_schema["fields"]:
        path = f"{prefix}{field['name']}"
        kind = _resolve(field["type"], named)
        if field["name"] not in record and "default" not in field:
            return path, "required, but missing"
        value = record.get(field["name"], field.get("default"))
        if isinstance(kind, dict) and kind.get("type") == "record" and isinstance(value, Mapping):
            found = _first_bad_value(kind, value, named, f"{path}.")
            if found[0]:
                return found
            continue
        if not validate(value, parse_schema(_standalone(kind, named)), raise_errors=False):
            if value is None:
                return path, "required, but null"
            return path, f"{repr(value)[:64]} is not a valid {_describe(kind)}"
    return None, None


def _first_unreadable(record: dict[str, Any], buffer: io.BytesIO, named: dict[str, Any], prefix: str) -> str | None:
    for field in record["fields"]:
        path = f"{prefix}{field['name']}"
        kind = _resolve(field["type"], named)
        if isinstance(kind, dict) and kind.get("type") == "record":
            found = _first_unreadable(kind, buffer, named, f"{path}.")
            if found:
                return found
            continue
        try:
            schemaless_reader(buffer, parse_schema(_standalone(kind, named)))
        except _DECODE_ERRORS:
            return path
    return None


def _resolve(kind: Any, named: dict[str, Any]) -> Any:
    return named.get(kind, kind) if isinstance(kind, str) else kind


def _named_types(node: Any, found: dict[str, Any] | None = None) -> dict[str, Any]:
    """Every named type defined anywhere in an expanded schema, by full name."""
    found = {} if found is None else found
    if isinstance(node, list):
        for branch in node:
            _named_types(branch, found)
    elif isinstance(node, dict):
        if node.get("type") in _NAMED:
            found[f"{node['namespace']}.{node['name']}"] = node
            for field in node.get("fields", ()):
                _named_types(field["type"], found)
        elif node.get("type") == "array":
            _named_types(node["items"], found)
        elif node.get("type") == "map":
            _named_types(node["values"], found)
    return found


def _standalone(node: Any, named: dict[str, Any], defined: set[str] | None = None) -> Any:
    """``node`` made self-contained: the first use of a named type carries its definition,
    later uses its name (as Avro requires)."""
    defined = set() if defined is None else defined
    if isinstance(node, str):
        if node in named and node not in defined:
            return _standalone(named[node], named, defined)
        return node
    if isinstance(node, list):
        return [_standalone(branch, named, defined) for branch in node]
    if not isinstance(node, dict):
        return node
    kind = node.get("type")
    if kind in _NAMED:
        full = f"{node['namespace']}.{node['name']}"
        if full in defined:
            return full
        defined.add(full)
        if "fields" in node:
            return {**node, "fields": [{**f, "type": _standalone(f["type"], named, defined)} for f in node["fields"]]}
        return node
    if kind == "array":
        return {**node, "items": _standalone(node["items"], named, defined)}
    if kind == "map":
        return {**node, "values": _standalone(node["values"], named, defined)}
    return node


def _describe(kind: Any) -> str:
    if isinstance(kind, list):
        return " or ".join(_describe(branch) for branch in kind)
    if isinstance(kind, dict):
        if kind.get("type") == "enum":
            return f"{kind['name']} symbol"
        if kind.get("logicalType"):
            return f"{kind['type']} ({kind['logicalType']})"
        return str(kind.get("type"))
    return str(kind).rpartition(".")[2]

"""Avro schema compatibility, by the resolution rules of the Avro specification.

``can_read(reader, writer)`` lists every reason data written with ``writer`` cannot be
read with ``reader`` (empty: compatible). A schema change is safe for Kafka when it is
compatible both ways against every released version:

* **backward**: the new schema reads old data (consumers upgraded first);
* **forward**: old schemas read new data (producers upgraded first).

The rules (spec, "Schema Resolution"): primitive types match or promote (int -> long,
float, double; long -> float, double; float -> double; string <-> bytes); named types
match by unqualified name or alias; an enum symbol the reader lacks needs the reader's
``default``; a reader field missing from the writer needs a ``default``; a writer union
needs every branch readable; a reader union needs one branch that reads the writer.
Logical types are annotations and do not change compatibility.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["Problem", "can_read", "check_pair"]

_PROMOTIONS: dict[str, frozenset[str]] = {
    "int": frozenset(["long", "float", "double"]),
    "long": frozenset(["float", "double"]),
    "float": frozenset(["double"]),
    "string": frozenset(["bytes"]),
    "bytes": frozenset(["string"]),
}
_NAMED = ("record", "enum", "fixed", "error")


@dataclass(frozen=True)
class Problem:
    """One incompatibility: where (dotted field path) and why."""

    path: str
    reason: str

    def __str__(self) -> str:
        return f"{self.path or '(root)'}: {self.reason}"


def check_pair(current: dict[str, Any], released: dict[str, Any]) -> dict[str, list[Problem]]:
    """Both directions: ``{"backward": [...], "forward": [...]}`` of ``current`` against ``released``."""
    return {"backward": can_read(current, released), "forward": can_read(released, current)}


def can_read(reader: dict[str, Any] | str | list[Any], writer: dict[str, Any] | str | list[Any]) -> list[Problem]:
    """Every reason data written with ``writer`` cannot be read with ``reader`` (both expanded)."""
    return _Checker(_names(reader), _names(writer)).check(reader, writer, "", set())


class _Checker:
    def __init__(self, reader_names: dict[str, Any], writer_names: dict[str, Any]) -> None:
        self.reader_names = reader_names
        self.writer_names = writer_names

    def check(self, reader: Any, writer: Any, path: str, seen: set[tuple[str, str]]) -> list[Problem]:
        reader = _resolve(reader, self.reader_names)
        writer = _resolve(writer, self.writer_names)
        if isinstance(writer, list):
            # Every branch the writer may have used must be readable.
            return [p for branch in writer for p in self.check(reader, branch, path, seen)]
        if isinstance(reader, list):
            if any(not self.check(branch, writer, path, seen) for branch in reader):
                return []
            return [
                Problem(path, f"no branch of the reader's union {_label(reader)} reads the writer's {_label(writer)}")
            ]
        reader_type, writer_type = _type(reader), _type(writer)
        if reader_type != writer_type:
            if writer_type in _PROMOTIONS and reader_type in _PROMOTIONS[writer_type]:
                return []
            return [Problem(path, f"type changed from {writer_type} to {reader_type}, which Avro cannot promote")]
        if reader_type in _NAMED and not _same_name(reader, writer):
            return [Problem(path, f"named type `{writer['name']}` is read as `{reader['name']}` without an alias")]
        if reader_type == "record":
            key = (reader["name"], writer["name"])
            if key in seen:  # a recursive type already being compared
                return []
            return self._record(reader, writer, path, seen | {key})
        if reader_type == "enum":
            missing = [s for s in writer["symbols"] if s not in reader["symbols"]]
            if missing and "default" not in reader:
                return [Problem(path, f"enum `{reader['name']}` lacks symbols {missing} and has no default")]
            return []
        if reader_type == "fixed" and reader["size"] != writer["size"]:
            return [Problem(path, f"fixed size changed from {writer['size']} to {reader['size']}")]
        if reader_type == "array":
            return self.check(reader["items"], writer["items"], f"{path}[]", seen)
        if reader_type == "map":
            return self.check(reader["values"], writer["values"], f"{path}{{}}", seen)
        return []

    def _record(
        self, reader: dict[str, Any], writer: dict[str, Any], path: str, seen: set[tuple[str, str]]
    ) -> list[Problem]:
        problems: list[Problem] = []
        written = {f["name"]: f for f in writer["fields"]}
        for field in reader["fields"]:
            where = f"{path}.{field['name']}" if path else field["name"]
            source = written.get(field["name"]) or next(
                (written[alias] for alias in field.get("aliases", ()) if alias in written), None
            )
            if source is None:
                if "default" not in field:
                    problems.append(
                        Problem(where, "the reader needs this field, the writer lacks it, and it has no default")
                    )
                continue
            problems.extend(self.check(field["type"], source["type"], where, seen))
        return problems


def _names(schema: Any, found: dict[str, Any] | None = None, namespace: str = "") -> dict[str, Any]:
    """Named types defined in an expanded schema, by full and by short name."""
    found = {} if found is None else found
    if isinstance(schema, list):
        for branch in schema:
            _names(branch, found, namespace)
    elif isinstance(schema, dict):
        kind = schema.get("type")
        if kind in _NAMED:
            namespace = schema.get("namespace", namespace)
            short = schema["name"].rpartition(".")[2]
            found[short] = found[f"{namespace}.{short}" if namespace else short] = schema
            for field in schema.get("fields", ()):
                _names(field["type"], found, namespace)
        elif kind == "array":
            _names(schema["items"], found, namespace)
        elif kind == "map":
            _names(schema["values"], found, namespace)
        elif isinstance(kind, dict | list):
            _names(kind, found, namespace)
    return found


def _resolve(schema: Any, names: dict[str, Any]) -> Any:
    if isinstance(schema, str) and schema in names:
        return names[schema]
    if isinstance(schema, dict) and isinstance(schema.get("type"), dict | list):
        return _resolve(schema["type"], names)
    return schema


def _type(schema: Any) -> str:
    return schema if isinstance(schema, str) else str(schema["type"])


def _same_name(reader: dict[str, Any], writer: dict[str, Any]) -> bool:
    short = writer["name"].rpartition(".")[2]
    aliases = {alias.rpartition(".")[2] for alias in reader.get("aliases", ())}
    return reader["name"].rpartition(".")[2] == short or short in aliases


def _label(schema: Any) -> str:
    if isinstance(schema, list):
        return "[" + ", ".join(_label(branch) for branch in schema) + "]"
    if isinstance(schema, dict):
        return str(schema.get("name") or schema["type"])
    return str(schema)

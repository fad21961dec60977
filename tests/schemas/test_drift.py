"""The pydantic models and the .avsc files describe the same records: names, optionality, types, symbols."""

from __future__ import annotations

import types
import typing
from datetime import datetime
from enum import StrEnum
from typing import Any

import pytest
from pydantic import BaseModel

from schemas import catalog, enums, models

RECORDS = [
    "EventContext",
    "TouchpointEvent",
    "IdentityLink",
    "Identifier",
    "JourneyTouchpoint",
    "Journey",
    "StitchedTouchpoint",
    "StitchedBatch",
    "DeadLetter",
]
ENUMS = ["Channel", "EventType", "IdType", "SurveyKind", "LinkKind", "JourneyStatus", "ErrorKind"]
_PRIMITIVES: dict[type, str] = {str: "string", int: "int|long", float: "double", bool: "boolean", bytes: "bytes"}


def _avro_type(kind: Any) -> str:
    """A comparable label of an Avro type (``long`` with timestamp-millis is ``timestamp``)."""
    if isinstance(kind, str):
        return {"int": "int|long", "long": "int|long"}.get(kind, kind.rpartition(".")[2])
    if kind.get("logicalType") == "timestamp-millis":
        return "timestamp"
    if kind["type"] == "array":
        return f"array<{_avro_type(kind['items'])}>"
    if kind["type"] == "map":
        return f"map<{_avro_type(kind['values'])}>"
    if kind["type"] in {"record", "enum"}:
        return str(kind["name"])
    return _avro_type(kind["type"])


def _python_type(annotation: Any) -> tuple[str, bool]:
    """``(label, optional)`` of a pydantic field annotation."""
    optional = False
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union:
        branches = [a for a in typing.get_args(annotation) if a is not type(None)]
        optional = len(branches) < len(typing.get_args(annotation))
        annotation = branches[0]
    while typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    origin = typing.get_origin(annotation)
    if origin is list:
        return f"array<{_python_type(typing.get_args(annotation)[0])[0]}>", optional
    if origin is dict:
        return f"map<{_python_type(typing.get_args(annotation)[1])[0]}>", optional
    if annotation is datetime:
        return "timestamp", optional
    if isinstance(annotation, type) and issubclass(annotation, StrEnum | BaseModel):
        return annotation.__name__, optional
    return _PRIMITIVES[annotation], optional


@pytest.mark.parametrize("name", RECORDS)
def test_model_fields_match_the_avro_record(name: str) -> None:
    schema = catalog.raw_definitions()[f"{catalog.NAMESPACE}.{name}"]
    model: type[BaseModel] = getattr(models, name)
    assert list(model.model_fields) == [f["name"] for f in schema["fields"]]
    for avro_field in schema["fields"]:
        info = model.model_fields[avro_field["name"]]
        kind = avro_field["type"]
        avro_optional = isinstance(kind, list) and "null" in kind
        label = _avro_type(next(b for b in kind if b != "null") if isinstance(kind, list) else kind)
        assert _python_type(info.annotation) == (label, avro_optional), avro_field["name"]
        # A field with an Avro default has a model default, and only optional ones default to null.
        assert info.is_required() == ("default" not in avro_field), avro_field["name"]


@pytest.mark.parametrize("name", ENUMS)
def test_enum_members_match_the_avro_symbols(name: str) -> None:
    schema = catalog.raw_definitions()[f"{catalog.NAMESPACE}.{name}"]
    assert [member.value for member in getattr(enums, name)] == schema["symbols"]


def test_every_avsc_file_is_covered_by_a_model_or_an_enum() -> None:
    assert {n.rpartition(".")[2] for n in catalog.raw_definitions()} == set(RECORDS) | set(ENUMS)


def test_every_field_and_type_is_documented() -> None:
    for name, schema in catalog.raw_definitions().items():
        assert schema.get("doc"), name
        for avro_field in schema.get("fields", ()):
            assert avro_field.get("doc"), f"{name}.{avro_field['name']}"


def test_evolvable_enums_default_to_other() -> None:
    for name in ("Channel", "EventType", "ErrorKind"):
        assert catalog.raw_definitions()[f"{catalog.NAMESPACE}.{name}"]["default"] == "other"

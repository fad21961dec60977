"""Schema evolution: each Avro resolution rule on a crafted pair, then the real schemas against history."""

from __future__ import annotations

from typing import Any

import pytest
from typer import Typer
from typer.testing import CliRunner

from schemas import catalog, evolution
from schemas.cli import register
from schemas.compat import Problem, can_read, check_pair
from schemas.evolution import Report


def record(*fields: dict[str, Any], name: str = "R", **extra: Any) -> dict[str, Any]:
    return {"type": "record", "name": name, "namespace": "t", "fields": list(fields), **extra}


def field(name: str, kind: Any, **extra: Any) -> dict[str, Any]:
    return {"name": name, "type": kind, **extra}


def enum(*symbols: str, **extra: Any) -> dict[str, Any]:
    return {"type": "enum", "name": "E", "namespace": "t", "symbols": list(symbols), **extra}


def directions(new: dict[str, Any], old: dict[str, Any]) -> dict[str, list[Problem]]:
    return check_pair(new, old)


def test_adding_a_field_without_default_breaks_backward() -> None:
    found = directions(record(field("a", "int"), field("b", "string")), record(field("a", "int")))
    assert [p.path for p in found["backward"]] == ["b"]
    assert "no default" in found["backward"][0].reason
    assert found["forward"] == []


def test_adding_a_field_with_default_is_compatible() -> None:
    found = directions(
        record(field("a", "int"), field("b", ["null", "string"], default=None)), record(field("a", "int"))
    )
    assert found == {"backward": [], "forward": []}


def test_removing_a_field_without_default_breaks_forward() -> None:
    found = directions(record(field("a", "int")), record(field("a", "int"), field("b", "string")))
    assert found["backward"] == []
    assert [p.path for p in found["forward"]] == ["b"]


def test_removing_a_field_with_default_is_compatible() -> None:
    old = record(field("a", "int"), field("b", "string", default=""))
    assert directions(record(field("a", "int")), old) == {"backward": [], "forward": []}


def test_type_change_that_avro_cannot_promote_breaks_both() -> None:
    found = directions(record(field("a", "string")), record(field("a", "int")))
    assert "cannot promote" in found["backward"][0].reason
    assert found["forward"]


def test_promotion_reads_old_data_but_not_the_reverse() -> None:
    found = directions(record(field("a", "long")), record(field("a", "int")))
    assert found["backward"] == []
    assert [p.path for p in found["forward"]] == ["a"]


@pytest.mark.parametrize(
    ("writer", "reader"), [("int", "double"), ("float", "double"), ("string", "bytes"), ("bytes", "string")]
)
def test_every_promotion_of_the_spec_is_allowed(writer: str, reader: str) -> None:
    assert can_read(reader, writer) == []


def test_removing_an_enum_symbol_without_default_breaks_backward() -> None:
    found = directions(record(field("e", enum("a"))), record(field("e", enum("a", "b"))))
    assert "lacks symbols ['b']" in found["backward"][0].reason


def test_adding_an_enum_symbol_needs_a_default_in_the_old_reader() -> None:
    without = directions(record(field("e", enum("a", "b"))), record(field("e", enum("a"))))
    assert [p.path for p in without["forward"]] == ["e"]
    with_default = directions(
        record(field("e", enum("a", "b", "other", default="other"))),
        record(field("e", enum("a", "other", default="other"))),
    )
    assert with_default == {"backward": [], "forward": []}


def test_making_a_field_optional_breaks_forward_only() -> None:
    found = directions(record(field("a", ["null", "int"], default=None)), record(field("a", "int")))
    assert found["backward"] == []
    assert "no branch" in found["forward"][0].reason or "cannot promote" in found["forward"][0].reason


def test_dropping_a_union_branch_breaks_backward() -> None:
    found = directions(record(field("a", ["null", "int"])), record(field("a", ["null", "int", "string"])))
    assert [p.path for p in found["backward"]] == ["a"]


def test_renaming_a_named_type_needs_an_alias() -> None:
    old = record(field("a", "int"), name="Old")
    assert "without an alias" in can_read(record(field("a", "int"), name="New"), old)[0].reason
    assert can_read(record(field("a", "int"), name="New", aliases=["Old"]), old) == []


def test_renaming_a_field_needs_an_alias() -> None:
    old = record(field("a", "int"))
    assert can_read(record(field("b", "int")), old)
    assert can_read(record(field("b", "int", aliases=["a"])), old) == []


def test_changing_a_fixed_size_breaks_both() -> None:
    def fixed(size: int) -> dict[str, Any]:
        return record(field("f", {"type": "fixed", "name": "F", "namespace": "t", "size": size}))

    assert all(directions(fixed(16), fixed(8)).values())


def test_array_items_and_map_values_are_checked_with_their_path() -> None:
    arrays = directions(
        record(field("a", {"type": "array", "items": "string"})), record(field("a", {"type": "array", "items": "int"}))
    )
    assert arrays["backward"][0].path == "a[]"
    maps = directions(
        record(field("m", {"type": "map", "values": "string"})), record(field("m", {"type": "map", "values": "long"}))
    )
    assert maps["backward"][0].path == "m{}"


def test_nested_record_changes_name_the_nested_field() -> None:
    inner_old = record(field("x", "int"), name="Inner")
    inner_new = record(field("x", "int"), field("y", "int"), name="Inner")
    found = can_read(record(field("inner", inner_new)), record(field("inner", inner_old)))
    assert [p.path for p in found] == ["inner.y"]


def test_references_to_named_types_are_resolved() -> None:
    old = record(field("a", enum("x")), field("b", "t.E"))
    new = record(field("a", enum("x")), field("b", "t.E"))
    assert check_pair(new, old) == {"backward": [], "forward": []}


def test_every_current_schema_is_compatible_with_every_released_version() -> None:
    reports = evolution.check_all()
    assert [r.name for r in reports] == list(catalog.WIRE_TYPES)
    assert all(r.released for r in reports)
    assert [str(p) for r in reports for _, _, p in r.problems] == []


def test_released_history_files_are_frozen_expanded_schemas() -> None:
    for name in catalog.WIRE_TYPES:
        latest = catalog.history(name)[-1]
        assert latest.fingerprint == catalog.fingerprint_of(latest.schema)
        assert isinstance(latest.schema["fields"][0]["type"], dict | str)


def test_check_command_passes_on_the_current_schemas() -> None:
    app = Typer()
    register(app)
    result = CliRunner().invoke(app, ["schemas", "check"])
    assert result.exit_code == 0, result.output
    assert "TouchpointEvent: ok against v1" in result.output


def test_check_command_fails_on_an_incompatible_change(monkeypatch: pytest.MonkeyPatch) -> None:
    broken = Report("TouchpointEvent", [1], unreleased=True, problems=[(1, "forward", Problem("source", "no default"))])
    monkeypatch.setattr(evolution, "check_all", lambda: [broken])
    app = Typer()
    register(app)
    result = CliRunner().invoke(app, ["schemas", "check"])
    assert result.exit_code != 0
    assert "v1 forward: source: no default" in result.output

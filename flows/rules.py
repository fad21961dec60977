"""The friction rule catalogue: named rules kept as data (warehouse/friction_rules.yaml).

Each rule has a name, a description, a severity, an ``enabled`` switch, its parameters
and the SQL file that implements it. The SQL is a plain ``select`` over the scope
tables the friction flow prepares (see ``flows/friction.py``) and reads its parameters
as DuckDB named parameters (``$window_ms``), so tuning a rule never means editing SQL
and no value is ever formatted into a query.

Loading checks everything a run would trip over later, and names the rule and the field:
an unknown SQL file, a parameter the SQL uses but the catalogue does not set (or the
reverse), a parameter of the wrong shape, an unknown severity.

    catalogue = load_catalogue()                     # the packaged warehouse/friction_rules.yaml
    catalogue = load_catalogue(Path("my_rules.yaml"))
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from journeys.errors import ConfigurationError

__all__ = [
    "SEVERITIES",
    "Catalogue",
    "FrictionRule",
    "default_catalogue_path",
    "load_catalogue",
    "parse_catalogue",
]

SEVERITIES = ("low", "medium", "high")
_NAME = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
_PARAMETER = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")
_COMMENT = re.compile(r"--[^\n]*")
_RULE_FIELDS = {"name", "description", "severity", "enabled", "parameters", "sql"}
# Parameters the friction flow binds itself; a rule may not define them.
RESERVED_PARAMETERS = frozenset({"rule", "severity", "detected_at"})

Scalar = bool | int | float | str
ParameterValue = Scalar | list[str] | dict[str, float]


@dataclass(frozen=True)
class FrictionRule:
    """One rule of the catalogue, validated, with its SQL read."""

    name: str
    description: str
    severity: str
    enabled: bool
    parameters: Mapping[str, ParameterValue]
    sql_path: str
    sql: str = field(repr=False)

    def bound_parameters(self) -> dict[str, Any]:
        """The parameters as DuckDB binds them: a mapping becomes a MAP (``$thresholds_ms[channel]``)."""
        bound: dict[str, Any] = {}
        for name, value in self.parameters.items():
            if isinstance(value, dict):
                values = list(value.values())
                if any(isinstance(v, float) for v in values):
                    values = [float(v) for v in values]
                bound[name] = {"key": list(value.keys()), "value": values}
            else:
                bound[name] = value
        return bound


@dataclass(frozen=True)
class Catalogue:
    """Every rule of a catalogue file, in file order.

    ``lookback_s``: how far cross-journey rules look back (repeat_contact: 7 days). When a
    journey changes, the customer's journeys that started up to this long after it are
    checked again too.
    """

    path: str
    rules: tuple[FrictionRule, ...]
    lookback_s: float = 7 * 86400

    @property
    def enabled(self) -> tuple[FrictionRule, ...]:
        return tuple(rule for rule in self.rules if rule.enabled)

    def rule(self, name: str) -> FrictionRule:
        for rule in self.rules:
            if rule.name == name:
                return rule
        raise ConfigurationError(f"no friction rule `{name}` in {self.path}; known: {', '.join(self.names)}")

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(rule.name for rule in self.rules)

    def only(self, *names: str) -> Catalogue:
        """The same catalogue with just these rules (e.g. to run one rule in a test or a notebook)."""
        return Catalogue(self.path, tuple(self.rule(name) for name in names), self.lookback_s)

    @property
    def version(self) -> str:
        """A short hash of every enabled rule's parameters and SQL: changes when a rule is tuned."""
        digest = hashlib.sha256()
        for rule in self.enabled:
            digest.update(repr((rule.name, rule.severity, sorted(rule.parameters.items()), rule.sql)).encode())
        return digest.hexdigest()[:12]


def default_catalogue_path() -> Path:
    """The catalogue shipped with the package: warehouse/friction_rules.yaml."""
    return Path(str(resources.files("warehouse").joinpath("friction_rules.yaml")))


def load_catalogue(path: Path | str | None = None) -> Catalogue:
    """Read and validate a catalogue file (default: the packaged one)."""
    path = Path(path) if path is not None else default_catalogue_path()
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigurationError(
            f"cannot read the friction rule catalogue `{path}`: {exc.strerror}; "
            "set JOURNEYS_FLOWS_RULES_PATH to an existing file"
        ) from exc
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigurationError(f"the friction rule catalogue `{path}` is not valid YAML: {exc}") from exc
    return parse_catalogue(document, base=path.parent, origin=str(path))


def parse_catalogue(document: Any, *, base: Path, origin: str = "<catalogue>") -> Catalogue:
    """Validate a parsed catalogue; SQL paths are relative to ``base`` (the catalogue's folder)."""
    if not isinstance(document, dict) or not isinstance(document.get("rules"), list):
        raise ConfigurationError(f"{origin}: expected a mapping with a `rules` list")
    unknown = sorted(set(document) - {"rules", "lookback_s"})
    if unknown:
        raise ConfigurationError(f"{origin}: field `{unknown[0]}` is unknown; a catalogue has `lookback_s` and `rules`")
    lookback_s = document.get("lookback_s", 7 * 86400)
    if isinstance(lookback_s, bool) or not isinstance(lookback_s, int | float) or lookback_s < 0:
        raise ConfigurationError(f"{origin}: field `lookback_s` must be a number of seconds >= 0 (got {lookback_s!r})")
    rules: list[FrictionRule] = []
    seen: set[str] = set()
    for index, raw in enumerate(document["rules"]):
        rule = _parse_rule(raw, index=index, base=base, origin=origin)
        if rule.name in seen:
            raise ConfigurationError(f"{origin}: rule `{rule.name}` is defined twice; rule names are unique")
        seen.add(rule.name)
        rules.append(rule)
    return Catalogue(origin, tuple(rules), float(lookback_s))


def _parse_rule(raw: Any, *, index: int, base: Path, origin: str) -> FrictionRule:
    if not isinstance(raw, dict):
        raise ConfigurationError(f"{origin}: rule #{index + 1} is not a mapping")
    name = raw.get("name")
    if not isinstance(name, str) or not _NAME.match(name):
        raise ConfigurationError(f"{origin}: rule #{index + 1}: field `name` must be lower_snake_case (got {name!r})")

    def fail(field_name: str, problem: str) -> ConfigurationError:
        return ConfigurationError(f"{origin}: rule `{name}`: field `{field_name}` {problem}")

    unknown = sorted(set(raw) - _RULE_FIELDS)
    if unknown:
        raise fail(unknown[0], f"is unknown; a rule has {', '.join(sorted(_RULE_FIELDS))}")
    description = raw.get("description")
    if not isinstance(description, str) or not description.strip():
        raise fail("description", "must say what the rule detects")
    severity = raw.get("severity")
    if severity not in SEVERITIES:
        raise fail("severity", f"must be one of {', '.join(SEVERITIES)} (got {severity!r})")
    enabled = raw.get("enabled", True)
    if not isinstance(enabled, bool):
        raise fail("enabled", f"must be true or false (got {enabled!r})")
    sql_path = raw.get("sql")
    if not isinstance(sql_path, str) or not sql_path.endswith(".sql"):
        raise fail("sql", f"must name a .sql file relative to the catalogue (got {sql_path!r})")
    file = base / sql_path
    try:
        sql = file.read_text(encoding="utf-8")
    except OSError:
        raise fail("sql", f"names `{sql_path}`, which does not exist under `{base}`") from None
    raw_parameters = raw.get("parameters") or {}
    if not isinstance(raw_parameters, dict):
        raise fail("parameters", "must be a mapping of name to value")
    parameters = {str(key): _parameter(fail, str(key), value) for key, value in raw_parameters.items()}
    _check_parameters_match_sql(fail, parameters, sql, sql_path)
    return FrictionRule(name, description.strip(), severity, enabled, parameters, sql_path, sql)


def _parameter(fail: Any, key: str, value: Any) -> ParameterValue:
    where = f"parameters.{key}"
    if key in RESERVED_PARAMETERS or not _NAME.match(key):
        raise fail(where, f"is not an allowed name (lower_snake_case, not {', '.join(sorted(RESERVED_PARAMETERS))})")
    if isinstance(value, bool | str):
        return value
    if isinstance(value, int | float):
        if value < 0:
            raise fail(where, f"must not be negative (got {value})")
        return value
    if isinstance(value, list):
        if not value or not all(isinstance(item, str) for item in value):
            raise fail(where, f"must be a non-empty list of names (got {value!r})")
        return list(value)
    if isinstance(value, dict):
        if not value:
            raise fail(where, "must not be an empty mapping")
        for item_key, item in value.items():
            if not isinstance(item_key, str):
                raise fail(where, f"keys must be names (got {item_key!r})")
            if isinstance(item, bool) or not isinstance(item, int | float) or item < 0:
                raise fail(f"{where}.{item_key}", f"must be a number >= 0 (got {item!r})")
        return dict(value)
    raise fail(where, f"must be a number, a name, a list of names or a mapping of name to number (got {value!r})")


def _check_parameters_match_sql(fail: Any, parameters: dict[str, ParameterValue], sql: str, sql_path: str) -> None:
    used = set(_PARAMETER.findall(_COMMENT.sub("", sql))) - RESERVED_PARAMETERS
    missing = sorted(used - set(parameters))
    if missing:
        raise fail(f"parameters.{missing[0]}", f"is missing: {sql_path} uses ${missing[0]}; set it in the catalogue")
    unused = sorted(set(parameters) - used)
    if unused:
        raise fail(f"parameters.{unused[0]}", f"is not used by {sql_path}; remove it or use ${unused[0]} in the SQL")

"""Check every current wire schema against every released version, both directions.

Used by ``journeys schemas check`` and by ``tests/schemas/test_evolution.py``; a change
that breaks either direction must not ship (see :mod:`schemas.compat` for the rules).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from schemas import catalog
from schemas.compat import Problem, check_pair

__all__ = ["Report", "check_all"]


@dataclass
class Report:
    """The outcome for one wire type."""

    name: str
    released: list[int]
    unreleased: bool
    problems: list[tuple[int, str, Problem]] = field(default_factory=list)
    """``(released version, "backward" | "forward", problem)``."""

    @property
    def ok(self) -> bool:
        return not self.problems


def check_all(names: tuple[str, ...] = catalog.WIRE_TYPES) -> list[Report]:
    """One report per wire type: the current schema against each released version."""
    reports = []
    for name in names:
        current = catalog.current(name)
        history = catalog.history(name)
        report = Report(name, [v.version or 0 for v in history], unreleased=current.version is None)
        for released in history:
            for direction, problems in check_pair(current.schema, released.schema).items():
                report.problems.extend((released.version or 0, direction, p) for p in problems)
        reports.append(report)
    return reports

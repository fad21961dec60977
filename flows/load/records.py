"""A record as Kafka returned it, the unit every step of the loader passes on."""

from __future__ import annotations

from typing import NamedTuple

__all__ = ["RawRecord"]


class RawRecord(NamedTuple):
    """A record as Kafka returned it (a NamedTuple: built ~3x faster than a frozen dataclass,
    which counts at a few hundred thousand records per batch)."""

    topic: str
    partition: int
    offset: int
    value: bytes | None
    timestamp_ms: int

    @property
    def where(self) -> str:
        return f"{self.topic}[{self.partition}]@{self.offset}"

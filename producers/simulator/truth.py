"""The ground truth of a simulation, and its file format.

One JSON document (default ``<data_dir>/ground_truth.json``)::

    {
      "version": 1,
      "seed": 7, "generated_at": "...", "window": {"start": "...", "end": "..."},
      "settings": {...the SimulationConfig...},
      "counts": {"people": .., "journeys": .., "events": .., "deliveries": ..,
                 "duplicates": .., "out_of_order": .., "late": .., "invalid": ..,
                 "injected": {"rage_click": .., ...}},
      "people": [{"person_id": "p000001", "country": "BR", "preferred_channel": "whatsapp",
                  "identifiers": {"customer_id": [..], "email_hash": [..], "phone_hash": [..],
                                  "device_id": [..], "anonymous_id": [..]}}],
      "journeys": [{"journey_id": "p000001-j1", "person_id": "p000001", "kind": "purchase",
                    "outcome": "success", "terminal": true, "event_ids": [..in event-time order..],
                    "frictions": [{"rule": "rage_click", "evidence": [..], "anchor": ".."}]}],
      "must_not_merge": [{"reason": "shared_device", "id_type": "device_id", "id_value": "..",
                          "people": ["p000010", "p000011"]}],
      "late_event_ids": [..], "duplicate_event_ids": [..],
      "invalid_events": [{"event_id": "..", "reason": "unknown channel"}]
    }

``anchor`` is the event on whose journey the rule must fire (the later contact of a
repeat contact, the assisted contact after a failed self-service, ...). A journey lists
every rule its events satisfy by definition, so a rule that one injected pattern also
triggers is listed too. People's identifiers of a must-not-merge group (a shared device,
a placeholder customer id) are listed there; they prove nothing about who is who.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import orjson

from journeys.errors import ConfigurationError

__all__ = ["GroundTruth", "TruthJourney", "read_truth", "write_truth"]

VERSION = 1


@dataclass
class TruthJourney:
    journey_id: str
    person_id: str
    kind: str
    outcome: str
    terminal: bool
    event_ids: list[str]
    frictions: list[dict[str, Any]]

    @property
    def rules(self) -> set[str]:
        return {f["rule"] for f in self.frictions}


@dataclass
class GroundTruth:
    seed: int
    generated_at: str
    window: dict[str, str]
    settings: dict[str, Any]
    people: list[dict[str, Any]]
    journeys: list[TruthJourney]
    must_not_merge: list[dict[str, Any]]
    counts: dict[str, Any] = field(default_factory=dict)
    late_event_ids: list[str] = field(default_factory=list)
    duplicate_event_ids: list[str] = field(default_factory=list)
    invalid_events: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> bytes:
        return orjson.dumps({"version": VERSION, **asdict(self)})


def write_truth(truth: GroundTruth, path: Path) -> Path:
    """Write atomically (a reader never sees half a file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_bytes(truth.to_json())
    tmp.replace(path)
    return path


def read_truth(path: Path) -> GroundTruth:
    if not path.exists():
        raise ConfigurationError(f"no ground truth at `{path}`; run `journeys simulate` first (or pass --truth)")
    try:
        doc = orjson.loads(path.read_bytes())
    except orjson.JSONDecodeError as exc:
        raise ConfigurationError(f"the ground truth `{path}` is not valid JSON ({exc}); simulate again") from exc
    if doc.get("version") != VERSION:
        raise ConfigurationError(
            f"the ground truth `{path}` has version {doc.get('version')!r}, this journeys reads {VERSION}; simulate again"
        )
    doc.pop("version")
    doc["journeys"] = [TruthJourney(**j) for j in doc["journeys"]]
    return GroundTruth(**doc)

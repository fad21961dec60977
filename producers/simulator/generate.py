"""Simulate a population: people, their journeys over a window of days, and the ground truth.

Each person lives journeys one after another, never interleaved: the next starts at least
26 hours after the previous one ended (the stitcher closes a journey after 24 h of
event-time inactivity; 2 h of margin). A journey that would not end inside the window is
dropped; one without a terminal event must end 6 hours before the window does, so the
abandonment rules see it settled. Support and billing contacts of one person are kept
more than 8 days apart (repeat_contact looks back 7 days) unless a repeat is injected.
"""

from __future__ import annotations

import hashlib
import random
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from producers.simulator.builder import JourneyBuilder
from producers.simulator.delivery import Delivery, late_candidates, plan_delivery
from producers.simulator.kinds import KINDS
from producers.simulator.population import Person, make_person
from producers.simulator.truth import GroundTruth, TruthJourney

__all__ = ["Simulation", "SimulationConfig", "simulate_population"]

HOUR_MS = 3_600_000
DAY_MS = 24 * HOUR_MS
NEXT_JOURNEY_GAP_MS = 26 * HOUR_MS
SETTLE_MS = 6 * HOUR_MS
CONTACT_SPACING_MS = 8 * DAY_MS
KIND_WEIGHTS = {"purchase": 0.5, "support": 0.25, "billing": 0.25}


@dataclass(frozen=True)
class SimulationConfig:
    customers: int = 10_000
    seed: int = 7
    days: int = 30
    friction_rate: float = 0.05
    journeys_per_customer: float = 2.0
    new_customer_share: float = 0.25
    household_share: float = 0.02
    placeholder_share: float = 0.05
    duplicate_share: float = 0.02
    out_of_order_share: float = 0.05
    late_share: float = 0.01
    invalid_share: float = 0.01
    end: datetime | None = None
    """End of the window (default: now, minus a minute)."""


@dataclass
class Simulation:
    config: SimulationConfig
    people: list[Person]
    journeys: list[TruthJourney]
    events: list[dict[str, Any]]
    deliveries: list[Delivery]
    truth: GroundTruth
    counts: dict[str, Any] = field(default_factory=dict)


def simulate_population(config: SimulationConfig) -> Simulation:
    """Everything ``journeys simulate`` sends, in delivery order, and its ground truth. Pure:
    the same config (seed and end included) gives the same events."""
    rng = random.Random(config.seed)
    end = config.end or datetime.now(UTC) - timedelta(minutes=1)
    end_ms = int(end.timestamp() * 1000)
    start_ms = end_ms - config.days * DAY_MS
    # Ids depend on the seed and the window: re-running later (another window) makes new
    # people and event ids, which the stitcher neither deduplicates nor merges with the old.
    digest = hashlib.sha256(f"{config.seed}/{end_ms}".encode()).digest()
    run, salt = digest[:3].hex(), int.from_bytes(digest[:16], "big")
    people = [
        make_person(rng, i, new_customer_share=config.new_customer_share, run=run) for i in range(config.customers)
    ]
    must_not_merge = _households(rng, people, config.household_share, run)
    placeholders: dict[str, set[str]] = {}
    journeys: list[TruthJourney] = []
    events: list[dict[str, Any]] = []
    by_journey: list[list[dict[str, Any]]] = []
    mean_gap_ms = config.days * DAY_MS / max(config.journeys_per_customer, 0.1)
    for person in people:
        t = start_ms + int(rng.uniform(0, min(4, config.days / 2) * DAY_MS))
        number = 0
        while t < end_ms:
            kind = _kind(rng, person, t, first=number == 0)
            builder = JourneyBuilder(rng, person, t, placeholder_share=config.placeholder_share, salt=salt)
            KINDS[kind](builder, config.friction_rate)
            last = builder.events[-1]["event_time"]
            if last > (end_ms if builder.terminal else end_ms - SETTLE_MS):
                break
            builder.commit()
            number += 1
            journey = TruthJourney(
                journey_id=f"{person.person_id}-j{number}",
                person_id=person.person_id,
                kind=kind,
                outcome=builder.outcome,
                terminal=builder.terminal,
                event_ids=[e["event_id"] for e in builder.events],
                frictions=[asdict(f) for f in builder.frictions],
            )
            journeys.append(journey)
            events.extend(builder.events)
            by_journey.append(builder.events)
            for value in builder.placeholders:
                placeholders.setdefault(value, set()).add(person.person_id)
            t = last + NEXT_JOURNEY_GAP_MS + int(rng.expovariate(1 / mean_gap_ms))
    for value, owners in sorted(placeholders.items()):
        if len(owners) > 1:
            must_not_merge.append(
                {"reason": "placeholder_id", "id_type": "customer_id", "id_value": value, "people": sorted(owners)}
            )
    events.sort(key=lambda e: e["event_time"])
    deliveries, delivery_counts, late_ids, duplicate_ids, invalid = plan_delivery(
        events,
        rng,
        duplicate_share=config.duplicate_share,
        out_of_order_share=config.out_of_order_share,
        late_share=config.late_share,
        invalid_share=config.invalid_share,
        late_ok=late_candidates(by_journey, journeys),
        end_ms=end_ms,
        salt=salt,
    )
    injected = Counter(f["rule"] for j in journeys for f in j.frictions)
    counts = {
        "people": len(people),
        "active_people": len({j.person_id for j in journeys}),
        "journeys": len(journeys),
        "journeys_with_friction": sum(1 for j in journeys if j.frictions),
        "events": len(events),
        **delivery_counts,
        "injected": dict(sorted(injected.items())),
        "kinds": dict(sorted(Counter(j.kind for j in journeys).items())),
    }
    settings = {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in asdict(config).items()}
    truth = GroundTruth(
        seed=config.seed,
        generated_at=datetime.now(UTC).isoformat(timespec="seconds"),
        window={"start": _iso(start_ms), "end": _iso(end_ms)},
        settings=settings,
        people=[_person_truth(p) for p in people],
        journeys=journeys,
        must_not_merge=must_not_merge,
        counts=counts,
        late_event_ids=late_ids,
        duplicate_event_ids=duplicate_ids,
        invalid_events=invalid,
    )
    return Simulation(config, people, journeys, events, deliveries, truth, counts)


def _kind(rng: random.Random, person: Person, t: int, *, first: bool) -> str:
    if first and person.new_customer:
        return "onboarding"
    kind = rng.choices(tuple(KIND_WEIGHTS), weights=tuple(KIND_WEIGHTS.values()))[0]
    last = person.last_contact.get(kind)
    if last is not None and t - last < CONTACT_SPACING_MS:
        return "purchase"  # a clean second contact for the same intent would be a repeat contact
    return kind


def _households(rng: random.Random, people: list[Person], share: float, run: str) -> list[dict[str, Any]]:
    """Pairs of people sharing one tablet; both always log in with their own account on it."""
    groups = []
    for i in range(0, len(people) - 1, 2):
        if rng.random() < share:
            shared = f"d-shared-{run}{rng.getrandbits(48):012x}"
            for person in people[i : i + 2]:
                person.shared_device = shared
                person.devices = []
                person.linked.add(shared)
            groups.append(
                {
                    "reason": "shared_device",
                    "id_type": "device_id",
                    "id_value": shared,
                    "people": [people[i].person_id, people[i + 1].person_id],
                }
            )
    return groups


def _person_truth(person: Person) -> dict[str, Any]:
    return {
        "person_id": person.person_id,
        "country": person.country,
        "preferred_channel": person.preferred,
        "identifiers": person.identifiers(),
    }


def _iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).isoformat(timespec="milliseconds")

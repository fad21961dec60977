"""The simulator's generator: deterministic, realistic, and exactly as dirty as its ground truth says."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pydantic import ValidationError

from producers.simulator import Simulation, SimulationConfig, read_truth, simulate_population, write_truth
from producers.simulator.population import OFF_PREFERENCE_SHARE, channel_shares, preferred_shares
from producers.simulator.reference import RULES, check_person
from schemas.models import TouchpointEvent

END = datetime(2026, 11, 20, 12, tzinfo=UTC)
ID_FIELDS = ("customer_id", "email_hash", "phone_hash", "device_id", "anonymous_id")


@pytest.fixture(scope="module")
def sim() -> Simulation:
    return simulate_population(SimulationConfig(customers=2_000, seed=11, end=END))


def test_same_seed_gives_same_events() -> None:
    config = SimulationConfig(customers=60, seed=3, end=END)
    first, second = simulate_population(config), simulate_population(config)
    assert first.events == second.events
    assert [d.event for d in first.deliveries] == [d.event for d in second.deliveries]
    other = simulate_population(SimulationConfig(customers=60, seed=4, end=END))
    assert other.events != first.events


def test_preferred_channel_follows_the_country_table(sim: Simulation) -> None:
    by_country: dict[str, Counter[str]] = defaultdict(Counter)
    for person in sim.people:
        by_country[person.country][person.preferred] += 1
    for country, seen in by_country.items():
        total = sum(seen.values())
        if total < 150:
            continue
        channels, weights = preferred_shares(country)
        for channel, weight in zip(channels, weights, strict=True):
            expected = weight / sum(weights)
            assert abs(seen[channel] / total - expected) < 0.08, (country, channel)
        assert all(channel_shares()[country][c] >= OFF_PREFERENCE_SHARE for c in seen)


def test_every_rule_is_injected_and_recorded(sim: Simulation) -> None:
    injected = Counter(f["rule"] for j in sim.journeys for f in j.frictions)
    assert set(injected) == set(RULES)
    ids = {e["event_id"] for e in sim.events}
    for journey in sim.journeys:
        for friction in journey.frictions:
            assert friction["anchor"] in journey.event_ids
            assert set(friction["evidence"]) <= ids
    clean = sum(1 for j in sim.journeys if not j.frictions)
    assert 0.4 < clean / len(sim.journeys) < 0.9


def test_journeys_trigger_exactly_their_injected_rules(sim: Simulation) -> None:
    """The reference checker of the catalogue finds what the truth lists, and nothing on clean journeys."""
    events = {e["event_id"]: e for e in sim.events}
    journeys = defaultdict(list)
    for journey in sim.journeys:
        journeys[journey.person_id].append(journey)
    countries = {p.person_id: p.country for p in sim.people}
    wrong = []
    for person_id, theirs in journeys.items():
        found = check_person([[events[i] for i in j.event_ids] for j in theirs], countries[person_id])
        for journey, rules in zip(theirs, found, strict=True):
            if set(rules) != journey.rules:
                wrong.append((journey.journey_id, sorted(journey.rules), sorted(rules)))
    assert wrong == []


def test_each_identifier_is_linked_to_the_customer_id_by_some_event(sim: Simulation) -> None:
    together: set[tuple[str, str]] = set()
    for e in sim.events:
        if e.get("customer_id"):
            together.update((e["customer_id"], e[f]) for f in ID_FIELDS if e.get(f) and f != "customer_id")
    shared = {g["id_value"] for g in sim.truth.must_not_merge}
    used = {e.get(f) for e in sim.events for f in ID_FIELDS}
    for person in sim.truth.people:
        (customer,) = person["identifiers"]["customer_id"]
        for id_type, values in person["identifiers"].items():
            for value in values:
                if id_type != "customer_id" and value in used and value not in shared:
                    assert (customer, value) in together, (person["person_id"], id_type)


def test_people_share_no_identifier_outside_must_not_merge_groups(sim: Simulation) -> None:
    owners: dict[str, set[str]] = defaultdict(set)
    for person in sim.truth.people:
        for values in person["identifiers"].values():
            for value in values:
                owners[value].add(person["person_id"])
    shared = {g["id_value"]: set(g["people"]) for g in sim.truth.must_not_merge}
    for value, people in owners.items():
        if len(people) > 1:
            assert shared.get(value) == people
    assert {g["reason"] for g in sim.truth.must_not_merge} == {"shared_device", "placeholder_id"}


def test_a_persons_journeys_are_a_day_apart_and_inside_the_window(sim: Simulation) -> None:
    times = {e["event_id"]: e["event_time"] for e in sim.events}
    end_ms = int(END.timestamp() * 1000)
    last_end: dict[str, int] = {}
    for journey in sim.journeys:
        start, stop = times[journey.event_ids[0]], times[journey.event_ids[-1]]
        assert [times[i] for i in journey.event_ids] == sorted(times[i] for i in journey.event_ids)
        if journey.person_id in last_end:
            assert start - last_end[journey.person_id] > 25 * 3_600_000
        last_end[journey.person_id] = stop
        assert end_ms - 30 * 86_400_000 <= start and stop <= end_ms
        if not journey.terminal:
            assert stop <= end_ms - 3_600_000  # settled for the abandonment rules


def test_stream_has_duplicates_late_out_of_order_and_invalid_events(sim: Simulation) -> None:
    counts = sim.counts
    assert counts["duplicates"] > 0 and counts["late"] > 0 and counts["out_of_order"] > 0 and counts["invalid"] > 0
    valid = [d for d in sim.deliveries if d.valid]
    assert len(valid) == counts["events"] + counts["duplicates"]
    sent = Counter(d.event["event_id"] for d in valid)
    assert {i for i, n in sent.items() if n > 1} == set(sim.truth.duplicate_event_ids)
    late = set(sim.truth.late_event_ids)
    evidence = {i for j in sim.journeys for f in j.frictions for i in f["evidence"]}
    assert not late & evidence
    # delivered roughly in event-time order: nothing valid goes out more than 3 h behind
    newest = 0
    for d in valid:
        newest = max(newest, d.event["event_time"])
        assert newest - d.event["event_time"] <= 3 * 3_600_000
    for d in valid[:: max(1, len(valid) // 300)]:
        TouchpointEvent.parse({**d.event, "received_time": END}, now=END)
    for d in sim.deliveries:
        if not d.valid:
            with pytest.raises(ValidationError):
                TouchpointEvent.parse({**d.event, "received_time": END}, now=END)


def test_ground_truth_round_trips_through_its_file(sim: Simulation, tmp_path: Path) -> None:
    path = write_truth(sim.truth, tmp_path / "ground_truth.json")
    back = read_truth(path)
    assert back.journeys == sim.truth.journeys
    assert back.people == sim.truth.people
    assert back.counts == sim.truth.counts


def test_same_seed_gives_same_events_in_another_process() -> None:
    """No iteration over sets or dicts keyed by hashed strings changes the random draws."""
    import os
    import subprocess
    import sys

    script = (
        "import hashlib, orjson; from datetime import datetime, UTC;"
        "from producers.simulator import SimulationConfig, simulate_population as s;"
        "sim = s(SimulationConfig(customers=80, seed=3, end=datetime(2026, 11, 20, tzinfo=UTC)));"
        "print(hashlib.sha256(orjson.dumps([d.event for d in sim.deliveries])).hexdigest())"
    )
    digests = {
        subprocess.run(
            [sys.executable, "-c", script],
            env={**os.environ, "PYTHONHASHSEED": seed},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for seed in ("1", "2")
    }
    assert len(digests) == 1


def test_another_window_makes_new_people_and_event_ids() -> None:
    """A second run (later) must not be dropped as duplicates, nor merged with the first run's people."""
    first = simulate_population(SimulationConfig(customers=50, seed=3, end=END))
    later = simulate_population(SimulationConfig(customers=50, seed=3, end=END + timedelta(hours=1)))
    assert not {e["event_id"] for e in first.events} & {e["event_id"] for e in later.events}
    ids = [
        {v for p in sim.truth.people for values in p["identifiers"].values() for v in values} for sim in (first, later)
    ]
    assert not ids[0] & ids[1]

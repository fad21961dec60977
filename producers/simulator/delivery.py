"""Making the stream realistic: the order and copies in which events reach the pipeline.

Events go out roughly in event-time order across the whole population (one global
simulated clock), then:

- **out of order**: a share is held back 1-40 minutes, within the stitcher's allowed
  lateness (1 h), so it must land in its journey exactly as if it were on time;
- **late**: a small share is held back 90-180 minutes, past the allowed lateness. Only
  events that change no friction and no identity link are chosen (a mid-journey page,
  screen or delivery receipt whose neighbours are on the same channel, no evidence), so
  wherever the stitcher attaches them, the ground truth stays right;
- **duplicates**: a share is sent a second time (same event id) 1 s - 10 min later, as a
  producer retry does;
- **invalid**: a share of broken events (unknown channel, no identifier, score off its
  scale, ...) that validation must refuse and the dead-letter topic must keep.
"""

from __future__ import annotations

import copy
import random
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from producers.simulator.truth import TruthJourney

__all__ = ["INVALID_KINDS", "Delivery", "late_candidates", "plan_delivery"]

MINUTE_MS = 60_000
LATE_TYPES = frozenset({"page_view", "screen_view", "message_delivered", "message_opened"})


@dataclass(frozen=True)
class Delivery:
    """One send: the event dict (shared with its duplicates) and whether it is valid."""

    event: dict[str, Any]
    valid: bool = True


def _bad_channel(e: dict[str, Any], now: int) -> None:
    e["channel"] = "fax"


def _no_identifier(e: dict[str, Any], now: int) -> None:
    for name in ("anonymous_id", "customer_id", "email_hash", "phone_hash", "device_id"):
        e.pop(name, None)


def _survey_off_scale(e: dict[str, Any], now: int) -> None:
    e.update(event_type="survey_response", survey_kind="csat", survey_score=9.0)


def _bad_country(e: dict[str, Any], now: int) -> None:
    e["context"] = {**e.get("context", {}), "country": "XX"}


def _future_time(e: dict[str, Any], now: int) -> None:
    e["event_time"] = now + 3 * 24 * 60 * MINUTE_MS


def _typo_field(e: dict[str, Any], now: int) -> None:
    e["evnt_type"] = e.pop("event_type")


def _bad_event_id(e: dict[str, Any], now: int) -> None:
    e["event_id"] = f"evt-{e['event_id'][:8]}"


INVALID_KINDS = {
    "unknown channel": _bad_channel,
    "no identifier": _no_identifier,
    "survey score off scale": _survey_off_scale,
    "unknown country": _bad_country,
    "event time 3 days ahead": _future_time,
    "misspelled field": _typo_field,
    "event id not a UUID": _bad_event_id,
}


def late_candidates(by_journey: Sequence[Sequence[dict[str, Any]]], journeys: Sequence[TruthJourney]) -> set[str]:
    """Event ids safe to deliver past the allowed lateness (see the module docstring)."""
    safe: set[str] = set()
    for events, journey in zip(by_journey, journeys, strict=True):
        evidence = {eid for f in journey.frictions for eid in f["evidence"]} | {f["anchor"] for f in journey.frictions}
        for prev, event, nxt in zip(events, events[1:], events[2:], strict=False):
            if (
                event["event_type"] in LATE_TYPES
                and event["event_id"] not in evidence
                and prev["channel"] == event["channel"] == nxt["channel"]
                and (event.get("latency_ms") or 0) < 2_000
            ):
                safe.add(event["event_id"])
    return safe


def plan_delivery(
    events: Sequence[dict[str, Any]],
    rng: random.Random,
    *,
    duplicate_share: float,
    out_of_order_share: float,
    late_share: float,
    invalid_share: float,
    late_ok: set[str],
    end_ms: int,
    salt: int = 0,
) -> tuple[list[Delivery], dict[str, int], list[str], list[str], list[dict[str, Any]]]:
    """The sends in delivery order; counts; late ids; duplicated ids; invalid events."""
    timed: list[tuple[int, int, Delivery]] = []
    late: list[str] = []
    duplicated: list[str] = []
    out_of_order = 0
    seq = 0
    for event in events:
        at = event["event_time"]
        draw = rng.random()
        if draw < late_share and event["event_id"] in late_ok:
            at += rng.randint(90 * MINUTE_MS, 180 * MINUTE_MS)
            late.append(event["event_id"])
        elif draw < late_share + out_of_order_share:
            at += rng.randint(MINUTE_MS, 40 * MINUTE_MS)
            out_of_order += 1
        timed.append((at, seq, Delivery(event)))
        seq += 1
        if rng.random() < duplicate_share:
            timed.append((at + rng.randint(1_000, 10 * MINUTE_MS), seq, Delivery(event)))
            duplicated.append(event["event_id"])
            seq += 1
    invalid: list[dict[str, Any]] = []
    kinds = list(INVALID_KINDS)
    for _ in range(round(len(events) * invalid_share)):
        base = copy.deepcopy(rng.choice(events)) if events else {}
        base["event_id"] = str(uuid.UUID(int=rng.getrandbits(128) ^ salt, version=4))
        reason = rng.choice(kinds)
        INVALID_KINDS[reason](base, end_ms)
        invalid.append({"event_id": base.get("event_id"), "reason": reason})
        timed.append((int(base.get("event_time") or end_ms), seq, Delivery(base, valid=False)))
        seq += 1
    timed.sort(key=lambda x: (x[0], x[1]))
    counts = {
        "deliveries": len(timed),
        "duplicates": len(duplicated),
        "out_of_order": out_of_order,
        "late": len(late),
        "invalid": len(invalid),
    }
    return [d for _, _, d in timed], counts, late, duplicated, invalid

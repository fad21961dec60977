"""A reference implementation of the friction catalogue in plain Python (docs: the shared
rule definitions), used to check that the simulator injects exactly what its ground truth
says: every injected rule fires, and clean journeys trigger none.

It follows the catalogue's defaults and reads the channel table like the SQL does. It is
a test oracle over one person's journeys, not the production implementation (that is SQL
over the warehouse, in flows/friction).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from producers.simulator.population import OFF_PREFERENCE_SHARE, channel_shares

__all__ = ["RULES", "check_person"]

RULES = (
    "rage_click",
    "error_event",
    "slow_response",
    "loop_backtrack",
    "form_abandonment",
    "checkout_abandonment",
    "failed_self_service",
    "repeat_contact",
    "multiple_transfers",
    "long_queue_wait",
    "slow_reply",
    "undelivered_message",
    "negative_survey",
    "channel_ping_pong",
    "off_preference_channel",
)
HOUR = 3_600_000
SLOW_RESPONSE_MS = {"web": 3_000, "app": 2_000}
SLOW_RESPONSE_TYPES = {"page_view", "screen_view", "click", "search", "form_submit", "checkout_started"}
STEP_TYPES = {"page_view", "screen_view", "form_start", "form_submit"}
QUEUE_MS = {"voice": 300_000, "chat": 120_000, "whatsapp": 120_000, "messenger": 120_000, "line": 120_000}
REPLY_MS = {
    "chat": 5 * 60_000,
    "whatsapp": HOUR,
    "line": HOUR,
    "messenger": HOUR,
    "imessage": HOUR,
    "sms": HOUR,
    "social": HOUR,
    "email": 24 * HOUR,
}
NEGATIVE = {"csat": 2, "nps": 6, "ces": 3}

Event = dict[str, Any]
Evidence = dict[str, list[str]]


def check_person(journeys: Sequence[Sequence[Event]], country: str | None) -> list[Evidence]:
    """``{rule: evidence ids}`` for each of one person's journeys (events in time order)."""
    found: list[Evidence] = [_check_journey(events, country) for events in journeys]
    timeline = sorted(
        ((e["event_time"], index, e) for index, events in enumerate(journeys) for e in events), key=lambda x: x[0]
    )
    _failed_self_service(timeline, found)
    _repeat_contact(timeline, found)
    return found


def _check_journey(events: Sequence[Event], country: str | None) -> Evidence:
    out: Evidence = {}
    clicks: dict[tuple[Any, Any], list[Event]] = defaultdict(list)
    seen_steps: set[str] = set()
    last_step: str | None = None
    transfers = []
    for index, e in enumerate(events):
        kind, channel, eid = e["event_type"], e["channel"], e["event_id"]
        if kind == "click" and channel in {"web", "app"}:
            window = clicks[(e.get("page"), e.get("target"))]
            window.append(e)
            recent = [c for c in window if e["event_time"] - c["event_time"] <= 2_000]
            if len(recent) >= 3:
                out.setdefault("rage_click", [c["event_id"] for c in recent])
        if kind == "error" or (e.get("error_code") and kind not in {"message_bounced", "message_failed"}):
            out.setdefault("error_event", [eid])
        if (
            channel in SLOW_RESPONSE_MS
            and kind in SLOW_RESPONSE_TYPES
            and (e.get("latency_ms") or 0) > SLOW_RESPONSE_MS[channel]
        ):
            out.setdefault("slow_response", [eid])
        if kind in STEP_TYPES and e.get("step"):
            step = e["step"]
            if step in seen_steps and step != last_step:
                out.setdefault("loop_backtrack", [eid])
            seen_steps.add(step)
            last_step = step
        later = events[index + 1 :]
        if kind == "form_start" and not any(
            x["event_type"] == "form_submit" and x.get("step") == e.get("step") for x in later
        ):
            out.setdefault("form_abandonment", [eid])
        if kind in {"add_to_cart", "checkout_started"} and not any(x["event_type"] == "purchase" for x in later):
            out.setdefault("checkout_abandonment", [eid])
        if kind == "agent_transfer":
            transfers.append(eid)
        if kind == "queued" and (e.get("latency_ms") or 0) > QUEUE_MS.get(channel, 300_000):
            out.setdefault("long_queue_wait", [eid])
        if kind == "message_received" and channel in REPLY_MS:
            reply = next((x for x in later if x["event_type"] == "message_sent" and x["channel"] == channel), None)
            if reply is not None and reply["event_time"] - e["event_time"] > REPLY_MS[channel]:
                out.setdefault("slow_reply", [eid, reply["event_id"]])
        if kind in {"message_bounced", "message_failed"}:
            out.setdefault("undelivered_message", [eid])
        kind_of_survey = e.get("survey_kind")
        if (
            kind == "survey_response"
            and kind_of_survey in NEGATIVE
            and (e.get("survey_score") or 0) <= NEGATIVE[kind_of_survey]
        ):
            out.setdefault("negative_survey", [eid])
        if (
            kind in {"message_sent", "notification_received"}
            and country in channel_shares()
            and channel_shares()[country].get(channel, 0.0) < OFF_PREFERENCE_SHARE
        ):
            out.setdefault("off_preference_channel", [eid])
    if len(transfers) >= 2:
        out["multiple_transfers"] = transfers
    ping_pong = _ping_pong(events)
    if ping_pong:
        out["channel_ping_pong"] = ping_pong
    return out


def _ping_pong(events: Sequence[Event]) -> list[str]:
    runs: list[Event] = []  # the first event of each run of one channel
    for e in events:
        if not runs or runs[-1]["channel"] != e["channel"]:
            runs.append(e)
    for i in range(len(runs) - 3):
        a, b, c, d = runs[i : i + 4]
        if (
            a["channel"] == c["channel"]
            and b["channel"] == d["channel"]
            and d["event_time"] - a["event_time"] <= 24 * HOUR
        ):
            return [a["event_id"], b["event_id"], c["event_id"], d["event_id"]]
    return []


def _failed_self_service(timeline: list[tuple[int, int, Event]], found: list[Evidence]) -> None:
    failures: list[Event] = []
    for time, index, e in timeline:
        if e["channel"] in {"chatbot", "app", "web"} and (
            e.get("outcome") == "failure" or e["event_type"] == "bot_handoff"
        ):
            failures.append(e)
            continue
        assisted = (e["event_type"] == "contact_started" and e["channel"] in {"voice", "chat"}) or e[
            "event_type"
        ] == "agent_assigned"
        if assisted:
            recent = [f for f in failures if 0 < time - f["event_time"] <= 4 * HOUR]
            if recent:
                found[index].setdefault("failed_self_service", [recent[-1]["event_id"], e["event_id"]])


def _repeat_contact(timeline: list[tuple[int, int, Event]], found: list[Evidence]) -> None:
    contacts: dict[str, list[Event]] = defaultdict(list)
    for time, index, e in timeline:
        if e["event_type"] != "contact_started" or not e.get("intent"):
            continue
        earlier = [c for c in contacts[e["intent"]] if 0 <= time - c["event_time"] <= 7 * 24 * HOUR]
        if earlier:
            found[index].setdefault("repeat_contact", [earlier[-1]["event_id"], e["event_id"]])
        contacts[e["intent"]].append(e)

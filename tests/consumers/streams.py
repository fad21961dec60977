"""A reproducible multi-device, multi-channel touchpoint stream for the crash and scale tests."""

from __future__ import annotations

import random
import uuid
from collections import Counter
from typing import Any

from journeys.settings import Settings
from tests.consumers.conftest import NOW_MS, latest_journeys, live, read_stitched

_WEB = ["page_view", "page_view", "click", "search", "add_to_cart", "checkout_started"]
_APP = ["screen_view", "app_open", "click", "add_to_cart"]


def customer_stream(events: int, customers: int, *, seed: int = 7, span_s: int = 7200) -> list[dict[str, Any]]:
    """``events`` touchpoints of ``customers`` people, each with a web browser, a phone app, an
    email address and a phone line, logging in part way; ~1% are resent copies (same id)."""
    rng = random.Random(seed)
    start = NOW_MS - 3 * 3_600_000
    out: list[dict[str, Any]] = []
    per = max(4, events // customers)
    for c in range(customers):
        ids = {
            "web": {"anonymous_id": f"anon-{seed}-{c}"},
            "app": {"device_id": f"device-{seed}-{c}"},
            "email": {"email_hash": f"email-{seed}-{c}"},
            "voice": {"phone_hash": f"phone-{seed}-{c}"},
        }
        customer = f"cust-{seed}-{c}"
        t = start + rng.randrange(span_s * 1000 // 2)
        login = per // 3
        for i in range(per):
            t += rng.choice((5_000, 20_000, 60_000, 900_000))
            channel = rng.choice(("web", "web", "app", "app", "email", "voice"))
            fields = dict(ids[channel])
            kind = rng.choice(_WEB if channel == "web" else _APP if channel == "app" else ["message_opened"])
            if channel == "voice":
                kind = rng.choice(["contact_started", "contact_resolved"])
            if i >= login and (i == login or rng.random() < 0.3):
                fields["customer_id"] = customer  # logged in: links this channel's id
            if i == per - 1 and rng.random() < 0.5:
                kind = "purchase"
            out.append(
                {
                    "event_id": str(uuid.UUID(int=rng.getrandbits(128))),
                    "event_time": t,
                    "received_time": t,
                    "source": "test",
                    "channel": channel,
                    "event_type": kind,
                    **fields,
                }
            )
    out.sort(key=lambda e: e["received_time"])
    # A producer's retry comes after the original, within a few hundred events.
    copies = [(i, dict(e)) for i, e in enumerate(out) if rng.random() < 0.01]
    for i, copy in reversed(copies):
        out.insert(min(len(out), i + 1 + rng.randrange(300)), copy)
    return out[: events + len(copies)]


def journey_fingerprint(settings: Settings) -> dict[str, tuple[Any, ...]]:
    """The final journeys, without what legitimately differs between runs (versions, times,
    the order identifiers were learnt in)."""
    return {
        j["journey_id"]: (
            j["customer_id"],
            j["status"],
            j["close_reason"],
            tuple(t["event_id"] for t in j["touchpoints"]),
            tuple(t["session_id"] for t in j["touchpoints"]),
            j["kind"],
            j["outcome"],
        )
        for j in live(latest_journeys(settings))
    }


def stitched_counts(settings: Settings) -> Counter[str]:
    return Counter(s["event"]["event_id"] for s in read_stitched(settings))

"""Building one simulated journey: a clock, the events as plain dicts, and the injected friction.

A :class:`JourneyBuilder` writes events for one person in event-time order (strictly
increasing milliseconds, so the order is never ambiguous), with the identifiers a real
integration would send on that channel, and records each injected friction instance
(rule, evidence event ids, and the anchor: the event whose journey the rule fires on).
Nothing of the person changes until the journey is accepted (:meth:`commit`), so a journey
that does not fit in the window can be thrown away.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field
from typing import Any

from producers.simulator.population import Person

__all__ = ["PLACEHOLDER_IDS", "SOURCES", "Friction", "JourneyBuilder"]

# What broken SDKs send as a customer id before login; the stitcher must never link them.
PLACEHOLDER_IDS = ("guest", "undefined", "null", "0", "anonymous")

# The integration that sends each channel's events (the `source` field).
SOURCES = {
    "web": "web-shop",
    "app": "mobile-app",
    "email": "email-integration",
    "sms": "sms-integration",
    "whatsapp": "whatsapp-integration",
    "line": "line-integration",
    "messenger": "messenger-integration",
    "imessage": "imessage-integration",
    "social": "social-integration",
    "push": "push-service",
    "voice": "contact-centre",
    "chat": "live-chat",
    "chatbot": "support-bot",
    "store": "store-pos",
}
PHONE_CHANNELS = frozenset({"sms", "whatsapp", "line", "messenger", "imessage", "social", "voice"})


@dataclass
class Friction:
    """One injected instance of a catalogue rule."""

    rule: str
    evidence: list[str]
    anchor: str


@dataclass
class JourneyBuilder:
    rng: random.Random
    person: Person
    t: int
    """The clock: epoch milliseconds of the next event."""
    placeholder_share: float = 0.0
    salt: int = 0
    """XORed into every event id: another run (window) never reuses an id the stitcher would drop."""
    events: list[dict[str, Any]] = field(default_factory=list)
    frictions: list[Friction] = field(default_factory=list)
    newly_linked: set[str] = field(default_factory=set)
    placeholders: set[str] = field(default_factory=set)
    contacts: dict[str, int] = field(default_factory=dict)
    outcome: str = "success"
    terminal: bool = False

    # -- clock and ids ---------------------------------------------------------------------

    def wait(self, low_s: float, high_s: float) -> None:
        self.t += int(self.rng.uniform(low_s, high_s) * 1000)

    def new_id(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128) ^ self.salt, version=4))

    def pick(self, rules: list[str], rate: float) -> set[str]:
        """Each eligible rule independently with probability ``rate``."""
        return {rule for rule in rules if self.rng.random() < rate}

    # -- identifiers per channel ----------------------------------------------------------

    def linked(self, device: str) -> bool:
        return device in self.person.linked or device in self.newly_linked

    def device_ids(self, channel: str, device: str) -> dict[str, Any]:
        """Web: the browser's anonymous_id; app: the device_id; plus customer_id once logged in."""
        key = "anonymous_id" if channel in {"web", "chat", "chatbot"} else "device_id"
        ids: dict[str, Any] = {key: device}
        if self.linked(device):
            ids["customer_id"] = self.person.customer_id
        elif channel == "web" and self.rng.random() < self.placeholder_share:
            placeholder = self.rng.choice(PLACEHOLDER_IDS)
            ids["customer_id"] = placeholder
            self.placeholders.add(placeholder)
        return ids

    def channel_ids(self, channel: str) -> dict[str, Any]:
        """Identifiers of a brand channel: email hash, phone hash or the app device, with customer_id."""
        person = self.person
        if channel == "email":
            return {"email_hash": person.email_hash, "customer_id": person.customer_id}
        if channel == "push":
            return {"device_id": person.app_device, "customer_id": person.customer_id}
        if channel in PHONE_CHANNELS:
            return {"phone_hash": person.phone_hash, "customer_id": person.customer_id}
        return {"customer_id": person.customer_id}

    # -- events ------------------------------------------------------------------------------

    def emit(self, channel: str, event_type: str, ids: dict[str, Any], **fields: Any) -> str:
        """Append one event at the clock (then move the clock 1 ms on) and return its id."""
        if self.events and self.t <= self.events[-1]["event_time"]:
            self.t = self.events[-1]["event_time"] + 1
        event_id = self.new_id()
        event: dict[str, Any] = {
            "event_id": event_id,
            "event_time": self.t,
            "source": SOURCES[channel],
            "channel": channel,
            "event_type": event_type,
            **ids,
            "context": {"country": self.person.country, "locale": self.person.locale},
        }
        event.update({k: v for k, v in fields.items() if v is not None})
        self.events.append(event)
        self.t += 1
        if event_type == "contact_started" and fields.get("intent"):
            self.contacts[fields["intent"]] = event["event_time"]
        return event_id

    def on_device(self, channel: str, device: str, event_type: str, **fields: Any) -> str:
        return self.emit(channel, event_type, self.device_ids(channel, device), **fields)

    def on_channel(self, channel: str, event_type: str, **fields: Any) -> str:
        return self.emit(channel, event_type, self.channel_ids(channel), **fields)

    def login(self, channel: str, device: str) -> str:
        """A login on ``device``: its id and the customer id on one event (the identity link)."""
        key = "anonymous_id" if channel == "web" else "device_id"
        page = "/login" if channel == "web" else "Login"
        event_id = self.emit(channel, "login", {key: device, "customer_id": self.person.customer_id}, page=page)
        self.newly_linked.add(device)
        return event_id

    def ensure_logged_in(self, channel: str, device: str) -> None:
        if not self.linked(device):
            self.login(channel, device)

    def inject(self, rule: str, evidence: list[str], anchor: str | None = None) -> None:
        self.frictions.append(Friction(rule, list(evidence), anchor or evidence[-1]))

    def commit(self) -> None:
        """The journey is accepted: remember logins and contacts on the person."""
        self.person.linked |= self.newly_linked
        self.person.last_contact.update(self.contacts)

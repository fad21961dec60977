"""Who the simulated customers are: country, preferred messaging channel and identifiers.

Channel preferences come from ``warehouse/channel_preferences.csv`` (country, channel,
share, source: the published figures of the seed articles, completed with estimates), read
through ``importlib.resources`` so the simulator and the friction rules share one table.
A person's preferred messaging channel is drawn from their country's shares **among the
channels with a share of at least 5%** (renormalised): the friction rule
``off_preference_channel`` flags brand messages on a channel below 5%, so a clean journey
may never use one. The channels below 5% are used only to inject that friction.
"""

from __future__ import annotations

import csv
import hashlib
import io
import random
from dataclasses import dataclass, field
from functools import cache
from importlib import resources

__all__ = [
    "COUNTRY_WEIGHTS",
    "MESSAGING_CHANNELS",
    "OFF_PREFERENCE_SHARE",
    "Person",
    "channel_shares",
    "make_person",
    "off_preference_channels",
    "preferred_shares",
]

# The friction catalogue's threshold: a brand message on a channel below this share of the
# country is `off_preference_channel`.
OFF_PREFERENCE_SHARE = 0.05

# Channels a brand can message a customer on (the channels of the preference table).
MESSAGING_CHANNELS = ("email", "sms", "whatsapp", "line", "messenger", "imessage", "push", "social")

# Share of simulated customers per country: a global retailer's mix, weighted to the
# markets the seed articles describe. Every country here is in the preference table.
COUNTRY_WEIGHTS: dict[str, float] = {
    "US": 0.20,
    "BR": 0.12,
    "DE": 0.10,
    "GB": 0.09,
    "JP": 0.09,
    "ID": 0.08,
    "MX": 0.07,
    "CA": 0.06,
    "AU": 0.06,
    "CN": 0.07,
    "AE": 0.06,
}

LOCALES = {
    "US": "en-US",
    "BR": "pt-BR",
    "DE": "de-DE",
    "GB": "en-GB",
    "JP": "ja-JP",
    "ID": "id-ID",
    "MX": "es-MX",
    "CA": "en-CA",
    "AU": "en-AU",
    "CN": "zh-CN",
    "AE": "ar-AE",
}
CURRENCIES = {
    "US": "USD",
    "BR": "BRL",
    "DE": "EUR",
    "GB": "GBP",
    "JP": "JPY",
    "ID": "IDR",
    "MX": "MXN",
    "CA": "CAD",
    "AU": "AUD",
    "CN": "CNY",
    "AE": "AED",
}


@cache
def channel_shares() -> dict[str, dict[str, float]]:
    """``{country: {channel: share}}`` from warehouse/channel_preferences.csv."""
    text = resources.files("warehouse").joinpath("channel_preferences.csv").read_text(encoding="utf-8")
    table: dict[str, dict[str, float]] = {}
    for row in csv.DictReader(io.StringIO(text)):
        table.setdefault(row["country"], {})[row["channel"]] = float(row["share"])
    return table


@cache
def preferred_shares(country: str) -> tuple[tuple[str, ...], tuple[float, ...]]:
    """The channels a person of ``country`` may prefer (share >= 5%) and their weights."""
    shares = {c: s for c, s in channel_shares()[country].items() if s >= OFF_PREFERENCE_SHARE}
    return tuple(shares), tuple(shares.values())


@cache
def off_preference_channels(country: str) -> tuple[str, ...]:
    """Messaging channels below 5% in ``country`` (absent from the table counts as 0%)."""
    shares = channel_shares()[country]
    return tuple(c for c in MESSAGING_CHANNELS if shares.get(c, 0.0) < OFF_PREFERENCE_SHARE)


def _hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _token(rng: random.Random, prefix: str, run: str) -> str:
    return f"{prefix}-{run}{rng.getrandbits(64):016x}"


@dataclass
class Person:
    """A simulated person and what the simulation has seen of them so far."""

    person_id: str
    country: str
    locale: str
    currency: str
    preferred: str
    customer_id: str
    email_hash: str
    phone_hash: str
    browsers: list[str]
    devices: list[str]
    shared_device: str | None = None
    new_customer: bool = False
    # Browsers and devices that have logged in once (their later events carry customer_id).
    linked: set[str] = field(default_factory=set)
    # Last contact_started time (ms) per intent, to keep clean repeat contacts > 7 days apart.
    last_contact: dict[str, int] = field(default_factory=dict)

    def identifiers(self) -> dict[str, list[str]]:
        """Every identifier of this person by type (a shared device included)."""
        devices = [*self.devices, *([self.shared_device] if self.shared_device else [])]
        return {
            "customer_id": [self.customer_id],
            "email_hash": [self.email_hash],
            "phone_hash": [self.phone_hash],
            "device_id": devices,
            "anonymous_id": list(self.browsers),
        }

    @property
    def app_device(self) -> str | None:
        return self.shared_device or (self.devices[0] if self.devices else None)


def make_person(rng: random.Random, index: int, *, new_customer_share: float = 0.25, run: str = "") -> Person:
    """One person: country by ``COUNTRY_WEIGHTS``, preferred channel by the country's shares.

    ``run`` tags every identifier, so two simulations (two windows) never share a person.
    """
    country = rng.choices(tuple(COUNTRY_WEIGHTS), weights=tuple(COUNTRY_WEIGHTS.values()))[0]
    channels, weights = preferred_shares(country)
    preferred = rng.choices(channels, weights=weights)[0]
    person_id = f"p{index:06d}"
    has_app = preferred == "push" or rng.random() < 0.6
    return Person(
        person_id=person_id,
        country=country,
        locale=LOCALES[country],
        currency=CURRENCIES[country],
        preferred=preferred,
        customer_id=_token(rng, "c", run),
        email_hash=_hash(f"{person_id}.{run}{rng.getrandbits(32):08x}@example.com"),
        phone_hash=_hash(f"+{rng.randrange(10**10, 10**11)}/{run}"),
        browsers=[_token(rng, "a", run) for _ in range(1 if rng.random() < 0.7 else 2)],
        devices=[_token(rng, "d", run)] if has_app else [],
        new_customer=rng.random() < new_customer_share,
    )

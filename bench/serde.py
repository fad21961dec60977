"""Serialisation throughput: the project's codec against bare fastavro, single core.

Encodes and decodes a realistic ~300-byte touchpoint (a WhatsApp purchase with context,
money and properties) through ``schemas.serde`` and, in the same run, through bare
``fastavro.schemaless_writer``/``schemaless_reader`` with the same parsed schema: the
ceiling the codec can approach. Prints events/s and the ratio codec/ceiling.

    .venv/bin/python bench/serde.py [--seconds 3]
"""

from __future__ import annotations

import argparse
import io
import platform
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import fastavro
from fastavro import parse_schema, schemaless_reader, schemaless_writer

from journeys.settings import SerdeSettings
from schemas import catalog
from schemas.serde import Serde

__all__ = ["main", "sample_event"]

TARGET_PER_S = 200_000
TARGET_RATIO = 0.8


def sample_event() -> dict[str, Any]:
    """A WhatsApp purchase with context, money and properties: ~300 bytes framed."""
    now = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
    return {
        "event_id": "0b0f5c3e-8a0e-4f55-a0b8-5d0f3b8b6e11",
        "event_time": now,
        "received_time": now,
        "sent_time": None,
        "source": "web-shop",
        "channel": "whatsapp",
        "event_type": "purchase",
        "anonymous_id": "anon-1",
        "customer_id": "c-42",
        "email_hash": "a" * 64,
        "phone_hash": None,
        "device_id": None,
        "context": {
            "country": "JP",
            "locale": "ja-JP",
            "device_type": "mobile",
            "os": "iOS",
            "app_name": "shop",
            "app_version": "7.1.0",
            "user_agent": None,
            "campaign_source": "newsletter",
            "campaign_medium": "email",
            "campaign_name": "spring",
            "referrer": None,
        },
        "duration_ms": 5400,
        "latency_ms": 230,
        "error_code": None,
        "page": "/cart",
        "step": None,
        "target": None,
        "intent": "purchase",
        "outcome": "success",
        "conversation_id": None,
        "agent_id": None,
        "order_id": "o-9",
        "value": 59.5,
        "currency": "JPY",
        "survey_kind": None,
        "survey_score": None,
        "properties": {"sku": "s-1", "coupon": "SPRING"},
    }


def rate(fn: Callable[[], Any], seconds: float) -> float:
    """Calls per second of ``fn`` over about ``seconds`` (best of three runs, after a warm-up)."""
    for _ in range(2_000):
        fn()
    best = 0.0
    for _ in range(3):
        n, started = 0, time.perf_counter()
        deadline = started + seconds / 3
        while time.perf_counter() < deadline:
            for _ in range(1_000):
                fn()
            n += 1_000
        best = max(best, n / (time.perf_counter() - started))
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0, help="measuring time per figure, in s")
    args = parser.parse_args()

    event = sample_event()
    codec = Serde(SerdeSettings()).codec("TouchpointEvent")
    plain = Serde(SerdeSettings(), plain_timestamps=True).codec("TouchpointEvent")
    data = codec.encode(event)
    if codec.decode(data) != event:
        raise SystemExit("the codec does not round-trip the sample event")

    # The ceiling: bare fastavro, the shipped schema parsed once, no frame, a fresh BytesIO per call.
    schema = parse_schema(catalog.expanded("TouchpointEvent"))
    body = data[10:]

    def bare_encode() -> bytes:
        out = io.BytesIO()
        schemaless_writer(out, schema, event)
        return out.getvalue()

    def bare_decode() -> Any:
        return schemaless_reader(io.BytesIO(body), schema)

    encode, decode, decode_plain = codec.encode, codec.decode, plain.decode
    figures = {
        "ceiling encode (bare fastavro)": rate(bare_encode, args.seconds),
        "ceiling decode (bare fastavro)": rate(bare_decode, args.seconds),
        "codec encode": rate(lambda: encode(event), args.seconds),
        "codec decode (datetimes)": rate(lambda: decode(data), args.seconds),
        "codec decode (plain_timestamps)": rate(lambda: decode_plain(data), args.seconds),
    }
    print(
        f"python {platform.python_version()}, fastavro {fastavro.__version__}, event {len(data)} bytes framed ({len(body)} body)"
    )
    for label, value in figures.items():
        print(f"{label:34s} {value:>10,.0f} events/s")
    enc_ratio = figures["codec encode"] / figures["ceiling encode (bare fastavro)"]
    dec_ratio = figures["codec decode (datetimes)"] / figures["ceiling decode (bare fastavro)"]
    print(f"codec/ceiling: encode {enc_ratio:.0%}, decode {dec_ratio:.0%} (target >= {TARGET_RATIO:.0%})")
    for label, value, ratio in (
        ("encode", figures["codec encode"], enc_ratio),
        ("decode", figures["codec decode (datetimes)"], dec_ratio),
    ):
        met = value >= TARGET_PER_S or ratio >= TARGET_RATIO
        print(
            f"{label}: {'meets' if met else 'MISSES'} the target ({TARGET_PER_S:,}/s, or {TARGET_RATIO:.0%} of ceiling)"
        )


if __name__ == "__main__":
    main()

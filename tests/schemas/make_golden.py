"""Write the golden vectors in ``tests/cases/golden/``: encoded messages checked by test_golden.py.

Run once, when the contract is released or deliberately changed, and commit the output::

    .venv/bin/python tests/schemas/make_golden.py

Never regenerate to make a failing test pass: a changed encoding breaks every consumer
that still holds the old bytes.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

from schema_factories import dead_letter, identity_link, journey, stitched, touchpoint

from journeys.settings import SerdeSettings
from schemas.serde import Serde

__all__ = ["GOLDEN_DIR", "golden_records", "main"]

GOLDEN_DIR = Path(__file__).parents[1] / "cases" / "golden"


def golden_records() -> dict[str, tuple[str, str, dict[str, Any]]]:
    """Vector name -> (wire type, wire format, record)."""
    full = touchpoint(
        event_type="purchase",
        channel="whatsapp",
        customer_id="c-42",
        email_hash="a" * 64,
        context={
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
        duration_ms=5400,
        latency_ms=230,
        order_id="o-9",
        value=59.5,
        currency="JPY",
        intent="purchase",
        outcome="success",
        properties={"sku": "s-1", "coupon": "SPRING"},
    )
    return {
        "touchpoint_minimal": ("TouchpointEvent", "single-object", touchpoint()),
        "touchpoint_full": ("TouchpointEvent", "single-object", full),
        "touchpoint_confluent": ("TouchpointEvent", "confluent", full),
        "survey": (
            "TouchpointEvent",
            "single-object",
            touchpoint(event_type="survey_response", survey_kind="nps", survey_score=9.0),
        ),
        "identity_link": ("IdentityLink", "single-object", identity_link()),
        "stitched": ("StitchedTouchpoint", "single-object", stitched()),
        "stitched_batch": ("StitchedBatch", "single-object", {"touchpoints": [stitched(), stitched()]}),
        "journey": ("Journey", "single-object", journey()),
        "dead_letter": ("DeadLetter", "single-object", dead_letter()),
    }


def main() -> None:
    GOLDEN_DIR.mkdir(parents=True, exist_ok=True)
    for name, (wire_type, wire_format, record) in golden_records().items():
        data = Serde(SerdeSettings(wire_format=wire_format)).encode(wire_type, record)
        (GOLDEN_DIR / f"{name}.hex").write_text(data.hex() + "\n")
        print(f"{name}: {len(data)} bytes")


if __name__ == "__main__":
    main()

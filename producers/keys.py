"""The Kafka message key of a touchpoint: which person's partition it goes to.

Kafka keeps order only within a partition, and the stitcher deduplicates per
partition, so two rules decide the key:

1. **A retry of the same event gets the same key.** The key is computed from the
   event's own identifiers only (no clock, no randomness, no producer state), so a
   re-sent event lands in the same partition as its first copy and is dropped there.
2. **One device's events stay in order across a login.** The key is the most stable
   identifier present, in this priority: ``device_id`` (survives app re-installs and
   Segment's ``reset()`` on logout), ``anonymous_id`` (one browser or app install),
   then ``customer_id``, ``email_hash``, ``phone_hash`` (server-side events such as
   emails, calls and orders carry only these). Keying on ``customer_id`` first would
   move a device's events to another partition the moment the person logs in, so the
   page views before and after login could be read out of order. Events of the same
   person from different devices may live in different partitions anyway; the stitcher
   joins them through the identity topic, not through partitioning.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["KEY_PRIORITY", "identity_key"]

KEY_PRIORITY: tuple[str, ...] = ("device_id", "anonymous_id", "customer_id", "email_hash", "phone_hash")


def identity_key(event: Mapping[str, Any]) -> bytes:
    """``b"<id type>:<value>"`` of the most stable identifier present (see the module docstring).

    Raises ``ValueError`` when the event has no identifier at all; validation rejects such
    events before they reach this point.
    """
    for id_type in KEY_PRIORITY:
        value = event.get(id_type)
        if value:
            return f"{id_type}:{value}".encode()
    raise ValueError("event has none of " + ", ".join(KEY_PRIORITY) + "; cannot key it")

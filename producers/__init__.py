"""Ingestion: the Python SDK (``Tracker``) and the HTTP collector (``journeys collect``).

Both validate touchpoints against the contract (``schemas``), key them with
:func:`producers.keys.identity_key` and send them durably to the raw topic; invalid
input goes to the dead-letter topic with its reason (``journeys dlq``).
"""

from producers.exceptions import BufferFullError, DeliveryError, InvalidEventError, ProducerClosedError
from producers.keys import identity_key
from producers.sdk import Tracker

__all__ = ["BufferFullError", "DeliveryError", "InvalidEventError", "ProducerClosedError", "Tracker", "identity_key"]

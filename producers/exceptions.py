"""Errors raised by the SDK and the collector.

Each says whether retrying can help (``retryable``): an invalid event never
becomes valid by sending it again; a broker that did not answer may answer later.
"""

from __future__ import annotations

from journeys.errors import JourneysError, TransientError

__all__ = ["BufferFullError", "DeliveryError", "InvalidEventError", "ProducerClosedError"]


class InvalidEventError(JourneysError):
    """The event breaks the contract; it was not sent. Fix the named field and call again."""

    retryable = False

    def __init__(self, problems: list[tuple[str, str]], *, event_id: str | None = None) -> None:
        self.problems = problems
        self.event_id = event_id
        where = f"event `{event_id}`" if event_id else "event"
        listed = "; ".join(f"`{field}`: {reason}" for field, reason in problems) or "unknown problem"
        super().__init__(f"{where} is invalid and was not sent: {listed}")

    @property
    def field(self) -> str | None:
        """The first offending field (``None`` when the problem is the whole event)."""
        return self.problems[0][0] if self.problems else None

    @property
    def reason(self) -> str:
        return self.problems[0][1] if self.problems else "invalid event"


class BufferFullError(TransientError):
    """The send buffer stayed full for ``max_block_ms``: the broker is slow or down. Retry later."""


class DeliveryError(TransientError):
    """Kafka did not acknowledge some events in time; they may or may not have been written.

    Sending them again is safe: the event id is the dedup key and the message key is derived
    from the event itself, so a retry lands in the same partition and the stitcher drops the copy.
    """

    def __init__(self, message: str, *, failed: int = 0) -> None:
        super().__init__(message)
        self.failed = failed


class ProducerClosedError(JourneysError):
    """``track``/``send`` was called after ``close()``; create a new Tracker."""

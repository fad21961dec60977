"""The kafka-python producer, configured for durability, and the SDK's bounded send buffer.

Durability: ``acks=all`` (every in-sync replica has the record), idempotence (a retried
batch is written once, in order, per partition), unlimited retries with backoff inside
``delivery_timeout_ms``, compression. kafka-python 3 has no ``buffer_memory`` bound of
its own (records queue without limit while the broker is away), so :class:`SendBudget`
bounds the bytes not yet acknowledged and applies the policy of the Java client: block
up to ``max_block_ms``, then raise :class:`~producers.exceptions.BufferFullError`.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from journeys.errors import TransientError
from journeys.settings import Settings
from producers.exceptions import BufferFullError

__all__ = ["SendBudget", "make_producer", "producer_config"]


def producer_config(
    settings: Settings, *, client_suffix: str = "sdk", max_block_ms: int | None = None
) -> dict[str, Any]:
    """Keyword arguments of the durable ``KafkaProducer`` (see the module docstring)."""
    p = settings.producer
    block_ms = p.max_block_ms if max_block_ms is None else max_block_ms
    return {
        **settings.kafka.client_config(),
        "client_id": f"{settings.kafka.client_id}-{client_suffix}",
        "acks": "all",
        "enable_idempotence": True,
        # With idempotence, up to 5 in-flight requests keep per-partition order on retries.
        "max_in_flight_requests_per_connection": 5,
        "retries": 2**31 - 1,  # bounded by delivery_timeout_ms, as in the Java client
        "retry_backoff_ms": p.retry_backoff_ms,
        "delivery_timeout_ms": p.delivery_timeout_ms,
        "linger_ms": p.linger_ms,
        "batch_size": p.batch_size,
        "compression_type": None if p.compression == "none" else p.compression,
        "max_block_ms": block_ms,
        # kafka-python backs off reconnects up to 30 s by default: after a broker restart the
        # collector would answer 503 that long. 1 s costs one connect attempt per second.
        "reconnect_backoff_max_ms": 1_000,
        # Without a broker, kafka-python's constructor waits this long to bootstrap; give up
        # as fast as a send would.
        "bootstrap_timeout_ms": max(block_ms, 1_000),
    }


def make_producer(settings: Settings, *, client_suffix: str = "sdk", max_block_ms: int | None = None) -> Any:
    """A durable ``KafkaProducer``; ``TransientError`` when no broker answers within ``max_block_ms``."""
    from kafka import KafkaProducer
    from kafka.errors import KafkaError

    try:
        return KafkaProducer(**producer_config(settings, client_suffix=client_suffix, max_block_ms=max_block_ms))
    except KafkaError as exc:
        raise TransientError(
            f"no Kafka broker answered at {settings.kafka.bootstrap_servers} ({exc}). Start it with "
            "`journeys stack up` or set JOURNEYS_KAFKA_BOOTSTRAP_SERVERS, then try again"
        ) from exc


class SendBudget:
    """Bytes sent but not yet acknowledged, bounded by ``limit``.

    ``acquire`` blocks while the budget is spent (the broker is slower than the caller, or
    down) and raises ``BufferFullError`` after ``timeout_s``; delivery callbacks ``release``.
    """

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.used = 0
        self.pending = 0
        self._cond = threading.Condition()

    def acquire(self, size: int, timeout_s: float) -> int:
        """Take ``size`` bytes; returns what was taken (release that much later)."""
        # One record bigger than the whole budget may still go alone, else it could never be sent.
        size = min(size, self.limit)
        with self._cond:
            if self.used + size > self.limit:
                deadline = time.monotonic() + timeout_s
                while self.used + size > self.limit:
                    left = deadline - time.monotonic()
                    if left <= 0:
                        raise BufferFullError(
                            f"the send buffer ({self.limit} bytes, {self.pending} events) stayed full for "
                            f"{timeout_s:.1f} s: Kafka is not acknowledging. Nothing was sent for this call; "
                            "retry later or raise JOURNEYS_PRODUCER_BUFFER_MEMORY / MAX_BLOCK_MS"
                        )
                    self._cond.wait(left)
            self.used += size
            self.pending += 1
        return size

    def release(self, size: int) -> None:
        """Give back what one ``acquire`` took."""
        self.release_many(1, size)

    def release_many(self, count: int, size: int) -> None:
        """``count`` records of ``size`` bytes in all were acknowledged (or finally refused)."""
        with self._cond:
            self.used -= size
            self.pending -= count
            self._cond.notify_all()

    def wait_empty(self, timeout_s: float | None) -> bool:
        """Wait until every acquired byte is released; ``False`` on timeout."""
        with self._cond:
            return self._cond.wait_for(lambda: self.pending == 0, timeout_s)

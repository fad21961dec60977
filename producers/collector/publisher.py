"""The collector's Kafka side: one shared producer, and a blocking ``publish`` run in worker threads.

``publish`` returns only when Kafka acknowledged every record of the request (raw events
and dead letters), or raises ``TransientError`` (the app answers 503 with Retry-After).
Records sent before a failure may still be written later: a client retry then sends
copies with the same event id and key, which the stitcher drops.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from journeys.errors import TransientError
from journeys.settings import Settings
from producers.contract import encode_dead_letter, encode_touchpoint_fast
from producers.kafka_producer import make_producer
from producers.keys import identity_key

__all__ = ["Publisher"]

log = logging.getLogger(__name__)


class Publisher:
    def __init__(self, settings: Settings, *, producer: Any = None) -> None:
        self.settings = settings
        self.raw_topic = settings.topics.name(settings.topics.raw)
        self.dead_topic = settings.topics.name(settings.topics.deadletter)
        self._owns_producer = producer is None
        self._producer = producer
        self._lock = threading.Lock()
        self._next_attempt = 0.0

    @property
    def connected(self) -> bool:
        return self._producer is not None

    def producer(self) -> Any:
        """The producer, built on first use; while the broker is down, one attempt per ``retry_after_s``."""
        if self._producer is not None:
            return self._producer
        with self._lock:
            if self._producer is not None:
                return self._producer
            if time.monotonic() < self._next_attempt:
                raise TransientError(f"Kafka at {self.settings.kafka.bootstrap_servers} is unreachable; retry later")
            try:
                from journeys.topics import require_broker

                require_broker(self.settings.kafka)
                self._producer = make_producer(
                    self.settings, client_suffix="collector", max_block_ms=self.settings.collector.ack_timeout_ms
                )
            except TransientError:
                self._next_attempt = time.monotonic() + self.settings.collector.retry_after_s
                raise
            return self._producer

    def publish(self, events: list[dict[str, Any]], dead: list[dict[str, Any]], *, source: str) -> None:
        """Send and wait for every acknowledgement (blocking; call from a worker thread)."""
        from kafka.errors import KafkaError

        producer = self.producer()
        timeout_s = self.settings.collector.ack_timeout_ms / 1000
        futures = []
        try:
            send = producer.send
            raw_topic = self.raw_topic
            for event in events:
                futures.append(send(raw_topic, value=encode_touchpoint_fast(event), key=identity_key(event)))
            source_key = source.encode()
            for letter in dead:
                futures.append(send(self.dead_topic, value=encode_dead_letter(letter), key=source_key))
            deadline = time.monotonic() + timeout_s
            for future in futures:
                future.get(timeout=max(0.0, deadline - time.monotonic()))
        except KafkaError as exc:
            raise TransientError(
                f"Kafka did not acknowledge {len(futures)} records within {timeout_s:.1f} s ({exc!r}); retry the request"
            ) from exc

    def close(self) -> None:
        if self._producer is not None and self._owns_producer:
            try:
                self._producer.close(timeout=self.settings.producer.close_timeout_s)
            except Exception as exc:  # shutting down: say so, do not hide the rest of the shutdown
                log.warning("closing the collector's producer failed: %r", exc)

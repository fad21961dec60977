"""The collector's Kafka side: one shared producer, and ``publish`` awaited by each request.

``publish`` returns only when Kafka acknowledged every record of the request (raw events
and dead letters), or raises ``TransientError`` (the app answers 503 with Retry-After).
Records sent before a failure may still be written later: a client retry then sends
copies with the same event id and key, which the stitcher drops.

The records go straight into the producer's batches (:mod:`journeys.record_appender`),
one partition at a time; the request waits on one future that the producer's I/O thread
resolves when the last of its records is acknowledged, so no thread waits per request and
no future exists per record.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from typing import Any

from journeys.errors import TransientError
from journeys.record_appender import RecordAppender, SendAppender, appender_for
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
        self._appender: RecordAppender | SendAppender | None = appender_for(producer) if producer is not None else None
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
                producer = make_producer(
                    self.settings, client_suffix="collector", max_block_ms=self.settings.collector.ack_timeout_ms
                )
                appender = appender_for(producer)
                for topic in (self.raw_topic, self.dead_topic):
                    appender.partition_of(topic, b"")  # the topics' metadata, while we may still block
                self._appender, self._producer = appender, producer
            except TransientError:
                self._next_attempt = time.monotonic() + self.settings.collector.retry_after_s
                raise
            return self._producer

    def appender(self) -> RecordAppender | SendAppender:
        """The appender over :meth:`producer` (blocking the first time: call it off the event loop)."""
        self.producer()
        assert self._appender is not None
        return self._appender

    async def publish(self, events: list[dict[str, Any]], dead: list[dict[str, Any]], *, source: str) -> None:
        """Send the request's records and wait until Kafka acknowledged every one."""
        if not events and not dead:
            return
        loop = asyncio.get_running_loop()
        appender = self._appender if self._appender is not None else await loop.run_in_executor(None, self.appender)
        timeout_s = self.settings.collector.ack_timeout_ms / 1000
        acks = _Acks(loop, len(events) + len(dead))
        try:
            raw: dict[int | None, list[tuple[bytes, bytes, None]]] = {}
            for event in events:
                key = identity_key(event)
                raw.setdefault(appender.partition_of(self.raw_topic, key), []).append(
                    (key, encode_touchpoint_fast(event), None)
                )
            for partition, records in raw.items():
                appender.append_records(self.raw_topic, partition, records, acks)
            if dead:
                key = source.encode()
                letters = [(key, encode_dead_letter(letter), None) for letter in dead]
                appender.append_records(self.dead_topic, appender.partition_of(self.dead_topic, key), letters, acks)
        except Exception as exc:  # kafka-python: metadata timeout, closed producer
            raise TransientError(f"Kafka did not take the request's records ({exc!r}); retry the request") from exc
        try:
            await asyncio.wait_for(asyncio.shield(acks.future), timeout_s)
        except TimeoutError as exc:
            raise TransientError(
                f"Kafka did not acknowledge {acks.pending} of {acks.count} records within {timeout_s:.1f} s; "
                "retry the request"
            ) from exc
        if acks.error is not None:
            raise TransientError(
                f"Kafka refused records of this request ({acks.error!r}); retry the request"
            ) from acks.error

    def publish_blocking(self, events: list[dict[str, Any]], dead: list[dict[str, Any]], *, source: str) -> None:
        """:meth:`publish` for code without an event loop (``journeys dlq replay``)."""
        asyncio.run(self.publish(events, dead, source=source))

    def close(self) -> None:
        if self._producer is not None and self._owns_producer:
            try:
                self._producer.close(timeout=self.settings.producer.close_timeout_s)
            except Exception as exc:  # shutting down: say so, do not hide the rest of the shutdown
                log.warning("closing the collector's producer failed: %r", exc)


class _Acks:
    """Kafka's answers for one request's records; its future resolves on the event loop."""

    def __init__(self, loop: asyncio.AbstractEventLoop, count: int) -> None:
        self.count = self.pending = count
        self.error: Exception | None = None
        self.future: asyncio.Future[None] = loop.create_future()
        self._loop = loop
        self._lock = threading.Lock()

    def delivered(self, tags: list[Any], error: Exception | None) -> None:
        with self._lock:
            if error is not None and self.error is None:
                self.error = error
            self.pending -= len(tags)
            done = self.pending == 0
        if done:
            self._loop.call_soon_threadsafe(_resolve, self.future)


def _resolve(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)

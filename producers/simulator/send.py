"""Sending a simulation: through the SDK (default, fastest) or the HTTP collector.

Both sinks see every delivery in order. The SDK sink sends valid events with
``Tracker.send`` (validated, Avro-encoded, keyed like any app's events); an event the SDK
refuses (``InvalidEventError``) is written to the dead-letter topic the way the collector
does it (``producers.deadletter.dead_letter``), so refused input is visible downstream.
The HTTP sink posts batches to ``/v1/touchpoints`` with the write key; the collector
validates and dead-letters the invalid ones itself, and a 503 is retried after its
``Retry-After`` (the same event ids, so the stitcher drops any copy).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

import orjson

from journeys.errors import TransientError
from journeys.settings import Settings
from producers.deadletter import dead_letter
from producers.exceptions import InvalidEventError
from producers.simulator.delivery import Delivery

__all__ = ["FileSink", "HttpSink", "SdkSink", "SendReport", "Sink", "send_all"]

# Pace in slices: sleeping per event costs more than the event (~20 µs); per 50 events
# the pacing error stays under 10 ms at 5,000 events/s.
PACE_EVERY = 50


class Sink(Protocol):
    def send(self, delivery: Delivery) -> None: ...
    def close(self) -> None: ...

    refused: int


@dataclass
class SendReport:
    deliveries: int
    refused: int
    seconds: float

    @property
    def per_second(self) -> float:
        return self.deliveries / self.seconds if self.seconds > 0 else 0.0


class SdkSink:
    """The Python SDK; ``producer`` (kafka-python's interface) is built from settings when absent."""

    def __init__(self, settings: Settings, *, producer: Any = None) -> None:
        from producers.contract import encode_dead_letter
        from producers.kafka_producer import make_producer
        from producers.sdk import Tracker

        self._own = producer is None
        if producer is None:
            compression = settings.simulator.compression
            if compression != "sdk":
                tuned = settings.producer.model_copy(update={"compression": compression})
                settings = settings.model_copy(update={"producer": tuned})
            producer = make_producer(settings, client_suffix="simulator")
        self._producer = producer
        self._tracker = Tracker(settings, source="simulator", producer=self._producer, close_at_exit=False)
        self._dead_topic = settings.topics.name(settings.topics.deadletter)
        self._encode_dead = encode_dead_letter
        self.refused = 0

    def send(self, delivery: Delivery) -> None:
        try:
            self._tracker.send(delivery.event)
        except InvalidEventError as exc:
            # what an app does with an event its SDK refused: park it with the reason
            self.refused += 1
            source = str(delivery.event.get("source") or "simulator")
            letter = dead_letter(
                orjson.dumps(delivery.event),
                source=source,
                error_kind="validation",
                problems=exc.problems,
                now=datetime.now(UTC),
            )
            self._producer.send(self._dead_topic, value=self._encode_dead(letter), key=source.encode())

    def close(self) -> None:
        try:
            self._tracker.close()  # flushes; raises DeliveryError when Kafka refused events
            self._producer.flush()
        finally:
            if self._own:
                self._producer.close()


class HttpSink:
    """The HTTP collector's native endpoint, ``batch`` events per request."""

    def __init__(
        self,
        url: str,
        *,
        write_key: str = "demo-write-key",
        batch: int = 500,
        timeout_s: float = 30.0,
        retries: int = 10,
        client: Any = None,
    ) -> None:
        import httpx

        self._client = client or httpx.Client(base_url=url.rstrip("/"), auth=(write_key, ""), timeout=timeout_s)
        self._own = client is None
        self._batch: list[dict[str, Any]] = []
        self._size = batch
        self._retries = retries
        self.refused = 0

    def send(self, delivery: Delivery) -> None:
        self._batch.append(delivery.event)
        if len(self._batch) >= self._size:
            self._post()

    def _post(self) -> None:
        if not self._batch:
            return
        body = orjson.dumps(self._batch)
        for attempt in range(self._retries + 1):
            response = self._client.post("/v1/touchpoints", content=body, headers={"content-type": "application/json"})
            if response.status_code == 200:
                self.refused += int(response.json().get("dead_lettered", 0))
                self._batch = []
                return
            if response.status_code != 503 or attempt == self._retries:
                break
            time.sleep(float(response.headers.get("retry-after", "1")))
        raise TransientError(
            f"the collector answered {response.status_code} to a batch of {len(self._batch)} events: "
            f"{response.text[:300]}. Is `journeys collect` running and the write key configured?"
        )

    def close(self) -> None:
        try:
            self._post()
        finally:
            if self._own:
                self._client.close()


class FileSink:
    """JSON lines, one event per line in delivery order (duplicates and invalid ones included),
    with ISO-8601 times: a fixture for other tools, or a replay later with
    ``curl --data-binary`` to the collector's ``/v1/touchpoints`` in batches."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._file = path.open("wb")
        self.refused = 0

    def send(self, delivery: Delivery) -> None:
        event = delivery.event
        if isinstance(event.get("event_time"), int):
            event = {**event, "event_time": _iso(event["event_time"])}
        self._file.write(orjson.dumps(event) + b"\n")
        self.refused += not delivery.valid

    def close(self) -> None:
        self._file.close()


def _iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def send_all(
    deliveries: Iterable[Delivery],
    sink: Sink,
    *,
    rate: float | None = None,
    on_progress: Callable[[int], None] | None = None,
    clock: Callable[[], float] = time.perf_counter,
    sleep: Callable[[float], None] = time.sleep,
) -> SendReport:
    """Send every delivery in order, at most ``rate`` per second when given; close the sink."""
    started = clock()
    count = 0
    try:
        for delivery in deliveries:
            sink.send(delivery)
            count += 1
            if count % PACE_EVERY == 0:
                if rate:
                    ahead = count / rate - (clock() - started)
                    if ahead > 0:
                        sleep(ahead)
                if on_progress is not None:
                    on_progress(PACE_EVERY)
    finally:
        sink.close()
    if on_progress is not None:
        on_progress(count % PACE_EVERY)
    return SendReport(count, sink.refused, clock() - started)

"""The Python SDK: ``Tracker`` validates touchpoints, encodes them and sends them to Kafka.

    from journeys.settings import Settings
    from producers import Tracker

    with Tracker(Settings(), source="checkout-service") as tracker:
        tracker.track("purchase", channel="web", customer_id="c-42", order_id="o-9", value=59.0, currency="EUR")
        tracker.identify(customer_id="c-42", anonymous_id="a-7", email="Ann@Example.com", channel="web")

Every call validates against the contract first: an invalid event raises
:class:`~producers.exceptions.InvalidEventError` (field + reason) and is never sent.
Sends are asynchronous; ``flush()`` waits until Kafka acknowledged every event so far
and raises :class:`~producers.exceptions.DeliveryError` if some were not. ``close()``
(also run at interpreter exit) flushes first. The message key is
:func:`producers.keys.identity_key` (see there for why).
"""

from __future__ import annotations

import atexit
import logging
import random
import threading
import time
import weakref
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Any

from journeys.record_appender import appender_for
from journeys.settings import Settings
from producers.contract import encode_touchpoint, utc_now_millis, validate_touchpoint
from producers.exceptions import DeliveryError, InvalidEventError, ProducerClosedError
from producers.kafka_producer import SendBudget, make_producer
from producers.keys import identity_key
from producers.segment import hash_email, hash_phone

__all__ = ["DeliveryCallback", "Tracker", "new_event_id"]

log = logging.getLogger(__name__)

# Hand-over to the producer: every this many events, or this long after the first one waiting
# (each hand-over wakes a thread and takes two locks: 64 events / 2 ms cost ~5% more per event).
HANDOVER_EVENTS = 256
HANDOVER_S = 0.005

DeliveryCallback = Callable[[str, Exception | None], None]
"""Called once per event from Kafka's I/O thread: ``(event_id, None)`` when acknowledged, else the error."""


class Tracker:
    """Send touchpoints to the raw topic. Thread-safe; one per process is plenty.

    ``producer`` is any object with kafka-python's ``send``/``flush``/``close``; by default a
    durable ``KafkaProducer`` is built from ``settings`` (see ``producers.kafka_producer``).
    """

    def __init__(
        self,
        settings: Settings,
        *,
        source: str = "sdk",
        producer: Any = None,
        on_delivery: DeliveryCallback | None = None,
        clock: Callable[[], datetime] = utc_now_millis,
        close_at_exit: bool = True,
    ) -> None:
        self.settings = settings
        self.source = source
        self.topic = settings.topics.name(settings.topics.raw)
        self._owns_producer = producer is None
        self._producer = producer if producer is not None else make_producer(settings)
        # Records go straight into kafka-python's batches, one delivery callback per batch
        # (journeys.record_appender): KafkaProducer.send alone cost more than all the SDK's own work.
        self._appender = appender_for(self._producer)
        self._block_s = settings.producer.max_block_ms / 1000
        # Encoded events wait here, per partition, and go to the producer HANDOVER_EVENTS at a time
        # (or after HANDOVER_S): one hand-over per event cost ~25 us more per event (its locks).
        self._pending: dict[int | None, list[tuple[bytes, bytes, tuple[str, int]]]] = {}
        self._pending_count = 0
        self._handover_lock = threading.Lock()  # one hand-over at a time keeps each partition in order
        self._wake = threading.Event()
        self._linger: threading.Thread | None = None
        self._on_delivery = on_delivery
        self._clock = clock
        self._budget = SendBudget(settings.producer.buffer_memory)
        self._lock = threading.Lock()
        self._failures: list[tuple[str, Exception]] = []
        self._closed = False
        self.sent = 0
        self.acknowledged = 0
        if close_at_exit:
            # A weak reference: the exit hook must not keep a forgotten Tracker alive.
            ref = weakref.ref(self)
            self._exit_hook: Callable[[], None] | None = lambda: _close_at_exit(ref)
            atexit.register(self._exit_hook)
        else:
            self._exit_hook = None

    # -- the calls apps make ------------------------------------------------------------

    def track(
        self,
        event_type: str,
        *,
        channel: str,
        customer_id: str | None = None,
        anonymous_id: str | None = None,
        device_id: str | None = None,
        email: str | None = None,
        phone: str | None = None,
        event_id: str | None = None,
        event_time: datetime | None = None,
        context: Mapping[str, Any] | None = None,
        properties: Mapping[str, str] | None = None,
        **fields: Any,
    ) -> str:
        """Send one touchpoint; returns its event id. ``fields`` are the contract's optional fields
        (``page``, ``step``, ``target``, ``intent``, ``outcome``, ``order_id``, ``value``, ...).
        ``email``/``phone`` are hashed here and never leave the process in clear.
        """
        event = {
            "event_id": event_id or new_event_id(),
            "event_time": event_time or self._clock(),
            "channel": channel,
            "event_type": event_type,
            "customer_id": customer_id,
            "anonymous_id": anonymous_id,
            "device_id": device_id,
            "email_hash": hash_email(email) if email else fields.pop("email_hash", None),
            "phone_hash": hash_phone(phone) if phone else fields.pop("phone_hash", None),
            "context": dict(context or {}),
            "properties": dict(properties or {}),
            **fields,
        }
        return self.send(event)

    def identify(
        self,
        *,
        channel: str,
        customer_id: str | None = None,
        anonymous_id: str | None = None,
        device_id: str | None = None,
        email: str | None = None,
        phone: str | None = None,
        traits: Mapping[str, str] | None = None,
        **fields: Any,
    ) -> str:
        """Say that these identifiers belong to one person (an ``identify`` touchpoint)."""
        return self.track(
            "identify",
            channel=channel,
            customer_id=customer_id,
            anonymous_id=anonymous_id,
            device_id=device_id,
            email=email,
            phone=phone,
            properties={f"trait.{k}": str(v) for k, v in (traits or {}).items()},
            **fields,
        )

    def alias(self, *, customer_id: str, previous_id: str, channel: str, **fields: Any) -> str:
        """Say that ``previous_id`` (an anonymous id) and ``customer_id`` are the same person."""
        return self.track("alias", channel=channel, customer_id=customer_id, anonymous_id=previous_id, **fields)

    def send(self, event: Mapping[str, Any]) -> str:
        """Validate and send one full touchpoint (the contract's shape); returns its event id.

        ``source`` and ``received_time`` default to this tracker's source and the clock.
        """
        record = self._prepare(event)
        self._send(record)
        return str(record["event_id"])

    def send_batch(self, events: Iterable[Mapping[str, Any]]) -> list[str]:
        """Validate every event first, then send them all; if any is invalid, none is sent.

        The error lists each problem as ``[index].field``.
        """
        records: list[dict[str, Any]] = []
        problems: list[tuple[str, str]] = []
        for index, event in enumerate(events):
            try:
                records.append(self._prepare(event))
            except InvalidEventError as exc:
                problems.extend((f"[{index}].{field}", reason) for field, reason in exc.problems)
        if problems:
            raise InvalidEventError(problems)
        for record in records:
            self._send(record)
        return [str(r["event_id"]) for r in records]

    # -- delivery -------------------------------------------------------------------------

    def flush(self, timeout: float | None = None) -> None:
        """Wait until Kafka acknowledged (or finally refused) every event sent so far.

        Raises ``DeliveryError`` naming the events Kafka did not take (safe to send again).
        """
        timeout = self.settings.producer.close_timeout_s if timeout is None else timeout
        self._hand_over()
        try:
            self._producer.flush(timeout=timeout)
        except Exception as exc:  # kafka-python raises KafkaTimeoutError
            raise DeliveryError(
                f"{self._budget.pending} events were not acknowledged within {timeout:.1f} s ({exc}); "
                "they stay buffered and are retried until delivery_timeout_ms",
                failed=self._budget.pending,
            ) from exc
        # Callbacks run on the I/O thread right after the futures resolve; let them finish.
        self._budget.wait_empty(timeout)
        with self._lock:
            failures, self._failures = self._failures, []
        if failures:
            ids = ", ".join(f"`{event_id}`" for event_id, _ in failures[:5])
            raise DeliveryError(
                f"Kafka refused {len(failures)} events (first: {ids}; {failures[0][1]!r}); send them again",
                failed=len(failures),
            )

    def close(self, timeout: float | None = None) -> None:
        """Flush, then close the producer (if this tracker made it). Safe to call twice."""
        if self._closed:
            return
        self._closed = True
        if self._exit_hook is not None:
            atexit.unregister(self._exit_hook)
        try:
            self.flush(timeout)
        finally:
            self._wake.set()  # the linger thread sees the tracker closed and ends
            if self._owns_producer:
                self._producer.close(timeout=timeout if timeout is not None else self.settings.producer.close_timeout_s)

    def __enter__(self) -> Tracker:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- internals -------------------------------------------------------------------------

    def _prepare(self, event: Mapping[str, Any]) -> dict[str, Any]:
        if self._closed:
            raise ProducerClosedError("this Tracker is closed; create a new one to send more events")
        raw = dict(event)
        raw.setdefault("source", self.source)
        if raw.get("received_time") is None:
            raw["received_time"] = self._clock()
        return validate_touchpoint(raw)

    def _send(self, record: dict[str, Any]) -> None:
        value = encode_touchpoint(record)
        key = identity_key(record)
        event_id = record["event_id"]
        try:
            # The metadata wait (the broker is down, the topic is missing) fails here, in the caller.
            partition = self._appender.partition_of(self.topic, key)
        except Exception as exc:
            raise DeliveryError(
                f"event `{event_id}` was not sent: {exc!r}. Is the broker at "
                f"{self.settings.kafka.bootstrap_servers} up? Send it again later"
            ) from exc
        size = self._budget.acquire(len(value) + len(key), self._block_s)
        with self._lock:
            if self._closed:
                self._budget.release(size)
                raise ProducerClosedError("this Tracker is closed; create a new one to send more events")
            group = self._pending.get(partition)
            if group is None:
                group = self._pending[partition] = []
            group.append((key, value, (event_id, size)))
            self._pending_count += 1
            first = self._pending_count == 1
            full = self._pending_count >= HANDOVER_EVENTS
            self.sent += 1
        if full:
            self._hand_over()
        elif first:
            self._start_linger()
            self._wake.set()

    def _hand_over(self) -> None:
        """Move the waiting events into the producer's batches."""
        with self._handover_lock:
            with self._lock:
                pending, self._pending, self._pending_count = self._pending, {}, 0
            for partition, records in pending.items():
                try:
                    self._appender.append_records(self.topic, partition, records, self)
                except Exception as exc:  # the producer was closed under us, a record is too large
                    self.delivered([tag for _, _, tag in records], exc)

    def _start_linger(self) -> None:
        if self._linger is None:
            with self._lock:
                if self._linger is None:
                    self._linger = threading.Thread(target=self._linger_loop, name="journeys-sdk-linger", daemon=True)
                    self._linger.start()

    def _linger_loop(self) -> None:
        while True:
            self._wake.wait()
            self._wake.clear()
            time.sleep(HANDOVER_S)
            self._hand_over()
            if self._closed and not self._pending_count:
                return

    def delivered(self, tags: list[tuple[str, int]], error: Exception | None) -> None:
        """Kafka's verdict on a batch of our events (called on the producer's I/O thread)."""
        self._budget.release_many(len(tags), sum(size for _, size in tags))
        if error is None:
            self.acknowledged += len(tags)
        else:
            log.warning("%d events were not delivered to Kafka (first: `%s`): %r", len(tags), tags[0][0], error)
            with self._lock:
                self._failures.extend((event_id, error) for event_id, _ in tags)
        if self._on_delivery is not None:
            for event_id, _ in tags:
                try:
                    self._on_delivery(event_id, error)
                except Exception:  # a user callback must not kill Kafka's I/O thread
                    log.exception("the on_delivery callback failed for event `%s`", event_id)


def new_event_id() -> str:
    """A random (version 4) UUID for an event that brings none.

    From the ``random`` module's generator (seeded from the OS at start and again in every
    forked child), not ``uuid.uuid4()``: its ``os.urandom`` call releases the GIL, and with
    kafka-python's I/O thread running, getting it back cost ~45 us per event here, more than
    validating the event.
    """
    bits = random.getrandbits(128) & ~(0xF000 << 64) & ~(0xC000 << 48) | (0x4000 << 64) | (0x8000 << 48)
    h = f"{bits:032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def _close_at_exit(ref: weakref.ReferenceType[Tracker]) -> None:
    tracker = ref()
    if tracker is None:
        return
    try:
        tracker.close()
    except Exception as exc:
        log.error("journeys Tracker: events may be lost at exit: %s", exc)

"""The stitcher's logic for the partitions one process owns, with no Kafka in it.

Two stages, each fed by one topic and partitioned differently (the runner is a thin
Kafka adapter around this class; tests drive it directly):

1. **Route** (one :class:`Router` per raw partition; the raw topic is keyed by device or
   anonymous id, not by customer): decode (a failure becomes a dead letter), drop a
   duplicate event id, link the event's identifiers in the identity graph (decisions go
   to the identity topic), and send the event to the repartition topic's partition of
   its canonical customer.
2. **Journeys** (one :class:`JourneyTask` per repartition partition, keyed by canonical
   customer): an event whose customer has been merged meanwhile is forwarded to the
   winner's partition; otherwise it joins the customer's journeys, its stitched record
   goes out at once and the changed journeys are emitted at the next checkpoint. When
   the graph merges customer A into B, A's state (touchpoints, emitted journeys) is
   handed to B's partition through the repartition topic, and B re-emits A's journeys
   as ``merged`` into its own.

Every output is appended to :attr:`Engine.out` as an :class:`Output`; :meth:`checkpoint`
adds the journey records and the state changelog; the commit module writes them all in
one Kafka transaction with the consumed offsets.
"""

from __future__ import annotations

import heapq
import math
import time
import zlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any, NamedTuple

import orjson

from consumers import journey as jl
from consumers.dedup import DedupWindow
from consumers.identity import Decision, Ident, IdentityGraph, customer_label, event_identifiers
from consumers.records import TOUCHPOINT_FIELDS, JourneyWriter, StitchedWriter, compact, link_record, pack, unpack
from journeys.settings import StitcherSettings
from producers.deadletter import dead_letter
from schemas.exceptions import DecodeError
from schemas.serde import Serde

__all__ = ["Engine", "JourneyTask", "Output", "Router", "Stats", "partition_for", "wall_ms"]

# A repartition message carries entries up to about this size: big enough that the per-message
# cost vanishes (~1,000 events), well below the broker's 1 MiB default record limit.
REPARTITION_MESSAGE_BYTES = 256 * 1024
# Identifiers listed on a journey record; a blocked super-node can hold thousands.
MAX_LISTED_IDENTIFIERS = 100
# Throttled journey updates a checkpoint may emit beyond its share (see Engine._due_updates).
MIN_UPDATES_PER_CHECKPOINT = 100
# A customer's changelog state: its oldest touchpoints in sealed parts of this many, written
# once, and the rest with its bookkeeping in one entry rewritten at each commit that changes
# it (see Engine._changelog). Bounds what a commit rewrites per customer to about this many
# touchpoints, however long the history kept (7 days of closed journeys by default).
SEALED_PART_TOUCHPOINTS = 64


class Sealed(NamedTuple):
    """What the changelog holds in a customer's sealed parts: the first ``touchpoints`` of its
    touchpoints, from ``first`` to ``last`` (event ids), in ``parts`` parts."""

    touchpoints: int
    first: str
    last: str
    parts: int

    def holds(self, tps: list[dict[str, Any]]) -> bool:
        """Whether ``tps`` still starts with those touchpoints. The list is sorted and unique,
        and only grows by insertion or loses a prefix (eviction), so an unchanged first and
        last element at their places means an unchanged prefix."""
        return (
            len(tps) >= self.touchpoints
            and tps[0]["event_id"] == self.first
            and tps[self.touchpoints - 1]["event_id"] == self.last
        )


@lru_cache(maxsize=1 << 17)  # asked once per event; a look-up costs a third of the crc32 and its string
def partition_for(root: Ident, partitions: int) -> int:
    """The repartition (and changelog) partition of a canonical customer: stable across processes."""
    return zlib.crc32(f"{root[0]}:{root[1]}".encode()) % partitions


class Output(NamedTuple):
    """One record to produce: ``topic`` is a logical name (see ``Engine.topics``). A NamedTuple:
    a few are built per event."""

    topic: str
    key: bytes | None
    value: bytes | None
    partition: int | None = None


@dataclass
class Stats:
    consumed: int = 0
    duplicates: int = 0
    dead_letters: int = 0
    stitched: int = 0
    forwarded: int = 0
    merges: int = 0
    refusals: int = 0
    journeys_emitted: int = 0
    late: int = 0


@dataclass
class Router:
    partition: int
    dedup: DedupWindow
    announced: int = 0  # newest event time told to every journey partition
    # Records wait in Kafka behind this partition's position (the runner says, after each poll).
    lagging: bool = True
    announced_lagging: bool | None = None


@dataclass
class JourneyTask:
    partition: int
    customers: dict[Ident, jl.Customer] = field(default_factory=dict)
    max_time: int = 0  # newest event time seen here, or the wall clock while idle
    sources: dict[int, int] = field(default_factory=dict)  # raw partition -> its newest event time
    heard: dict[int, float] = field(default_factory=dict)  # raw partition -> last word (monotonic)
    lagging: dict[int, bool] = field(default_factory=dict)  # raw partition -> records still wait in Kafka
    started: float = field(default_factory=time.monotonic)
    last_clock: int = 0
    last_input_wall: float = field(default_factory=time.monotonic)
    changed: set[Ident] = field(default_factory=set)
    deadlines: list[tuple[int, Ident]] = field(default_factory=list)
    meta_changed: bool = False
    # customer -> start of its throttle window: its last emission, or when it was first seen (monotonic)
    emitted: dict[Ident, float] = field(default_factory=dict)
    # customer label -> StitchedTouchpoint bodies of this commit: one StitchedBatch each at the commit
    # customer label -> (raw event, journey id, session id, late, stitched ms) since the last commit
    stitched: dict[str, list[tuple[bytes, str, str, bool, int]]] = field(default_factory=dict)
    watermark: int | None = None  # within one repartition message; None when it must be recomputed
    clock_from_max: bool = True  # the last clock() followed max_time (no raw partition was active)
    throttled: dict[Ident, float] = field(default_factory=dict)  # customer -> when its update is due
    sealed: dict[Ident, Sealed] = field(default_factory=dict)  # customer -> its sealed changelog parts
    # During a restore: customer -> its sealed parts read so far, and how many its entry names.
    restoring_parts: dict[Ident, dict[int, list[dict[str, Any]]]] = field(default_factory=dict)
    restoring_heads: dict[Ident, int] = field(default_factory=dict)

    def open_journeys(self) -> int:
        return sum(1 for c in self.customers.values() for m in c.metas.values() if m.get("open"))

    def clock(self, idle_after_s: float, partitions: int) -> int:
        """Event time this partition has certainly reached: the slowest raw partition that is
        still sending (a backlog drained one partition at a time must not make the others'
        events late); when none is, the newest time known. Never goes back; stands still
        until every raw partition has spoken or ``idle_after_s`` passed since the start.

        A raw partition with records still waiting in Kafka holds the clock however long it
        has been silent (the consumer drains a backlog in chunks of tens of thousands of
        records per partition, so another partition's turn can take minutes); only one that
        has caught up is left out after ``idle_after_s`` of silence (Kafka Streams does the
        same: it idles a partition only when its buffer is empty and nothing is fetched)."""
        now = time.monotonic()
        if len(self.sources) < partitions and now - self.started < idle_after_s:
            self.clock_from_max = False
            return self.last_clock
        active = [
            t
            for s, t in self.sources.items()
            if self.lagging.get(s, False) or now - self.heard.get(s, 0.0) < idle_after_s
        ]
        self.clock_from_max = not active
        clock = min(active) if active else max(self.max_time, max(self.sources.values(), default=self.max_time))
        if clock > self.last_clock:
            self.last_clock = clock
            self.meta_changed = True
        return self.last_clock


def wall_ms() -> int:
    """The wall clock in epoch milliseconds. The engine reads it once per event applied (its
    stitched_time): time_ns is ~15x cheaper than datetime.now."""
    return time.time_ns() // 1_000_000


def _unidentified(event: dict[str, Any]) -> Ident:
    # Only placeholder ids: nothing names the person, so the event is a customer of its own
    # rather than one giant "guest" customer.
    return ("anonymous_id", f"unidentified:{event['event_id']}")


class Engine:
    """Routing and journey state of the partitions this process owns (see the module docstring)."""

    def __init__(self, stitcher: StitcherSettings, serde: Serde, *, partitions: int, raw_topic: str = "raw") -> None:
        self.settings = stitcher
        self.partitions = partitions
        self.raw_topic = raw_topic
        self.rules = jl.Rules(
            inactivity_ms=stitcher.inactivity_gap_s * 1000,
            session_ms=stitcher.session_gap_s * 1000,
            max_ms=stitcher.max_journey_s * 1000,
            max_touchpoints=stitcher.max_journey_touchpoints,
            terminal=frozenset(stitcher.terminal_event_types),
            retention_ms=stitcher.closed_retention_s * 1000,
        )
        self.lateness_ms = stitcher.allowed_lateness_s * 1000
        self.graph = IdentityGraph(
            limits=stitcher.identifier_limits,
            placeholders=frozenset(v.strip().lower() for v in stitcher.placeholder_ids),
            supernode_refusals=stitcher.supernode_refusals,
        )
        # The fields the stitcher uses, decoded without the rest (a message of another schema
        # version, or a broken one, goes through the full decode and its DecodeError)
        self.decode_event = serde.codec("TouchpointEvent").projected(TOUCHPOINT_FIELDS)
        self.journey_codec = JourneyWriter(serde)
        self.link_codec = serde.codec("IdentityLink")
        self.dead_codec = serde.codec("DeadLetter")
        self.stitched = StitchedWriter(serde)
        self.routers: dict[int, Router] = {}
        self.tasks: dict[int, JourneyTask] = {}
        self.batches: dict[int, list[tuple[dict[str, Any], bytes]]] = {}
        self.out: list[Output] = []
        # The input offsets the changelog says this state reached, per (kind, partition), kind
        # b"r" (raw) or b"j" (repartition): see offset_records and consumers.runner._restore.
        self.restored_offsets: dict[tuple[bytes, int], int] = {}
        self._written_offsets: dict[tuple[bytes, int], int] = {}
        self.stats = Stats()
        self.clock = wall_ms
        self._now_ms = 0
        self._last_checkpoint = time.monotonic()

    # -- ownership -----------------------------------------------------------------------

    def set_lagging(self, partition: int, lagging: bool) -> None:
        """Whether records of raw partition ``partition`` still wait in Kafka (see ``JourneyTask.clock``)."""
        router = self.routers.get(partition)
        if router is not None:
            router.lagging = lagging

    def own_router(self, partition: int) -> Router:
        router = self.routers[partition] = Router(partition, DedupWindow(self.settings.dedup_window_s * 1000))
        return router

    def own_task(self, partition: int) -> JourneyTask:
        task = self.tasks[partition] = JourneyTask(partition)
        return task

    def drop(self, routers: set[int], tasks: set[int]) -> None:
        for p in routers:
            self.routers.pop(p, None)
        for p in tasks:
            self.tasks.pop(p, None)

    # -- stage 1: route ------------------------------------------------------------------

    def on_raw(self, partition: int, offset: int, value: bytes) -> None:
        self.stats.consumed += 1
        try:
            event = self.decode_event(value)
        except DecodeError as exc:
            self._dead_letter(partition, offset, value, exc)
            return
        if not self.routers[partition].dedup.add(event["event_id"], event["event_time"]):
            self.stats.duplicates += 1
            return
        idents = event_identifiers(event)
        real = [i for i in idents if not self.graph.is_placeholder(i)]
        if len(idents) > 1:
            kind = event["event_type"]
            source = kind if kind in ("identify", "alias") else "event"
            for decision in self.graph.observe(idents, explicit=kind == "alias", real=real, ranked=True):
                self._publish(decision, source=source, event_id=event["event_id"], observed_ms=event["event_time"])
        # event_identifiers lists one identifier per type, strongest type first: real[0] is strongest(real)
        root = self.graph.find(real[0]) if real else _unidentified(event)
        tp = compact(event, late=False)
        target = partition_for(root, self.partitions)
        task = self.tasks.get(target)
        if task is None:
            self.batches.setdefault(target, []).append(({"k": "e", "r": root, "tp": tp}, value))
            return
        # Ours: applied at once (see _deliver); root is canonical, the graph has just been asked.
        self._arrived(task)
        self._apply(task, root, tp, value, None)

    def _deliver(self, target: int, header: dict[str, Any], raw: bytes) -> None:
        """An entry for journey partition ``target``: applied at once when this process owns it,
        else batched for the repartition topic.

        Applied at once, it is still exactly once: its effect (the customer's changelog entry,
        the stitched touchpoint) commits in the same transaction as the offset of the input that
        caused it, as a repartition message would. It saves a trip through the topic (a commit
        of latency, and ~25% of a single instance's work); a journey partition that receives
        from both paths sorts by event time either way (see ``JourneyTask.clock``).
        """
        task = self.tasks.get(target)
        if task is None:
            self.batches.setdefault(target, []).append((header, raw))
            return
        self._arrived(task)
        self._on_entry(task, header, raw)

    def _arrived(self, task: JourneyTask) -> None:
        """Input for ``task`` now: its idle clock starts again, and what it applies is stitched now."""
        task.last_input_wall = time.monotonic()
        self._now_ms = self.clock()

    def _publish(self, decision: Decision, *, source: str, event_id: str | None, observed_ms: int) -> None:
        record = link_record(decision, source=source, event_id=event_id, observed_ms=observed_ms)
        self.out.append(Output("identity", decision.link_id.encode(), self.link_codec.encode(record)))
        self._after_decision(decision)

    def _after_decision(self, decision: Decision) -> None:
        if decision.kind == "refused":
            self.stats.refusals += 1
        if decision.loser is not None and decision.canonical is not None:
            self.stats.merges += 1
            self._hand_over(decision.loser)

    def on_identity(self, record: dict[str, Any]) -> None:
        """A record of the identity topic (another instance's decision, or our own read back)."""
        decision = self.graph.apply(record)
        if decision is not None:
            self._after_decision(decision)

    def _dead_letter(self, partition: int, offset: int, value: bytes, exc: DecodeError) -> None:
        self.stats.dead_letters += 1
        letter = dead_letter(
            bytes(value),
            source="stitcher",
            error_kind="decode",
            problems=[(getattr(exc, "field", None) or "$", str(exc))],
            now=datetime.now(UTC),
            content_type="application/avro",
            origin=(self.raw_topic, partition, offset),
        )
        self.out.append(Output("deadletter", b"stitcher", self.dead_codec.encode(letter)))

    # -- stage 2: journeys ---------------------------------------------------------------

    def on_repartition(self, partition: int, value: bytes) -> None:
        task = self.tasks[partition]
        task.last_input_wall = time.monotonic()
        task.watermark = None  # computed once per message, again after what moves it
        self._now_ms = self.clock()  # the stitched_time of this message's touchpoints
        for header, raw in unpack(value):
            self._on_entry(task, header, raw)
        task.watermark = None

    def _watermark(self, task: JourneyTask) -> int:
        if task.watermark is None:
            return task.clock(self.settings.idle_after_s, self.partitions) - self.lateness_ms
        return task.watermark

    def _cached_watermark(self, task: JourneyTask) -> int:
        watermark = task.watermark
        if watermark is None:
            watermark = task.watermark = task.clock(self.settings.idle_after_s, self.partitions) - self.lateness_ms
        return watermark

    def _on_entry(self, task: JourneyTask, header: dict[str, Any], raw: bytes) -> None:
        if header["k"] == "w":  # a raw partition's progress
            source, t = header["s"], header["t"]
            task.heard[source] = time.monotonic()
            task.lagging[source] = bool(header.get("l", False))
            if t > task.sources.get(source, -1):
                task.sources[source] = t
                task.meta_changed = True
            task.watermark = None
            return
        root: Ident = (header["r"][0], header["r"][1])
        actual = self.graph.find(root)
        if actual != root:  # merged after routing: follow the customer
            self.stats.forwarded += 1
            header = {**header, "r": actual}
            if header["k"] == "e" and "late" not in header:
                # Lateness is judged here, where the event arrived in order with its raw
                # partition's progress; the detour to the winner's partition is ours, not late.
                header["late"] = header["tp"]["event_time"] < self._cached_watermark(task)
            target = partition_for(actual, self.partitions)
            if target == task.partition:
                self._on_entry(task, header, raw)
            else:
                self._deliver(target, header, raw)
            return
        if header["k"] == "t":
            self._absorb(task, root, jl.Customer.from_state(header["state"]))
            return
        self._apply(task, root, header["tp"], raw, header.get("late"))

    def _apply(self, task: JourneyTask, root: Ident, tp: dict[str, Any], raw: bytes, late: bool | None) -> None:
        """Add one event (its compact touchpoint ``tp``) to canonical customer ``root``'s journeys.
        ``late``: as judged where the event was routed from, or ``None`` to judge it here."""
        event_time = tp["event_time"]
        if event_time > task.max_time:
            task.max_time = event_time
            task.meta_changed = True
            if task.clock_from_max:
                task.watermark = None
        watermark = self._cached_watermark(task)
        if late is None:
            late = event_time < watermark
        tp["late"] = late
        customer = task.customers.get(root)
        if customer is None:
            customer = task.customers[root] = jl.Customer(customer_label(root))
        located = jl.insert(customer, tp, self.rules, watermark)
        if located is None:
            self.stats.duplicates += 1
            return
        stats = self.stats
        stats.late += late
        stats.stitched += 1
        task.changed.add(root)
        self._schedule(task, root, customer)
        if self.settings.emit_stitched:
            # The StitchedTouchpoint's bytes are built at the commit, a customer's at once (StitchedWriter.batches_of).
            pending = task.stitched.get(customer.label)
            if pending is None:
                pending = task.stitched[customer.label] = []
            pending.append((raw, located[0], located[1], late, self._now_ms))

    def _schedule(self, task: JourneyTask, root: Ident, customer: jl.Customer) -> None:
        """Make sure a pass of :meth:`tick` over the customer comes by the time its last journey
        may close. One entry per customer waits in ``task.deadlines`` (``customer.scheduled``):
        an event that moves the deadline later pushes nothing, the pass that comes first
        schedules the next one from the customer's state then. (An entry per event grew the
        heap by every event of a backlog, each one a tuple for the garbage collector to scan,
        and each came back later as a pass of its own.)"""
        if customer.tps:
            deadline = customer.tps[-1]["event_time"] + self.rules.inactivity_ms + 1
            pending = customer.scheduled
            if pending is None or deadline < pending:
                customer.scheduled = deadline  # an earlier entry, if any, is now stale
                heapq.heappush(task.deadlines, (deadline, root))

    def _hand_over(self, loser: Ident) -> None:
        """``loser`` is no longer a canonical customer: move its state to its new root."""
        task = self.tasks.get(partition_for(loser, self.partitions))
        customer = task.customers.pop(loser, None) if task else None
        if task is None or customer is None:
            return
        task.changed.add(loser)  # its changelog entry becomes a tombstone
        task.throttled.pop(loser, None)
        task.emitted.pop(loser, None)
        winner = self.graph.find(loser)
        target = partition_for(winner, self.partitions)
        if target in self.tasks:  # ours (see _deliver): no trip through the repartition topic
            self._absorb(self.tasks[target], winner, customer)
        else:
            header = {"k": "t", "r": winner, "state": customer.to_state()}
            self.batches.setdefault(target, []).append((header, b""))

    def _absorb(self, task: JourneyTask, root: Ident, other: jl.Customer) -> None:
        customer = task.customers.get(root)
        if customer is None:
            customer = task.customers[root] = jl.Customer(customer_label(root))
        jl.merge_customer(customer, other, self.rules, self._watermark(task))
        task.changed.add(root)
        self._schedule(task, root, customer)

    def reconcile(self, task: JourneyTask) -> None:
        """After a restore: hand over customers merged while we were away; rebuild deadlines."""
        for root in list(task.customers):
            if self.graph.find(root) != root:
                self._hand_over(root)
        task.deadlines = []
        for root, customer in task.customers.items():
            customer.scheduled = None
            self._schedule(task, root, customer)
            if customer.dirty:
                task.throttled[root] = 0.0  # emitted at the next commit

    # -- time ----------------------------------------------------------------------------

    def tick(self, *, idle_now_ms: int | None = None, force: bool = False) -> None:
        """Close journeys whose inactivity gap passed the watermark; drop final ones.

        ``idle_now_ms``: the wall clock, given when the runner saw no input for
        ``idle_after_s``; an idle partition's event clock then catches up with it, so the
        last journeys of a quiet stream close. ``force`` treats every partition as idle.
        """
        idle_ms = int(self.settings.idle_after_s * 1000)
        for task in self.tasks.values():
            idle = force or time.monotonic() - task.last_input_wall >= self.settings.idle_after_s
            clock = None if idle_now_ms is None else idle_now_ms if force else idle_now_ms - idle_ms
            if clock is not None and idle and clock > task.max_time:
                task.max_time = clock
                task.heard.clear()  # every source is quiet: the newest time known counts
                task.meta_changed = True
            task.watermark = None
            watermark = self._watermark(task)
            while task.deadlines and task.deadlines[0][0] <= watermark:
                due, root = heapq.heappop(task.deadlines)
                customer = task.customers.get(root)
                if customer is None or customer.scheduled != due:
                    continue  # merged away, or superseded by an earlier entry
                customer.scheduled = None
                jl.refresh(customer, self.rules, watermark)
                if customer.dirty:
                    self._emit(task, root, customer)
                if jl.evict(customer, self.rules, watermark) or customer.dirty:
                    task.changed.add(root)
                task.changed.add(root)
                if not customer.tps:
                    del task.customers[root]
                    task.emitted.pop(root, None)
                else:  # come back when the oldest journey may be dropped, or the last one close
                    first = jl.segment(customer.tps, self.rules, watermark)[0]
                    ended = customer.tps[first.end - 1]["event_time"]
                    horizon = max(self.rules.inactivity_ms, self.rules.retention_ms)
                    again = ended + horizon + 1
                    closes = customer.tps[-1]["event_time"] + self.rules.inactivity_ms + 1
                    if watermark < closes < again:
                        again = closes
                    customer.scheduled = max(again, watermark + 1)
                    heapq.heappush(task.deadlines, (customer.scheduled, root))

    def _emit(self, task: JourneyTask, root: Ident, customer: jl.Customer, only: set[str] | None = None) -> None:
        identifiers = [{"type": t, "value": v} for t, v in self.graph.identifiers(root)[:MAX_LISTED_IDENTIFIERS]]
        watermark = self._watermark(task)
        records = jl.journey_records(
            customer, self.rules, watermark, identifiers=identifiers, now_ms=self.clock(), only=only, pairs=True
        )
        for record in records:
            meta = customer.metas.get(record["journey_id"])
            if meta is not None:
                meta["open"] = record["status"] == "open"
            self.stats.journeys_emitted += 1
            self.out.append(Output("journeys", customer.label.encode(), self.journey_codec.encode(record)))

    # -- checkpoint ----------------------------------------------------------------------

    def flush_batches(self) -> None:
        """Turn the routed entries into repartition messages (one per target partition).

        Each router whose newest event time advanced tells every journey partition (a tiny
        entry), so a journey partition's clock follows its slowest input, not its fastest.
        """
        for router in self.routers.values():
            newest = router.dedup.max_time
            if newest > router.announced or router.lagging != router.announced_lagging:
                router.announced = max(newest, router.announced)
                router.announced_lagging = router.lagging
                progress = {"k": "w", "s": router.partition, "t": router.announced, "l": router.lagging}
                for target in range(self.partitions):
                    self._deliver(target, progress, b"")
        for task in self.tasks.values():
            task.watermark = None  # cached for the entries applied at once since the last flush
        for target, entries in self.batches.items():
            chunk: list[tuple[dict[str, Any], bytes]] = []
            size = 0
            for entry in entries:
                chunk.append(entry)
                size += len(entry[1]) + 200
                if size >= REPARTITION_MESSAGE_BYTES:
                    self.out.append(Output("repartition", None, pack(chunk), target))
                    chunk, size = [], 0
            if chunk:
                self.out.append(Output("repartition", None, pack(chunk), target))
        self.batches = {}

    def checkpoint(self, *, flush: bool = False) -> list[Output]:
        """Everything to write in this transaction: outputs, journeys, then the state changelog.

        A journey that only grew is re-emitted at most every ``journey_update_interval_s``
        (its customer waits in ``throttled``); new, closed and merged journeys go out now.
        ``flush`` emits everything pending (a clean exit).
        """
        self.flush_batches()
        now = time.monotonic()
        throttle = self.settings.journey_update_interval_s
        for task in self.tasks.values():
            for label, entries in task.stitched.items():
                key = label.encode()
                for value in self.stitched.batches_of(label, entries):
                    self.out.append(Output("stitched", key, value))
            task.stitched = {}
            for root in task.changed:
                customer = task.customers.get(root)
                if customer is None or not customer.dirty:
                    continue
                # A customer seen for the first time starts its throttle window now: a journey that
                # closes within it goes out once, closed, instead of open and then closed (in a
                # backlog most do; their touchpoints went out stitched anyway).
                window = task.emitted.setdefault(root, now)
                if flush or now - window >= throttle:
                    self._emit(task, root, customer)
                    task.emitted[root] = now
                    task.throttled.pop(root, None)
                    continue
                # Merged and closed journeys now, the rest when the window ends: a merge no longer
                # re-emits the winner's journey at once (in bench/stitch.py, where most people's
                # anonymous journeys merge, that was ~14% of the journey records and of their touchpoints).
                urgent = customer.urgent()
                if urgent:
                    self._emit(task, root, customer, only=urgent)
                if customer.dirty:
                    task.throttled.setdefault(root, window + throttle)
        for task, root in self._due_updates(now, flush=flush):
            customer = task.customers.get(root)
            if customer is not None and customer.dirty:
                self._emit(task, root, customer)
                task.emitted[root] = now
                task.changed.add(root)
            del task.throttled[root]
        self._last_checkpoint = now
        for router in self.routers.values():
            new, expired = router.dedup.seal()
            for number, (newest, ids) in new:
                value = orjson.dumps({"t": newest, "ids": ids})
                self.out.append(Output("changelog", b"d:%d" % number, value, router.partition))
            for number in expired:
                self.out.append(Output("changelog", b"d:%d" % number, None, router.partition))
        for task in self.tasks.values():
            for root in task.changed:
                self._changelog(task, root, task.customers.get(root))
            task.changed = set()
            if task.meta_changed:
                sources = {str(s): t for s, t in task.sources.items()}
                clocks = {"max": task.max_time, "clock": task.last_clock, "sources": sources}
                self.out.append(Output("changelog", b"w", orjson.dumps(clocks), task.partition))
                task.meta_changed = False
        out, self.out = self.out, []
        return out

    def _changelog(self, task: JourneyTask, root: Ident, customer: jl.Customer | None) -> None:
        """A changed customer's changelog entries: ``c:<customer>`` holds its bookkeeping and its
        newest touchpoints, ``p:<n>:<customer>`` its n-th sealed part of older ones.

        A part is written when it is sealed and again only when something changes its
        touchpoints (an event older than the newest ``SEALED_PART_TOUCHPOINTS``, a merge, an
        eviction of closed journeys): then all are rewritten, and parts left over become
        tombstones. Before, each commit rewrote a customer's whole history, so a commit's cost
        grew with how long the customer had been seen. A customer with few touchpoints has no
        parts, and its entry is what it always was.
        """
        key = orjson.dumps(root)
        sealed = task.sealed.get(root)
        if customer is None:
            self.out.append(Output("changelog", b"c:" + key, None, task.partition))
            for n in range(sealed.parts if sealed else 0):
                self.out.append(Output("changelog", b"p:%d:" % n + key, None, task.partition))
            task.sealed.pop(root, None)
            return
        tps = customer.tps
        if sealed is not None and not sealed.holds(tps):
            stale, sealed = sealed.parts, None
        else:
            stale = 0
        count, parts = (sealed.touchpoints, sealed.parts) if sealed else (0, 0)
        while len(tps) - count > SEALED_PART_TOUCHPOINTS:
            part = tps[count : count + SEALED_PART_TOUCHPOINTS]
            self.out.append(Output("changelog", b"p:%d:" % parts + key, orjson.dumps(part), task.partition))
            count += SEALED_PART_TOUCHPOINTS
            parts += 1
        for n in range(parts, stale):
            self.out.append(Output("changelog", b"p:%d:" % n + key, None, task.partition))
        if parts:
            task.sealed[root] = Sealed(count, tps[0]["event_id"], tps[count - 1]["event_id"], parts)
        else:
            task.sealed.pop(root, None)
        state = customer.to_state()
        if parts:
            state["tps"], state["parts"] = tps[count:], parts
        self.out.append(Output("changelog", b"c:" + key, orjson.dumps(state), task.partition))

    def _due_updates(self, now: float, *, flush: bool) -> list[tuple[JourneyTask, Ident]]:
        """The throttled updates this checkpoint emits, most overdue first: all when flushing,
        else at most every waiting customer's share of the time since the last checkpoint
        (waiting x elapsed / interval, plus ``MIN_UPDATES_PER_CHECKPOINT``), which still emits
        each one about once per interval. Without the budget, customers first seen together (a
        start, a backlog) fall due together, and one commit emitted thousands of journeys every
        interval: bench/stitch.py's latency went from ~250 ms to ~1 s every 5 s."""
        due = [
            (when, task.partition, root)
            for task in self.tasks.values()
            for root, when in task.throttled.items()
            if flush or when <= now
        ]
        if not flush:
            waiting = sum(len(task.throttled) for task in self.tasks.values())
            interval = max(self.settings.journey_update_interval_s, 1e-3)
            budget = MIN_UPDATES_PER_CHECKPOINT + math.ceil(waiting * (now - self._last_checkpoint) / interval)
            if len(due) > budget:
                due = heapq.nsmallest(budget, due)
        return [(self.tasks[partition], root) for _, partition, root in due]

    def offset_records(self, offsets: dict[tuple[bytes, int], int]) -> list[Output]:
        """Changelog records of the input offsets this commit reaches, for the partitions whose
        offset moved: ``o:r`` (raw partition p) and ``o:j`` (repartition partition p), each in
        changelog partition p. They commit with the offsets and the state, so a restore can tell
        whether the changelog it read already holds the transaction that committed the offsets
        (its markers reach the changelog's partitions a little after the commit returns)."""
        out = []
        for (kind, partition), offset in offsets.items():
            if self._written_offsets.get((kind, partition)) != offset:
                self._written_offsets[(kind, partition)] = offset
                out.append(Output("changelog", b"o:" + kind, b"%d" % offset, partition))
        return out

    def restore(self, partition: int, key: bytes, value: bytes | None) -> None:
        """Apply one changelog record (latest wins; ``None`` is a tombstone)."""
        if key.startswith(b"o:"):
            if value is not None:
                offset = self.restored_offsets[(key[2:], partition)] = int(value)
                self._written_offsets[(key[2:], partition)] = offset
            return
        if key.startswith(b"d:"):
            router = self.routers.get(partition)
            if router is not None:
                number = int(key[2:])
                if value is None:
                    router.dedup.segments.pop(number, None)
                else:
                    data = orjson.loads(value)
                    router.dedup.restore(number, data["t"], data["ids"])
            return
        task = self.tasks.get(partition)
        if task is None:
            return
        if key == b"w" and value is not None:
            clocks = orjson.loads(value)
            task.max_time = clocks["max"]
            task.last_clock = clocks.get("clock", 0)
            task.sources = {int(s): t for s, t in clocks.get("sources", {}).items()}
            task.heard = dict.fromkeys(task.sources, time.monotonic())
        elif key.startswith(b"c:"):
            raw_root = orjson.loads(key[2:])
            root = (raw_root[0], raw_root[1])
            if value is None:
                task.customers.pop(root, None)
                task.restoring_heads.pop(root, None)
            else:
                state = orjson.loads(value)
                task.customers[root] = jl.Customer.from_state(state)
                task.restoring_heads[root] = state.get("parts", 0)  # 0: written before parts existed
        elif key.startswith(b"p:"):
            part, _, raw_key = key[2:].partition(b":")
            raw_root = orjson.loads(raw_key)
            root = (raw_root[0], raw_root[1])
            parts = task.restoring_parts.setdefault(root, {})
            if value is None:
                parts.pop(int(part), None)
            else:
                parts[int(part)] = orjson.loads(value)

    def finish_restore(self, routers: set[int]) -> None:
        """Rebuild what restore replayed record by record: the dedup ids of each router, and
        each restored customer's touchpoints from its sealed parts and its entry."""
        for p in routers:
            router = self.routers.get(p)
            if router is not None:
                dedup = router.dedup
                dedup.seen = {eid: n for n, (_, ids) in dedup.segments.items() for eid in ids}
        for task in self.tasks.values():
            for root, count in task.restoring_heads.items():
                customer = task.customers.get(root)
                if customer is None or not count:
                    continue
                parts = task.restoring_parts.get(root, {})
                missing = [n for n in range(count) if n not in parts]
                if missing:  # the entry and its parts commit in one transaction: a broken changelog
                    raise RuntimeError(
                        f"changelog partition {task.partition}: customer {root} names {count} sealed parts, "
                        f"{missing} are missing (was the topic edited by hand?); to rebuild the state, stop the "
                        "stitchers, delete the changelog topic and reset the group's raw offsets to the beginning"
                    )
                older = [tp for n in range(count) for tp in parts[n]]
                customer.tps = older + customer.tps
                task.sealed[root] = Sealed(len(older), older[0]["event_id"], older[-1]["event_id"], count)
            task.restoring_heads = {}
            task.restoring_parts = {}

    def open_journeys(self) -> int:
        return sum(task.open_journeys() for task in self.tasks.values())

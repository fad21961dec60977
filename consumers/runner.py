"""The Kafka loop around :class:`consumers.engine.Engine`: one stitcher instance.

Start-up: read the identity topic to its end (every instance holds the whole graph),
then join the consumer group on the raw and repartition topics. Assigned partitions
restore their state from the changelog before their first record (see
:mod:`consumers.commit` for the protocol). The loop polls, feeds the engine, sends its
outputs inside the open transaction and checkpoints every ``commit_interval_ms``.

``until_idle_s``: exit once every raw and repartition partition of the group is
committed up to its end and nothing arrived for that long (what ``journeys demo`` and
the tests use). The event clock is not forced forward at exit: a journey still open then
(its customer may come back) stays open, and a later run continues where this one stopped.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import signal
import socket
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

from consumers.commit import Checkpointer, FencedError
from consumers.engine import Engine, wall_ms
from journeys import native, record_reader
from journeys.errors import ConfigurationError, TransientError
from journeys.gc_tuning import tuned_gc
from journeys.settings import Settings
from schemas.serde import Serde

__all__ = ["RunStats", "Stitcher", "status_dir"]

log = logging.getLogger("journeys.stitcher")
# A member that is not STABLE for this long (a join that never completes) joins the group again:
# twice the session timeout (a legitimate join waits at most about one, for a member that died),
# and at least this. It was a fixed 60 s, which a fresh start here hit in ~1 of 10 runs: the
# first join's follow-up rebalance never completed, and the coordinator had dropped the member.
UNSTABLE_REJOIN_MIN_S = 15.0
# Restarts after a fenced or failed transaction before giving up.
MAX_RESTARTS = 20
# How long a restore waits for the changelog to show the transaction that committed the group's
# offsets: longer than the transaction timeout (60 s), after which the broker resolves any.
SETTLE_TIMEOUT_S = 90.0


def status_dir(settings: Settings) -> Path:
    return settings.data_dir / "stitcher"


@dataclass
class RunStats:
    """What one instance did (returned by ``consumers.run``)."""

    instance: int = 0
    consumed: int = 0
    duplicates: int = 0
    dead_letters: int = 0
    stitched: int = 0
    journeys_emitted: int = 0
    merges: int = 0
    refusals: int = 0
    late: int = 0
    restores: int = 0
    restore_s: float = 0.0
    restarts: int = 0
    elapsed_s: float = 0.0
    busy_s: float = 0.0  # from the first record consumed to the last commit that carried input
    lag: dict[str, int] = field(default_factory=dict)
    open_journeys: int = 0


class Stitcher:
    """One stitcher instance (a process may run several in threads only for tests)."""

    def __init__(self, settings: Settings, *, instance: int = 0, until_idle_s: float | None = None) -> None:
        self.settings = settings
        self.instance = instance
        self.until_idle_s = until_idle_s
        t = settings.topics
        self.topics = {
            "raw": t.name(t.raw),
            "repartition": t.name(t.repartition),
            "identity": t.name(t.identity),
            "stitched": t.name(t.stitched),
            "journeys": t.name(t.journeys),
            "changelog": t.name(t.state_changelog),
            "deadletter": t.name(t.deadletter),
        }
        # The changelog's name for each input topic's offsets (Engine.offset_records).
        self._kinds = {self.topics["raw"]: b"r", self.topics["repartition"]: b"j"}
        self.stats = RunStats(instance=instance)
        self.stopping = False
        self._serde = Serde(settings.serde, plain_timestamps=True)

    def stop(self, *_: Any) -> None:
        self.stopping = True

    # -- clients -------------------------------------------------------------------------

    def _client(self, suffix: str) -> dict[str, Any]:
        return {**self.settings.kafka.client_config(), "client_id": f"{self.settings.kafka.client_id}-stitch-{suffix}"}

    def _producer(self) -> Any:
        from kafka import KafkaProducer

        s = self.settings.stitcher
        return KafkaProducer(
            **self._client(f"{self.instance}"),
            transactional_id=f"{s.group_id}-{self.instance}",
            acks="all",
            enable_idempotence=True,
            linger_ms=5,
            batch_size=512 * 1024,
            max_request_size=17 * 1024 * 1024,  # the internal topics allow 16 MiB records
            compression_type=None if s.compression == "none" else s.compression,
            transaction_timeout_ms=60_000,
            reconnect_backoff_max_ms=1_000,
        )

    def _reader(self, suffix: str) -> Any:
        from kafka import KafkaConsumer

        consumer = KafkaConsumer(
            **self._client(suffix),
            group_id=None,
            enable_auto_commit=False,
            isolation_level="read_committed",
            max_partition_fetch_bytes=8 * 1024 * 1024,
        )
        record_reader.install(consumer)  # restores read whole changelogs: see journeys.record_reader
        return consumer

    def _group_consumer(self) -> Any:
        from kafka import KafkaConsumer

        s = self.settings.stitcher
        consumer = KafkaConsumer(
            **self._client(f"{self.instance}-group"),
            group_id=s.group_id,
            enable_auto_commit=False,
            isolation_level="read_committed",
            auto_offset_reset="earliest",
            max_poll_records=s.max_poll_records,
            session_timeout_ms=s.session_timeout_ms,
            heartbeat_interval_ms=1_000,
            max_poll_interval_ms=300_000,
            max_partition_fetch_bytes=4 * 1024 * 1024,
        )
        # kafka-python's record loop was ~10 us per record, ~15% of the stitcher (journeys.record_reader).
        record_reader.install(consumer)
        return consumer

    # -- run -----------------------------------------------------------------------------

    def run(self) -> RunStats:
        """Run until stopped (or idle, with ``until_idle_s``); restart on a fenced transaction."""
        started = time.monotonic()
        compiled = native.compiled()
        slow = sorted(name for name, fast in compiled.items() if not fast)
        if slow:  # no C compiler at install, or a source edited since: `make native` compiles them, ~1.4x faster
            log.info(
                "instance %d: running as plain Python (%d modules; see journeys/native.py)", self.instance, len(slow)
            )
        else:
            log.info("instance %d: running the compiled modules (%d, journeys/native.py)", self.instance, len(compiled))
        with tuned_gc(self.settings.stitcher.gc_threshold):
            self._run_loop()
        self.stats.elapsed_s = time.monotonic() - started
        return self.stats

    def _run_loop(self) -> None:
        while True:
            try:
                self._run_once()
                break
            except FencedError as exc:
                self.stats.restarts += 1
                if self.stats.restarts > MAX_RESTARTS:
                    raise TransientError(
                        f"stitcher instance {self.instance} was fenced {self.stats.restarts} times; "
                        "check that no two instances share an instance number"
                    ) from exc
                log.warning("instance %d: %s", self.instance, exc)

    def _run_once(self) -> None:
        from kafka import TopicPartition
        from kafka.consumer.subscription_state import ConsumerRebalanceListener
        from kafka.structs import MemberState

        settings = self.settings
        producer = self._producer()
        producer.init_transactions()  # fences our zombie and aborts its open transaction
        identity = self._reader(f"{self.instance}-identity")
        identity_tp = TopicPartition(self.topics["identity"], 0)
        identity.assign([identity_tp])
        consumer = self._group_consumer()
        checkpointer = Checkpointer(producer, consumer, self.topics)
        link_codec = self._serde.codec("IdentityLink")
        rebalanced: list[str] = []

        class Listener(ConsumerRebalanceListener):
            # kafka-python 3 calls these on its IO thread, where no blocking client call is
            # allowed; the main loop reacts after poll() returns (see consumers.commit).
            def on_partitions_revoked(self, revoked: Any) -> None:
                rebalanced.append("revoked")

            def on_partitions_assigned(self, assigned: Any) -> None:
                rebalanced.append("assigned")

        for topic in (self.topics["raw"], self.topics["repartition"]):
            # Fetch the topics' metadata first: subscribing to a topic the client has not seen
            # yet can leave the first assignment empty.
            if not consumer.partitions_for_topic(topic):
                raise ConfigurationError(f"topic `{topic}` does not exist; create it with `journeys topics create`")
        engine = self._fresh_engine(identity, identity_tp, consumer, checkpointer)
        listener = Listener()
        _subscribe(consumer, [self.topics["raw"], self.topics["repartition"]], listener)
        previous = {sig: signal.signal(sig, self.stop) for sig in (signal.SIGTERM, signal.SIGINT) if _main_thread()}
        interval = settings.stitcher.commit_interval_ms / 1000
        backlog_interval = max(interval, settings.stitcher.backlog_commit_interval_ms / 1000)
        last_commit = last_status = time.monotonic()
        # The first report a second in, not after a whole interval: `journeys stitch status`
        # shows a starting instance at once.
        next_status = last_status + min(1.0, settings.stitcher.status_interval_s)
        last_input = time.monotonic()
        counted = 0
        first_input = 0.0
        raw_topic = self.topics["raw"]
        unstable_since: float | None = None  # when the group membership last stopped being STABLE
        unstable_rejoin_s = max(UNSTABLE_REJOIN_MIN_S, 2 * settings.stitcher.session_timeout_ms / 1000)
        or_reset = functools.partial(
            self._or_reset,
            checkpointer=checkpointer,
            consumer=consumer,
            identity=identity,
            identity_tp=identity_tp,
            listener=listener,
        )
        try:
            while not self.stopping:
                batch = consumer.poll(timeout_ms=50 if interval > 0.05 else 0)
                stable = consumer.group_metadata().state == MemberState.STABLE
                if stable:
                    unstable_since = None
                elif unstable_since is None:
                    unstable_since = time.monotonic()
                elif time.monotonic() - unstable_since > unstable_rejoin_s:
                    # A join that never completes (bench/stitch.py once waited 15 min with the group
                    # "Dead", no member in it, on 2 busy cores) would stall this instance for good.
                    log.warning(
                        "instance %d: not a stable member of group %s for %.0f s; joining it again",
                        self.instance,
                        settings.stitcher.group_id,
                        time.monotonic() - unstable_since,
                    )
                    _rejoin(consumer, listener)
                    rebalanced.append("rejoin")
                    unstable_since = None
                    continue
                if rebalanced:
                    if not stable:
                        # A rebalance is still in flight (the first join is often followed by a
                        # second one): let poll() finish it before restoring. Restoring meanwhile
                        # (committed offsets, the changelog) once stalled the sync until the group
                        # dropped us. Nothing of this batch is used: it is fetched again.
                        continue
                    # Positions went back to the committed offsets: go back to the committed
                    # state too, for every partition we own now; this batch is re-fetched.
                    rebalanced.clear()
                    self._absorb_stats(engine)
                    engine = self._fresh_engine(identity, identity_tp, consumer, checkpointer)
                    last_input = time.monotonic()
                    continue
                for tp, messages in batch.items():
                    if tp.topic == raw_topic:
                        for message in messages:
                            engine.on_raw(tp.partition, message.offset, message.value)
                    else:
                        for message in messages:
                            engine.on_repartition(tp.partition, message.value)
                if batch:
                    last_input = time.monotonic()
                    first_input = first_input or last_input
                for message in _drain(identity):
                    engine.on_identity(link_codec.decode(message.value))
                behind = 0  # records waiting behind our positions
                for tp in consumer.assignment():
                    high = consumer.highwater(tp)
                    # position() only once a fetch told the highwater: before that it blocks until the
                    # position is known, which during a rebalance stalled the group's sync
                    lag = 0 if high is None else high - consumer.position(tp)
                    lagging = high is None or lag > 0
                    behind += lag
                    if tp.topic == raw_topic:
                        engine.set_lagging(tp.partition, lagging)
                # A backlog is more than a poll takes: then commit less often (see the settings).
                backlog = behind > settings.stitcher.max_poll_records
                engine.flush_batches()
                if not checkpointer.committing:  # meanwhile outputs wait: they belong to the next transaction
                    engine = or_reset(checkpointer.wait, engine)
                    checkpointer.send(engine.out)
                    engine.out = []
                now = time.monotonic()
                due = now - last_commit >= (backlog_interval if backlog else interval)
                # Not while a rebalance is in flight: the group would refuse the offsets, and asking
                # for the positions blocks until it settles.
                if due and stable:
                    engine.tick(idle_now_ms=wall_ms())
                    # Started here, completed while the loop goes on (a failure surfaces at the next wait).
                    start = functools.partial(self._commit, engine, checkpointer, consumer, wait=False)
                    engine = or_reset(start, engine)
                    if last_input > last_commit and first_input:
                        self.stats.busy_s = time.monotonic() - first_input
                    last_commit = now
                if now >= next_status:
                    rate = (engine.stats.consumed - counted) / max(now - last_status, 1e-9)
                    counted, last_status = engine.stats.consumed, now
                    next_status = now + settings.stitcher.status_interval_s
                    self._report(engine, consumer, rate)
                if self.until_idle_s is not None and now - last_input >= self.until_idle_s:
                    if self._caught_up(consumer):
                        self._commit(engine, checkpointer, consumer, flush=True)
                        break
                    last_input = now - self.until_idle_s + 1.0  # check again in a second
            else:
                self._commit(engine, checkpointer, consumer, flush=True)
            self._report(engine, consumer, 0.0, final=True)
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
            self._absorb_stats(engine)
            for client in (consumer, identity):
                with contextlib.suppress(Exception):
                    client.close()
            with contextlib.suppress(Exception):
                producer.close(timeout=5)

    def _fresh_engine(self, identity: Any, identity_tp: Any, consumer: Any, checkpointer: Checkpointer) -> Engine:
        """The committed state of what we own now: the whole identity graph, the changelog of
        every assigned partition, positions at the committed offsets; a new transaction."""
        checkpointer.abort()
        engine = Engine(
            self.settings.stitcher,
            self._serde,
            partitions=self.settings.topics.raw_partitions,
            raw_topic=self.topics["raw"],
        )
        link_codec = self._serde.codec("IdentityLink")
        identity.seek_to_beginning(identity_tp)
        self._catch_up(identity, [identity_tp], lambda m: engine.on_identity(link_codec.decode(m.value)))
        engine.out = []  # replayed decisions are already published
        assigned = consumer.assignment()
        # The committed offsets first: read_committed, the fetch waits until no transaction that
        # commits offsets of these partitions is still pending (KIP-447). The changelog is read
        # after, up to the state of those offsets (see _restore).
        offsets = {tp: consumer.committed(tp) for tp in assigned}
        self._restore(engine, assigned, offsets)
        for tp in assigned:
            committed = offsets[tp]
            if committed is None:
                consumer.seek_to_beginning(tp)
            else:
                consumer.seek(tp, committed)
        checkpointer.begin()
        return engine

    def _or_reset(
        self,
        step: Callable[[], None],
        engine: Engine,
        checkpointer: Checkpointer,
        consumer: Any,
        *,
        identity: Any,
        identity_tp: Any,
        listener: Any,
    ) -> Engine:
        """Run ``step`` (start a commit, or wait for the one on its way); when it raises
        :class:`FencedError`, restore state and return the fresh engine."""
        try:
            step()
            return engine
        except FencedError as exc:
            self.stats.restarts += 1
            log.warning("instance %d: %s", self.instance, exc)
            self._absorb_stats(engine)
            # The group may have dropped us (a session timeout): its coordinator refuses our offsets
            # until we rejoin, and kafka-python's consumer does not always notice.
            _rejoin(consumer, listener)
            return self._fresh_engine(identity, identity_tp, consumer, checkpointer)

    def _commit(
        self, engine: Engine, checkpointer: Checkpointer, consumer: Any, *, flush: bool = False, wait: bool = True
    ) -> None:
        checkpointer.wait()  # the previous commit first: its failure restores state instead
        # Commit positions, not last offset + 1: a position past transaction markers and
        # aborted records lets "committed == end offset" mean caught up.
        positions = {}
        for tp in consumer.assignment():
            checkpointer.offsets[tp] = positions[(self._kinds[tp.topic], tp.partition)] = consumer.position(tp)

        def checkpoint() -> list[Any]:
            return engine.checkpoint(flush=flush) + engine.offset_records(positions)

        if wait:
            checkpointer.commit(checkpoint)
        else:
            checkpointer.commit_async(checkpoint)

    def _catch_up(self, reader: Any, partitions: list[Any], apply: Any) -> int:
        """Read ``partitions`` up to their current end (committed records only)."""
        ends = reader.end_offsets(partitions)
        count = 0
        while any(reader.position(tp) < ends[tp] for tp in partitions):
            for messages in reader.poll(timeout_ms=200, max_records=50_000).values():
                for message in messages:
                    apply(message)
                    count += 1
        return count

    def _restore(self, engine: Engine, assigned: Any, offsets: dict[Any, int | None]) -> None:
        from kafka import TopicPartition

        started = time.monotonic()
        raw = {tp.partition for tp in assigned if tp.topic == self.topics["raw"]}
        tasks = {tp.partition for tp in assigned if tp.topic == self.topics["repartition"]}
        for p in raw:
            engine.own_router(p)
        for p in tasks:
            engine.own_task(p)
        partitions = [TopicPartition(self.topics["changelog"], p) for p in sorted(raw | tasks)]
        if not partitions:
            return
        reader = self._reader(f"{self.instance}-restore")
        try:
            reader.assign(partitions)
            for tp in partitions:
                reader.seek_to_beginning(tp)
            apply = lambda m: engine.restore(m.partition, m.key, m.value)  # noqa: E731
            records = self._catch_up(reader, partitions, apply)
            records += self._settle(reader, engine, offsets, apply)
        finally:
            reader.close()
        engine.finish_restore(raw)
        for p in tasks:
            engine.reconcile(engine.tasks[p])
        engine.out = [o for o in engine.out if o.topic != "identity"]
        elapsed = time.monotonic() - started
        self.stats.restores += 1
        self.stats.restore_s += elapsed
        log.info(
            "instance %d: restored %d changelog records for raw %s, journeys %s in %.2f s",
            self.instance,
            records,
            sorted(raw),
            sorted(tasks),
            elapsed,
        )

    def _settle(self, reader: Any, engine: Engine, offsets: dict[Any, int | None], apply: Any) -> int:
        """Read on until the changelog holds the state of the committed ``offsets``.

        The transaction that committed them wrote the changelog too, but its markers reach the
        changelog's partitions a little after the commit returned: read up to the stable end
        at that moment, a new owner would resume after the input with a state that misses its
        effects. Each commit records its offsets in the changelog (Engine.offset_records);
        until the restored ones match, the rest is on its way. A changelog with nothing left
        to read that still disagrees had its offsets moved by hand (or predates the records,
        written since 2026-12-04): the offsets win, with a warning.
        """
        from kafka import TopicPartition

        def behind() -> list[Any]:
            late = []
            for tp, committed in offsets.items():
                restored = engine.restored_offsets.get((self._kinds[tp.topic], tp.partition))
                if committed is not None and (restored is None or restored < committed):
                    late.append(tp)
            return late

        count = 0
        deadline = time.monotonic() + SETTLE_TIMEOUT_S
        waiting = behind()
        while waiting:
            changelog = [TopicPartition(self.topics["changelog"], tp.partition) for tp in waiting]
            pending = [tp for tp in changelog if (high := reader.highwater(tp)) is None or reader.position(tp) < high]
            if not pending or time.monotonic() > deadline:
                log.warning(
                    "instance %d: the changelog holds the state of older offsets than the group's for %s; "
                    "continuing from the group's offsets (were they moved by hand?)",
                    self.instance,
                    sorted(f"{tp.topic}[{tp.partition}]" for tp in waiting),
                )
                break
            for messages in reader.poll(timeout_ms=100, max_records=50_000).values():
                for message in messages:
                    apply(message)
                    count += 1
            waiting = behind()
        return count

    def _caught_up(self, consumer: Any) -> bool:
        from kafka import TopicPartition

        if not consumer.assignment():
            return False
        partitions = [
            TopicPartition(topic, p)
            for topic in (self.topics["raw"], self.topics["repartition"])
            for p in range(self.settings.topics.raw_partitions)
        ]
        ends = consumer.end_offsets(partitions)
        for tp in partitions:
            committed = consumer.committed(tp) or 0
            if committed < ends[tp]:
                return False
        return True

    def _report(self, engine: Engine, consumer: Any, rate: float, *, final: bool = False) -> None:
        lag: dict[str, int] = {}
        for tp in consumer.assignment():
            high = consumer.highwater(tp)
            if high is not None:
                lag[f"{tp.topic}[{tp.partition}]"] = max(0, high - consumer.position(tp))
        self.stats.lag = lag
        self.stats.open_journeys = engine.open_journeys()
        s = engine.stats
        log.info(
            "instance %d: %.0f ev/s, consumed %d, duplicates %d, stitched %d, journeys emitted %d, open %d, lag %d",
            self.instance,
            rate,
            s.consumed,
            s.duplicates,
            s.stitched,
            s.journeys_emitted,
            self.stats.open_journeys,
            sum(lag.values()),
        )
        folder = status_dir(self.settings)
        folder.mkdir(parents=True, exist_ok=True)
        status = {
            "instance": self.instance,
            "state": "stopped" if final else "running",
            "host": socket.gethostname(),
            "pid": os.getpid(),
            "updated": datetime.now(UTC).isoformat(),
            "status_interval_s": self.settings.stitcher.status_interval_s,
            "events_per_s": round(rate, 1),
            "open_journeys": self.stats.open_journeys,
            "lag": lag,
            "stats": asdict(s),
        }
        path = folder / f"{self.settings.stitcher.group_id}-{self.instance}.json"
        tmp = path.with_suffix(".tmp")
        tmp.write_bytes(orjson.dumps(status, option=orjson.OPT_INDENT_2))
        tmp.replace(path)

    def _absorb_stats(self, engine: Engine) -> None:
        s = engine.stats
        self.stats.consumed += s.consumed
        self.stats.duplicates += s.duplicates
        self.stats.dead_letters += s.dead_letters
        self.stats.stitched += s.stitched
        self.stats.journeys_emitted += s.journeys_emitted
        self.stats.merges += s.merges
        self.stats.refusals += s.refusals
        self.stats.late += s.late


def _drain(reader: Any) -> list[Any]:
    out: list[Any] = []
    for messages in reader.poll(timeout_ms=0).values():
        out.extend(messages)
    return out


def _rejoin(consumer: Any, listener: Any) -> None:
    """Subscribe again: the next poll joins the group with a new member id, and the assignment
    that follows restores the state of what this instance owns then."""
    topics = sorted(consumer.subscription() or ())
    consumer.unsubscribe()
    _subscribe(consumer, topics, listener)


def _subscribe(consumer: Any, topics: list[str], listener: Any) -> None:
    """Subscribe, then read fresh metadata before the first join. Without it, kafka-python 3.0
    refreshes the subscribed topics' metadata only after joining, finds their partitions
    "changed" from the empty snapshot it joined with, and rebalances again at once: every start
    paid a second restore, and about 1 in 10 starts here a join that never completed (see
    UNSTABLE_REJOIN_MIN_S). ``topics()`` always asks the broker (one metadata request for every
    topic, once per join), and the coordinator takes its snapshot from the answer."""
    consumer.subscribe(topics, listener=listener)
    consumer.topics()


def _main_thread() -> bool:
    import threading

    return threading.current_thread() is threading.main_thread()

"""The stitcher's exactly-once protocol: the only place that commits anything.

One transactional producer per instance, with the stable ``transactional.id``
``<group>-<instance>``, so a restarted instance fences its zombie. Every checkpoint
(every ``commit_interval_ms``, and once more before a clean exit) runs, in this order:

1. ``begin_transaction`` (done right after the previous commit, so every send is inside one).
2. The outputs produced while processing were already sent inside the transaction: dead
   letters, identity decisions, repartition batches.
3. :meth:`consumers.engine.Engine.checkpoint` adds the commit's stitched touchpoints (one
   StitchedBatch per customer), the changed journeys, then the state changelog: new dedup
   segments and tombstones of expired ones, every changed customer (or its tombstone),
   each journey partition's event clock. They are sent to the changelog partition of the
   input partition they belong to. Then ``flush``: every output is acknowledged, or the
   first one Kafka refused aborts the transaction.
4. ``send_offsets_to_transaction`` with the next offset of every consumed raw and
   repartition partition and the consumer's group metadata (KIP-447: the broker refuses
   offsets of a consumer whose generation is stale, i.e. a zombie after a rebalance).
5. ``commit_transaction``: outputs, state and offsets become visible together to
   ``read_committed`` readers, or not at all.

What goes wrong, and what happens:

* **Crash (kill -9) anywhere**: the open transaction is aborted when the restarted
  instance calls ``init_transactions`` with the same id (or by the transaction timeout);
  the restarted instance restores its partitions' state from the changelog (committed
  records only) and resumes from the committed offsets, so it reprocesses exactly the
  input whose effects were aborted.
* **Rebalance**: kafka-python 3 runs rebalance callbacks on its IO thread, where no
  blocking call is allowed, so the callbacks only note that a rebalance happened. After
  ``poll`` returns, the runner aborts the open transaction (its work is redone by whoever
  owns the partitions now), rebuilds the identity graph from the identity topic, restores
  every partition it owns now from the changelog and seeks them to their committed
  offsets. A commit racing with a rebalance is refused by the group (KIP-447), which ends
  the same way.
* **Fenced** (``ProducerFencedError``): another process runs with our instance number;
  this one stops with a :class:`~journeys.errors.ConfigurationError`.
* **Any other Kafka error during a send or the commit** (including a refused offset
  commit): the transaction is aborted and :class:`FencedError` is raised; in-memory state
  is ahead of the committed state, so the runner restores it as after a rebalance.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterable
from typing import Any

from consumers.engine import Output
from journeys.errors import ConfigurationError, TransientError
from journeys.record_appender import appender_for

__all__ = ["Checkpointer", "FencedError"]


class FencedError(TransientError):
    """The transaction could not commit; state must be restored from the changelog."""


class Checkpointer:
    """Sends outputs inside the open transaction and commits them with the offsets."""

    def __init__(self, producer: Any, consumer: Any, topics: dict[str, str]) -> None:
        self.producer = producer
        self.consumer = consumer
        self.topics = topics  # logical name -> topic name
        self.offsets: dict[Any, int] = {}  # TopicPartition -> next offset to consume
        self.in_transaction = False
        self.sent = 0
        # Outputs go straight into the producer's batches, a partition at a time: KafkaProducer.send
        # was ~45% of the stitcher's loop (journeys.record_appender).
        self._appender = appender_for(producer)
        self._failed: Exception | None = None
        self._lock = threading.Lock()
        self._committing: threading.Thread | None = None  # steps 4-5 of the last commit_async
        self._error: Exception | None = None

    def delivered(self, tags: list[Any], error: Exception | None) -> None:
        """A batch of outputs was written or refused (the producer's I/O thread)."""
        if error is not None:
            with self._lock:
                self._failed = self._failed or error

    def begin(self) -> None:
        if not self.in_transaction:
            self.producer.begin_transaction()
            self.in_transaction = True

    def consumed(self, tp: Any, offset: int) -> None:
        self.offsets[tp] = offset + 1

    def send(self, outputs: Iterable[Output]) -> None:
        """Step 2: send inside the open transaction (each partition's outputs in their order)."""
        from kafka.errors import KafkaError

        self.wait()
        self.begin()
        appender, topics = self._appender, self.topics
        groups: dict[tuple[str, int | None], list[tuple[bytes | None, bytes | None, None]]] = {}
        try:
            for out in outputs:
                topic = topics[out.topic]
                partition = out.partition
                if partition is None and out.key is not None:
                    partition = appender.partition_of(topic, out.key)
                group = groups.get((topic, partition))
                if group is None:
                    group = groups[(topic, partition)] = []
                group.append((out.key, out.value, None))
            for (topic, partition), records in groups.items():
                appender.append_records(topic, partition, records, self, wake=False)
                self.sent += len(records)
            appender.wakeup()  # once for every partition's records
        except KafkaError as exc:
            self._abort()
            raise FencedError(f"sending to Kafka failed ({exc}); restoring state from the changelog") from exc

    def commit(self, checkpoint: Callable[[], list[Output]]) -> None:
        """Steps 3-5, waiting for the broker; the next transaction begins at the next send."""
        self.commit_async(checkpoint)
        self.wait()

    def commit_async(self, checkpoint: Callable[[], list[Output]]) -> None:
        """Step 3 here (the checkpoint reads the engine's state); steps 4-5 and their round trips
        on a helper thread, so the caller goes on polling and processing meanwhile (waiting for
        them was ~20% of the stitcher's time). Until :meth:`wait` returns, the caller sends nothing:
        what it produces meanwhile belongs to the next transaction (the offsets and the state of
        this one were taken before)."""
        self.send(checkpoint())  # waits for the commit before, if any
        offsets, self.offsets = self.offsets, {}
        metadata = self.consumer.group_metadata() if offsets else None
        self._error = None
        self._committing = threading.Thread(
            target=self._finish, args=(offsets, metadata), name="journeys-stitch-commit", daemon=True
        )
        self._committing.start()

    @property
    def committing(self) -> bool:
        """A commit is still on its way (see :meth:`commit_async`)."""
        return self._committing is not None and self._committing.is_alive()

    def wait(self) -> None:
        """Wait for the commit on its way; raise what it raised (:class:`FencedError` or
        :class:`~journeys.errors.ConfigurationError`)."""
        thread = self._committing
        if thread is None:
            return
        thread.join()
        self._committing = None
        error, self._error = self._error, None
        if error is not None:
            raise error

    def _finish(self, offsets: dict[Any, int], metadata: Any) -> None:
        from kafka.errors import KafkaError, ProducerFencedError
        from kafka.structs import OffsetAndMetadata

        try:
            # Every output acknowledged before the offsets go in: a refused one aborts instead.
            self.producer.flush()
            if self._failed is not None:
                raise FencedError(f"Kafka refused an output of this transaction ({self._failed!r})")
            if offsets:
                committed = {tp: OffsetAndMetadata(offset, "", -1) for tp, offset in offsets.items()}
                self.producer.send_offsets_to_transaction(committed, metadata)
            self.producer.commit_transaction()
        except ProducerFencedError as exc:
            self._error = ConfigurationError(
                f"another stitcher with the transactional id `{self.producer.config['transactional_id']}` "
                "took over; run each instance number once"
            )
            self._error.__cause__ = exc
        except (KafkaError, FencedError) as exc:
            self._abort()
            self._error = FencedError(
                f"committing the stitcher's transaction failed ({type(exc).__name__}: {exc}); another instance "
                "may own these partitions now. Restoring state from the changelog"
            )
            self._error.__cause__ = exc
        except Exception as exc:  # anything else still reaches the caller, never dies with the thread
            self._abort()
            self._error = exc
        else:
            self.in_transaction = False

    def forget(self, partitions: Iterable[Any]) -> None:
        for tp in partitions:
            self.offsets.pop(tp, None)

    def abort(self) -> None:
        """Drop the open transaction (its outputs never become visible), after the commit on its
        way, if any, ended (its outcome no longer matters: the caller restores committed state)."""
        with contextlib.suppress(Exception):
            self.wait()
        self._abort()

    def _abort(self) -> None:
        self.offsets = {}
        self._failed = None
        if self.in_transaction:
            self.in_transaction = False
            with contextlib.suppress(Exception):
                self.producer.abort_transaction()

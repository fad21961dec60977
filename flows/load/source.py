"""The Kafka side of the loader: assign every partition, seek to the offsets stored in DuckDB,
hand out micro-batches.

Offsets live with the rows (``load_state``), dlt / Snowplow-manifest style: the consumer has
no group (``group_id=None``), uses ``assign()`` + ``seek()``, and never commits to Kafka. It
reads with ``isolation_level="read_committed"``, so records of an aborted stitcher
transaction never reach the warehouse, and "caught up" means the last stable offset.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from flows.load.batch import RawRecord
from journeys.errors import ConfigurationError, TransientError
from journeys.settings import Settings

__all__ = ["Fetched", "KafkaSource", "open_consumer"]

log = logging.getLogger(__name__)

# One poll returns at most this many records; ~10k keeps a poll near 100 ms at the ~100k msg/s
# kafka-python reaches here, so a batch stops close to its `batch_max_records`.
_POLL_RECORDS = 10_000
# A fetch of this many bytes per partition (default 1 MiB) lets one poll fill _POLL_RECORDS.
_PARTITION_FETCH_BYTES = 4 * 1024 * 1024


@dataclass
class Fetched:
    """Raw records of one batch and the next offset of each partition they advanced."""

    records: list[RawRecord] = field(default_factory=list)
    next_offsets: dict[tuple[str, int], int] = field(default_factory=dict)
    caught_up: bool = False


def open_consumer(settings: Settings) -> Any:
    """A kafka-python consumer without a group, reading committed records only."""
    from kafka import KafkaConsumer
    from kafka.errors import KafkaError

    from journeys.topics import require_broker

    require_broker(settings.kafka)
    # Decoding a 10k-record poll holds the GIL for 0.1-0.5 s; kafka-python 3 then warns that its
    # I/O task "is blocking the event loop" on every poll. The fetch only waits: keep the log readable.
    logging.getLogger("kafka.net.selector").setLevel(logging.ERROR)
    try:
        return KafkaConsumer(
            **settings.kafka.client_config(),
            client_id=f"{settings.kafka.client_id}-{settings.flows.group_id}",
            group_id=None,
            enable_auto_commit=False,
            isolation_level="read_committed",
            auto_offset_reset="earliest",
            max_poll_records=_POLL_RECORDS,
            max_partition_fetch_bytes=_PARTITION_FETCH_BYTES,
        )
    except KafkaError as exc:
        raise TransientError(
            f"cannot reach Kafka at {settings.kafka.bootstrap_servers} for the warehouse load ({exc}); "
            "the flow retries, else start the broker with `journeys stack up`"
        ) from exc


class KafkaSource:
    """Hands out micro-batches of the given topics from the stored offsets on."""

    def __init__(self, consumer: Any, topics: Iterable[str], *, poll_timeout_ms: int) -> None:
        self._consumer = consumer
        self._topics = list(topics)
        self._poll_timeout_ms = poll_timeout_ms
        self._partitions: list[Any] = []

    def assign(self, stored: Mapping[tuple[str, int], int]) -> None:
        """Assign every partition of the topics and seek to ``stored`` offsets (else the beginning)."""
        from kafka import TopicPartition

        partitions = []
        for topic in self._topics:
            numbers = self._consumer.partitions_for_topic(topic)
            if not numbers:
                raise ConfigurationError(
                    f"topic `{topic}` does not exist; create the pipeline's topics with `journeys topics create` "
                    "(and check JOURNEYS_TOPIC_PREFIX)"
                )
            partitions += [TopicPartition(topic, n) for n in sorted(numbers)]
        self._consumer.assign(partitions)
        self._partitions = partitions
        beginning = self._consumer.beginning_offsets(partitions)
        for tp in partitions:
            offset = stored.get((tp.topic, tp.partition))
            if offset is None:
                self._consumer.seek(tp, beginning[tp])
                continue
            if offset < beginning[tp]:
                log.warning(
                    "%s[%d]: %d records expired from Kafka before the warehouse loaded them (stored offset %d, "
                    "first available %d); raise the topic's retention or load more often",
                    tp.topic,
                    tp.partition,
                    beginning[tp] - offset,
                    offset,
                    beginning[tp],
                )
                offset = beginning[tp]
            self._consumer.seek(tp, offset)

    def positions(self) -> dict[tuple[str, int], int]:
        return {(tp.topic, tp.partition): self._consumer.position(tp) for tp in self._partitions}

    def fetch(
        self,
        max_records: int,
        on_records: Callable[[list[RawRecord]], None] | None = None,
        *,
        rows: Callable[[], int] | None = None,
    ) -> Fetched:
        """Up to ``max_records`` records, stopping early when every partition reached its stable end.

        ``on_records`` receives each polled chunk at once: work done there (decoding) overlaps with
        kafka-python's network thread fetching the next chunk. ``rows`` counts what the records
        hold so far (a StitchedBatch message holds many touchpoints); the batch stops when that
        reaches ``max_records`` (default: the records themselves).
        """
        from kafka.errors import KafkaError

        try:
            start = self.positions()
            ends = self._consumer.end_offsets(self._partitions)
            fetched = Fetched()
            idle_since = time.monotonic()
            held = rows or (lambda: len(fetched.records))
            while held() < max_records:
                positions = self.positions()
                if all(positions[(tp.topic, tp.partition)] >= ends[tp] for tp in self._partitions):
                    fetched.caught_up = True
                    break
                polled = self._consumer.poll(
                    timeout_ms=200, max_records=max(1, min(_POLL_RECORDS, max_records - held()))
                )
                if polled:
                    idle_since = time.monotonic()
                elif time.monotonic() - idle_since > self._poll_timeout_ms / 1000:
                    # Nothing came although the end offsets say there is more: a slow broker or a
                    # busy machine. Load what we have; the next batch asks again (a batch that gets
                    # nothing at all ends the load).
                    break
                for tp, records in polled.items():
                    chunk = [RawRecord(tp.topic, tp.partition, r.offset, r.value, r.timestamp) for r in records]
                    fetched.records += chunk
                    if on_records is not None:
                        on_records(chunk)
            end = self.positions()
        except KafkaError as exc:
            raise TransientError(
                f"reading {', '.join(self._topics)} for the warehouse load failed ({exc}); "
                "nothing was loaded from this batch, the flow retries"
            ) from exc
        fetched.next_offsets = {key: offset for key, offset in end.items() if offset != start[key]}
        return fetched

    def close(self) -> None:
        self._consumer.close()

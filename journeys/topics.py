"""The pipeline's Kafka topics: their layout, and idempotent creation.

docs/architecture.md describes what each topic carries; this module is the
single place where their partitions and configs are decided.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from journeys.errors import ConfigurationError, TransientError
from journeys.settings import KafkaSettings, TopicSettings

__all__ = ["TopicSpec", "admin_client", "create_topics", "pipeline_topics", "require_broker"]

# An event for the same customer must never land behind a journey it belongs to, so
# event topics keep creation order within a partition (the default); compacted topics
# keep the latest value per key forever.
_COMPACTED = {"cleanup.policy": "compact", "min.compaction.lag.ms": "60000"}
# The stitcher's internal topics carry batches and per-customer state: up to 16 MiB a record.
_LARGE = {"max.message.bytes": str(16 * 1024 * 1024)}


@dataclass(frozen=True)
class TopicSpec:
    name: str
    partitions: int
    purpose: str
    config: dict[str, str] = field(default_factory=dict)


def pipeline_topics(topics: TopicSettings) -> list[TopicSpec]:
    """Every topic the pipeline needs, with explicit partitions and configs."""
    events = {"retention.ms": str(topics.retention_ms), "compression.type": "producer"}
    return [
        TopicSpec(topics.name(topics.raw), topics.raw_partitions, "validated touchpoint events", events),
        TopicSpec(
            topics.name(topics.deadletter),
            topics.deadletter_partitions,
            "rejected input with its reason",
            {"retention.ms": str(topics.deadletter_retention_ms)},
        ),
        TopicSpec(topics.name(topics.identity), 1, "identity links and merge decisions", _COMPACTED),
        TopicSpec(topics.name(topics.stitched), topics.partitions, "stitched touchpoints", events),
        TopicSpec(topics.name(topics.journeys), topics.partitions, "journey versions", events),
        # One customer's state (touchpoints of its open journeys) can exceed the 1 MB default.
        TopicSpec(
            topics.name(topics.state_changelog),
            topics.raw_partitions,
            "stitcher state",
            _COMPACTED | _LARGE,
        ),
        # As many partitions as the changelog: journey partition p keeps its state in changelog partition p.
        TopicSpec(
            topics.name(topics.repartition),
            topics.raw_partitions,
            "touchpoints by canonical customer",
            events | _LARGE,
        ),
    ]


def admin_client(kafka: KafkaSettings, **overrides: Any) -> Any:
    """A kafka-python admin client, with a clear error when no broker answers."""
    from kafka import KafkaAdminClient
    from kafka.errors import KafkaError

    require_broker(kafka)
    try:
        return KafkaAdminClient(**kafka.client_config(), client_id=f"{kafka.client_id}-admin", **overrides)
    except KafkaError as exc:
        raise TransientError(f"{_NO_BROKER.format(servers=kafka.bootstrap_servers)} ({exc})") from exc


_NO_BROKER = (
    "no Kafka broker answers at {servers}. Start the local one with `journeys stack up`, "
    "or set JOURNEYS_KAFKA_BOOTSTRAP_SERVERS to your cluster"
)


def require_broker(kafka: KafkaSettings) -> None:
    """Fail in a second, not after kafka-python's 30 s bootstrap timeout, when nothing answers."""
    from journeys.stack.kafka_local import kafka_answers

    if kafka.security_protocol != "PLAINTEXT":
        return  # the raw probe speaks plaintext only; let the client try
    for server in kafka.servers:
        host, _, port = server.rpartition(":")
        if kafka_answers(host.strip("[]"), int(port), timeout=2.0):
            return
    raise TransientError(_NO_BROKER.format(servers=kafka.bootstrap_servers) + ".")


def create_topics(kafka: KafkaSettings, specs: Iterable[TopicSpec], *, admin: Any = None) -> dict[str, str]:
    """Create missing topics; return ``{name: "created" | "exists"}``. Safe to run again."""
    from kafka.errors import for_code

    specs = list(specs)
    own = admin is None
    admin = admin or admin_client(kafka)
    try:
        existing = set(admin.list_topics())
        missing = {
            s.name: {"num_partitions": s.partitions, "replication_factor": -1, "configs": s.config}
            for s in specs
            if s.name not in existing
        }
        outcome = {s.name: "exists" for s in specs if s.name in existing}
        if missing:
            result = admin.create_topics(missing, raise_errors=False, wait_for_metadata=True)
            for topic in result["topics"]:
                error = for_code(topic["error_code"])
                if topic["error_code"] == 0:
                    outcome[topic["name"]] = "created"
                elif error.__name__ == "TopicAlreadyExistsError":  # created concurrently by someone else
                    outcome[topic["name"]] = "exists"
                else:
                    raise ConfigurationError(
                        f"creating topic `{topic['name']}` failed: {error.__name__}: "
                        f"{topic.get('error_message') or error.description}"
                    )
        return outcome
    finally:
        if own:
            admin.close()

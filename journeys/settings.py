"""The one settings object.

Small pydantic-settings classes, one per area, composed into a root
:class:`Settings`. Each area reads its own ``JOURNEYS_<AREA>_`` environment
variables (and an optional ``.env`` file in the working directory); the root
reads ``JOURNEYS_`` ones. Only this module reads the environment: everything
else receives a ``Settings`` (or one of its parts) as an argument.

Examples::

    JOURNEYS_KAFKA_BOOTSTRAP_SERVERS=broker-1:9092,broker-2:9092
    JOURNEYS_TOPIC_RAW_PARTITIONS=12
    JOURNEYS_WAREHOUSE_PATH=/srv/journeys/journeys.duckdb
"""

from __future__ import annotations

import os
from functools import cached_property
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = [
    "CollectorSettings",
    "FlowSettings",
    "KafkaSettings",
    "ProducerSettings",
    "SerdeSettings",
    "Settings",
    "SimulatorSettings",
    "StackSettings",
    "StitcherSettings",
    "TopicSettings",
    "WarehouseSettings",
    "default_cache_dir",
]


def _config(prefix: str) -> SettingsConfigDict:
    return SettingsConfigDict(env_prefix=prefix, env_file=".env", extra="ignore", validate_default=True)


def default_cache_dir() -> Path:
    """Where downloads shared by every clone go (XDG cache, else ``~/.cache``)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "journeys"


class KafkaSettings(BaseSettings):
    """How to reach Kafka. Point ``bootstrap_servers`` at an existing cluster to skip the local stack."""

    model_config = _config("JOURNEYS_KAFKA_")

    bootstrap_servers: str = Field(
        "127.0.0.1:9092",
        description="Comma-separated host:port list of brokers. The local stack listens on the first one.",
    )
    client_id: str = Field("journeys", min_length=1, description="Prefix of every client id we send.")
    security_protocol: Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"] = Field(
        "PLAINTEXT", description="Security protocol for an existing cluster."
    )
    sasl_mechanism: str | None = Field(None, description="SASL mechanism, e.g. PLAIN or SCRAM-SHA-512.")
    sasl_username: str | None = Field(None, description="SASL user name.")
    # A secret: never printed, logged, or stored in a Prefect flow run's parameters in clear.
    sasl_password: SecretStr | None = Field(None, description="SASL password.")
    request_timeout_ms: int = Field(
        15_000, ge=1_000, le=300_000, description="Timeout of one request to the broker, in ms."
    )

    @field_validator("bootstrap_servers")
    @classmethod
    def _has_port(cls, value: str) -> str:
        for server in value.split(","):
            host, _, port = server.strip().rpartition(":")
            if not host or not port.isdigit():
                raise ValueError(f"`{server}` is not host:port (e.g. 127.0.0.1:9092)")
        return value

    @property
    def servers(self) -> list[str]:
        return [s.strip() for s in self.bootstrap_servers.split(",")]

    def client_config(self) -> dict[str, object]:
        """Keyword arguments shared by every kafka-python client."""
        config: dict[str, object] = {
            "bootstrap_servers": self.servers,
            "security_protocol": self.security_protocol,
            "request_timeout_ms": self.request_timeout_ms,
        }
        if self.sasl_mechanism:
            config |= {
                "sasl_mechanism": self.sasl_mechanism,
                "sasl_plain_username": self.sasl_username,
                "sasl_plain_password": self.sasl_password.get_secret_value() if self.sasl_password else None,
            }
        return config


class TopicSettings(BaseSettings):
    """Topic names and layout. See docs/architecture.md for what each topic carries."""

    model_config = _config("JOURNEYS_TOPIC_")

    prefix: str = Field("journeys.", description="Prepended to every topic name below.")
    raw: str = Field("touchpoints.raw", description="Validated touchpoint events from producers.")
    raw_partitions: int = Field(
        8, ge=1, le=1024, description="Partitions of the raw topic (the stitcher's parallelism)."
    )
    deadletter: str = Field("deadletter", description="Rejected input with the reason, never dropped.")
    deadletter_partitions: int = Field(2, ge=1, le=64, description="Partitions of the dead-letter topic.")
    identity: str = Field("identity", description="Identity links and merge decisions (compacted, read in full).")
    stitched: str = Field("touchpoints.stitched", description="Touchpoints with customer, journey and session ids.")
    journeys: str = Field("journeys", description="Journey records, one per open, change and close.")
    state_changelog: str = Field("stitcher.changelog", description="Stitcher state changelog (compacted).")
    repartition: str = Field(
        "stitcher.repartition", description="Touchpoints re-keyed by canonical customer (stitcher internal)."
    )
    partitions: int = Field(8, ge=1, le=1024, description="Partitions of the stitched and journeys topics.")
    retention_ms: int = Field(
        7 * 24 * 3600 * 1000, ge=3_600_000, description="Retention of event topics, in ms (default 7 days)."
    )
    deadletter_retention_ms: int = Field(
        30 * 24 * 3600 * 1000,
        ge=3_600_000,
        description="Retention of the dead-letter topic, in ms (default 30 days).",
    )

    def name(self, topic: str) -> str:
        return f"{self.prefix}{topic}"


class StackSettings(BaseSettings):
    """The local single-node Kafka (KRaft) that ``journeys stack`` runs without Docker."""

    model_config = _config("JOURNEYS_STACK_")

    kafka_version: str = Field("4.1.1", description="Apache Kafka version fetched from Maven Central.")
    cache_dir: Path = Field(
        default_factory=default_cache_dir,
        description="Shared download cache (jars), outside the clone so every clone reuses it.",
    )
    controller_port: int = Field(0, ge=0, le=65535, description="KRaft controller port; 0 means broker port + 1.")
    heap: str = Field("1g", pattern=r"^\d+[mMgG]$", description="Broker JVM heap (-Xmx).")
    start_timeout_s: float = Field(90.0, gt=0, le=600, description="How long `stack up` waits for the broker, in s.")


class WarehouseSettings(BaseSettings):
    """Where the DuckDB warehouse lives."""

    model_config = _config("JOURNEYS_WAREHOUSE_")

    path: Path | None = Field(None, description="DuckDB file; default <data_dir>/journeys.duckdb.")


class SerdeSettings(BaseSettings):
    """How events are framed on the wire."""

    model_config = _config("JOURNEYS_SERDE_")

    wire_format: Literal["single-object", "confluent"] = Field(
        "single-object",
        description="Avro single-object encoding (C3 01 + CRC-64-AVRO fingerprint), or Confluent's magic byte + schema id.",
    )
    schema_registry_url: str | None = Field(None, description="Schema registry URL, for the confluent format.")


class ProducerSettings(BaseSettings):
    """The SDK's kafka-python producer (durability first)."""

    model_config = _config("JOURNEYS_PRODUCER_")

    linger_ms: int = Field(20, ge=0, le=10_000, description="Batching delay before a send, in ms.")
    batch_size: int = Field(256 * 1024, ge=1024, description="Max bytes of one partition batch.")
    buffer_memory: int = Field(64 * 1024 * 1024, ge=1024 * 1024, description="Bytes buffered before send() blocks.")
    max_block_ms: int = Field(
        30_000, ge=0, description="How long send() blocks on a full buffer before raising, in ms."
    )
    # zstd: about gzip's ratio on the contract's Avro (3.1 vs 3.3) at 1/15 of its CPU (kafka-python
    # compresses gzip at level 9); snappy and lz4 need packages the project does not install.
    compression: Literal["none", "gzip", "snappy", "lz4", "zstd"] = Field(
        "zstd", description="Batch compression (snappy and lz4 need python-snappy or lz4 installed)."
    )
    delivery_timeout_ms: int = Field(120_000, ge=1_000, description="Give up on a message after this long, in ms.")
    retry_backoff_ms: int = Field(
        100, ge=10, le=60_000, description="Wait between retries of a failed produce request, in ms."
    )
    close_timeout_s: float = Field(
        30.0, ge=0, le=600, description="How long close() and the exit hook wait for unacknowledged events, in s."
    )


class CollectorSettings(BaseSettings):
    """The HTTP collector (`journeys collect`)."""

    model_config = _config("JOURNEYS_COLLECTOR_")

    host: str = Field("127.0.0.1", description="Interface to listen on.")
    port: int = Field(8088, ge=1, le=65535, description="Port to listen on.")
    write_keys: dict[str, str] = Field(
        default_factory=lambda: {"demo-write-key": "demo"},
        description='JSON map of write key -> source name, e.g. {"wk_live_1": "web-shop"}.',
    )
    max_body_bytes: int = Field(2 * 1024 * 1024, ge=1024, description="Largest accepted request body (after gunzip).")
    max_batch: int = Field(2_000, ge=1, le=100_000, description="Most events in one batch request.")
    source_channels: dict[str, str] = Field(
        default_factory=dict,
        description='JSON map of source -> channel used when an event names none, e.g. {"support-bot": "chatbot"}.',
    )
    ack_timeout_ms: int = Field(
        10_000,
        ge=100,
        le=300_000,
        description="How long a request waits for Kafka's acknowledgement before 503, in ms.",
    )
    retry_after_s: int = Field(5, ge=1, le=3600, description="Retry-After sent with a 503 (broker down), in s.")
    log_interval_s: float = Field(60.0, gt=0, le=86_400, description="How often the metrics line is logged, in s.")
    gc_threshold: int = Field(
        10_000,
        ge=0,
        description="Allocations between young garbage collections while serving (Python's default is 700; "
        "0 keeps Python's settings; see journeys/gc_tuning.py).",
    )


class StitcherSettings(BaseSettings):
    """The journey stitcher (`journeys stitch`)."""

    model_config = _config("JOURNEYS_STITCHER_")

    group_id: str = Field("journeys-stitcher", description="Consumer group of the stitcher instances.")
    inactivity_gap_s: int = Field(24 * 3600, ge=1, description="Event-time gap that closes a journey, in s.")
    session_gap_s: int = Field(
        30 * 60, ge=1, description="Inactivity within a channel that starts a new session, in s."
    )
    max_journey_s: int = Field(30 * 24 * 3600, ge=1, description="Longest journey before it is cut, in s.")
    allowed_lateness_s: int = Field(3600, ge=0, description="How late an event may be and still reorder, in s.")
    dedup_window_s: int = Field(24 * 3600, ge=1, description="How long event ids are remembered for dedup, in s.")
    # A stitched touchpoint becomes visible two commits after its raw event (raw -> repartition ->
    # stitched, both read_committed). bench/stitch.py at 5,000 ev/s, load ~1: 100 ms gives p50
    # 240-265 ms / p99 594-729 ms, 200 ms p50 429-439 / p99 825-886 ms; throughput from a backlog
    # was the same (11.1-11.8k vs 11.0-11.1k ev/s): a commit's round trips cost ~20 ms here.
    commit_interval_ms: int = Field(100, ge=10, le=60_000, description="Transaction (checkpoint) interval, in ms.")
    # While records wait in Kafka behind the stitcher's positions, latency is the backlog's, and a
    # commit costs a flush and a rewrite of every changed customer's state: commit less often.
    backlog_commit_interval_ms: int = Field(
        1_000,
        ge=10,
        le=60_000,
        description="Transaction interval while more records wait in Kafka than one poll takes (a backlog, "
        "max_poll_records), in ms; commit_interval_ms otherwise.",
    )
    terminal_event_types: list[str] = Field(
        default_factory=lambda: ["purchase", "contact_resolved", "cancellation"],
        description="Event types whose outcome closes a journey.",
    )
    placeholder_ids: list[str] = Field(
        default_factory=lambda: ["", "null", "none", "undefined", "nil", "anonymous", "guest", "unknown", "0", "-1"],
        description="Identifier values that never link anything (compared case-insensitively).",
    )
    identifier_limits: dict[str, int] = Field(
        default_factory=lambda: {
            "customer_id": 1,
            "email_hash": 3,
            "phone_hash": 3,
            "device_id": 10,
            "anonymous_id": 50,
        },
        description="Most distinct values of each identifier type one customer may hold; a link beyond is refused "
        '(alias calls are exempt). JSON, e.g. {"customer_id": 1, "device_id": 5}.',
    )
    supernode_refusals: int = Field(
        3, ge=1, le=1000, description="Refused links after which an identifier (shared device) is blocked."
    )
    max_journey_touchpoints: int = Field(
        1000, ge=2, le=100_000, description="Most touchpoints in one journey before it is cut (max_length)."
    )
    idle_after_s: float = Field(
        30.0,
        gt=0,
        le=86_400,
        description="A journey partition without input this long lets its event clock follow the wall clock, in s.",
    )
    emit_stitched: bool = Field(
        True,
        description="Publish every stitched touchpoint, as one StitchedBatch per customer and commit "
        "(the warehouse's touchpoints table needs them).",
    )
    closed_retention_s: int = Field(
        7 * 24 * 3600,
        ge=0,
        description="How long a closed journey stays in the stitcher's state (event time, in s), so touchpoints "
        "of a device linked later still join it; 0 drops it once no on-time event can change it.",
    )
    journey_update_interval_s: float = Field(
        5.0,
        ge=0,
        le=3600,
        description="An open journey that only grew is re-emitted at most this often, in s (wall clock); "
        "new, closed and merged journeys are emitted at the next commit.",
    )
    max_poll_records: int = Field(5_000, ge=1, le=100_000, description="Most records taken from one poll.")
    # Off by default: zstd made one stitcher 8% slower on the 2-core reference machine, where the
    # broker (which decompresses each batch to validate it) shares the cores (bench/stitch_ab.py).
    # On a cluster whose network and disks are the limit, zstd writes about a quarter of the bytes.
    compression: Literal["none", "gzip", "zstd"] = Field(
        "none",
        description="Batch compression of everything the stitcher writes (stitched touchpoints, journeys, "
        "identity, changelog, repartition).",
    )
    # Kafka's default is 45 s. Shorter moves a killed instance's partitions sooner, but on a busy
    # machine (2 cores shared with the broker) 6 s once expired a live member mid-backlog.
    session_timeout_ms: int = Field(
        10_000,
        ge=6_000,
        le=300_000,
        description="How long the group waits for a silent instance before moving its partitions, in ms "
        "(the broker's group.min.session.timeout.ms is 6 s by default).",
    )
    status_interval_s: float = Field(
        10.0, gt=0, le=3600, description="How often progress is logged and the status file written, in s."
    )
    # 200,000: bench/stitch.py's 200k events (compiled modules) spent 0.75 s in the collector at
    # 10,000 (gen0 0.29, gen1 0.24, gen2 0.22 s) and 0.32 s at 200,000 (gen1 none, gen2 0.03 s):
    # a poll's records outlive a young collection and were scanned again in the older generations.
    gc_threshold: int = Field(
        200_000,
        ge=0,
        description="Allocations between young garbage collections while stitching (Python's default is 700; "
        "0 keeps Python's settings; see journeys/gc_tuning.py).",
    )

    @field_validator("identifier_limits")
    @classmethod
    def _known_types(cls, value: dict[str, int]) -> dict[str, int]:
        known = {"customer_id", "email_hash", "phone_hash", "device_id", "anonymous_id"}
        for name, limit in value.items():
            if name not in known:
                raise ValueError(f"`{name}` is not an identifier type; use one of {sorted(known)}")
            if limit < 1:
                raise ValueError(f"the limit of `{name}` must be at least 1, got {limit}")
        return value


class FlowSettings(BaseSettings):
    """The Prefect flows that load and analyse the warehouse."""

    model_config = _config("JOURNEYS_FLOWS_")

    group_id: str = Field("journeys-warehouse", description="Client id prefix of the loader (offsets live in DuckDB).")
    batch_max_records: int = Field(
        200_000,
        ge=100,
        description="Most rows (touchpoints, journeys, links, failed events) loaded in one DuckDB transaction.",
    )
    poll_timeout_ms: int = Field(2_000, ge=100, description="How long the loader waits for new records, in ms.")
    schedule_interval_s: int = Field(300, ge=10, description="`journeys flows serve` interval, in s.")
    rules_path: Path | None = Field(None, description="Friction rule catalogue; default warehouse/friction_rules.yaml.")
    scoring_path: Path | None = Field(None, description="Score weights; default warehouse/scoring.yaml.")
    max_batches: int | None = Field(
        None, ge=1, description="Stop the load after this many batches (default: until caught up with the topics)."
    )
    pause_between_batches_s: float = Field(
        0.0, ge=0, le=3600, description="Sleep after each committed batch, in s (crash tests and throttling)."
    )
    quality_path: Path | None = Field(
        None, description="Data-quality thresholds; default warehouse/quality/checks.yaml."
    )
    quality_fail_on: Literal["fail", "warn", "never"] = Field(
        "fail", description="Fail the flow run when a check ends `fail` (default), also on `warn`, or never."
    )
    retries: int = Field(2, ge=0, le=10, description="Retries of a task that failed with a retryable error.")
    retry_delay_s: float = Field(5.0, ge=0, le=600, description="First retry delay, in s (doubles per retry).")
    lock_wait_s: float = Field(
        60.0, ge=0, le=3600, description="How long a run waits for a warehouse another process holds open, in s."
    )
    # With decoding in Rust (polars-avro) and DuckDB writing outside the GIL, the overlap pays even on
    # 2 shared cores: bench/warehouse.py, 200k touchpoints + 50k journeys, 41-45k against 30-36k records/s.
    prefetch: bool = Field(
        True, description="Fetch and decode the next batch while DuckDB writes one (off: strictly one at a time)."
    )


class SimulatorSettings(BaseSettings):
    """`journeys simulate` and the demo."""

    model_config = _config("JOURNEYS_SIMULATOR_")

    customers: int = Field(10_000, ge=1, description="Simulated people.")
    seed: int = Field(7, description="Random seed: the same seed gives the same events.")
    days: int = Field(30, ge=1, le=365, description="Window of simulated event time, in days, ending now.")
    friction_rate: float = Field(
        0.05, ge=0, le=1, description="Probability that a journey gets each friction rule it can host."
    )
    via: Literal["sdk", "http"] = Field("sdk", description="Send through the Python SDK or the HTTP collector.")
    collector_url: str = Field("http://127.0.0.1:8088", description="The collector's base URL, for --via http.")
    write_key: str = Field("demo-write-key", min_length=1, description="The collector write key, for --via http.")
    rate: float | None = Field(None, gt=0, description="Events per second to send at; default as fast as possible.")
    truth_path: Path | None = Field(None, description="Ground truth file; default <data_dir>/ground_truth.json.")
    compression: Literal["sdk", "none", "gzip", "snappy", "lz4", "zstd"] = Field(
        "none",
        description="Batch compression of the simulator's SDK producer; `sdk` keeps JOURNEYS_PRODUCER_COMPRESSION. "
        "On loopback gzip costs ~30% of the send rate (measured: 5,700 vs 4,100 events/s on a busy 2-core box).",
    )


class Settings(BaseSettings):
    """Root settings: one object every command and adapter receives."""

    model_config = _config("JOURNEYS_")

    data_dir: Path = Field(Path("data"), description="Folder for the broker's log dir, DuckDB, reports.")
    kafka: KafkaSettings = Field(default_factory=KafkaSettings)
    topics: TopicSettings = Field(default_factory=TopicSettings)
    stack: StackSettings = Field(default_factory=StackSettings)
    warehouse: WarehouseSettings = Field(default_factory=WarehouseSettings)
    serde: SerdeSettings = Field(default_factory=SerdeSettings)
    producer: ProducerSettings = Field(default_factory=ProducerSettings)
    collector: CollectorSettings = Field(default_factory=CollectorSettings)
    stitcher: StitcherSettings = Field(default_factory=StitcherSettings)
    flows: FlowSettings = Field(default_factory=FlowSettings)
    simulator: SimulatorSettings = Field(default_factory=SimulatorSettings)

    @cached_property
    def duckdb_path(self) -> Path:
        return self.warehouse.path or self.data_dir / "journeys.duckdb"

    @cached_property
    def stack_dir(self) -> Path:
        """The local broker's config, KRaft log dir, pid and log file."""
        return self.data_dir / "kafka"

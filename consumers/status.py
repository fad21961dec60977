"""What ``journeys stitch status`` shows: the group's lag from Kafka, the instances' reports."""

from __future__ import annotations

import os
import socket
from datetime import datetime
from typing import Any

import orjson

from consumers.runner import status_dir
from journeys.settings import Settings, StitcherSettings
from journeys.topics import require_broker

__all__ = ["describe", "group_lag", "instance_reports"]

# A running instance reports every status_interval_s; after this many intervals of silence it
# is shown as silent (stuck, or killed without a last report).
SILENT_AFTER_INTERVALS = 3


def group_lag(settings: Settings) -> list[dict[str, Any]]:
    """Committed offset, end offset and lag of every raw and repartition partition."""
    from kafka import KafkaConsumer, TopicPartition

    require_broker(settings.kafka)
    consumer = KafkaConsumer(
        **settings.kafka.client_config(),
        client_id=f"{settings.kafka.client_id}-stitch-status",
        group_id=settings.stitcher.group_id,
        enable_auto_commit=False,
        isolation_level="read_committed",
    )
    try:
        t = settings.topics
        partitions = [
            TopicPartition(t.name(topic), p) for topic in (t.raw, t.repartition) for p in range(t.raw_partitions)
        ]
        ends = consumer.end_offsets(partitions)
        rows = []
        for tp in partitions:
            committed = consumer.committed(tp) or 0
            rows.append(
                {
                    "topic": tp.topic,
                    "partition": tp.partition,
                    "committed": committed,
                    "end": ends[tp],
                    "lag": max(0, ends[tp] - committed),
                }
            )
        return rows
    finally:
        consumer.close()


def instance_reports(settings: Settings) -> list[dict[str, Any]]:
    """The last status file of each instance of this group."""
    folder = status_dir(settings)
    if not folder.exists():
        return []
    prefix = f"{settings.stitcher.group_id}-"
    return [
        orjson.loads(path.read_bytes())
        for path in sorted(folder.glob(f"{prefix}*.json"))
        if path.stem[len(prefix) :].isdigit()
    ]


def describe(report: dict[str, Any], now: datetime, *, host: str | None = None) -> str:
    """What an instance's last report says about it now: ``running``, ``stopped`` (it wrote a
    last report on its way out), ``gone`` (its process no longer exists on this host: killed),
    or ``silent for N s`` (no report for a few intervals: stuck, or on another host and gone)."""
    if report.get("state") == "stopped":
        return "stopped"
    if report.get("host") == (host or socket.gethostname()) and not _alive(int(report["pid"])):
        return "gone (its process exited without a last report)"
    age = (now - datetime.fromisoformat(report["updated"])).total_seconds()
    # Reports written before the interval was part of them: the setting's default.
    interval = float(report.get("status_interval_s") or StitcherSettings.model_fields["status_interval_s"].default)
    if age > SILENT_AFTER_INTERVALS * interval:
        return f"silent for {age:,.0f} s"
    return "running"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True

"""journeys.logs: kafka-python's retried conditions are logged at INFO with what they mean; real errors stay errors."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from kafka import TopicPartition
from kafka.errors import KafkaConnectionError, UnknownMemberIdError, UnstableOffsetCommitError

from journeys import logs


@pytest.fixture
def records() -> Iterator[list[logging.LogRecord]]:
    logs.configure()
    seen: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            seen.append(record)

    root, handler = logging.getLogger(), Keep()
    level = root.level
    root.setLevel(logging.INFO)  # as `journeys stitch` runs (pytest's may be higher)
    root.addHandler(handler)
    yield seen
    root.removeHandler(handler)
    root.setLevel(level)


def test_at_warning_level_the_retried_conditions_are_not_shown(records: list[logging.LogRecord]) -> None:
    logging.getLogger().setLevel(logging.WARNING)  # bench/ scripts
    logging.getLogger("kafka.coordinator.consumer").error(
        "Unknown error fetching offsets for %s: %s", TopicPartition("raw", 0), UnstableOffsetCommitError()
    )
    assert records == []


def test_an_offset_fetch_waiting_for_a_transaction_is_info(records: list[logging.LogRecord]) -> None:
    # the exact call in kafka/coordinator/consumer.py
    logging.getLogger("kafka.coordinator.consumer").error(
        "Unknown error fetching offsets for %s: %s", TopicPartition("raw", 0), UnstableOffsetCommitError()
    )
    (record,) = records
    assert record.levelname == "INFO"
    assert "waits for an open transaction" in record.getMessage() and "raw" in record.getMessage()


def test_leaving_a_group_that_dropped_us_is_info(records: list[logging.LogRecord]) -> None:
    logging.getLogger("kafka.coordinator").error(
        "LeaveGroup request for member %s / group instance %s failed with error: %s",
        "m-1",
        None,
        UnknownMemberIdError(),
    )
    (record,) = records
    assert record.levelname == "INFO" and "already dropped" in record.getMessage()


def test_other_kafka_errors_stay_errors(records: list[logging.LogRecord]) -> None:
    logging.getLogger("kafka.coordinator.consumer").error(
        "Unknown error fetching offsets for %s: %s", TopicPartition("raw", 0), KafkaConnectionError()
    )
    logging.getLogger("kafka.coordinator").info("Discovered coordinator")  # below kafka's ERROR level
    (record,) = records
    assert record.levelname == "ERROR"

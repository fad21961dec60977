"""Logging for the long-running commands (`journeys stitch`, its workers, `journeys collect`)."""

from __future__ import annotations

import logging

__all__ = ["TransientKafkaErrors", "configure"]

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class TransientKafkaErrors(logging.Filter):
    """kafka-python 3.0 logs some conditions it retries as errors; this says what they are, at INFO.

    - ``UnstableOffsetCommitError`` while fetching committed offsets: a transaction that wrote
      the group's offsets is not complete on the broker yet (a stitcher restarted, or one that
      took over partitions, right after another's commit). The client retries until it is;
      Kafka's Java consumer logs the same wait at INFO.
    - ``UnknownMemberIdError`` on LeaveGroup: the member leaving had already been dropped by the
      coordinator, which is why it is rejoining.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        msg = record.msg
        if record.levelno < logging.ERROR or not isinstance(msg, str) or not isinstance(record.args, tuple):
            return True
        names = {type(arg).__name__ for arg in record.args}
        if msg.startswith("Unknown error fetching offsets") and "UnstableOffsetCommitError" in names:
            record.msg = "committed offset of %s waits for an open transaction to complete; retrying (%s)"
        elif msg.startswith("LeaveGroup request") and "UnknownMemberIdError" in names:
            record.msg = msg.replace("failed with error", "not needed: the coordinator had already dropped it")
        else:
            return True
        record.levelno, record.levelname = logging.INFO, "INFO"
        # Handlers do not check the levels of the loggers a record propagates through: honour
        # the configured one here.
        return logging.getLogger().isEnabledFor(logging.INFO)


def configure(*, level: int = logging.INFO, kafka_level: int = logging.ERROR) -> None:
    """``level`` for the project's loggers, ``kafka_level`` for kafka-python's (its INFO is chatty)."""
    logging.basicConfig(level=level, format=FORMAT)
    kafka = logging.getLogger("kafka")
    kafka.setLevel(kafka_level)
    for name in ("kafka.coordinator", "kafka.coordinator.consumer"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, TransientKafkaErrors) for f in logger.filters):
            logger.addFilter(TransientKafkaErrors())

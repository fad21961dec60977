"""The local Kafka stack (single-node KRaft broker) run by ``journeys stack``."""

from journeys.stack.kafka_local import LocalKafka, StackStatus, kafka_answers

__all__ = ["LocalKafka", "StackStatus", "kafka_answers"]

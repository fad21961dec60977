"""The project's one error hierarchy.

Every error says whether trying again can help (``retryable``), so callers such
as Prefect tasks and the collector know whether to retry or to give up, and its
message says what failed and what to do next.
"""

from __future__ import annotations

__all__ = ["ConfigurationError", "JourneysError", "StackError", "TransientError"]


class JourneysError(Exception):
    """Base class of every error raised by journeys."""

    retryable: bool = False

    def __init__(self, message: str, *, retryable: bool | None = None) -> None:
        super().__init__(message)
        if retryable is not None:
            self.retryable = retryable


class TransientError(JourneysError):
    """Something outside our control failed (broker down, timeout); retrying may help."""

    retryable = True


class ConfigurationError(JourneysError):
    """A setting or prerequisite is wrong; fix the configuration, then run again."""


class StackError(JourneysError):
    """The local Kafka stack could not be started, stopped or inspected."""

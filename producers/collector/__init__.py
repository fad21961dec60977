"""The HTTP collector: Segment-compatible endpoints, the native one, dead letters, metrics."""

from producers.collector.app import create_app

__all__ = ["create_app"]

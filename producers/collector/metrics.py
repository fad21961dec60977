"""Collector metrics in Prometheus text format (``/metrics``) and a periodic log line.

Each app has its own registry (no module-level state), so tests and several apps in one
process do not share counts.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest

__all__ = ["CollectorMetrics"]


class CollectorMetrics:
    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        self.accepted = Counter(
            "journeys_collector_accepted_events",
            "Events validated and acknowledged by Kafka in the raw topic.",
            ["source"],
            registry=self.registry,
        )
        self.dead_lettered = Counter(
            "journeys_collector_dead_lettered_events",
            "Events that failed validation and were stored in the dead-letter topic.",
            ["source", "kind"],
            registry=self.registry,
        )
        self.rejected = Counter(
            "journeys_collector_rejected_requests",
            "Requests refused as a whole (401, 400, 413, 415, 503), by status.",
            ["status"],
            registry=self.registry,
        )
        self.send_latency = Histogram(
            "journeys_collector_send_latency_seconds",
            "From the first send to Kafka's acknowledgement of a request's last event.",
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
            registry=self.registry,
        )

    def render(self) -> bytes:
        return generate_latest(self.registry)

    def totals(self) -> dict[str, float]:
        """Sums over labels, for the log line."""
        out: dict[str, float] = {}
        for metric in self.registry.collect():
            for sample in metric.samples:
                if sample.name.endswith("_total"):
                    out[sample.name] = out.get(sample.name, 0.0) + sample.value
                elif sample.name.endswith("_count") or sample.name.endswith("_sum"):
                    out[sample.name] = sample.value
        return out

    def summary(self) -> str:
        t = self.totals()
        count = t.get("journeys_collector_send_latency_seconds_count", 0.0)
        mean_ms = 1000 * t.get("journeys_collector_send_latency_seconds_sum", 0.0) / count if count else 0.0
        return (
            f"accepted={t.get('journeys_collector_accepted_events_total', 0):.0f} "
            f"dead_lettered={t.get('journeys_collector_dead_lettered_events_total', 0):.0f} "
            f"rejected_requests={t.get('journeys_collector_rejected_requests_total', 0):.0f} "
            f"mean_send_latency_ms={mean_ms:.1f}"
        )

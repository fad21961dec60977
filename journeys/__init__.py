"""journeys: event-driven customer-journey tracking on Kafka, DuckDB and Prefect.

This package holds what every stage shares: settings, errors, the local Kafka
stack, topic management and the ``journeys`` command line.
"""

from journeys import native

__all__ = ["__version__"]

__version__ = "0.1.0"

native.guard()  # before any compiled module can be imported: never run a stale build

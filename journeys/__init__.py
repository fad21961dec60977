"""journeys: event-driven customer-journey tracking on Kafka, DuckDB and Prefect.

This package holds what every stage shares: settings, errors, the local Kafka
stack, topic management and the ``journeys`` command line.
"""

__all__ = ["__version__"]

__version__ = "0.1.0"

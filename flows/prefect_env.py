"""Prefect's environment defaults for the commands that run flows (``journeys flows``, ``journeys demo``).

Set before Prefect is imported (it reads its settings then); a user's own variables win.
"""

from __future__ import annotations

import os

# Prefect's temporary (ephemeral) server gets 20 s to start by default. On 2 busy cores a first
# start (imports, database migrations in a new PREFECT_HOME) took longer and the run failed with
# "Timed out while attempting to connect to ephemeral Prefect API server".
EPHEMERAL_STARTUP_TIMEOUT_S = 180


def prefect_defaults() -> None:
    # A temporary Prefect server phones home every few minutes; offline machines log a failure
    # for each try. Users who want it set the variable themselves.
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", str(EPHEMERAL_STARTUP_TIMEOUT_S))

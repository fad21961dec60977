"""The journey stitcher: raw touchpoints in, customers, journeys and stitched touchpoints out.

    from consumers import run
    stats = run(settings, instances=1, until_idle_s=5.0)

See docs/architecture.md for the guarantees; :mod:`consumers.engine` for the logic and
:mod:`consumers.commit` for the exactly-once protocol.
"""

from __future__ import annotations

import journeys  # noqa: F401  (first: its guard keeps a stale compiled module from loading, journeys/native.py)
from consumers.api import run

__all__ = ["run"]

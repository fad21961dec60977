"""``python -m consumers``: one stitcher worker (what ``journeys stitch --instances N`` spawns)."""

from __future__ import annotations

import sys

from consumers.api import worker_main

if __name__ == "__main__":
    raise SystemExit(worker_main(sys.argv[1:]))

"""Stitcher throughput of two revisions, alternating, for changes smaller than the run-to-run noise.

    .venv/bin/python bench/stitch_ab.py <git revision> [--rounds 3] [--events 200000]

One stitcher's throughput (as ``bench/stitch.py`` measures it, stitched output on) from a
checkout of ``<revision>`` and from the working tree, in turns (A B, B A, A B, ...), each run
in a new process on its own new topics. The machine's speed drifts by ±15% within minutes, so
two separate runs cannot show a 5% change; alternating rounds and their medians can. Prints
every run, both medians and their ratio. Needs the broker (``journeys stack up``).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def child(root: str, events: int) -> None:
    """One run of the code under ``root``: produce, stitch, print ev/s."""
    import logging
    import uuid

    sys.path[:0] = [root, f"{root}/bench"]
    import stitch as bench  # the bench/stitch.py of that revision

    import consumers.engine
    from journeys import logs
    from journeys.settings import Settings
    from journeys.topics import admin_client, pipeline_topics
    from producers.keys import identity_key
    from schemas.serde import Serde

    assert consumers.engine.__file__.startswith(root), consumers.engine.__file__
    logs.configure(level=logging.WARNING)
    base = Settings()
    admin = admin_client(base.kafka)
    codec = Serde(base.serde).codec("TouchpointEvent")
    encoded = [(identity_key(e), codec.encode(e)) for e in bench.events(events, events // 20)]
    topics = bench.topic_set(base, admin, "ab")
    try:
        bench.produce(topics, encoded)
        stats = bench.stitch(topics, f"bench-ab-{uuid.uuid4().hex[:6]}")
        print(f"{stats.consumed / max(stats.busy_s, 1e-9):.0f}")
    finally:
        admin.delete_topics([spec.name for spec in pipeline_topics(topics.topics)], raise_errors=False)
        admin.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("revision", nargs="?", help="git revision to compare the working tree with")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.events)
        return
    if not args.revision:
        parser.error("give the git revision to compare with, e.g. HEAD~1")
    with tempfile.TemporaryDirectory(prefix="stitch-ab-") as tmp:
        other = Path(tmp) / "checkout"
        subprocess.run(
            ["git", "-C", str(ROOT), "worktree", "add", "-q", "--detach", str(other), args.revision], check=True
        )
        try:
            runs: dict[str, list[float]] = {args.revision: [], "working tree": []}
            roots = {args.revision: str(other), "working tree": str(ROOT)}
            for r in range(args.rounds):
                order = list(runs) if r % 2 == 0 else list(reversed(runs))
                for name in order:
                    out = subprocess.run(
                        [sys.executable, __file__, "--child", roots[name], "--events", str(args.events)],
                        check=True,
                        capture_output=True,
                        text=True,
                    ).stdout
                    rate = float(out.split()[-1])
                    runs[name].append(rate)
                    print(f"  round {r + 1}, {name}: {rate:,.0f} ev/s", flush=True)
        finally:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(other)], check=False)
    medians = {name: statistics.median(rates) for name, rates in runs.items()}
    for name, median in medians.items():
        print(f"  {name}: median {median:,.0f} ev/s of {len(runs[name])} runs")
    print(f"  working tree / {args.revision}: {medians['working tree'] / medians[args.revision]:.3f}")


if __name__ == "__main__":
    main()

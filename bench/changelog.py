"""What the stitcher's state changelog costs per event as customers' histories grow (no Kafka).

    .venv/bin/python bench/changelog.py [--events 60000] [--commit-every 2000] [--engine-from FILE]

Feeds bench/stitch.py's stream to the engine for 20, 200 and 1,000 touchpoints per customer,
checkpointing every ``--commit-every`` events, and prints the changelog bytes and the
engine's time per event. ``--engine-from`` runs another version of ``consumers/engine.py``
beside this one in the same process, e.g. the one before sealed parts::

    git show a54eefb:consumers/engine.py > /tmp/engine_before.py
    .venv/bin/python bench/changelog.py --engine-from /tmp/engine_before.py
"""

from __future__ import annotations

import argparse
import gc
import importlib.util
import sys
import time
import zlib
from pathlib import Path
from types import ModuleType

from stitch import events  # bench/stitch.py: this script's folder is on the path

import consumers.engine
from journeys.settings import Settings
from producers.keys import identity_key
from schemas.serde import Serde

PARTITIONS = 8


def _load(path: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location("engine_other", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["engine_other"] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def measure(
    module: ModuleType, encoded: list[tuple[int, bytes]], settings: Settings, every: int
) -> tuple[float, float]:
    """(changelog bytes per event, engine microseconds per event)."""
    engine = module.Engine(settings.stitcher, Serde(settings.serde, plain_timestamps=True), partitions=PARTITIONS)
    for p in range(PARTITIONS):
        engine.own_router(p)
        engine.own_task(p)
    gc.collect()
    written = 0
    started = time.perf_counter()
    for offset, (partition, value) in enumerate(encoded):
        engine.on_raw(partition, offset, value)
        if offset % every == every - 1:
            written += sum(len(o.value or b"") for o in engine.checkpoint() if o.topic == "changelog")
    written += sum(len(o.value or b"") for o in engine.checkpoint() if o.topic == "changelog")
    elapsed = time.perf_counter() - started
    return written / len(encoded), elapsed / len(encoded) * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=60_000)
    parser.add_argument("--commit-every", type=int, default=2_000)
    parser.add_argument("--engine-from", help="another consumers/engine.py to measure beside this one")
    args = parser.parse_args()
    settings = Settings()
    codec = Serde(settings.serde).codec("TouchpointEvent")
    engines = [("this engine", consumers.engine)]
    if args.engine_from:
        engines.insert(0, (Path(args.engine_from).name, _load(args.engine_from)))
    print(f"{args.events:,} events, a checkpoint every {args.commit_every:,}")
    for per in (20, 200, 1_000):
        stream = events(args.events, args.events // per)
        encoded = [(zlib.crc32(identity_key(e)) % PARTITIONS, codec.encode(e)) for e in stream]
        for name, module in engines:
            size, micros = measure(module, encoded, settings, args.commit_every)
            print(
                f"  {per:5,} touchpoints per customer, {name}: changelog {size:6,.0f} bytes/event, "
                f"engine {micros:5.1f} us/event"
            )


if __name__ == "__main__":
    main()

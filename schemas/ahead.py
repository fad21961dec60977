"""Writes schemas/_codecs_aot.py: the stitcher's generated Avro codecs, for Cython (setup.py).

    python -m schemas.ahead [path]

The codecs are the ones :mod:`schemas.fastcodec` generates at run time for the stitcher's hot
path: the projected TouchpointEvent decode, the Journey message's parts and IdentityLink.
Compiled, they run ~1.3x faster than exec'd; any other codec, or one whose generated source
changed since the build, is exec'd as before (:func:`schemas.fastcodec._load`).
"""

from __future__ import annotations

import sys
from pathlib import Path

HOT = (
    "<avro projection TouchpointEvent",
    "<avro codec JourneyHead>",
    "<avro codec JourneyTouchpoint>",
    "<avro codec JourneyTail>",
    "<avro codec IdentityLink>",
)


def write(path: Path) -> int:
    """Write the module; return how many codecs it holds."""
    from consumers.engine import Engine
    from journeys.settings import Settings
    from schemas import fastcodec
    from schemas.serde import Serde

    settings = Settings()
    Engine(settings.stitcher, Serde(settings.serde, plain_timestamps=True), partitions=1)  # as the stitcher's
    module = fastcodec.ahead_of_time_module(HOT)
    if not path.exists() or path.read_text() != module:  # unchanged: Cython and the C compiler skip it
        path.write_text(module)
    return module.count("\ndef _f_")


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).with_name("_codecs_aot.py")
    print(f"{target}: {write(target)} codecs")

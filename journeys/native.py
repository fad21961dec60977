"""The stitcher's hot modules, compiled with Cython, and the guard that never runs a stale build.

The modules in :data:`COMPILED` stay plain Python: they are the source, they are what mypy,
ruff and a reader see, and they run as they are wherever no compiled build exists. With
``JOURNEYS_COMPILE=1`` (``make install`` and ``make native``), ``setup.py`` compiles them unchanged
(Cython, pure Python mode) into extension modules beside their sources; Python then imports the
extension instead of the source. The stitcher runs ~1.2-1.5x faster compiled (see
docs/benchmarks.md). Compiling was opt-in for a few hours on 2026-12-04, after the
three-instance crash test lost stitched touchpoints in 2 of ~11 compiled runs; two races
were found and fixed since (a restore could miss the last transaction's changelog, and the
tests' reader stopped after 1.5 s of silence), and the test has passed every run since
(docs/benchmarks.md).

An extension built from an older source would run old code after an edit or a checkout. So
:func:`guard` (installed by ``import journeys``, before any of these modules can be imported)
loads the Python source instead of an extension that is older than its source, and says so
once; ``make native`` rebuilds what changed.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import importlib.util
import logging
import os
import sys
from collections.abc import Sequence
from types import ModuleType

__all__ = ["COMPILED", "compiled", "guard"]

# Compiled by setup.py; each one's share of the stitcher's time is in docs/benchmarks.md.
COMPILED: tuple[str, ...] = (
    "consumers.commit",
    "consumers.dedup",
    "consumers.engine",
    "consumers.identity",
    "consumers.journey",
    "consumers.records",
    "consumers.runner",
    "journeys.record_appender",
    "journeys.record_reader",
    # the helpers the generated Avro codecs call for every long and string (schemas/fastcodec.py)
    "schemas.fastcodec",
    "schemas.serde",
)

log = logging.getLogger(__name__)


class _FreshOnly(importlib.abc.MetaPathFinder):
    """Finds the modules of COMPILED as the path finder would, but the source when the
    extension beside it is older."""

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname not in COMPILED:
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname, path, target)
        if spec is None or not isinstance(spec.loader, importlib.machinery.ExtensionFileLoader) or not spec.origin:
            return spec
        source = os.path.join(os.path.dirname(spec.origin), fullname.rpartition(".")[2] + ".py")
        try:
            stale = os.path.getmtime(source) > os.path.getmtime(spec.origin)
        except OSError:  # no source beside it (an installed wheel): the build is all there is
            return spec
        if not stale:
            return spec
        log.warning(
            "%s: the compiled module is older than %s, so the source runs (slower); run `make native` to rebuild it",
            fullname,
            source,
        )
        return importlib.util.spec_from_file_location(fullname, source)


def guard() -> None:
    """Put the stale-build guard first on ``sys.meta_path`` (once)."""
    if not any(isinstance(finder, _FreshOnly) for finder in sys.meta_path):
        sys.meta_path.insert(0, _FreshOnly())


def compiled() -> dict[str, bool]:
    """Module name -> whether it runs compiled (for imported modules; the stitcher logs it)."""
    out = {}
    for name in COMPILED:
        module = sys.modules.get(name)
        if module is not None:
            out[name] = not (getattr(module, "__file__", "") or "").endswith(".py")
    return out

"""Builds the compiled modules (journeys/native.py lists them and says why) when
``JOURNEYS_COMPILE=1`` (``make install`` sets it); everything else about the package is in pyproject.toml.

Without that, or without Cython or a C compiler, the package installs as plain Python and runs
the same, slower.
"""

from __future__ import annotations

import ast
import os
from pathlib import Path
from typing import Any

from setuptools import setup
from setuptools.command.build_ext import build_ext

HERE = Path(__file__).parent


def _compiled_modules() -> list[str]:
    # Read without importing the package (its dependencies are not installed yet).
    tree = ast.parse((HERE / "journeys" / "native.py").read_text())
    for node in tree.body:
        if isinstance(node, ast.AnnAssign) and getattr(node.target, "id", None) == "COMPILED":
            return list(ast.literal_eval(node.value))  # type: ignore[arg-type]
    raise RuntimeError("journeys/native.py defines no COMPILED")


class OptionalBuildExt(build_ext):
    """Compiles on every core, and leaves the plain Python modules in place when it cannot."""

    def finalize_options(self) -> None:
        super().finalize_options()
        if self.parallel is None:
            self.parallel = os.cpu_count() or 1

    def run(self) -> None:
        try:
            super().run()
        except Exception as exc:  # no compiler, no Python headers: the sources still work
            print(f"journeys: compiled modules not built ({exc}); running as plain Python (slower)")

    def build_extension(self, ext: Any) -> None:
        try:
            super().build_extension(ext)
        except Exception as exc:
            print(f"journeys: {ext.name} not compiled ({exc}); its Python source runs instead")


def _ahead_of_time_codecs() -> str | None:
    """Writes schemas/_codecs_aot.py (python -m schemas.ahead: the stitcher's generated Avro
    codecs, compiled beside the modules); ``None`` when the package's dependencies are not
    installed yet (an isolated build) or the generation fails: those codecs are then exec'd."""
    import subprocess
    import sys

    target = HERE / "schemas" / "_codecs_aot.py"
    done = subprocess.run(
        [sys.executable, "-m", "schemas.ahead", str(target)], cwd=HERE, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        print(f"journeys: the Avro codecs are not compiled ahead of time ({done.stderr.strip()[-300:]})")
        return None
    return "schemas/_codecs_aot.py"


def _extensions() -> list[Any]:
    # `make install` (and `make native`) set it. A plain `pip install` builds no extension, so an
    # install that cannot compile (no C compiler) needs nothing special.
    if os.environ.get("JOURNEYS_COMPILE") != "1":
        return []
    try:
        from Cython.Build import cythonize
    except ImportError:
        print("journeys: Cython is not installed; running as plain Python (slower)")
        return []
    sources = [name.replace(".", "/") + ".py" for name in _compiled_modules()]
    aot = _ahead_of_time_codecs()
    if aot:
        sources.append(aot)
    try:
        # annotation_typing off: Cython would otherwise enforce annotations such as `data: bytes`
        # (a bytearray or memoryview raised TypeError where the source accepts it); the same
        # speed within the noise (engine alone 31.4-33.5 against 32.3-34.2 us per event)
        directives = {"language_level": 3, "annotation_typing": False}
        # Cython regenerates a .c file older than its .py; one older than this file may carry other
        # directives, so then all are regenerated
        mine = Path(__file__).stat().st_mtime
        force = any(
            not (c := HERE / source.replace(".py", ".c")).exists() or c.stat().st_mtime < mine for source in sources
        )
        extensions = cythonize(
            sources, compiler_directives=directives, nthreads=os.cpu_count() or 1, quiet=True, force=force
        )
    except Exception as exc:  # Python that Cython cannot compile: the sources still run
        print(f"journeys: Cython could not translate the compiled modules ({exc}); running as plain Python (slower)")
        return []
    if os.name == "posix":  # gcc or clang: without debug info, -O2 (not Python's -g -O3) compiles 2.4x faster
        for extension in extensions:
            # -Wno-array-bounds: gcc 12 reads CPython's object headers in Cython's byte comparisons
            # as out of bounds (a known false positive), dozens of lines of warnings in every build
            extension.extra_compile_args = ["-O2", "-g0", "-Wno-array-bounds"]
    return list(extensions)


setup(ext_modules=_extensions(), cmdclass={"build_ext": OptionalBuildExt})

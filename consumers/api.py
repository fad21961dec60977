"""Run the stitcher from Python: in this process, or as N worker processes in one group."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from dataclasses import fields
from pathlib import Path

import orjson

from consumers.runner import RunStats, Stitcher
from journeys import logs
from journeys.errors import JourneysError
from journeys.settings import Settings

__all__ = ["run", "spawn_worker"]


def run(settings: Settings, *, instances: int = 1, until_idle_s: float | None = None) -> list[RunStats]:
    """Run ``instances`` stitchers in one consumer group; return each one's stats.

    One instance runs in this process; more run as worker processes (``python -m
    consumers``), numbered 0..N-1 (the number is part of the transactional id, so a
    restarted worker with the same number fences its predecessor).
    """
    if instances < 1:
        raise JourneysError(f"--instances must be at least 1, got {instances}")
    if instances == 1:
        return [Stitcher(settings, instance=0, until_idle_s=until_idle_s).run()]
    with tempfile.TemporaryDirectory(prefix="journeys-stitch-") as folder:
        procs = [spawn_worker(settings, i, Path(folder), until_idle_s=until_idle_s) for i in range(instances)]
        outcomes = []
        try:
            for proc in procs:
                out, _ = proc.communicate()
                outcomes.append((proc.returncode, out))
        except KeyboardInterrupt:
            for proc in procs:
                proc.terminate()
            for proc in procs:
                proc.wait()
            raise
    stats = []
    for i, (code, out) in enumerate(outcomes):
        if code != 0:
            raise JourneysError(f"stitcher instance {i} exited with code {code}; see its log above")
        stats.append(_parse_stats(out))
    return stats


def spawn_worker(
    settings: Settings, instance: int, folder: Path, *, until_idle_s: float | None = None, log_path: Path | None = None
) -> subprocess.Popen[bytes]:
    """Start ``python -m consumers`` for one instance; its stats are the last line of stdout."""
    path = folder / "settings.json"
    if not path.exists():
        path.write_text(_settings_json(settings))
    cmd = [sys.executable, "-m", "consumers", "--settings", str(path), "--instance", str(instance)]
    if until_idle_s is not None:
        cmd += ["--until-idle", str(until_idle_s)]
    stderr = open(log_path, "ab") if log_path else None  # noqa: SIM115 - the child owns it
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=stderr, env=os.environ.copy())


def _settings_json(settings: Settings) -> str:
    """The settings for a worker, secrets included (``model_dump_json`` masks them); the file
    lives in a private temporary folder (mode 0700) and goes with it."""
    from pydantic import SecretStr

    def reveal(value: object) -> object:
        return value.get_secret_value() if isinstance(value, SecretStr) else str(value)

    return orjson.dumps(settings.model_dump(), default=reveal).decode()


def _parse_stats(out: bytes) -> RunStats:
    lines = [line for line in out.decode().splitlines() if line.startswith("{")]
    if not lines:
        return RunStats()
    data = orjson.loads(lines[-1])
    names = {f.name for f in fields(RunStats)}
    return RunStats(**{k: v for k, v in data.items() if k in names})


def worker_main(argv: list[str]) -> int:
    """``python -m consumers --settings FILE --instance I [--until-idle S]``."""
    import argparse
    from dataclasses import asdict

    parser = argparse.ArgumentParser(prog="python -m consumers")
    parser.add_argument("--settings", type=Path, default=None)
    parser.add_argument("--instance", type=int, default=0)
    parser.add_argument("--until-idle", type=float, default=None)
    args = parser.parse_args(argv)
    logs.configure()
    settings = Settings.model_validate_json(args.settings.read_text()) if args.settings else Settings()
    stats = Stitcher(settings, instance=args.instance, until_idle_s=args.until_idle).run()
    sys.stdout.write(orjson.dumps(asdict(stats)).decode() + "\n")
    sys.stdout.flush()
    return 0

"""kill -9 at random moments, rebalances with 3 instances: the output equals a crash-free run."""

from __future__ import annotations

import random
import signal
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from consumers import run
from consumers.api import spawn_worker
from journeys.settings import Settings, StitcherSettings, TopicSettings
from journeys.topics import create_topics, pipeline_topics
from tests.consumers.conftest import produce
from tests.consumers.streams import customer_stream, journey_fingerprint, stitched_counts

# Every event of the stream is within the lateness, whatever order the partitions are read
# in, so the journeys depend on the events only (see consumers/journey.py).
# The broker's shortest session: a killed instance's partitions move after 6 s.
STITCHER = {
    "allowed_lateness_s": 6 * 3600,
    "inactivity_gap_s": 600,
    "commit_interval_ms": 200,
    "session_timeout_ms": 6_000,
}


@pytest.fixture
def reference(broker: object, admin: object, pipeline_settings: Settings) -> Iterator[Settings]:
    """A second set of topics for the crash-free run."""
    prefix = f"test.ref-{uuid.uuid4().hex[:8]}."
    topics = TopicSettings(prefix=prefix, raw_partitions=4, partitions=4)
    specs = pipeline_topics(topics)
    create_topics(pipeline_settings.kafka, specs, admin=admin)
    yield pipeline_settings.model_copy(
        update={"topics": topics, "stitcher": StitcherSettings(group_id=prefix + "group", **STITCHER)}
    )
    admin.delete_topics([s.name for s in specs], raise_errors=False)  # type: ignore[attr-defined]


def _settings(pipeline_settings: Settings, group: str) -> Settings:
    return pipeline_settings.model_copy(update={"stitcher": StitcherSettings(group_id=group, **STITCHER)})


def _wait(procs: list, timeout: float) -> None:  # type: ignore[type-arg]
    deadline = time.monotonic() + timeout
    for proc in procs:
        proc.wait(max(1.0, deadline - time.monotonic()))
        assert proc.returncode == 0, f"worker exited with {proc.returncode}"


def _assert_same_output(crashed: Settings, reference: Settings, events: list[dict[str, object]]) -> None:
    unique = {e["event_id"] for e in events}
    counts = stitched_counts(crashed)
    assert set(counts) == unique, "lost touchpoints"
    assert max(counts.values()) == 1, "duplicated touchpoints"
    expected = journey_fingerprint(reference)
    actual = journey_fingerprint(crashed)
    assert len(actual) == len(expected)
    assert actual == expected


def test_kill_9_five_times_during_100k_events_changes_nothing(
    pipeline_settings: Settings, reference: Settings, unique_group: str, tmp_path: Path
) -> None:
    # ~100 touchpoints per person: most customers' state is split into sealed changelog parts.
    events = customer_stream(100_000, 1_000, seed=11)
    settings = _settings(pipeline_settings, unique_group)
    produce(settings, events)
    produce(reference, events)
    run(reference, until_idle_s=3.0)

    rng = random.Random(5)
    log = tmp_path / "workers.log"
    kills = 0
    while kills < 5:
        proc = spawn_worker(settings, 0, tmp_path, until_idle_s=3.0, log_path=log)
        time.sleep(rng.uniform(2.0, 6.0))
        assert proc.poll() is None, f"the stitcher finished before kill {kills + 1}; see {log}"
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        kills += 1
    last = spawn_worker(settings, 0, tmp_path, until_idle_s=3.0, log_path=log)
    _wait([last], 240)
    _assert_same_output(settings, reference, events)


def test_three_instances_survive_a_kill_and_a_fourth_joining(
    pipeline_settings: Settings, reference: Settings, unique_group: str, tmp_path: Path
) -> None:
    events = customer_stream(40_000, 400, seed=13)
    settings = _settings(pipeline_settings, unique_group)
    produce(settings, events)
    produce(reference, events)
    run(reference, until_idle_s=3.0)

    log = tmp_path / "workers.log"
    spawn: Callable[[int], object] = lambda i: spawn_worker(settings, i, tmp_path, until_idle_s=4.0, log_path=log)  # noqa: E731
    procs = [spawn(i) for i in range(3)]
    time.sleep(4.0)
    procs[1].send_signal(signal.SIGKILL)  # type: ignore[attr-defined]
    procs[1].wait()  # type: ignore[attr-defined]
    procs.append(spawn(3))  # a new instance joins the group
    time.sleep(1.0)
    procs[1] = spawn(1)  # the killed one comes back and fences its zombie
    _wait(procs, 240)  # type: ignore[arg-type]
    _assert_same_output(settings, reference, events)

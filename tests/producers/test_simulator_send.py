"""`journeys simulate` against the real broker: through the SDK and through the HTTP collector."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from journeys.settings import Settings
from producers.contract import decode_dead_letter, decode_touchpoint
from producers.simulator.run import simulate
from producers.simulator.send import HttpSink
from producers.simulator.truth import read_truth

pytestmark = pytest.mark.kafka


def _expect(result: Any) -> tuple[int, int]:
    counts = result.simulation.counts
    return counts["events"] + counts["duplicates"], counts["invalid"]


def test_simulation_through_the_sdk_lands_in_raw_and_dead_letter_topics(
    pipeline_settings: Settings, read_topic: Callable[..., list[Any]], tmp_path: Path
) -> None:
    result = simulate(pipeline_settings, customers=300, seed=5, truth=tmp_path / "truth.json", progress=False)
    sends, invalid = _expect(result)
    assert result.report.deliveries == sends + invalid
    assert result.report.refused == invalid > 0
    raw = read_topic(pipeline_settings, pipeline_settings.topics.name(pipeline_settings.topics.raw), sends)
    events = [decode_touchpoint(m.value) for m in raw]
    assert len(events) == sends
    ids = Counter(str(e["event_id"]) for e in events)
    truth = read_truth(tmp_path / "truth.json")
    assert set(ids) == {i for j in truth.journeys for i in j.event_ids}
    assert {i for i, n in ids.items() if n > 1} == set(truth.duplicate_event_ids)
    dead = read_topic(pipeline_settings, pipeline_settings.topics.name(pipeline_settings.topics.deadletter), invalid)
    letters = [decode_dead_letter(m.value) for m in dead]
    assert len(letters) == invalid
    assert all(letter["error_kind"] == "validation" and letter["field"] for letter in letters)


def test_simulation_through_the_http_collector(
    pipeline_settings: Settings,
    read_topic: Callable[..., list[Any]],
    serve_collector: Callable[..., Any],
    tmp_path: Path,
) -> None:
    collector = serve_collector(pipeline_settings)
    sink = HttpSink(collector.url, write_key="demo-write-key", batch=200)
    result = simulate(pipeline_settings, customers=40, seed=9, truth=tmp_path / "t.json", sink=sink, progress=False)
    sends, invalid = _expect(result)
    assert result.report.refused == invalid
    raw = read_topic(pipeline_settings, pipeline_settings.topics.name(pipeline_settings.topics.raw), sends)
    assert len(raw) == sends
    assert {decode_touchpoint(m.value)["source"] for m in raw} == {"demo"}
    dead = read_topic(pipeline_settings, pipeline_settings.topics.name(pipeline_settings.topics.deadletter), invalid)
    assert len(dead) == invalid

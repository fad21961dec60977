"""`send_all`: order, pacing with --rate, progress, and the sink closed even on failure (no broker)."""

from __future__ import annotations

from pathlib import Path

import pytest

from producers.simulator.delivery import Delivery
from producers.simulator.send import PACE_EVERY, send_all


class ListSink:
    def __init__(self, fail_at: int | None = None) -> None:
        self.sent: list[Delivery] = []
        self.closed = False
        self.refused = 0
        self.fail_at = fail_at

    def send(self, delivery: Delivery) -> None:
        if self.fail_at is not None and len(self.sent) == self.fail_at:
            raise RuntimeError("broker gone")
        self.sent.append(delivery)
        self.refused += not delivery.valid

    def close(self) -> None:
        self.closed = True


class FakeClock:
    """Time moves only when the sender sleeps, as if sending cost nothing."""

    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def _deliveries(n: int) -> list[Delivery]:
    return [Delivery({"event_id": str(i)}, valid=i % 10 != 0) for i in range(n)]


def test_sends_everything_in_order_and_reports_progress() -> None:
    sink, progress = ListSink(), []
    report = send_all(_deliveries(1_234), sink, on_progress=progress.append)
    assert [d.event["event_id"] for d in sink.sent] == [str(i) for i in range(1_234)]
    assert sink.closed and sum(progress) == 1_234
    assert report.deliveries == 1_234 and report.refused == 124


def test_rate_paces_the_sends() -> None:
    clock, sink = FakeClock(), ListSink()
    send_all(_deliveries(1_000), sink, rate=500, clock=clock, sleep=clock.sleep)
    # 1,000 events at 500/s take 2 s of (fake) time, slept in slices of PACE_EVERY events
    assert clock.now == pytest.approx(2.0)
    assert len(clock.slept) == 1_000 // PACE_EVERY


def test_the_sink_is_closed_when_a_send_fails() -> None:
    sink = ListSink(fail_at=7)
    with pytest.raises(RuntimeError):
        send_all(_deliveries(20), sink)
    assert sink.closed


def test_file_sink_writes_the_stream_as_json_lines(tmp_path: Path) -> None:
    import orjson

    from journeys.settings import Settings
    from producers.simulator.run import simulate

    settings = Settings(data_dir=tmp_path)
    result = simulate(settings, customers=20, seed=2, via="file", progress=False)
    lines = (tmp_path / "simulated_events.jsonl").read_bytes().splitlines()
    assert len(lines) == result.report.deliveries == len(result.simulation.deliveries)
    first = orjson.loads(lines[0])
    assert first["event_time"].endswith("Z") and "event_id" in first
    assert result.truth_path == tmp_path / "ground_truth.json"

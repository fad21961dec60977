"""`journeys evaluate` on a tiny hand-made warehouse (a real DuckDB file) and ground truth."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
import pytest
from typer.testing import CliRunner

from producers.simulator.evaluate import evaluate_warehouse, friction_metrics, journey_metrics, spearman, verdict
from producers.simulator.truth import GroundTruth, TruthJourney, write_truth
from warehouse.db import connect

T0 = datetime(2026, 11, 1, 12, tzinfo=UTC)


def _journey(journey_id: str, person: str, events: list[str], frictions: list[tuple[str, str]]) -> TruthJourney:
    return TruthJourney(
        journey_id=journey_id,
        person_id=person,
        kind="purchase",
        outcome="success",
        terminal=True,
        event_ids=events,
        frictions=[{"rule": rule, "evidence": [anchor], "anchor": anchor} for rule, anchor in frictions],
    )


def _person(person_id: str, **ids: str) -> dict[str, Any]:
    identifiers = {t: [] for t in ("customer_id", "email_hash", "phone_hash", "device_id", "anonymous_id")}
    for id_type, value in ids.items():
        identifiers[id_type].append(value)
    return {"person_id": person_id, "country": "DE", "preferred_channel": "email", "identifiers": identifiers}


@pytest.fixture
def truth() -> GroundTruth:
    return GroundTruth(
        seed=1,
        generated_at=T0.isoformat(),
        window={"start": T0.isoformat(), "end": T0.isoformat()},
        settings={},
        people=[
            _person("p1", customer_id="c-1", anonymous_id="a-1"),
            _person("p2", customer_id="c-2", device_id="d-shared"),
            _person("p3", customer_id="c-3", device_id="d-shared"),
        ],
        journeys=[
            _journey("p1-j1", "p1", ["e1", "e2", "e3"], [("rage_click", "e3")]),
            _journey("p1-j2", "p1", ["e4", "e5"], []),
            _journey("p2-j1", "p2", ["e6", "e7"], [("error_event", "e7")]),
            _journey("p3-j1", "p3", ["e8", "e9"], []),
        ],
        must_not_merge=[
            {"reason": "shared_device", "id_type": "device_id", "id_value": "d-shared", "people": ["p2", "p3"]}
        ],
        invalid_events=[{"event_id": "bad-1", "reason": "unknown channel"}],
    )


def _warehouse(path: Path) -> None:
    """p1 -> W1 (but their anonymous id -> W9: split); p2 and p3 -> W2 (a wrong merge)."""
    con = connect(path)
    placement = {
        "e1": ("W1", "J1"),
        "e2": ("W1", "J1"),
        "e3": ("W1", "J1"),
        "e4": ("W1", "J2"),
        "e5": ("W1", "J2"),
        "e6": ("W2", "J3"),
        "e7": ("W2", "J3"),
        "e8": ("W2", "J4"),
        "e9": ("W2", "J4"),
    }
    for n, (event_id, (customer, journey)) in enumerate(placement.items()):
        at = T0 + timedelta(minutes=n)
        con.execute(
            "insert into touchpoints (event_id, customer_id, journey_id, session_id, event_time, received_time,"
            " stitched_time, source, channel, event_type, late, loaded_at) values (?, ?, ?, 's', ?, ?, ?, 'sim',"
            " 'web', 'page_view', false, ?)",
            [event_id, customer, journey, at, at, at, at],
        )
        con.execute(
            "insert into journey_touchpoints (journey_id, position, event_id, event_time, channel, event_type,"
            " session_id, late) values (?, ?, ?, ?, 'web', 'page_view', 's', false)",
            [journey, n, event_id, at],
        )
    # a journey merged away still lists e1: it must not count
    con.execute(
        "insert into journey_touchpoints values ('J0', 1, 'e1', ?, 'web', 'page_view', 's', false,"
        " null, null, null, null, null, null, null, null, null)",
        [T0],
    )
    for journey, customer, status in [
        ("J0", "W1", "merged"),
        ("J1", "W1", "closed"),
        ("J2", "W1", "closed"),
        ("J3", "W2", "closed"),
        ("J4", "W2", "closed"),
    ]:
        con.execute(
            "insert into journeys (journey_id, customer_id, kind, status, start_time, end_time, duration_s, version,"
            " touchpoint_count, late_count, channel_count, channels, identifiers, updated_time, loaded_at)"
            " values (?, ?, 'purchase', ?, ?, ?, 0, 1, 1, 0, 1, ['web'], '[]', ?, ?)",
            [journey, customer, status, T0, T0, T0, T0],
        )
    for journey, rule in [("J1", "rage_click"), ("J2", "error_event"), ("J0", "rage_click")]:
        con.execute(
            "insert into friction_points (journey_id, rule, severity, touchpoint_ids, detected_at)"
            " values (?, ?, 'medium', [], ?)",
            [journey, rule, T0],
        )
    for journey, score in [("J1", 40.0), ("J2", 90.0), ("J3", 60.0), ("J4", 95.0)]:
        con.execute(
            "insert into journey_scores values (?, ?, 0, 0, 0, 0, '{}', 'v1', ?)",
            [journey, score, T0],
        )
    for id_type, value, customer in [
        ("customer_id", "c-1", "W1"),
        ("anonymous_id", "a-1", "W9"),
        ("customer_id", "c-2", "W2"),
        ("customer_id", "c-3", "W2"),
        ("device_id", "d-shared", "W2"),
    ]:
        con.execute("insert into identities values (?, ?, ?, ?, ?)", [id_type, value, customer, T0, T0])
    for letter, payload in [("dl-1", orjson.dumps({"event_id": "bad-1"}).decode()), ("dl-2", "not json at all")]:
        con.execute(
            "insert into failed_events (dead_letter_id, replay_count, source, error_kind, message, content_type,"
            " payload, error_time, loaded_at) values (?, 0, 'sim', 'validation', 'bad', 'application/json', ?, ?, ?)",
            [letter, payload, T0, T0],
        )
    con.close()


def test_evaluation_counts_hits_misses_splits_and_wrong_merges(truth: GroundTruth, tmp_path: Path) -> None:
    _warehouse(tmp_path / "w.duckdb")
    result = evaluate_warehouse(tmp_path / "w.duckdb", write_truth(truth, tmp_path / "truth.json"))
    assert result["friction"]["rage_click"] == {
        "precision": 1.0,
        "recall": 1.0,
        "tp": 1,
        "fp": 0,
        "fn": 0,
        "injected": 1,
    }
    assert result["friction"]["error_event"] == {
        "precision": 0.0,
        "recall": 0.0,
        "tp": 0,
        "fp": 1,
        "fn": 1,
        "injected": 1,
    }
    assert result["friction"]["slow_reply"]["injected"] == 0
    assert result["stitching"] == {
        "people": 3,
        "accuracy": round(2 / 3, 4),
        "wrong_merges": 1,
        "split_people": 1,
        "customers": 2,
        "missing_events": 0,
    }
    assert result["score"]["journeys"] == 4
    assert result["score"]["mean_with_friction"] == 50.0
    assert result["score"]["mean_without"] == 92.5
    assert result["score"]["spearman"] < -0.8
    assert result["journeys"] == {"simulated": 4, "intact": 1.0, "split": 0, "merged": 0, "warehouse_journeys": 4}
    assert result["ingestion"] == {
        "events": 9,
        "loaded": 9,
        "late_sent": 0,
        "late_flagged": 0,
        "invalid_sent": 1,
        "invalid_dead_lettered": 1,
    }
    assert result["passed"] is False


def test_an_anchor_missing_from_the_warehouse_is_a_miss(truth: GroundTruth) -> None:
    metrics = friction_metrics(truth, {"e3": None, "e7": "J3"}, [("J3", "error_event")])
    assert metrics["rage_click"]["fn"] == 1 and metrics["rage_click"]["recall"] == 0.0
    assert metrics["error_event"]["tp"] == 1


def test_journey_metrics_see_splits_and_merges(truth: GroundTruth) -> None:
    placed = {"e1": "J1", "e2": "J1", "e3": "JX", "e4": "J2", "e5": "J2", "e6": "J3", "e7": "J3", "e8": "J3"}
    metrics = journey_metrics(truth, placed)
    assert metrics == {"simulated": 4, "intact": 0.25, "split": 1, "merged": 2, "warehouse_journeys": 4}


def test_spearman_ranks_ties_and_refuses_constant_input() -> None:
    assert spearman([1, 2, 3], [10, 20, 30]) == pytest.approx(1.0)
    assert spearman([1, 2, 3], [30, 20, 10]) == pytest.approx(-1.0)
    assert spearman([0, 0, 1, 1], [90, 95, 40, 60]) == pytest.approx(-0.8944, abs=1e-4)
    assert spearman([1, 1, 1], [1, 2, 3]) is None


def test_verdict_needs_every_threshold() -> None:
    good = {
        "friction": {"rage_click": {"precision": 0.99, "recall": 0.96}},
        "stitching": {"accuracy": 0.995, "wrong_merges": 0},
        "score": {"mean_with_friction": 50.0, "mean_without": 80.0},
    }
    assert verdict(good)
    assert not verdict({**good, "stitching": {"accuracy": 0.995, "wrong_merges": 1}})
    assert not verdict({**good, "friction": {"rage_click": {"precision": 0.99, "recall": 0.9}}})
    assert not verdict({**good, "score": {"mean_with_friction": 80.0, "mean_without": 50.0}})


def test_cli_writes_evaluation_json_and_fails_only_when_strict(
    truth: GroundTruth, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from journeys.cli import app

    _warehouse(tmp_path / "journeys.duckdb")
    write_truth(truth, tmp_path / "ground_truth.json")
    monkeypatch.setenv("JOURNEYS_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("JOURNEYS_WAREHOUSE_PATH", raising=False)
    runner = CliRunner()
    lenient = runner.invoke(app, ["evaluate"])
    assert lenient.exit_code == 0, lenient.output
    assert "rage_click" in lenient.output
    written = orjson.loads((tmp_path / "evaluation.json").read_bytes())
    assert set(written) >= {"generated_at", "truth_path", "friction", "stitching", "score", "thresholds", "passed"}
    assert written["passed"] is False
    assert runner.invoke(app, ["evaluate", "--strict"]).exit_code == 1

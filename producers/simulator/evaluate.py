"""``journeys evaluate``: how well the warehouse recovered what the simulator injected.

- **friction**, per rule, at the journey level: the warehouse journeys flagged by the rule
  against those holding (through journey_touchpoints, by event id) the anchor event of an
  injected instance; an anchor the warehouse lacks counts as missed.
- **stitching**: a person is right when all their events and identifiers (except those of
  a must-not-merge group: a shared device, a placeholder id) ended in exactly one
  customer; a wrong merge is a customer holding events of two or more people.
- **score**: Spearman rank correlation between a journey's number of injected frictions
  and its score (negative is good), and the mean score with and without friction.

The metrics are pure functions over plain data; the warehouse is read with the SQL in
``producers/simulator/evaluate_*.sql`` against the ground truth registered as Arrow tables.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any

import orjson

from producers.simulator.reference import RULES
from producers.simulator.truth import GroundTruth, read_truth

__all__ = [
    "THRESHOLDS",
    "evaluate_warehouse",
    "friction_metrics",
    "journey_metrics",
    "render",
    "score_metrics",
    "spearman",
    "stitching_metrics",
    "write_evaluation",
]

THRESHOLDS: dict[str, float] = {
    "friction_precision": 0.95,
    "friction_recall": 0.95,
    "stitching_accuracy": 0.99,
    "wrong_merges": 0,
}


def _sql(name: str) -> str:
    return resources.files("producers.simulator").joinpath(f"evaluate_{name}").read_text(encoding="utf-8")


# -- the pure metrics ---------------------------------------------------------------------


def friction_metrics(
    truth: GroundTruth, journey_of: Mapping[str, str | None], flagged: Iterable[tuple[str, str]]
) -> dict[str, dict[str, Any]]:
    """Per rule: tp, fp, fn, precision, recall, injected (see the module docstring)."""
    flags: dict[str, set[str]] = defaultdict(set)
    for journey_id, rule in flagged:
        flags[rule].add(journey_id)
    expected: dict[str, set[str]] = defaultdict(set)
    unplaced: Counter[str] = Counter()
    injected: Counter[str] = Counter()
    for journey in truth.journeys:
        for friction in journey.frictions:
            rule = friction["rule"]
            injected[rule] += 1
            placed = journey_of.get(friction["anchor"])
            if placed is None:
                unplaced[rule] += 1
            else:
                expected[rule].add(placed)
    out: dict[str, dict[str, Any]] = {}
    for rule in sorted(set(RULES) | set(flags) | set(injected)):
        tp = len(flags[rule] & expected[rule])
        fp = len(flags[rule] - expected[rule])
        fn = len(expected[rule] - flags[rule]) + unplaced[rule]
        out[rule] = {
            "precision": round(tp / (tp + fp), 4) if tp + fp else 1.0,
            "recall": round(tp / (tp + fn), 4) if tp + fn else 1.0,
            "tp": tp,
            "fp": fp,
            "fn": fn,
            "injected": injected[rule],
        }
    return out


def stitching_metrics(
    truth: GroundTruth,
    customer_of: Mapping[str, str | None],
    identity_customers: Iterable[tuple[str, str]],
) -> dict[str, Any]:
    """people, accuracy, wrong_merges, split_people, customers, missing_events."""
    events_of: dict[str, list[str]] = defaultdict(list)
    for journey in truth.journeys:
        events_of[journey.person_id].extend(journey.event_ids)
    customers_of: dict[str, set[str]] = defaultdict(set)
    for person_id, customer_id in identity_customers:
        customers_of[person_id].add(customer_id)
    people_of: dict[str, set[str]] = defaultdict(set)
    missing = 0
    incomplete: set[str] = set()
    for person_id, event_ids in events_of.items():
        for event_id in event_ids:
            customer = customer_of.get(event_id)
            if customer is None:
                missing += 1
                incomplete.add(person_id)
                continue
            customers_of[person_id].add(customer)
            people_of[customer].add(person_id)
    people = len(events_of)
    right = sum(1 for p in events_of if len(customers_of[p]) == 1 and p not in incomplete)
    return {
        "people": people,
        "accuracy": round(right / people, 4) if people else 1.0,
        "wrong_merges": sum(1 for owners in people_of.values() if len(owners) > 1),
        "split_people": sum(1 for p in events_of if len(customers_of[p]) > 1),
        "customers": len(people_of),
        "missing_events": missing,
    }


def journey_metrics(truth: GroundTruth, journey_of: Mapping[str, str | None]) -> dict[str, Any]:
    """How the warehouse cut the simulated journeys: intact (all events in one warehouse
    journey of their own), split (over several), merged (sharing one with another)."""
    holders: dict[str, set[str]] = defaultdict(set)
    placed_of: dict[str, set[str]] = {}
    for journey in truth.journeys:
        placed = {j for j in (journey_of.get(e) for e in journey.event_ids) if j is not None}
        placed_of[journey.journey_id] = placed
        for warehouse_journey in placed:
            holders[warehouse_journey].add(journey.journey_id)
    split = sum(1 for placed in placed_of.values() if len(placed) > 1)
    merged = sum(1 for placed in placed_of.values() if any(len(holders[w]) > 1 for w in placed))
    intact = sum(1 for placed in placed_of.values() if len(placed) == 1 and all(len(holders[w]) == 1 for w in placed))
    total = len(truth.journeys)
    return {
        "simulated": total,
        "intact": round(intact / total, 4) if total else 1.0,
        "split": split,
        "merged": merged,
        "warehouse_journeys": len(holders),
    }


def spearman(xs: Sequence[float], ys: Sequence[float]) -> float | None:
    """Spearman's rank correlation (average ranks for ties); ``None`` when undefined."""
    if len(xs) < 2:
        return None
    rx, ry = _ranks(xs), _ranks(ys)
    mx, my = sum(rx) / len(rx), sum(ry) / len(ry)
    cov = sum((a - mx) * (b - my) for a, b in zip(rx, ry, strict=True))
    vx = sum((a - mx) ** 2 for a in rx)
    vy = sum((b - my) ** 2 for b in ry)
    if vx == 0 or vy == 0:
        return None
    return float(cov / (vx * vy) ** 0.5)


def _ranks(values: Sequence[float]) -> list[float]:
    order = sorted(range(len(values)), key=lambda i: values[i])
    ranks = [0.0] * len(values)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        for k in range(i, j + 1):
            ranks[order[k]] = (i + j) / 2 + 1
        i = j + 1
    return ranks


def score_metrics(
    truth: GroundTruth, journey_of: Mapping[str, str | None], scores: Mapping[str, float]
) -> dict[str, Any]:
    """Each simulated journey takes the score of the warehouse journey holding most of its events."""
    frictions, values = [], []
    for journey in truth.journeys:
        placed = Counter(j for j in (journey_of.get(e) for e in journey.event_ids) if j is not None)
        if not placed:
            continue
        score = scores.get(placed.most_common(1)[0][0])
        if score is None:
            continue
        frictions.append(len(journey.rules))
        values.append(score)
    with_friction = [s for n, s in zip(frictions, values, strict=True) if n > 0]
    without = [s for n, s in zip(frictions, values, strict=True) if n == 0]
    rho = spearman(frictions, values)
    return {
        "journeys": len(values),
        "spearman": round(rho, 4) if rho is not None else None,
        "mean_with_friction": round(sum(with_friction) / len(with_friction), 2) if with_friction else None,
        "mean_without": round(sum(without) / len(without), 2) if without else None,
    }


def verdict(result: Mapping[str, Any], thresholds: Mapping[str, float] = THRESHOLDS) -> bool:
    friction_ok = all(
        m["precision"] >= thresholds["friction_precision"] and m["recall"] >= thresholds["friction_recall"]
        for m in result["friction"].values()
    )
    stitching = result["stitching"]
    stitching_ok = (
        stitching["accuracy"] >= thresholds["stitching_accuracy"]
        and stitching["wrong_merges"] <= thresholds["wrong_merges"]
    )
    score = result["score"]
    score_ok = (
        score["mean_with_friction"] is not None
        and score["mean_without"] is not None
        and score["mean_with_friction"] < score["mean_without"]
    )
    return friction_ok and stitching_ok and score_ok


# -- the warehouse adapter ---------------------------------------------------------------------


def evaluate_warehouse(warehouse: Path, truth_path: Path) -> dict[str, Any]:
    """Read the warehouse (read-only) and the ground truth; the evaluation.json document."""
    import pyarrow as pa

    from warehouse.db import connect

    truth = read_truth(truth_path)
    con = connect(warehouse, read_only=True)
    try:
        rows = [(e, j.person_id, j.journey_id) for j in truth.journeys for e in j.event_ids]
        con.register(
            "sim_events",
            pa.table(
                {
                    "event_id": [r[0] for r in rows],
                    "person_id": [r[1] for r in rows],
                    "sim_journey_id": [r[2] for r in rows],
                }
            ),
        )
        excluded = {(g["id_type"], g["id_value"]) for g in truth.must_not_merge}
        ids = [
            (p["person_id"], id_type, value)
            for p in truth.people
            for id_type, values in p["identifiers"].items()
            for value in values
            if (id_type, value) not in excluded
        ]
        con.register(
            "sim_identifiers",
            pa.table(
                {"person_id": [i[0] for i in ids], "id_type": [i[1] for i in ids], "id_value": [i[2] for i in ids]}
            ),
        )
        con.register("sim_invalid", pa.table({"event_id": [str(i["event_id"]) for i in truth.invalid_events]}))
        placement = con.execute(_sql("placement.sql")).fetchall()
        flagged = con.execute(_sql("friction_flags.sql")).fetchall()
        scores = dict(con.execute(_sql("scores.sql")).fetchall())
        identity_rows = con.execute(_sql("identities.sql")).fetchall()
        (dead_lettered,) = con.execute(_sql("failed.sql")).fetchone() or (0,)
    finally:
        con.close()
    customer_of = {row[0]: row[3] for row in placement}
    journey_of = {row[0]: row[4] for row in placement}
    result: dict[str, Any] = {
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        "truth_path": str(truth_path),
        "friction": friction_metrics(truth, journey_of, flagged),
        "stitching": stitching_metrics(truth, customer_of, [(p, c) for p, c in identity_rows]),
        "score": score_metrics(truth, journey_of, scores),
        "journeys": journey_metrics(truth, journey_of),
        "ingestion": {
            "events": len(rows),
            "loaded": sum(1 for c in customer_of.values() if c is not None),
            "late_sent": len(truth.late_event_ids),
            "late_flagged": sum(1 for row in placement if row[5]),
            "invalid_sent": len(truth.invalid_events),
            "invalid_dead_lettered": int(dead_lettered),
        },
        "thresholds": dict(THRESHOLDS),
    }
    result["passed"] = verdict(result)
    return result


def write_evaluation(result: Mapping[str, Any], path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_bytes(orjson.dumps(result, option=orjson.OPT_INDENT_2))
    tmp.replace(path)
    return path


def render(result: Mapping[str, Any], console: Any) -> None:
    """The rich tables ``journeys evaluate`` prints."""
    from rich.table import Table

    thresholds = result["thresholds"]
    table = Table(title="friction rules: warehouse vs ground truth (journey level)")
    for column in ("rule", "injected", "tp", "fp", "fn", "precision", "recall"):
        table.add_column(column, justify="left" if column == "rule" else "right")
    for rule, m in result["friction"].items():
        p_ok = m["precision"] >= thresholds["friction_precision"]
        r_ok = m["recall"] >= thresholds["friction_recall"]
        table.add_row(
            rule,
            f"{m['injected']:,}",
            f"{m['tp']:,}",
            f"{m['fp']:,}",
            f"{m['fn']:,}",
            f"[{'green' if p_ok else 'red'}]{m['precision']:.3f}",
            f"[{'green' if r_ok else 'red'}]{m['recall']:.3f}",
        )
    console.print(table)
    s = result["stitching"]
    ok = s["accuracy"] >= thresholds["stitching_accuracy"] and s["wrong_merges"] <= thresholds["wrong_merges"]
    console.print(
        f"[{'green' if ok else 'red'}]stitching[/]: accuracy {s['accuracy']:.4f} over {s['people']:,} people, "
        f"{s['wrong_merges']:,} wrong merges, {s['split_people']:,} split people, {s['customers']:,} customers, "
        f"{s['missing_events']:,} events not in the warehouse"
    )
    sc = result["score"]
    console.print(
        f"score: Spearman {sc['spearman']} (frictions vs score, negative is good) over {sc['journeys']:,} journeys; "
        f"mean {sc['mean_with_friction']} with friction, {sc['mean_without']} without"
    )
    jm = result["journeys"]
    console.print(
        f"journeys: {jm['intact']:.4f} of {jm['simulated']:,} simulated journeys intact in the warehouse, "
        f"{jm['split']:,} split over several, {jm['merged']:,} merged with another"
    )
    if jm["simulated"] and jm["intact"] < 0.99:
        console.print(
            "[yellow]hint[/]: journeys cut into pieces are what lowers friction precision and recall. The "
            "simulation replays days of event time in seconds, read from several raw partitions one chunk at a "
            "time: compare `late_flagged` with `late_sent`. A one-partition raw topic "
            "(JOURNEYS_TOPIC_RAW_PARTITIONS=1) reads the replay in send order"
        )
    ing = result["ingestion"]
    console.print(
        f"ingestion: {ing['loaded']:,} of {ing['events']:,} events loaded, {ing['late_flagged']:,} flagged late "
        f"({ing['late_sent']:,} sent past the allowed lateness); "
        f"{ing['invalid_dead_lettered']:,} of {ing['invalid_sent']:,} invalid events in failed_events"
    )
    console.print("[bold green]PASSED" if result["passed"] else "[bold red]NOT PASSED")

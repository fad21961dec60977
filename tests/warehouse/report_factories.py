"""Factories for the report tests: a small, realistic warehouse written with ``warehouse.db.connect``.

``sample_warehouse(path, journeys=40)`` simulates shopping, support and messaging journeys over
several channels and countries, injects friction into some (with the evidence rows the friction
flow would write), scores them, and adds data-quality runs and dead letters.
"""

from __future__ import annotations

import itertools
import json
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from warehouse.db import connect

# Every chart of the report, by its data-chart name.
CHARTS = {
    "volume",
    "score-distribution",
    "friction-by-rule",
    "friction-by-channel",
    "friction-by-country",
    "channel-sankey",
    "channel-preference",
    "worst-journeys",
    "data-quality",
    "dead-letters",
    "identity-links",
    "evaluation",
}

START = datetime(2026, 11, 10, 8, 0, tzinfo=UTC)
COUNTRIES = {"US": 0.3, "GB": 0.15, "BR": 0.2, "MX": 0.1, "DE": 0.1, "JP": 0.1, "ID": 0.05}
MESSAGING = {
    "US": "sms",
    "GB": "sms",
    "BR": "whatsapp",
    "MX": "whatsapp",
    "DE": "email",
    "JP": "line",
    "ID": "whatsapp",
}
SEVERITY = {
    "rage_click": "medium",
    "error_event": "medium",
    "slow_response": "low",
    "checkout_abandonment": "high",
    "failed_self_service": "high",
    "multiple_transfers": "medium",
    "long_queue_wait": "medium",
    "negative_survey": "high",
    "undelivered_message": "low",
    "off_preference_channel": "low",
}
WEIGHT = {"low": 1, "medium": 2, "high": 3}


@dataclass
class Journey:
    journey_id: str
    customer_id: str
    country: str
    kind: str
    clock: datetime
    touchpoints: list[dict[str, Any]] = field(default_factory=list)
    friction: list[dict[str, Any]] = field(default_factory=list)

    def add(self, channel: str, event_type: str, *, after_s: float = 20, **fields: Any) -> str:
        self.clock += timedelta(seconds=after_s)
        event_id = f"{self.journey_id}-e{len(self.touchpoints) + 1:02d}"
        self.touchpoints.append(
            {"event_id": event_id, "event_time": self.clock, "channel": channel, "event_type": event_type} | fields
        )
        return event_id

    def flag(self, rule: str, evidence: list[str], detail: str) -> None:
        first = next(t for t in self.touchpoints if t["event_id"] == evidence[0])
        self.friction.append(
            {
                "rule": rule,
                "severity": SEVERITY[rule],
                "touchpoint_ids": evidence,
                "channel": first["channel"],
                "step": first.get("step") or first.get("page"),
                "detail": detail,
            }
        )


def _shop(j: Journey, rng: random.Random, frictions: set[str]) -> None:
    site = rng.choice(["web", "web", "app"])
    if rng.random() < 0.5:
        channel = "whatsapp" if "off_preference_channel" in frictions else MESSAGING[j.country]
        sent = j.add(channel, "message_sent", after_s=0, step="promo")
        if "off_preference_channel" in frictions:
            j.flag("off_preference_channel", [sent], f"brand message on {channel} in {j.country}")
        j.add(channel, "message_clicked", after_s=rng.randint(600, 20_000))
    view = "screen_view" if site == "app" else "page_view"
    j.add(site, view, page="home", step="home", latency_ms=rng.randint(200, 900))
    j.add(site, "search", page="search", latency_ms=rng.randint(200, 900))
    slow = j.add(site, view, page="product", step="product", latency_ms=rng.randint(300, 1200))
    if "slow_response" in frictions:
        j.touchpoints[-1]["latency_ms"] = 7_400
        j.flag("slow_response", [slow], f"{site} {view} took 7,400 ms")
    if "rage_click" in frictions:
        clicks = [j.add(site, "click", after_s=0.5, page="product", target="size-picker") for _ in range(4)]
        j.flag("rage_click", clicks, "4 clicks on size-picker within 2 s")
    cart = j.add(site, "add_to_cart", page="product", value=rng.choice([39.0, 79.0, 129.0]))
    checkout = j.add(site, "checkout_started", page="checkout", step="checkout")
    if "error_event" in frictions:
        err = j.add(site, "error", page="checkout", step="payment", error_code="PAYMENT_DECLINED")
        j.flag("error_event", [err], "error PAYMENT_DECLINED at payment")
    if "checkout_abandonment" in frictions:
        j.flag("checkout_abandonment", [cart, checkout], "cart and checkout, no purchase")
        return
    j.add(site, "purchase", page="confirmation", outcome="success", value=79.0, after_s=rng.randint(40, 300))


def _support(j: Journey, rng: random.Random, frictions: set[str]) -> None:
    j.add("web", "page_view", after_s=0, page="help", step="help")
    bot = j.add("chatbot", "contact_started", intent="refund")
    j.add("chatbot", "message_received", intent="refund")
    assisted = "voice" if rng.random() < 0.5 else "chat"
    if "failed_self_service" in frictions:
        handoff = j.add("chatbot", "bot_handoff", outcome="failure", intent="refund")
        contact = j.add(assisted, "contact_started", after_s=rng.randint(300, 5000), intent="refund")
        j.flag("failed_self_service", [bot, handoff, contact], f"chatbot failed, {assisted} contact within 4 h")
    elif rng.random() < 0.6:
        j.add("chatbot", "contact_resolved", outcome="success", intent="refund")
        return
    else:
        j.add(assisted, "contact_started", after_s=rng.randint(300, 5000), intent="refund")
    wait = 640_000 if "long_queue_wait" in frictions else rng.randint(20_000, 90_000)
    queued = j.add(assisted, "queued", latency_ms=wait)
    if "long_queue_wait" in frictions:
        j.flag("long_queue_wait", [queued], f"queued {wait // 1000} s on {assisted}")
    j.add(assisted, "agent_assigned", after_s=wait / 1000, agent_id="a-17")
    if "multiple_transfers" in frictions:
        moves = [j.add(assisted, "agent_transfer", after_s=240, agent_id=f"a-{n}") for n in (22, 31)]
        j.flag("multiple_transfers", moves, "2 agent transfers")
    j.add(assisted, "contact_resolved", after_s=rng.randint(200, 900), outcome="success", intent="refund")
    score = 1.0 if "negative_survey" in frictions else float(rng.choice([4, 5, 5]))
    survey = j.add(
        "email", "survey_response", after_s=rng.randint(3600, 30_000), survey_kind="csat", survey_score=score
    )
    if "negative_survey" in frictions:
        j.flag("negative_survey", [survey], "csat 1 of 5")


def _notify(j: Journey, rng: random.Random, frictions: set[str]) -> None:
    channel = MESSAGING[j.country]
    first = j.add(channel, "message_sent", after_s=0, step="order_update")
    if "undelivered_message" in frictions:
        bounce = j.add(channel, "message_bounced", after_s=4, error_code="UNREACHABLE")
        j.flag("undelivered_message", [bounce], f"{channel} message bounced")
        first = j.add("email", "message_sent", after_s=600, step="order_update")
        channel = "email"
    j.add(channel, "message_delivered", after_s=5)
    j.add(channel, "message_opened", after_s=rng.randint(60, 9000))
    j.add("push", "notification_received", after_s=rng.randint(600, 4000))
    j.add("app", "app_open", after_s=30)
    j.add("app", "screen_view", page="orders", step="orders", latency_ms=rng.randint(200, 900))
    del first


SCENARIOS = {
    "purchase": (
        _shop,
        ["rage_click", "error_event", "slow_response", "checkout_abandonment", "off_preference_channel"],
    ),
    "support": (_support, ["failed_self_service", "multiple_transfers", "long_queue_wait", "negative_survey"]),
    "engagement": (_notify, ["undelivered_message"]),
}


TYPICAL = {"touchpoints": 7.0, "channel_switches": 1.0, "duration_s": 1800.0}
SCORING = {
    "outcome": {"points": 45},
    "effort": {"points": 35},
    "sentiment": {"points": 20},
    "friction": {"points_per_weight": 6, "max_penalty": 60},
}


def _excess(value: float, typical: float) -> float:
    """0 at or under the typical value, 1 at three times it (warehouse/scoring.yaml's full_penalty_ratio)."""
    return min(max((value / typical - 1) / 2, 0.0), 1.0)


def _score(j: Journey) -> dict[str, Any]:
    """Points as flows/scoring computes them, with the same components shape."""
    tps = sorted(j.touchpoints, key=lambda t: t["event_time"])
    outcome = next((t["outcome"] for t in reversed(tps) if t.get("outcome") == "success"), None)
    share = 1.0 if outcome else 0.25
    switches = sum(1 for a, b in itertools.pairwise(tps) if a["channel"] != b["channel"])
    measured = {
        "touchpoints": float(len(tps)),
        "channel_switches": float(switches),
        "duration_s": (tps[-1]["event_time"] - tps[0]["event_time"]).total_seconds(),
    }
    excess = {k: _excess(v, TYPICAL[k]) for k, v in measured.items()}
    effort = 35 * (1 - 0.4 * excess["touchpoints"] - 0.3 * excess["channel_switches"] - 0.3 * excess["duration_s"])
    surveys = [t["survey_score"] for t in tps if t.get("survey_score") is not None]
    level = (surveys[0] - 1) / 4 if surveys else None
    weight = sum(WEIGHT[f["severity"]] for f in j.friction)
    friction = -min(60.0, 6.0 * weight)
    points = {"outcome": 45 * share, "effort": effort, "sentiment": 20 * (0.5 if level is None else level)}
    components = {
        "outcome": {"value": outcome, "status": "closed", "share": share},
        "effort": {"typical_of": j.kind}
        | {k: v for k, v in measured.items()}
        | {f"typical_{k}": v for k, v in TYPICAL.items()}
        | {f"{k.removesuffix('_s')}_excess": round(v, 4) for k, v in excess.items()},
        "friction": {"rules": [f["rule"] for f in j.friction], "severity_weight": weight},
        "sentiment": {"surveys": len(surveys), "level": level},
    }
    return {
        "journey_id": j.journey_id,
        "score": round(max(0.0, min(100.0, sum(points.values()) + friction)), 2),
        "outcome_points": round(points["outcome"], 2),
        "effort_points": round(points["effort"], 2),
        "friction_points": round(friction, 2),
        "sentiment_points": round(points["sentiment"], 2),
        "components": json.dumps(components),
        "weights_version": "test-1",
        "scored_at": START + timedelta(days=20),
    }


def simulate(journeys: int = 40, *, seed: int = 7, days: int = 14) -> list[Journey]:
    """``journeys`` journeys of ``journeys * 0.7`` customers; about half carry 1-2 frictions."""
    rng = random.Random(seed)
    made = []
    customers = max(1, int(journeys * 0.7))
    for n in range(journeys):
        country = rng.choices(list(COUNTRIES), weights=list(COUNTRIES.values()))[0]
        kind = rng.choices(list(SCENARIOS), weights=[0.5, 0.3, 0.2])[0]
        build, possible = SCENARIOS[kind]
        frictions = (
            set(rng.sample(possible, k=min(len(possible), rng.choice([1, 1, 2])))) if rng.random() < 0.5 else set()
        )
        start = START + timedelta(seconds=rng.randint(0, days * 86_400))
        j = Journey(f"j{n:04d}", f"c{rng.randrange(customers):04d}", country, kind, start)
        build(j, rng, frictions)
        made.append(j)
    return made


def _insert(con: duckdb.DuckDBPyConnection, table: str, rows: list[dict[str, Any]]) -> None:
    if rows:
        batch = pa.Table.from_pylist(rows)
        con.register("batch", batch)
        con.execute(f"insert into {table} by name select * from batch")
        con.unregister("batch")


def write(con: duckdb.DuckDBPyConnection, journeys: list[Journey]) -> None:
    """Load simulated journeys the way the loader and the friction and score flows would."""
    loaded = START + timedelta(days=20)
    touchpoints, members, heads, friction, scores = [], [], [], [], []
    for j in journeys:
        tps = sorted(j.touchpoints, key=lambda t: t["event_time"])
        channels = list(dict.fromkeys(t["channel"] for t in tps))
        outcome = next((t["outcome"] for t in reversed(tps) if t.get("outcome") == "success"), None)
        heads.append(
            {
                "journey_id": j.journey_id,
                "customer_id": j.customer_id,
                "kind": j.kind,
                "status": "closed",
                "close_reason": "outcome" if outcome else "inactivity",
                "start_time": tps[0]["event_time"],
                "end_time": tps[-1]["event_time"],
                "duration_s": (tps[-1]["event_time"] - tps[0]["event_time"]).total_seconds(),
                "version": 1,
                "outcome": outcome,
                "country": j.country,
                "touchpoint_count": len(tps),
                "late_count": 0,
                "channel_count": len(channels),
                "channels": channels,
                "identifiers": json.dumps([{"type": "customer_id", "value": j.customer_id}]),
                "updated_time": tps[-1]["event_time"],
                "loaded_at": loaded,
            }
        )
        for position, t in enumerate(tps, 1):
            common = {"session_id": f"{j.journey_id}-s-{t['channel']}", "late": False}
            members.append(
                {k: v for k, v in t.items() if k not in {"target", "agent_id", "value"}}
                | common
                | {"journey_id": j.journey_id, "position": position}
            )
            touchpoints.append(
                t
                | common
                | {
                    "customer_id": j.customer_id,
                    "journey_id": j.journey_id,
                    "received_time": t["event_time"],
                    "stitched_time": t["event_time"],
                    "source": f"{t['channel']}-source",
                    "country": j.country,
                    "loaded_at": loaded,
                }
            )
        friction += [f | {"journey_id": j.journey_id, "detected_at": loaded} for f in j.friction]
        scores.append(_score(j))
    _insert(con, "journeys", heads)
    _insert(con, "touchpoints", touchpoints)
    _insert(con, "journey_touchpoints", members)
    _insert(con, "friction_points", friction)
    _insert(con, "journey_scores", scores)
    config = json.dumps(SCORING)
    con.execute("insert or replace into scoring_configs values ('test-1', ?, ?)", [config, loaded])


CHECKS = {
    "touchpoints_not_null_keys": (0.0, 0.0),
    "journeys_unique_id": (0.0, 0.0),
    "late_event_share": (0.01, 0.05),
    "dead_letter_share": (0.004, 0.01),
    "orphan_touchpoints": (0.0, 0.0),
    "freshness_minutes": (4.0, 15.0),
    "stitch_merge_rate": (0.02, 0.1),
}


def dq_runs(con: duckdb.DuckDBPyConnection, runs: int = 8, *, seed: int = 7) -> None:
    """``runs`` data-quality runs, mostly passing, one warning streak and one failure."""
    rng = random.Random(seed)
    rows = []
    for r in range(runs):
        at = START + timedelta(days=14, hours=r)
        for name, (typical, threshold) in CHECKS.items():
            observed = typical * rng.uniform(0.5, 1.5)
            status = "pass"
            if name == "freshness_minutes" and r == runs - 3:
                observed, status = 42.0, "fail"
            if name == "late_event_share" and r >= runs - 2:
                observed, status = 0.052, "warn"
            rows.append(
                {
                    "run_id": f"dq-{r:03d}",
                    "check_name": name,
                    "status": status,
                    "observed": observed,
                    "threshold": threshold,
                    "message": f"{name}: observed {observed:.4g}, threshold {threshold:.4g}",
                    "checked_at": at,
                }
            )
    _insert(con, "dq_results", rows)


def dead_letters(con: duckdb.DuckDBPyConnection, count: int = 9) -> None:
    kinds = [("validation", "web-shop", "event_time"), ("decode", "collector", None), ("oversize", "mobile-app", None)]
    rows = []
    for n in range(count):
        kind, source, fld = kinds[n % len(kinds) if n < 6 else 0]
        rows.append(
            {
                "dead_letter_id": f"dl-{n}",
                "replay_count": 0,
                "source": source,
                "error_kind": kind,
                "field": fld,
                "message": f"{kind} failed",
                "content_type": "application/json",
                "payload": "{}",
                "error_time": START + timedelta(hours=n),
                "loaded_at": START + timedelta(days=20),
            }
        )
    _insert(con, "failed_events", rows)


def identity_links(con: duckdb.DuckDBPyConnection, journeys: list[Journey]) -> None:
    """Links as the stitcher publishes them: each customer's device observed, a few merges and refusals."""
    rows = []
    for n, customer in enumerate(sorted({j.customer_id for j in journeys})):
        kinds = [("observed", None)] + ([("merged", None)] if n % 5 == 0 else [])
        kinds += [("refused", "shared device: too many customers")] if n % 11 == 0 else []
        kinds += [("refused", "placeholder identifier")] if n % 17 == 0 else []
        for kind, reason in kinds:
            rows.append(
                {
                    "link_id": f"l-{customer}-{kind}-{reason}",
                    "kind": kind,
                    "left_type": "device_id",
                    "left_value": f"d-{customer}",
                    "right_type": "customer_id",
                    "right_value": customer,
                    "source": "web-shop",
                    "observed_time": START,
                    "canonical_id": customer,
                    "reason": reason,
                    "loaded_at": START + timedelta(days=20),
                }
            )
    _insert(con, "identity_links", rows)
    kinds = ["customer_id", "device_id", "email_hash", "anonymous_id", "phone_hash", "device_id"]
    identities = [
        {
            "id_type": kinds[i],
            "id_value": f"{kinds[i]}-{customer}-{i}",
            "customer_id": customer,
            "first_seen": START,
            "last_seen": START + timedelta(days=3),
        }
        for n, customer in enumerate(sorted({j.customer_id for j in journeys}))
        for i in range(1 + (n * 7) % 5 // 2 + (n % 13 == 0) * 3)
    ]
    _insert(con, "identities", identities)


def sample_warehouse(path: Path, journeys: int = 40, *, seed: int = 7) -> Path:
    """A warehouse file at ``path`` holding ``journeys`` simulated journeys, friction, scores, dq runs, dead letters."""
    con = connect(path)
    try:
        simulated = simulate(journeys, seed=seed)
        write(con, simulated)
        identity_links(con, simulated)
        dq_runs(con, seed=seed)
        dead_letters(con)
    finally:
        con.close()
    return path


def evaluation(*, passed: bool = True) -> dict[str, Any]:
    """An evaluation.json as `journeys evaluate` writes it."""
    rules = {
        rule: {
            "precision": 0.99 - i * 0.003,
            "recall": 0.985 - i * 0.0035,
            "tp": 400 - i * 20,
            "fp": 3 + i,
            "fn": 5 + i,
            "injected": 405 - i * 19,
        }
        for i, rule in enumerate(SEVERITY)
    }
    return {
        "generated_at": "2026-11-26T21:00:00Z",
        "truth_path": "data/ground_truth.json",
        "friction": rules,
        "stitching": {"people": 10000, "accuracy": 0.995, "wrong_merges": 0, "split_people": 50, "customers": 10050},
        "score": {"journeys": 40000, "spearman": -0.62, "mean_with_friction": 55.2, "mean_without": 88.1},
        "ingestion": {"events": 59_717, "loaded": 59_717, "invalid_sent": 597, "invalid_dead_lettered": 597},
        "thresholds": {
            "friction_precision": 0.95,
            "friction_recall": 0.95,
            "stitching_accuracy": 0.99,
            "wrong_merges": 0,
        },
        "passed": passed,
    }

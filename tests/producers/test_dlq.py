"""`journeys dlq inspect` and `replay` against dead letters the collector stored."""

from __future__ import annotations

import base64
import uuid
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from journeys.cli import app
from journeys.settings import CollectorSettings, Settings
from producers.contract import decode_touchpoint
from producers.dlq import read_dead_letters, replay_dead_letters

pytestmark = pytest.mark.kafka

AUTH = {"Authorization": "Basic " + base64.b64encode(b"wk:").decode()}


def test_inspect_shows_why_and_replay_sends_fixed_events_and_reparks_the_rest(
    pipeline_settings: Settings,
    serve_collector: Callable[..., Any],
    read_topic: Callable[..., list[Any]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings = pipeline_settings.model_copy(update={"collector": CollectorSettings(write_keys={"wk": "shop"})})
    collector = serve_collector(settings)
    no_id = {"type": "track", "event": "click", "messageId": str(uuid.uuid4())}
    bad_channel = {"type": "track", "event": "click", "messageId": str(uuid.uuid4()), "anonymousId": "a",
                   "properties": {"survey_score": 99, "survey_kind": "csat"}}  # fmt: skip
    response = httpx.post(f"{collector.url}/v1/batch", json={"batch": [no_id, bad_channel]}, headers=AUTH)
    assert response.json()["dead_lettered"] == 2

    letters = read_dead_letters(settings, source="shop")
    assert len(letters) == 2
    reasons = sorted(letter["message"] for letter in letters)
    assert "outside the csat scale" in reasons[0] and "at least one identifier" in reasons[1]

    monkeypatch.setenv("JOURNEYS_TOPIC_PREFIX", settings.topics.prefix)
    shown = CliRunner().invoke(app, ["dlq", "inspect", "--source", "shop", "--kind", "validation", "--limit", "5"])
    assert shown.exit_code == 0, shown.output
    assert "2 of 2 matching" in shown.output
    as_json = CliRunner().invoke(app, ["dlq", "inspect", "--json"])
    assert as_json.exit_code == 0 and "at least one identifier" in as_json.output

    # The fix gives every payload an anonymous id: the first becomes valid, the second stays invalid.
    report = replay_dead_letters(settings, fix={"anonymousId": "a-fixed"})
    assert (report.letters, report.replayed, report.still_invalid) == (2, 1, 1)
    raw = read_topic(settings, settings.topics.name(settings.topics.raw), 1)
    assert [decode_touchpoint(m.value)["event_id"] for m in raw] == [no_id["messageId"]]
    latest = read_dead_letters(settings)
    assert sorted(letter["replay_count"] for letter in latest) == [0, 1]  # the replayed one stays, unchanged

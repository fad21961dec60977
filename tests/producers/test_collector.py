"""The collector over real HTTP against the real broker."""

from __future__ import annotations

import base64
import gzip
import uuid
from collections.abc import Callable
from typing import Any

import httpx
import orjson
import pytest

from journeys.settings import CollectorSettings, KafkaSettings, Settings
from producers.contract import decode_dead_letter, decode_touchpoint

pytestmark = pytest.mark.kafka

KEY = "wk_test"


def _auth(key: str = KEY) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{key}:".encode()).decode()}


def _settings(base: Settings, **collector: Any) -> Settings:
    return base.model_copy(
        update={"collector": CollectorSettings(write_keys={KEY: "shop"}, source_channels={"shop": "web"}, **collector)}
    )


def _call(i: int, **extra: Any) -> dict[str, Any]:
    return {
        "type": "track",
        "event": "Product Added",
        "messageId": str(uuid.uuid4()),
        "anonymousId": f"a-{i}",
        "timestamp": "2025-03-01T12:00:00Z",
        "properties": {"sku": f"s-{i}"},
        **extra,
    }


def test_a_batch_keeps_good_events_and_dead_letters_the_bad(
    pipeline_settings: Settings, read_topic: Callable[..., Any], serve_collector: Callable[..., Any]
) -> None:
    settings = _settings(pipeline_settings)
    collector = serve_collector(settings)
    good = [_call(i) for i in range(5)]
    bad = [
        {"type": "track", "event": "x", "messageId": str(uuid.uuid4()), "timestamp": "2025-03-01T12:00:00Z"},  # no id
        "not an object",
    ]
    body = {"batch": [good[0], bad[0], *good[1:3], bad[1], *good[3:]], "context": {"locale": "de-DE"}}
    response = httpx.post(f"{collector.url}/v1/batch", json=body, headers=_auth())
    assert response.status_code == 200, response.text
    result = response.json()
    assert (result["accepted"], result["dead_lettered"]) == (5, 2)
    assert [e["index"] for e in result["errors"]] == [1, 4]
    assert all(e["reason"] for e in result["errors"])

    raw = read_topic(settings, settings.topics.name(settings.topics.raw), 5)
    events = sorted((decode_touchpoint(m.value) for m in raw), key=lambda e: e["anonymous_id"])
    assert [e["event_id"] for e in events] == [c["messageId"] for c in good]
    assert {(e["event_type"], e["source"], e["channel"]) for e in events} == {("add_to_cart", "shop", "web")}
    assert events[0]["context"]["locale"] == "de-DE"
    assert events[0]["properties"] == {"sku": "s-0"}

    dead = [
        decode_dead_letter(m.value) for m in read_topic(settings, settings.topics.name(settings.topics.deadletter), 2)
    ]
    assert sorted(
        orjson.loads(d["payload"]) if d["payload"] != b"null" else None for d in dead if d["payload"].startswith(b"{")
    ) == [bad[0]]
    assert {d["source"] for d in dead} == {"shop"}
    assert {d["error_kind"] for d in dead} == {"validation"}


def test_single_segment_calls_and_native_touchpoints_are_accepted(
    pipeline_settings: Settings, read_topic: Callable[..., Any], serve_collector: Callable[..., Any]
) -> None:
    settings = _settings(pipeline_settings)
    collector = serve_collector(settings)
    with httpx.Client(base_url=collector.url, headers=_auth()) as client:
        for path, body in [
            ("/v1/track", _call(1)),
            ("/v1/identify", {"userId": "c-1", "anonymousId": "a-1", "traits": {"email": "a@b.c"}}),
            ("/v1/alias", {"userId": "c-1", "previousId": "a-1"}),
            ("/v1/page", {"anonymousId": "a-1", "name": "Home", "properties": {"path": "/"}}),
            ("/v1/screen", {"anonymousId": "a-1", "name": "Cart"}),
            ("/v1/group", {"userId": "c-1", "groupId": "g-1"}),
        ]:
            assert client.post(path, json=body).status_code == 200, (path, client.post(path, json=body).text)
        native = [
            {
                "event_id": str(uuid.uuid4()),
                "event_time": "2025-03-01T12:00:00Z",
                "channel": "voice",
                "event_type": "contact_started",
                "customer_id": "c-1",
                "intent": "billing",
            },
        ]
        gz = gzip.compress(orjson.dumps(native))
        response = client.post(
            "/v1/touchpoints", content=gz, headers={"Content-Encoding": "gzip", "Content-Type": "application/json"}
        )
        assert response.status_code == 200, response.text
        by_body_key = httpx.post(f"{collector.url}/v1/track", json={**_call(2), "writeKey": KEY})
        assert by_body_key.status_code == 200
    raw = read_topic(settings, settings.topics.name(settings.topics.raw), 8)
    types = sorted(decode_touchpoint(m.value)["event_type"] for m in raw)
    assert types == sorted(
        ["add_to_cart", "identify", "alias", "page_view", "screen_view", "other", "contact_started", "add_to_cart"]
    )


def test_unknown_write_key_is_rejected(
    pipeline_settings: Settings, read_topic: Callable[..., Any], serve_collector: Callable[..., Any]
) -> None:
    collector = serve_collector(_settings(pipeline_settings))
    assert httpx.post(f"{collector.url}/v1/track", json=_call(1), headers=_auth("nope")).status_code == 401
    assert httpx.post(f"{collector.url}/v1/track", json=_call(1)).status_code == 401


def test_oversize_body_and_batch_get_413_with_a_message(
    pipeline_settings: Settings, read_topic: Callable[..., Any], serve_collector: Callable[..., Any]
) -> None:
    collector = serve_collector(_settings(pipeline_settings, max_body_bytes=4096, max_batch=3))
    big = httpx.post(f"{collector.url}/v1/track", json={**_call(1), "properties": {"x": "y" * 5000}}, headers=_auth())
    assert big.status_code == 413 and "bytes" in big.json()["message"]
    many = httpx.post(f"{collector.url}/v1/batch", json={"batch": [_call(i) for i in range(4)]}, headers=_auth())
    assert many.status_code == 413 and "split" in many.json()["message"]
    bomb = gzip.compress(b"[" + b" " * 100_000 + b"]")
    inflated = httpx.post(
        f"{collector.url}/v1/touchpoints", content=bomb, headers={**_auth(), "Content-Encoding": "gzip"}
    )
    assert inflated.status_code == 413


def test_broker_down_gives_503_with_retry_after(unused_port: int, serve_collector: Callable[..., Any]) -> None:
    settings = _settings(
        Settings(kafka=KafkaSettings(bootstrap_servers=f"127.0.0.1:{unused_port}")), ack_timeout_ms=1000
    )
    collector = serve_collector(settings)
    response = httpx.post(f"{collector.url}/v1/track", json=_call(1), headers=_auth(), timeout=30)
    assert response.status_code == 503
    assert response.headers["Retry-After"] == str(settings.collector.retry_after_s)
    assert httpx.get(f"{collector.url}/ready", timeout=30).status_code == 503
    assert httpx.get(f"{collector.url}/health").status_code == 200


def test_health_ready_metrics_and_openapi(
    pipeline_settings: Settings, read_topic: Callable[..., Any], serve_collector: Callable[..., Any]
) -> None:
    collector = serve_collector(_settings(pipeline_settings))
    assert httpx.get(f"{collector.url}/ready").status_code == 200
    httpx.post(f"{collector.url}/v1/batch", json={"batch": [_call(1), {"type": "track"}]}, headers=_auth())
    metrics = httpx.get(f"{collector.url}/metrics").text
    assert 'journeys_collector_accepted_events_total{source="shop"} 1.0' in metrics
    assert 'journeys_collector_dead_lettered_events_total{kind="validation",source="shop"} 1.0' in metrics
    assert "journeys_collector_send_latency_seconds_count" in metrics
    doc = httpx.get(f"{collector.url}/openapi.json").json()
    for path in (
        "/v1/track",
        "/v1/identify",
        "/v1/alias",
        "/v1/page",
        "/v1/screen",
        "/v1/group",
        "/v1/batch",
        "/v1/touchpoints",
    ):
        body = doc["paths"][path]["post"]["requestBody"]["content"]["application/json"]["schema"]
        assert body
    assert {"SegmentTrack", "SegmentBatch", "TouchpointEvent", "IngestResult"} <= set(doc["components"]["schemas"])
    assert "event_id" in doc["components"]["schemas"]["TouchpointEvent"]["properties"]

"""Hostile input never makes the collector answer 500 or die."""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from journeys.settings import CollectorSettings, Settings

pytestmark = pytest.mark.kafka

KEY = "wk_fuzz"
AUTH = {"Authorization": "Basic " + base64.b64encode(f"{KEY}:".encode()).decode()}


def _dumps(value: Any) -> bytes:
    return json.dumps(value).encode()  # stdlib: also writes integers beyond 64 bits


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=50),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=10), inner, max_size=5),
    max_leaves=20,
)
odd = st.one_of(
    json_values,
    st.builds(
        lambda c, n: c * n, st.sampled_from(["x", "é", "\u0000", "💥"]), st.integers(3_000, 60_000)
    ),  # huge strings
    st.sampled_from(["9999-12-31T23:59:59Z", "2999-01-01T00:00:00Z", "yesterday", "", "0000-00-00", -1, 1e300]),
    st.sampled_from(["carrier-pigeon", "WEB", "", "fax", None]),  # unknown channels
)
segment_call = st.fixed_dictionaries(
    {"type": st.sampled_from(["track", "identify", "alias", "page", "screen", "group", "nope"])},
    optional={
        "event": odd,
        "messageId": st.one_of(st.just(str(uuid.uuid4())), odd),
        "userId": odd,
        "anonymousId": odd,
        "previousId": odd,
        "timestamp": odd,
        "sentAt": odd,
        "originalTimestamp": odd,
        "context": st.one_of(
            odd, st.fixed_dictionaries({}, optional={"device": odd, "page": odd, "channel": odd, "traits": odd})
        ),
        "properties": st.one_of(
            odd, st.dictionaries(st.sampled_from(["channel", "value", "revenue", "step", "survey_score", "x"]), odd)
        ),
        "traits": st.one_of(odd, st.fixed_dictionaries({}, optional={"email": odd, "phone": odd})),
    },
)
native = st.fixed_dictionaries(
    {},
    optional={
        "event_id": st.one_of(st.just(str(uuid.uuid4())), odd),
        "event_time": odd,
        "channel": odd,
        "event_type": odd,
        "customer_id": odd,
        "context": odd,
        "properties": odd,
        "value": odd,
        "survey_score": odd,
    },
)
requests = st.one_of(
    st.tuples(
        st.just("/v1/batch"),
        st.builds(lambda calls: _dumps({"batch": calls}), st.lists(segment_call, max_size=8)),
    ),
    st.tuples(st.sampled_from(["/v1/track", "/v1/identify", "/v1/alias", "/v1/page"]), segment_call.map(_dumps)),
    st.tuples(st.just("/v1/touchpoints"), st.one_of(native, st.lists(native, max_size=5)).map(_dumps)),
    st.tuples(st.sampled_from(["/v1/batch", "/v1/touchpoints", "/v1/track"]), st.binary(max_size=200)),  # not JSON
    st.tuples(st.just("/v1/batch"), json_values.map(_dumps)),
)


def test_hostile_input_never_gets_500(pipeline_settings: Settings, serve_collector: Callable[..., Any]) -> None:
    settings_ = pipeline_settings.model_copy(
        update={"collector": CollectorSettings(write_keys={KEY: "fuzz"}, max_body_bytes=256 * 1024)}
    )
    collector = serve_collector(settings_)
    client = httpx.Client(base_url=collector.url, headers=AUTH, timeout=30)

    @settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
    @given(requests)
    def post(request: tuple[str, bytes]) -> None:
        path, body = request
        response = client.post(path, content=body, headers={"Content-Type": "application/json"})
        assert response.status_code in {200, 400, 413}, (response.status_code, response.text[:300], body[:300])
        assert response.json()["success"] in {True, False}

    try:
        post()
        assert client.get("/health").status_code == 200
    finally:
        client.close()

from datetime import UTC, datetime

from producers.deadletter import apply_fix, dead_letter, matches

NOW = datetime(2025, 3, 1, tzinfo=UTC)


def test_dead_letter_keeps_payload_field_and_every_reason() -> None:
    record = dead_letter(
        b'{"x":1}',
        source="shop",
        error_kind="validation",
        problems=[("channel", "bad"), ("event_id", "missing")],
        now=NOW,
    )
    assert record["payload"] == b'{"x":1}'
    assert record["field"] == "channel"
    assert record["message"] == "channel: bad; event_id: missing"
    assert record["replay_count"] == 0


def test_the_same_bad_input_posted_twice_has_the_same_dead_letter_id() -> None:
    a = dead_letter(b"p", source="s", error_kind="validation", problems=[], now=NOW)
    b = dead_letter(b"p", source="s", error_kind="validation", problems=[], now=NOW)
    assert a["dead_letter_id"] == b["dead_letter_id"]


def test_merge_patch_and_json_patch_fix_payloads() -> None:
    payload = {"channel": "webb", "context": {"locale": "x"}, "drop": 1}
    assert apply_fix(payload, {"channel": "web", "drop": None, "context": {"country": "DE"}}) == {
        "channel": "web",
        "context": {"locale": "x", "country": "DE"},
    }
    patched = apply_fix(
        payload, [{"op": "replace", "path": "/channel", "value": "web"}, {"op": "remove", "path": "/drop"}]
    )
    assert patched == {"channel": "web", "context": {"locale": "x"}}


def test_filters_match_source_and_kind() -> None:
    record = {"source": "shop", "error_kind": "validation"}
    assert matches(record, source="shop", kind="validation")
    assert not matches(record, source="app")
    assert not matches(record, kind="decode")

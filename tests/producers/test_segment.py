import hashlib
from datetime import UTC, datetime, timedelta

from producers.segment import from_segment, hash_email, hash_phone, merge_batch_context, stable_event_id

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


def _map(call: dict, kind: str = "track", default: str = "other") -> dict:
    return from_segment(call, kind=kind, source="shop", default_channel=default, now=NOW)


def test_track_maps_segment_fields_to_the_touchpoint() -> None:
    event = _map(
        {
            "type": "track",
            "event": "Order Completed",
            "messageId": "3f1c6c2e-1b8e-4a53-9a53-6f3c1f1f0a11",
            "userId": "c-1",
            "anonymousId": "a-1",
            "timestamp": "2025-03-01T11:59:00Z",
            "sentAt": "2025-03-01T11:59:01Z",
            "context": {
                "device": {"id": "d-1", "type": "ios"},
                "locale": "de-DE",
                "campaign": {"source": "newsletter", "medium": "email", "name": "spring"},
                "page": {"path": "/checkout", "referrer": "https://x.example"},
                "location": {"country": "DE"},
            },
            "properties": {"revenue": 59.5, "currency": "EUR", "orderId": "o-9", "coupon": "X", "items": 2},
        }
    )
    assert event["event_id"] == "3f1c6c2e-1b8e-4a53-9a53-6f3c1f1f0a11"
    assert event["event_type"] == "purchase"
    assert event["event_time"] == datetime(2025, 3, 1, 11, 59, tzinfo=UTC)
    assert event["sent_time"] == datetime(2025, 3, 1, 11, 59, 1, tzinfo=UTC)
    assert event["received_time"] == NOW
    assert (event["customer_id"], event["anonymous_id"], event["device_id"]) == ("c-1", "a-1", "d-1")
    assert event["channel"] == "web"
    assert event["page"] == "/checkout"
    assert (event["value"], event["currency"], event["order_id"]) == (59.5, "EUR", "o-9")
    assert event["properties"] == {"coupon": "X", "items": "2"}
    assert event["context"]["locale"] == "de-DE"
    assert event["context"]["campaign_source"] == "newsletter"
    assert event["context"]["country"] == "DE"
    assert event["context"]["referrer"] == "https://x.example"


def test_identify_hashes_email_and_phone_and_drops_personal_traits() -> None:
    event = _map(
        {
            "userId": "c-1",
            "traits": {"email": "  Ann@Example.COM ", "phone": "+1 (555) 010-9999", "name": "Ann", "plan": "pro"},
        },
        kind="identify",
    )
    assert event["event_type"] == "identify"
    assert event["email_hash"] == hashlib.sha256(b"ann@example.com").hexdigest()
    assert event["phone_hash"] == hash_phone("+15550109999")
    assert event["properties"] == {"trait.plan": "pro"}
    assert "Ann" not in str(event)


def test_alias_links_previous_id_as_anonymous_id() -> None:
    event = _map({"userId": "c-1", "previousId": "a-9"}, kind="alias")
    assert (event["event_type"], event["customer_id"], event["anonymous_id"]) == ("alias", "c-1", "a-9")


def test_page_and_screen_map_to_views_with_the_channel_inferred() -> None:
    page = _map({"anonymousId": "a", "name": "Home", "properties": {"path": "/"}}, kind="page")
    screen = _map({"anonymousId": "a", "name": "Cart", "context": {"app": {"name": "shop"}}}, kind="screen")
    assert (page["event_type"], page["channel"], page["page"]) == ("page_view", "web", "/")
    assert (screen["event_type"], screen["channel"], screen["page"]) == ("screen_view", "app", "Cart")


def test_explicit_channel_wins_and_unknown_event_names_are_kept() -> None:
    event = _map({"anonymousId": "a", "event": "Bot Answered", "properties": {"channel": "chatbot"}})
    assert (event["channel"], event["event_type"]) == ("chatbot", "other")
    assert event["properties"]["segment_event"] == "Bot Answered"
    assert _map({"anonymousId": "a", "event": "add to cart"})["event_type"] == "add_to_cart"
    assert _map({"anonymousId": "a", "event": "x"}, default="voice")["channel"] == "voice"


def test_missing_timestamp_is_corrected_for_device_clock_skew() -> None:
    event = _map({"anonymousId": "a", "originalTimestamp": "2025-03-01T10:00:00Z", "sentAt": "2025-03-01T10:00:05Z"})
    assert event["event_time"] == NOW - timedelta(seconds=5)


def test_a_retried_call_without_uuid_message_id_gets_the_same_event_id() -> None:
    assert stable_event_id("ajs-next-123", {}) == stable_event_id("ajs-next-123", {"other": 1})
    assert stable_event_id(None, {"a": 1, "b": 2}) == stable_event_id(None, {"b": 2, "a": 1})
    assert _map({"anonymousId": "a", "messageId": "ajs-1"})["properties"]["message_id"] == "ajs-1"


def test_batch_context_is_merged_into_each_call() -> None:
    merged = merge_batch_context({"context": {"locale": "fr"}}, {"context": {"locale": "de", "ip": "x"}, "sentAt": "s"})
    assert merged == {"context": {"locale": "fr", "ip": "x"}, "sentAt": "s"}


def test_hash_email_normalises_case_and_spaces() -> None:
    assert hash_email(" A@B.c ") == hash_email("a@b.c")

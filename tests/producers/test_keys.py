from producers.keys import identity_key


def test_device_id_wins_over_customer_id_so_a_login_keeps_the_partition() -> None:
    before = {"device_id": "d1", "anonymous_id": "a1"}
    after = {"device_id": "d1", "anonymous_id": "a1", "customer_id": "c1"}
    assert identity_key(before) == identity_key(after) == b"device_id:d1"


def test_anonymous_id_keys_a_browser_across_login() -> None:
    assert identity_key({"anonymous_id": "a1", "customer_id": "c1"}) == b"anonymous_id:a1"


def test_server_side_events_key_on_customer_then_hashes() -> None:
    assert identity_key({"customer_id": "c1", "email_hash": "e"}) == b"customer_id:c1"
    assert identity_key({"email_hash": "e", "phone_hash": "p"}) == b"email_hash:e"
    assert identity_key({"phone_hash": "p", "customer_id": None}) == b"phone_hash:p"


def test_the_same_event_always_gets_the_same_key() -> None:
    event = {"event_id": "x", "anonymous_id": "a1", "customer_id": "c1"}
    assert identity_key(dict(event)) == identity_key(dict(reversed(list(event.items()))))

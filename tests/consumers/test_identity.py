"""The identity graph: deterministic canonical ids, guards against wrong merges, topic replay."""

from __future__ import annotations

import itertools

from consumers.identity import IdentityGraph, customer_label

LIMITS = {"customer_id": 1, "email_hash": 3, "phone_hash": 3, "device_id": 10, "anonymous_id": 50}
PLACEHOLDERS = frozenset({"", "null", "none", "undefined", "anonymous", "guest", "0", "-1"})


def graph(**overrides: object) -> IdentityGraph:
    return IdentityGraph(limits=overrides.pop("limits", LIMITS), placeholders=PLACEHOLDERS, **overrides)  # type: ignore[arg-type]


def test_anonymous_and_customer_ids_seen_together_become_one_customer() -> None:
    g = graph()
    decisions = g.observe([("customer_id", "c1"), ("anonymous_id", "a1")], explicit=False)
    assert [d.kind for d in decisions] == ["merged"]
    assert g.find(("anonymous_id", "a1")) == ("customer_id", "c1")
    assert decisions[0].loser == ("anonymous_id", "a1")


def test_known_customer_id_wins_whatever_the_order_of_links() -> None:
    links = [
        [("device_id", "d1"), ("anonymous_id", "a1")],
        [("anonymous_id", "a1"), ("email_hash", "e1")],
        [("customer_id", "c1"), ("email_hash", "e1")],
        [("phone_hash", "p1"), ("customer_id", "c1")],
    ]
    roots = set()
    for order in itertools.permutations(links):
        g = graph()
        for pair in order:
            g.observe(list(pair), explicit=False)
        roots.add(g.find(("anonymous_id", "a1")))
    assert roots == {("customer_id", "c1")}


def test_placeholder_values_never_link() -> None:
    g = graph()
    decisions = g.observe([("customer_id", "c1"), ("anonymous_id", "undefined")], explicit=False)
    assert [d.kind for d in decisions] == ["refused"]
    assert "placeholder" in decisions[0].reason
    g.observe([("customer_id", "c2"), ("anonymous_id", "Undefined")], explicit=False)
    assert g.find(("customer_id", "c2")) != g.find(("customer_id", "c1"))


def test_a_second_customer_id_is_refused_and_the_device_link_is_the_one_dropped() -> None:
    g = graph()
    g.observe([("customer_id", "c1"), ("device_id", "shared")], explicit=False)
    decisions = g.observe([("customer_id", "c2"), ("device_id", "shared")], explicit=False)
    assert decisions[0].kind == "refused"
    assert "too many customer_id" in decisions[0].reason
    assert g.find(("customer_id", "c2")) == ("customer_id", "c2")


def test_shared_device_becomes_a_blocked_super_node_after_repeated_refusals() -> None:
    g = graph(supernode_refusals=2)
    g.observe([("customer_id", "c0"), ("device_id", "kiosk")], explicit=False)
    reasons = [g.observe([("customer_id", f"c{i}"), ("device_id", "kiosk")], explicit=False)[0].reason for i in (1, 2)]
    assert "super-node" in reasons[-1]
    assert ("device_id", "kiosk") in g.blocked
    refused = g.observe([("anonymous_id", "fresh"), ("device_id", "kiosk")], explicit=False)
    assert refused[0].kind == "refused" and "blocked" in refused[0].reason


def test_alias_merges_two_known_customers_despite_the_limit() -> None:
    g = graph()
    g.observe([("customer_id", "c1"), ("email_hash", "e1")], explicit=False)
    decisions = g.observe([("customer_id", "c2"), ("email_hash", "e1")], explicit=True)
    assert decisions[0].kind == "merged" and decisions[0].reason == "alias"
    assert g.find(("customer_id", "c2")) == g.find(("customer_id", "c1")) == ("customer_id", "c1")


def test_a_repeated_pair_is_decided_once() -> None:
    g = graph()
    assert g.observe([("customer_id", "c1"), ("anonymous_id", "a1")], explicit=False)
    assert g.observe([("customer_id", "c1"), ("anonymous_id", "a1")], explicit=False) == []


def test_replaying_the_published_decisions_rebuilds_the_same_graph() -> None:
    from consumers.records import link_record

    source = graph(supernode_refusals=2)
    published = []
    events = [
        [("customer_id", "c1"), ("anonymous_id", "a1")],
        [("device_id", "d1"), ("anonymous_id", "a1")],
        [("customer_id", "c2"), ("device_id", "d1")],
        [("customer_id", "c3"), ("device_id", "d1")],
        [("customer_id", "c2"), ("email_hash", "e2")],
        [("customer_id", "c1"), ("email_hash", "e2")],
    ]
    for ids in events:
        for d in source.observe(ids, explicit=False):
            published.append(link_record(d, source="event", event_id=None, observed_ms=0))
    replica = graph(supernode_refusals=2)
    for record in published:
        replica.apply(record)
    for ident in list(source.parent):
        assert replica.find(ident) == source.find(ident)
    assert replica.blocked == source.blocked


def test_customer_label_shows_customer_ids_plainly() -> None:
    assert customer_label(("customer_id", "c1")) == "c1"
    assert customer_label(("anonymous_id", "a1")) == "anonymous_id:a1"

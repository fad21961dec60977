"""Identity stitching: a guarded, deterministic union-find over identifiers.

An identifier is a ``(type, value)`` pair. Identifiers seen together (an identify or
alias call, or any event carrying two or more) are linked into one customer. Every
decision is returned as a :class:`Decision` so the runner can publish it to the identity
topic (kind ``merged``, ``refused`` or ``observed``, with its reason) for audit.

Determinism: the identity topic has one partition, so it is a total order; every
instance applies its records in that order through :meth:`IdentityGraph.apply`, with the
same guards, and therefore holds the same graph. The canonical identifier of a customer
is its strongest member: lowest type rank (customer id, then hashed email, phone,
device, anonymous id), then the smallest value; it does not depend on arrival order.

Guards against wrong merges (Segment's identity resolution works the same way):

1. Placeholder values (``null``, ``anonymous``, ``0``, ... configurable) never link.
2. Each type has a limit of distinct values one customer may hold (default one customer
   id); a link that would exceed a limit is refused. Links are tried strongest first,
   so the weaker identifier's link is the one refused.
3. An identifier whose links were refused ``supernode_refusals`` times (a shared device,
   a test account) is blocked: it stops linking anything, and the block is reported.

An ``alias`` call is the product team saying "these are the same person": its links
ignore the per-type limits (so two known customer ids can be merged on purpose), but
placeholders and blocked identifiers still never link.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from schemas.models import IDENTIFIER_FIELDS, link_id_for

__all__ = ["RANK", "Decision", "Ident", "IdentityGraph", "customer_label", "event_identifiers", "strongest"]

Ident = tuple[str, str]
RANK: dict[str, int] = {name: rank for rank, name in enumerate(IDENTIFIER_FIELDS)}


def strongest(idents: Iterable[Ident]) -> Ident:
    """The identifier that names the customer: lowest type rank, then smallest value."""
    return min(idents, key=lambda i: (RANK[i[0]], i[1]))


def customer_label(ident: Ident) -> str:
    """The customer id shown downstream: a customer id as is, other types as ``type:value``."""
    return ident[1] if ident[0] == "customer_id" else f"{ident[0]}:{ident[1]}"


def event_identifiers(event: Mapping[str, object]) -> list[Ident]:
    """The identifiers an event carries, strongest first (placeholders included)."""
    return [(name, str(event[name])) for name in IDENTIFIER_FIELDS if event.get(name) is not None]


@dataclass(frozen=True)
class Decision:
    """What the graph decided about one link (an IdentityLink record to publish)."""

    link_id: str
    kind: str  # merged, refused or observed
    left: Ident
    right: Ident
    canonical: Ident | None
    reason: str
    loser: Ident | None = None  # the root that stopped being one (merged only)


@dataclass
class IdentityGraph:
    """Union-find with per-type limits, placeholder and super-node guards. Plain data."""

    limits: Mapping[str, int]
    placeholders: frozenset[str]
    supernode_refusals: int = 3
    parent: dict[Ident, Ident] = field(default_factory=dict)
    members: dict[Ident, list[Ident]] = field(default_factory=dict)
    counts: dict[Ident, dict[str, int]] = field(default_factory=dict)
    decided: set[str] = field(default_factory=set)
    refusals: dict[Ident, int] = field(default_factory=dict)
    blocked: set[Ident] = field(default_factory=set)
    # (left, right) pairs whose link id is in ``decided``: an event repeating a known pair (an
    # app's device id with its customer id, on every event) is one set look-up instead of the
    # link id's sha256 (~1.5 us). ``decided`` only grows, so a pair found here stays decided.
    known_pairs: set[tuple[Ident, Ident]] = field(default_factory=set)

    def is_placeholder(self, ident: Ident) -> bool:
        return ident[1].strip().lower() in self.placeholders

    def find(self, ident: Ident) -> Ident:
        """The canonical identifier of ``ident`` (itself when never linked)."""
        parent = self.parent.get(ident)
        if parent is None or parent == ident:
            return ident
        root = parent
        while (up := self.parent[root]) != root:
            root = up
        while ident != root:  # path compression
            ident, self.parent[ident] = self.parent[ident], root
        return root

    def identifiers(self, root: Ident) -> list[Ident]:
        return self.members.get(root) or [root]

    def _add(self, ident: Ident) -> None:
        if ident not in self.parent:
            self.parent[ident] = ident
            self.members[ident] = [ident]
            self.counts[ident] = {ident[0]: 1}

    def observe(
        self, idents: list[Ident], *, explicit: bool, real: list[Ident] | None = None, ranked: bool = False
    ) -> list[Decision]:
        """Link the identifiers of one event, strongest first; return the new decisions.

        A link decided before (same link id) is not decided again, so an event repeating a
        known pair costs a set look-up and publishes nothing. ``real``: ``idents`` without
        placeholders, when the caller has it already; ``ranked``: they are in rank order, one
        per type (as :func:`event_identifiers` lists them), so the strongest is the first.
        """
        if real is None:
            real = [i for i in idents if not self.is_placeholder(i)]
        decisions: list[Decision] = []
        if real and len(real) < len(idents):  # placeholders among them
            for ident in idents:
                if self.is_placeholder(ident):
                    found = self._decide(real[0], ident, "placeholder value never links")
                    if found is not None:
                        decisions.append(found)
        if len(real) < 2:
            return decisions
        if not ranked:
            real = sorted(real, key=lambda i: (RANK[i[0]], i[1]))
        anchor = real[0]
        for other in real[1:]:
            if other == anchor:
                continue
            decision = self.link(anchor, other, explicit=explicit)
            if decision is not None:
                decisions.append(decision)
        return decisions

    def _known(self, left: Ident, right: Ident) -> str | None:
        """The link id of a pair not decided yet (and now marked decided); ``None`` for a known one."""
        pair = (left, right)
        if pair in self.known_pairs:
            return None
        self.known_pairs.add(pair)
        link_id = link_id_for(left[0], left[1], right[0], right[1])
        if link_id in self.decided:
            return None
        self.decided.add(link_id)
        return link_id

    def _decide(self, left: Ident, right: Ident, reason: str) -> Decision | None:
        link_id = self._known(left, right)
        if link_id is None:
            return None
        return Decision(link_id, "refused", left, right, None, reason)

    def link(self, left: Ident, right: Ident, *, explicit: bool) -> Decision | None:
        """Try to link two identifiers; ``None`` when this pair was decided before."""
        link_id = self._known(left, right)
        if link_id is None:
            return None
        self._add(left)
        self._add(right)
        for ident in (left, right):
            if ident in self.blocked:
                return Decision(
                    link_id, "refused", left, right, None, f"super-node: `{ident[0]}:{ident[1]}` is blocked"
                )
        root_l, root_r = self.find(left), self.find(right)
        if root_l == root_r:
            return Decision(link_id, "observed", left, right, root_l, "already one customer")
        if not explicit:
            merged = dict(self.counts[root_l])
            for id_type, n in self.counts[root_r].items():
                merged[id_type] = merged.get(id_type, 0) + n
            for id_type in IDENTIFIER_FIELDS:  # priority order: the strongest excess is reported
                limit = self.limits.get(id_type)
                if limit is not None and merged.get(id_type, 0) > limit:
                    return self._refuse(link_id, left, right, f"too many {id_type} ({merged[id_type]} > {limit})")
        winner, loser = sorted((root_l, root_r), key=lambda i: (RANK[i[0]], i[1]))
        self.parent[loser] = winner
        self.members[winner].extend(self.members.pop(loser))
        for id_type, n in self.counts.pop(loser).items():
            self.counts[winner][id_type] = self.counts[winner].get(id_type, 0) + n
        reason = "alias" if explicit else "seen together"
        return Decision(link_id, "merged", left, right, winner, reason, loser)

    def _refuse(self, link_id: str, left: Ident, right: Ident, reason: str) -> Decision:
        # The weaker side is the bridge (a shared device, a test account's email).
        bridge = max(left, right, key=lambda i: (RANK[i[0]], i[1]))
        self.refusals[bridge] = self.refusals.get(bridge, 0) + 1
        if self.refusals[bridge] >= self.supernode_refusals:
            self.blocked.add(bridge)
            reason += f"; super-node: `{bridge[0]}:{bridge[1]}` blocked after {self.refusals[bridge]} refusals"
        return Decision(link_id, "refused", left, right, None, reason)

    def apply(self, record: Mapping[str, object]) -> Decision | None:
        """Apply an IdentityLink read from the identity topic (in topic order).

        Links this graph decided itself are skipped; a ``merged`` link of another instance
        goes through the same guards, so every instance ends with the same graph.
        """
        left = (str(record["left_type"]), str(record["left_value"]))
        right = (str(record["right_type"]), str(record["right_value"]))
        kind = record["kind"]
        if kind == "merged":
            return self.link(left, right, explicit=record.get("reason") == "alias")
        link_id = str(record["link_id"])
        if link_id not in self.decided:
            self.decided.add(link_id)
            reason = str(record.get("reason") or "")
            if kind == "refused" and "super-node" in reason:
                bridge = max(left, right, key=lambda i: (RANK[i[0]], i[1]))
                self.blocked.add(bridge)
        return None

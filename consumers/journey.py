"""Journeys of one customer: pure functions over plain data (no Kafka, no clock).

A customer's state holds the touchpoints of its not-yet-final journeys, sorted by
``(event_time, event_id)``. Journeys are cut from that sorted list by :func:`segment`:
a new journey starts after a terminal outcome, after an inactivity gap, or when the
journey would exceed its maximum length (time or touchpoints). The cut depends only on
the set of touchpoints and the watermark, never on arrival order, so any permutation or
duplication of a customer's events within the allowed lateness yields the same journeys.

Ids are deterministic: a journey's id hashes the customer and the event id of its first
touchpoint; a session's id hashes the journey's customer, channel and first event id.
When a late event lands before a journey's first touchpoint, the journey's id changes
with it: the old id is re-emitted as ``merged`` into the new one (never silently
dropped), which is also what happens when an anonymous customer's journey is merged into
a known customer's.

Every change marks the journey dirty; the runner emits dirty journeys at a commit
(:func:`journey_records`), with a version one higher than the last emitted.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, NamedTuple

__all__ = [
    "Customer",
    "Rules",
    "Segment",
    "evict",
    "insert",
    "journey_id",
    "journey_records",
    "merge_customer",
    "refresh",
    "segment",
]

TP_FIELDS = (
    "page",
    "step",
    "intent",
    "outcome",
    "error_code",
    "latency_ms",
    "duration_ms",
    "survey_kind",
    "survey_score",
)

_KIND_WORDS = (
    ("purchase", ("purchase", "buy", "order", "checkout", "cart")),
    ("support", ("support", "help", "complaint", "issue", "problem", "contact")),
    ("billing", ("billing", "invoice", "payment", "refund", "bill")),
    ("onboarding", ("onboard", "signup", "sign_up", "register", "activation", "setup")),
    ("browse", ("browse", "research", "explore")),
)
_KIND_EVENTS = {
    "purchase": {"add_to_cart", "remove_from_cart", "checkout_started", "purchase"},
    "support": {
        "contact_started",
        "queued",
        "agent_assigned",
        "agent_transfer",
        "contact_resolved",
        "contact_abandoned",
        "bot_handoff",
    },
    "billing": {"refund", "cancellation"},
    "onboarding": {"signup"},
    "browse": {"page_view", "screen_view", "search", "click", "app_open", "video_play"},
}


@dataclass(frozen=True)
class Rules:
    """Where journeys and sessions are cut (all times in ms of event time)."""

    inactivity_ms: int
    session_ms: int
    max_ms: int
    max_touchpoints: int
    terminal: frozenset[str]
    retention_ms: int = 0  # closed journeys stay in state at least this long behind the watermark


class Segment(NamedTuple):
    """One journey's place in a customer's touchpoints (a NamedTuple: ~one is built per event)."""

    start: int  # index of the first touchpoint
    end: int  # index after the last one
    status: str  # open or closed
    close_reason: str | None


@dataclass
class Customer:
    """One canonical customer's open state. ``metas``: journey id -> emitted bookkeeping."""

    label: str
    tps: list[dict[str, Any]] = field(default_factory=list)
    metas: dict[str, dict[str, Any]] = field(default_factory=dict)
    dirty: set[str] = field(default_factory=set)
    # The cut of ``tps`` at the last refresh (not state: rebuilt after a restore). Lets an event
    # appended at the end re-cut only the last journey instead of all of them.
    segments: list[Segment] | None = field(default=None, repr=False, compare=False)
    # The last journey's start, and each channel's latest session in it: (first event id, last
    # event time). Not state either; lets an appended event find its session without a walk.
    sessions: tuple[int, dict[str, tuple[str, int]]] | None = field(default=None, repr=False, compare=False)
    # The deadline of the stitcher's one pending pass over this customer (consumers.engine
    # Engine._schedule); not state either.
    scheduled: int | None = field(default=None, repr=False, compare=False)

    def to_state(self) -> dict[str, Any]:
        # dirty is state too: a change whose emission is throttled must survive a restart.
        return {"label": self.label, "tps": self.tps, "metas": self.metas, "dirty": sorted(self.dirty)}

    @classmethod
    def from_state(cls, data: dict[str, Any]) -> Customer:
        return cls(data["label"], data["tps"], data["metas"], set(data.get("dirty") or ()))

    def urgent(self) -> set[str]:
        """The dirty journeys that merged or changed status: emitted without throttling.

        A new journey is throttled like a growing one: its touchpoints already went out
        (stitched) with its id, and many anonymous journeys merge within seconds. So is the
        journey another one merged into: it only grew.
        """
        # A journey never emitted counts as open: opening is not a status change (else every new
        # journey skips the throttle, and a backlog emits thousands per commit, each again when
        # it closes moments later).
        return {
            jid
            for jid in self.dirty
            if (meta := self.metas.get(jid)) is None
            or meta["into"] is not None
            or (meta["sig"] is not None and meta["sig"][3] != meta.get("st", "open"))
        }


# Every event re-derives its journey's and session's ids; a hash costs ~2.5 us, a look-up ~0.2 us.
@lru_cache(maxsize=1 << 16)
def journey_id(label: str, first_event_id: str) -> str:
    return hashlib.sha256(f"{label}\0{first_event_id}".encode()).hexdigest()[:32]


@lru_cache(maxsize=1 << 16)
def _session_id(label: str, channel: str, first_event_id: str) -> str:
    return hashlib.sha256(f"{label}\0{channel}\0{first_event_id}".encode()).hexdigest()[:24]


def _sort_key(tp: dict[str, Any]) -> tuple[int, str]:
    return tp["event_time"], tp["event_id"]


def segment(tps: list[dict[str, Any]], rules: Rules, watermark: int) -> list[Segment]:
    """Cut sorted touchpoints into journeys (see the module docstring)."""
    segments: list[Segment] = []
    start = 0
    for i in range(1, len(tps)):
        prev, tp = tps[i - 1], tps[i]
        reason = None
        if prev["event_type"] in rules.terminal:
            reason = "outcome"
        elif tp["event_time"] - prev["event_time"] > rules.inactivity_ms:
            reason = "inactivity"
        elif tp["event_time"] - tps[start]["event_time"] > rules.max_ms or i - start >= rules.max_touchpoints:
            reason = "max_length"
        if reason:
            segments.append(Segment(start, i, "closed", reason))
            start = i
    if tps:
        segments.append(Segment(start, len(tps), *_final_status(tps, start, rules, watermark)))
    return segments


def _cut(customer: Customer, rules: Rules, watermark: int) -> list[Segment]:
    """:func:`segment` of the customer's touchpoints, from the kept cut when there is one: its
    cuts depend on the touchpoints alone, only the last journey's status on the watermark."""
    kept = customer.segments
    if not kept:
        return segment(customer.tps, rules, watermark)
    last = kept[-1]
    # not [*kept[:-1], ...]: Cython (journeys/native.py) cannot compile a starred item in a list display
    return kept[:-1] + [Segment(last.start, last.end, *_final_status(customer.tps, last.start, rules, watermark))]  # noqa: RUF005


def _signature(tps: list[dict[str, Any]], seg: Segment) -> list[Any]:
    late = sum(1 for tp in tps[seg.start : seg.end] if tp["late"])
    return [seg.end - seg.start, tps[seg.start]["event_id"], tps[seg.end - 1]["event_id"], seg.status, late]


def refresh(customer: Customer, rules: Rules, watermark: int) -> list[Segment]:
    """Re-cut the customer's journeys; mark changed, new and vanished ones dirty."""
    segments = segment(customer.tps, rules, watermark)
    return _repoint(customer, segments, _update_metas(customer, segments))


def _refresh_tail(customer: Customer, kept: list[Segment], rules: Rules, watermark: int) -> list[Segment]:
    """:func:`refresh` after a touchpoint was inserted inside the last journey of the kept cut
    ``kept``, after its first touchpoint (an event a little out of order, the usual late one).

    :func:`segment` decides the cut before a touchpoint from it, the one before it and its
    journey's start, so every cut up to the last journey's start stays: only the last journey
    is cut again (it may split). The journeys before it keep their touchpoints, their
    bookkeeping and their ids; the journeys merged into others are pointed again as refresh
    does, since a split can move their first touchpoint. Same result as refresh
    (tests/consumers/test_journey.py), in the last journey's length instead of the customer's.
    """
    tps = customer.tps
    start = kept[-1].start
    segments = kept[:-1]
    for seg in segment(tps[start:], rules, watermark):
        segments.append(Segment(seg.start + start, seg.end + start, seg.status, seg.close_reason))
    label = customer.label
    live = {journey_id(label, tps[seg.start]["event_id"]) for seg in kept[:-1]}
    for seg in segments[len(kept) - 1 :]:
        live.add(_update_meta(customer, seg)[0])
    return _repoint(customer, segments, live)


def _repoint(customer: Customer, segments: list[Segment], live: set[str]) -> list[Segment]:
    """The end of a re-cut: journeys that are no segment's any more are dropped when nobody saw
    them, else pointed at the journey that holds their first touchpoint now; keeps the cut."""
    for jid, meta in list(customer.metas.items()):
        if jid in live:
            continue
        if meta["v"] < 0 and not meta.get("told"):  # nobody downstream ever saw this id
            del customer.metas[jid]
            customer.dirty.discard(jid)
            continue
        # Point straight at the journey holding its first touchpoint now, so readers never
        # have to follow a chain of merges.
        into = _containing(customer, segments, meta["first"])
        if into != meta["into"]:
            meta["into"], meta["sig"] = into, None
            customer.dirty.add(jid)
    customer.segments = segments
    customer.sessions = None
    return segments


def _append(
    customer: Customer, segments: list[Segment], tp: dict[str, Any], rules: Rules, watermark: int
) -> tuple[str, str]:
    """:func:`insert` of a touchpoint that sorts after all of the customer's; ``segments`` is the
    kept cut (``customer.segments``), updated in place.

    :func:`segment` decides each cut from a touchpoint, the one before it and the start of its
    journey, so the cuts before the new touchpoint stay as they were: only the one before it is
    decided, and the last journey's status. No journey id vanishes (none loses its first
    touchpoint). Same result as :func:`refresh` and :func:`_locate` (tests/consumers/
    test_journey.py checks), in constant time instead of a pass over every touchpoint of the
    customer.
    """
    tps = customer.tps
    start = segments[-1].start
    prev = tps[-1]
    tps.append(tp)
    end = len(tps)
    at = tp["event_time"]
    reason = None
    if prev["event_type"] in rules.terminal:
        reason = "outcome"
    elif at - prev["event_time"] > rules.inactivity_ms:
        reason = "inactivity"
    elif at - tps[start]["event_time"] > rules.max_ms or end - 1 - start >= rules.max_touchpoints:
        reason = "max_length"
    if reason:  # tp starts a journey; the one before closes
        segments[-1] = Segment(start, end - 1, "closed", reason)
        _update_meta(customer, segments[-1])
        start = end - 1
        segments.append(Segment(start, end, *_final_status(tps, start, rules, watermark)))
    elif tp["event_type"] in rules.terminal:  # _final_status, inlined: it runs for every event
        segments[-1] = Segment(start, end, "closed", "outcome")
    elif watermark - at > rules.inactivity_ms:
        segments[-1] = Segment(start, end, "closed", "inactivity")
    elif watermark - tps[start]["event_time"] > rules.max_ms:
        segments[-1] = Segment(start, end, "closed", "max_length")
    else:
        segments[-1] = Segment(start, end, "open", None)
    jid, meta = _update_meta(customer, segments[-1])
    meta["told"] = True  # a stitched touchpoint names it: never drop it silently
    # The session: each channel's latest one in the last journey, kept (not state) as
    # (first event id, last event time); rebuilt when the journey is new or the kept ones gone.
    kept = customer.sessions
    if kept is None or kept[0] != start:
        kept = customer.sessions = (start, {})
        todo = tps[start:end]
    else:
        todo = [tp]
    sessions = kept[1]
    for each in todo:
        current = sessions.get(each["channel"])
        first = current[0] if current and each["event_time"] - current[1] <= rules.session_ms else each["event_id"]
        sessions[each["channel"]] = (first, each["event_time"])
    channel = tp["channel"]
    return jid, _session_id(customer.label, channel, sessions[channel][0])


def _final_status(tps: list[dict[str, Any]], start: int, rules: Rules, watermark: int) -> tuple[str, str | None]:
    """Status and close reason of the last journey, the one that starts at ``start``."""
    last = tps[-1]
    if last["event_type"] in rules.terminal:
        return "closed", "outcome"
    if watermark - last["event_time"] > rules.inactivity_ms:
        return "closed", "inactivity"
    if watermark - tps[start]["event_time"] > rules.max_ms:
        return "closed", "max_length"
    return "open", None


def _update_metas(customer: Customer, segments: list[Segment]) -> set[str]:
    """Create or update the bookkeeping of each segment's journey; the ids of those journeys."""
    return {_update_meta(customer, seg)[0] for seg in segments}


def _update_meta(customer: Customer, seg: Segment) -> tuple[str, dict[str, Any]]:
    """Create or update the bookkeeping of one segment's journey (dirty if it changed)."""
    tps = customer.tps
    first = tps[seg.start]["event_id"]
    jid = journey_id(customer.label, first)
    meta = customer.metas.get(jid)
    old = meta["sig"] if meta is not None else None
    if old is not None and old[0] == seg.end - seg.start - 1 and old[2] == tps[seg.end - 2]["event_id"]:
        # it grew by its last touchpoint: count one more instead of counting all again
        sig = [old[0] + 1, old[1], tps[seg.end - 1]["event_id"], seg.status, old[4] + tps[seg.end - 1]["late"]]
    else:
        sig = _signature(tps, seg)
    if meta is None:
        meta = customer.metas[jid] = {"v": -1, "first": first, "sig": sig, "into": None}
        customer.dirty.add(jid)
    elif meta["sig"] != sig or meta["into"] is not None:
        meta["sig"], meta["into"] = sig, None
        customer.dirty.add(jid)
    meta["start"], meta["end"] = tps[seg.start]["event_time"], tps[seg.end - 1]["event_time"]
    return jid, meta


def _containing(customer: Customer, segments: list[Segment], event_id: str) -> str:
    tps = customer.tps
    index = next((i for i, tp in enumerate(tps) if tp["event_id"] == event_id), len(tps) - 1)
    for seg in segments:
        if seg.start <= index < seg.end:
            return journey_id(customer.label, tps[seg.start]["event_id"])
    return journey_id(customer.label, tps[segments[-1].start]["event_id"])


def _locate(customer: Customer, segments: list[Segment], index: int, rules: Rules) -> tuple[str, str]:
    """Journey and session id of the touchpoint at ``index``."""
    tps = customer.tps
    for seg in reversed(segments):  # an event usually lands in the last journey
        if seg.start <= index < seg.end:
            jid = journey_id(customer.label, tps[seg.start]["event_id"])
            channel = tps[index]["channel"]
            # The session starts after the last gap longer than session_ms between this channel's
            # touchpoints: walk back from the touchpoint to it (not forward from the journey's start).
            first, last_time = tps[index]["event_id"], tps[index]["event_time"]
            for j in range(index - 1, seg.start - 1, -1):
                tp = tps[j]
                if tp["channel"] != channel:
                    continue
                if last_time - tp["event_time"] > rules.session_ms:
                    break
                first, last_time = tp["event_id"], tp["event_time"]
            return jid, _session_id(customer.label, channel, str(first))
    raise IndexError(index)


def insert(customer: Customer, tp: dict[str, Any], rules: Rules, watermark: int) -> tuple[str, str] | None:
    """Add one touchpoint; return its (journey id, session id), or ``None`` for a duplicate."""
    tps = customer.tps
    lo, hi = 0, len(tps)
    if tps:  # most events come in order: after the last one
        last, at = tps[-1], tp["event_time"]
        if last["event_time"] < at or (last["event_time"] == at and last["event_id"] < tp["event_id"]):
            if customer.segments:
                return _append(customer, customer.segments, tp, rules, watermark)
            lo = hi
    key = _sort_key(tp)
    while lo < hi:  # bisect on (event_time, event_id)
        mid = (lo + hi) // 2
        if _sort_key(tps[mid]) < key:
            lo = mid + 1
        else:
            hi = mid
    if lo < len(tps) and tps[lo]["event_id"] == tp["event_id"]:
        return None
    if not tps and not customer.metas:  # a new customer (~1 event in 8 in bench/stitch.py)
        return _first(customer, tp, rules, watermark)
    tps.insert(lo, tp)
    kept = customer.segments
    if kept and lo > kept[-1].start:
        segments = _refresh_tail(customer, kept, rules, watermark)
    else:
        segments = refresh(customer, rules, watermark)
    located = _locate(customer, segments, lo, rules)
    customer.metas[located[0]]["told"] = True  # a stitched touchpoint names it: never drop it silently
    return located


def _first(customer: Customer, tp: dict[str, Any], rules: Rules, watermark: int) -> tuple[str, str]:
    """:func:`insert` of a new customer's first touchpoint: its one journey and session, as
    :func:`refresh` and :func:`_locate` would find them, and the kept cut :func:`_append` goes on from."""
    customer.tps.append(tp)
    segments = customer.segments = [Segment(0, 1, *_final_status(customer.tps, 0, rules, watermark))]
    channel, first = tp["channel"], tp["event_id"]
    customer.sessions = (0, {channel: (first, tp["event_time"])})
    jid, meta = _update_meta(customer, segments[0])
    meta["told"] = True  # a stitched touchpoint names it: never drop it silently
    return jid, _session_id(customer.label, channel, first)


def merge_customer(into: Customer, other: Customer, rules: Rules, watermark: int) -> None:
    """Absorb another customer's touchpoints and journeys (an identity merge)."""
    seen = {tp["event_id"] for tp in into.tps}
    into.tps.extend(tp for tp in other.tps if tp["event_id"] not in seen)
    into.tps.sort(key=_sort_key)
    for jid, meta in other.metas.items():
        if (meta["v"] >= 0 or meta.get("told")) and jid not in into.metas:
            into.metas[jid] = {**meta, "sig": None, "into": None, "foreign": True}
    refresh(into, rules, watermark)


def evict(customer: Customer, rules: Rules, watermark: int) -> int:
    """Drop closed, emitted journeys that no event within the allowed lateness can change.

    A closed journey that ended an inactivity gap before the watermark cannot gain a
    touchpoint from an event at or after the watermark; it is kept ``retention_ms`` anyway,
    so that an anonymous customer's touchpoints merged in later (a device linked by a login
    days after) still join it. Returns how many were dropped.
    """
    horizon = max(rules.inactivity_ms, rules.retention_ms)
    segments = segment(customer.tps, rules, watermark)
    keep_from = 0
    for seg in segments:
        jid = journey_id(customer.label, customer.tps[seg.start]["event_id"])
        ended = customer.tps[seg.end - 1]["event_time"]
        if seg.status != "closed" or jid in customer.dirty or watermark - ended <= horizon:
            break
        keep_from = seg.end
    if keep_from == 0:
        return 0
    gone = {tp["event_id"] for tp in customer.tps[:keep_from]}
    customer.tps = customer.tps[keep_from:]
    customer.segments = customer.sessions = None
    dropped = 0
    for jid, meta in list(customer.metas.items()):
        if meta["first"] in gone or (meta["into"] is not None and jid not in customer.dirty):
            del customer.metas[jid]
            dropped += 1
    return dropped


def open_until(customer: Customer, rules: Rules) -> int | None:
    """The watermark at which the customer's last journey closes by inactivity, if open."""
    if not customer.tps or customer.tps[-1]["event_type"] in rules.terminal:
        return None
    return int(customer.tps[-1]["event_time"]) + rules.inactivity_ms + 1


@lru_cache(maxsize=4096)
def _intent_kind(intent: str) -> str | None:
    lowered = intent.lower()
    for kind, words in _KIND_WORDS:
        if any(word in lowered for word in words):
            return kind
    return None


def _kind(tps: list[dict[str, Any]]) -> str:
    intents: Counter[str] = Counter()
    for tp in tps:
        intent = tp.get("intent")
        if intent:
            kind = _intent_kind(intent)
            if kind:
                intents[kind] += 1
    if intents:
        best = max(intents.values())
        return next(kind for kind, _ in _KIND_WORDS if intents.get(kind) == best)
    types = {tp["event_type"] for tp in tps}
    for kind in ("purchase", "support", "billing", "onboarding"):
        if types & _KIND_EVENTS[kind]:
            return kind
    return "browse" if types & _KIND_EVENTS["browse"] else "other"


def _outcome(tps: list[dict[str, Any]], rules: Rules) -> str | None:
    for tp in reversed(tps):
        if tp.get("outcome"):
            return str(tp["outcome"])
        if tp["event_type"] in rules.terminal:
            return str(tp["event_type"])
    return None


def journey_records(
    customer: Customer,
    rules: Rules,
    watermark: int,
    *,
    identifiers: list[dict[str, str]],
    now_ms: int,
    only: set[str] | None = None,
    pairs: bool = False,
) -> list[dict[str, Any]]:
    """Journey records (the contract's dicts) of every dirty journey, or of the dirty ones in
    ``only``; bumps their versions. ``pairs``: touchpoints as (compact touchpoint, session id),
    for consumers.records.JourneyWriter (see _body)."""
    chosen = customer.dirty if only is None else customer.dirty & only
    if not chosen:
        return []
    segments = {
        journey_id(customer.label, customer.tps[s.start]["event_id"]): s for s in _cut(customer, rules, watermark)
    }
    records = []
    for jid in sorted(chosen):
        meta = customer.metas.get(jid)
        if meta is None:
            continue
        meta["v"] += 1
        seg = segments.get(jid)
        base = {
            "journey_id": jid,
            "customer_id": customer.label,
            "identifiers": identifiers,
            "updated_time": now_ms,
            "version": meta["v"],
        }
        if seg is None or meta["into"] is not None:
            start = end = int(meta.get("end") or 0)
            records.append(
                base
                | {
                    "kind": meta.get("kind") or "other",
                    "status": "merged",
                    "close_reason": "merged",
                    "merged_into": meta["into"],
                    "start_time": int(meta.get("start") or start),
                    "end_time": end,
                    "touchpoints": [],
                    "channels": [],
                    "outcome": None,
                    "country": None,
                    "touchpoint_count": 0,
                    "late_count": 0,
                }
            )
            continue
        records.append(base | _body(customer, seg, rules, pairs=pairs))
        meta["start"], meta["end"], meta["kind"] = (
            records[-1]["start_time"],
            records[-1]["end_time"],
            records[-1]["kind"],
        )
        meta["st"] = seg.status
    if only is None:
        customer.dirty.clear()
    else:
        customer.dirty -= chosen
    return records


def touchpoint_record(tp: dict[str, Any], session_id: str) -> dict[str, Any]:
    """The contract's JourneyTouchpoint of a compact touchpoint."""
    get = tp.get
    return {  # the fields spelled out: a comprehension per touchpoint and emission cost ~2x
        "event_id": tp["event_id"],
        "event_time": tp["event_time"],
        "channel": tp["channel"],
        "event_type": tp["event_type"],
        "session_id": session_id,
        "late": tp["late"],
        "page": get("page"),
        "step": get("step"),
        "intent": get("intent"),
        "outcome": get("outcome"),
        "error_code": get("error_code"),
        "latency_ms": get("latency_ms"),
        "duration_ms": get("duration_ms"),
        "survey_kind": get("survey_kind"),
        "survey_score": get("survey_score"),
    }


def _body(customer: Customer, seg: Segment, rules: Rules, *, pairs: bool = False) -> dict[str, Any]:
    """A journey record's fields but its head; ``pairs``: touchpoints as (compact touchpoint,
    session id) for consumers.records.JourneyWriter, which encodes each once and keeps its bytes,
    instead of building every touchpoint's record at every emission."""
    tps = customer.tps[seg.start : seg.end]
    sessions: dict[str, tuple[str, int]] = {}  # channel -> (session id, last time)
    out: list[Any] = []
    channels: list[str] = []
    country = None
    for tp in tps:
        channel = tp["channel"]
        current = sessions.get(channel)
        if current is None or tp["event_time"] - current[1] > rules.session_ms:
            current = (_session_id(customer.label, channel, tp["event_id"]), tp["event_time"])
            if channel not in channels:
                channels.append(channel)
        sessions[channel] = (current[0], tp["event_time"])
        country = country or tp.get("country")
        out.append((tp, current[0]) if pairs else touchpoint_record(tp, current[0]))
    return {
        "kind": _kind(tps),
        "status": seg.status,
        "close_reason": seg.close_reason,
        "merged_into": None,
        "start_time": tps[0]["event_time"],
        "end_time": tps[-1]["event_time"],
        "touchpoints": out,
        "channels": channels,
        "outcome": _outcome(tps, rules),
        "country": country,
        "touchpoint_count": len(tps),
        "late_count": sum(1 for tp in tps if tp["late"]),
    }

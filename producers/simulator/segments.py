"""Reusable pieces of journeys (browsing, checkout, brand messages, conversations, contacts),
each with the friction it can carry injected as an unambiguous pattern.

Clean pieces stay well inside every rule of the catalogue: page latencies 0.1-1.5 s, each
click on its own target, funnel steps once and in order, every form submitted, replies in
2-40 minutes, queues under 2 minutes, at most one transfer, positive surveys, brand
messages only on the person's preferred channel, email or push (all >= 5% in every
simulated country). Injected patterns sit far past the thresholds: rage clicks are 4 clicks
within ~1.2 s, slow pages 7-15 s, slow replies 3-6 h, long queues 10-20 minutes.
"""

from __future__ import annotations

from producers.simulator.builder import JourneyBuilder
from producers.simulator.population import channel_shares, off_preference_channels

__all__ = [
    "NEGATIVE_SURVEY",
    "assisted_contact",
    "brand_message",
    "browse",
    "conversation",
    "conversation_channel",
    "survey",
]

_WEB_PAGES = ("/", "/search", "/c/shoes", "/c/jackets", "/p/sku-1042", "/p/sku-2231", "/p/sku-3307", "/sale")
_APP_SCREENS = ("Home", "Search", "Category", "Product", "Deals", "Wishlist")
_TARGETS = ("gallery-next", "size-guide", "reviews-tab", "wishlist", "share", "colour-swatch", "delivery-info")
_ERRORS = ("HTTP_500", "HTTP_503", "TIMEOUT", "SESSION_EXPIRED")
NEGATIVE_SURVEY = {"csat": (1, 2), "nps": (0, 4), "ces": (1, 2)}
_POSITIVE_SURVEY = {"csat": (4, 5), "nps": (9, 10), "ces": (6, 7)}


def _latency(b: JourneyBuilder, channel: str, slow: bool) -> int:
    if slow:  # thresholds: web 3000 ms, app 2000 ms
        return b.rng.randint(7_000, 15_000)
    return b.rng.randint(100, 1_500)


def browse(b: JourneyBuilder, channel: str, device: str, pages: int, *, inject: set[str], login: bool = True) -> str:
    """``pages`` page or screen views with searches and clicks; ``inject`` may hold
    rage_click, slow_response and error_event (each placed on one page). Logs in at the
    end when ``login`` and the device is new. Returns the first event id."""
    view = "page_view" if channel == "web" else "screen_view"
    names = _WEB_PAGES if channel == "web" else _APP_SCREENS
    targets = list(_TARGETS)
    b.rng.shuffle(targets)
    special = {rule: b.rng.randrange(pages) for rule in sorted(inject)}
    first = ""
    for index in range(pages):
        page = b.rng.choice(names)
        slow = special.get("slow_response") == index
        event_id = b.on_device(channel, device, view, page=page, latency_ms=_latency(b, channel, slow))
        first = first or event_id
        if slow:
            b.inject("slow_response", [event_id])
        b.wait(3, 20)
        if special.get("rage_click") == index:
            clicks = []
            for _ in range(4):
                clicks.append(b.on_device(channel, device, "click", page=page, target="add-to-cart-button"))
                b.t += b.rng.randint(200, 380)
            b.inject("rage_click", clicks)
            b.wait(2, 10)
        elif targets and b.rng.random() < 0.5:
            b.on_device(channel, device, "click", page=page, target=targets.pop())
            b.wait(2, 15)
        if special.get("error_event") == index:
            error = b.on_device(channel, device, "error", page=page, error_code=b.rng.choice(_ERRORS))
            b.inject("error_event", [error])
            b.wait(5, 30)
        if index == 0 and b.rng.random() < 0.4:
            b.on_device(channel, device, "search", page=page, properties={"query": "running shoes"})
        b.wait(10, 90)
    if login:
        b.ensure_logged_in(channel, device)
        b.wait(2, 20)
    return first


def brand_message(
    b: JourneyBuilder,
    channel: str,
    *,
    intent: str,
    undelivered: bool = False,
    engaged: bool = True,
    off_preference: bool = False,
) -> str:
    """A brand message (campaign, notice, invoice) with its delivery receipts.

    ``off_preference`` sends it on a channel below 5% in the person's country instead.
    """
    if off_preference:
        channel = b.rng.choice(off_preference_channels(b.person.country))
    kind = "notification_received" if channel == "push" else "message_sent"
    conversation = f"msg-{b.rng.getrandbits(40):010x}"
    sent = b.on_channel(channel, kind, intent=intent, conversation_id=conversation)
    if off_preference:
        b.inject("off_preference_channel", [sent])
    b.wait(1, 20)
    if undelivered:
        failure = "message_bounced" if channel == "email" else "message_failed"
        code = "550_MAILBOX_UNAVAILABLE" if channel == "email" else "UNREACHABLE"
        bounce = b.on_channel(channel, failure, conversation_id=conversation, error_code=code)
        b.inject("undelivered_message", [sent, bounce], anchor=bounce)
        b.wait(60, 600)
        return sent
    if kind == "message_sent":
        b.on_channel(channel, "message_delivered", conversation_id=conversation)
        b.wait(60, 1800)
    if engaged:
        b.on_channel(channel, "message_opened", conversation_id=conversation)
        b.wait(5, 60)
    return sent


def conversation_channel(b: JourneyBuilder) -> str:
    """Where the person writes to the brand: their preferred channel, or (push fans) the
    country's most used other channel of at least 5%."""
    if b.person.preferred != "push":
        return b.person.preferred
    shares = channel_shares()[b.person.country]
    return max((c for c in shares if c != "push"), key=lambda c: shares[c])


def conversation(
    b: JourneyBuilder, channel: str, *, intent: str, slow_reply: bool = False, resolve: bool = True
) -> str:
    """A written conversation on a messaging channel: the customer writes, the brand replies.

    Service levels: 1 h on messaging channels, 24 h on email; a clean reply takes 2-40
    minutes, a slow one 3-6 hours. Returns the contact_started id.
    """
    conversation_id = f"conv-{b.rng.getrandbits(40):010x}"
    started = b.on_channel(channel, "contact_started", intent=intent, conversation_id=conversation_id)
    b.wait(1, 10)
    asked = b.on_channel(channel, "message_received", intent=intent, conversation_id=conversation_id)
    if slow_reply:
        b.wait(3 * 3600, 6 * 3600)
    else:
        b.wait(120, 2400)
    replied = b.on_channel(channel, "message_sent", intent=intent, conversation_id=conversation_id)
    if slow_reply:
        b.inject("slow_reply", [asked, replied])
    b.wait(60, 900)
    b.on_channel(channel, "message_received", intent=intent, conversation_id=conversation_id)
    b.wait(60, 600)
    # every customer message gets a timely answer, or `slow_reply` would fire on it
    b.on_channel(channel, "message_sent", intent=intent, conversation_id=conversation_id)
    b.wait(30, 600)
    return started


def survey(b: JourneyBuilder, channel: str, *, negative: bool, ids: dict[str, str] | None = None) -> None:
    kind = b.rng.choice(("csat", "nps", "ces"))
    low, high = (NEGATIVE_SURVEY if negative else _POSITIVE_SURVEY)[kind]
    fields = {"survey_kind": kind, "survey_score": float(b.rng.randint(low, high))}
    event_id = b.emit(channel, "survey_response", ids or b.channel_ids(channel), **fields)
    if negative:
        b.inject("negative_survey", [event_id])
    b.wait(5, 60)


def assisted_contact(
    b: JourneyBuilder,
    channel: str,
    *,
    intent: str,
    inject: set[str],
    ids: dict[str, str],
    abandon: bool = False,
) -> str:
    """A call (voice) or live chat with an agent: started, queued, assigned, resolved.

    ``inject`` may hold long_queue_wait, multiple_transfers and negative_survey. Returns
    the contact_started id. ``abandon``: the customer gives up in the queue (no agent).
    """
    conversation_id = f"{channel}-{b.rng.getrandbits(40):010x}"
    started = b.emit(channel, "contact_started", ids, intent=intent, conversation_id=conversation_id)
    b.wait(2, 20)
    long_wait = "long_queue_wait" in inject
    # thresholds: voice 300 000 ms, chat 120 000 ms
    wait_ms = b.rng.randint(600_000, 1_200_000) if long_wait else b.rng.randint(10_000, 60_000)
    queued = b.emit(channel, "queued", ids, conversation_id=conversation_id, latency_ms=wait_ms)
    if long_wait:
        b.inject("long_queue_wait", [queued])
    b.t += wait_ms
    if abandon:
        b.emit(channel, "contact_abandoned", ids, conversation_id=conversation_id, outcome="abandoned")
        b.outcome = "failure"
        return started
    agent = f"agent-{b.rng.randrange(1, 400)}"
    b.emit(channel, "agent_assigned", ids, conversation_id=conversation_id, agent_id=agent)
    b.wait(60, 600)
    transfers = b.rng.randint(2, 3) if "multiple_transfers" in inject else int(b.rng.random() < 0.2)
    moves = []
    for _ in range(transfers):
        agent = f"agent-{b.rng.randrange(1, 400)}"
        moves.append(b.emit(channel, "agent_transfer", ids, conversation_id=conversation_id, agent_id=agent))
        b.wait(60, 420)
    if "multiple_transfers" in inject:
        b.inject("multiple_transfers", moves)
    if "negative_survey" in inject or b.rng.random() < 0.4:
        survey(b, channel, negative="negative_survey" in inject, ids=ids)
    b.emit(channel, "contact_resolved", ids, conversation_id=conversation_id, agent_id=agent, outcome="success")
    b.terminal = True
    return started

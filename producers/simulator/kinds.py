"""The journey kinds: browse to purchase, support issue, onboarding, billing question.

Each builder writes one journey with a builder and injects each rule it can host with
probability ``rate`` (``JourneyBuilder.pick``). Every journey ends clearly for the
stitcher: on a terminal event (purchase, contact_resolved, cancellation) or by going
quiet (the scheduler leaves > 24 h before the person's next journey).
"""

from __future__ import annotations

from collections.abc import Callable

from producers.simulator.builder import JourneyBuilder
from producers.simulator.segments import (
    assisted_contact,
    brand_message,
    browse,
    conversation,
    conversation_channel,
    survey,
)

__all__ = ["KINDS", "billing", "onboarding", "purchase", "support"]


def purchase(b: JourneyBuilder, rate: float) -> None:
    """Browse (anonymous first on a new device), maybe hop between app and web, log in,
    check out and buy; a clean failure leaves without a cart."""
    person, rng = b.person, b.rng
    app = person.app_device
    browser = rng.choice(person.browsers)
    eligible = [
        "rage_click",
        "error_event",
        "slow_response",
        "loop_backtrack",
        "checkout_abandonment",
        "form_abandonment",
        "off_preference_channel",
        "undelivered_message",
    ]
    if app:
        eligible.append("channel_ping_pong")
    want = b.pick(eligible, rate)
    needs_checkout = bool(want & {"loop_backtrack", "form_abandonment", "checkout_abandonment"})
    buys = "checkout_abandonment" not in want and (needs_checkout or rng.random() < 0.72)
    checkout = needs_checkout or buys
    if want & {"off_preference_channel", "undelivered_message"} or rng.random() < 0.35:
        brand_message(
            b,
            person.preferred,
            intent="purchase",
            undelivered="undelivered_message" in want,
            off_preference="off_preference_channel" in want,
        )
        b.wait(60, 1800)
    first = "app" if app and rng.random() < 0.4 else "web"
    other = "web" if first == "app" else "app"
    if "channel_ping_pong" in want:
        plan = [first, other, first, other]
    elif app and rng.random() < 0.3:
        plan = [first, other]
    else:
        plan = [first]
    browse_rules = want & {"rage_click", "error_event", "slow_response"}
    carrier = rng.randrange(len(plan))
    firsts = []
    for index, channel in enumerate(plan):
        device = browser if channel == "web" else str(app)
        pages = rng.randint(2, 4) if index == 0 else rng.randint(1, 2)
        firsts.append(browse(b, channel, device, pages, inject=browse_rules if index == carrier else set()))
        b.wait(60, 900)
    if "channel_ping_pong" in want:
        b.inject("channel_ping_pong", firsts)
    channel = plan[-1]
    device = browser if channel == "web" else str(app)
    if not checkout:
        b.outcome = "failure"
        return
    _checkout(b, channel, device, want=want, buys=buys)


def _checkout(b: JourneyBuilder, channel: str, device: str, *, want: set[str], buys: bool) -> None:
    person, rng = b.person, b.rng
    view = "page_view" if channel == "web" else "screen_view"
    value = round(rng.uniform(15, 400), 2)
    cart = b.on_device(channel, device, "add_to_cart", page="/p/sku-1042", value=value, currency=person.currency)
    b.wait(10, 120)
    started = b.on_device(channel, device, "checkout_started", page="/checkout", value=value, currency=person.currency)
    b.wait(5, 30)
    shipping = b.on_device(
        channel, device, view, page="/checkout/shipping", step="shipping", latency_ms=rng.randint(100, 1500)
    )
    b.wait(5, 20)
    b.on_device(channel, device, "form_start", page="/checkout/shipping", step="shipping")
    b.wait(20, 90)
    b.on_device(
        channel, device, "form_submit", page="/checkout/shipping", step="shipping", latency_ms=rng.randint(100, 1200)
    )
    b.wait(3, 15)
    if "form_abandonment" in want:
        # the customer opens the "new address" form, gives up, and keeps the saved address
        abandoned = b.on_device(channel, device, "form_start", page="/checkout/shipping/new", step="new_address")
        b.inject("form_abandonment", [abandoned])
        b.wait(30, 120)
    payment = b.on_device(
        channel, device, view, page="/checkout/payment", step="payment", latency_ms=rng.randint(100, 1500)
    )
    b.wait(10, 60)
    if "loop_backtrack" in want:
        back = b.on_device(
            channel, device, view, page="/checkout/shipping", step="shipping", latency_ms=rng.randint(100, 1500)
        )
        b.wait(10, 40)
        b.on_device(channel, device, view, page="/checkout/payment", step="payment", latency_ms=rng.randint(100, 1500))
        b.inject("loop_backtrack", [shipping, payment, back])
        b.wait(10, 60)
    if not buys:
        b.inject("checkout_abandonment", [cart, started], anchor=started)
        b.outcome = "failure"
        return
    order = f"o-{rng.getrandbits(48):012x}"
    b.on_device(
        channel,
        device,
        "purchase",
        page="/checkout/done",
        order_id=order,
        value=value,
        currency=person.currency,
        outcome="success",
    )
    b.terminal = True


def support(b: JourneyBuilder, rate: float) -> None:
    """A support issue: the chatbot (maybe handing off to a live chat), a written
    conversation on the customer's messaging channel, or a call."""
    person, rng = b.person, b.rng
    path = rng.choices(("chatbot", "messaging", "voice"), weights=(0.35, 0.35, 0.30))[0]
    messaging = conversation_channel(b)
    common = ["undelivered_message", "off_preference_channel"]
    if path == "chatbot":
        want = b.pick(["failed_self_service", "negative_survey", *common], rate)
        if "failed_self_service" in want:
            want |= b.pick(["long_queue_wait", "multiple_transfers"], rate)
    elif path == "messaging":
        slow = ["slow_reply"] if messaging != "email" else []
        want = b.pick([*slow, "negative_survey", "repeat_contact", *common], rate)
    else:
        want = b.pick(["long_queue_wait", "multiple_transfers", "negative_survey", "repeat_contact", *common], rate)
    if want & set(common) or rng.random() < 0.3:
        brand_message(
            b,
            person.preferred,
            intent="support",
            undelivered="undelivered_message" in want,
            off_preference="off_preference_channel" in want,
            engaged=rng.random() < 0.6,
        )
        b.wait(600, 7200)
    first_contact = None
    if "repeat_contact" in want:
        first_contact = conversation(b, messaging, intent="support")
        b.wait(2 * 3600, 5 * 3600)  # no answer that helped: the customer tries again
    if path == "chatbot":
        browser = rng.choice(person.browsers)
        browse(b, "web", browser, 1, inject=set())
        ids = b.device_ids("chatbot", browser)
        b.emit("chatbot", "message_received", ids, intent="support")
        b.wait(20, 120)
        if "failed_self_service" in want:
            handoff = b.emit("chatbot", "bot_handoff", ids, intent="support", outcome="failure")
            b.wait(10, 60)
            contact = assisted_contact(b, "chat", intent="support", inject=want, ids=b.device_ids("chat", browser))
            b.inject("failed_self_service", [handoff, contact])
            return
        if "negative_survey" in want or rng.random() < 0.3:
            survey(b, "chatbot", negative="negative_survey" in want, ids=ids)
        b.emit("chatbot", "contact_resolved", ids, intent="support", outcome="success")
        b.terminal = True
        return
    if path == "messaging":
        conversation(b, messaging, intent="support", slow_reply="slow_reply" in want)
        if rng.random() < 0.15 and "negative_survey" not in want:
            b.outcome = "failure"  # the conversation goes quiet, unresolved
            _mark_repeat(b, first_contact)
            return
        if "negative_survey" in want or rng.random() < 0.4:
            survey(b, messaging, negative="negative_survey" in want)
        b.on_channel(messaging, "contact_resolved", intent="support", outcome="success")
        b.terminal = True
        _mark_repeat(b, first_contact)
        return
    abandon = not want & {"multiple_transfers", "negative_survey"} and rng.random() < 0.12
    assisted_contact(b, "voice", intent="support", inject=want, ids=b.channel_ids("voice"), abandon=abandon)
    _mark_repeat(b, first_contact)


def _mark_repeat(b: JourneyBuilder, first_contact: str | None) -> None:
    """Record repeat_contact: the first contact_started and the later one of this journey."""
    if first_contact is None:
        return
    later = [e["event_id"] for e in b.events if e["event_type"] == "contact_started" and e["event_id"] != first_contact]
    b.inject("repeat_contact", [first_contact, later[0]])


def billing(b: JourneyBuilder, rate: float) -> None:
    """An invoice arrives by email; the customer checks it on the web, then fixes it alone,
    writes, chats with an agent, or cancels."""
    person, rng = b.person, b.rng
    path = rng.choices(("self", "messaging", "chat", "cancel"), weights=(0.35, 0.3, 0.2, 0.15))[0]
    messaging = conversation_channel(b)
    web = ["rage_click", "error_event", "slow_response", "undelivered_message", "off_preference_channel"]
    if path == "self":
        want = b.pick([*web, "failed_self_service"], rate)
        if "failed_self_service" in want:
            want |= b.pick(["long_queue_wait", "multiple_transfers"], rate)
    elif path == "messaging":
        slow = ["slow_reply"] if messaging != "email" else []
        want = b.pick([*web, *slow, "negative_survey", "repeat_contact"], rate)
    elif path == "chat":
        want = b.pick([*web, "long_queue_wait", "multiple_transfers", "negative_survey", "repeat_contact"], rate)
    else:
        want = b.pick(web, rate)
    brand_message(
        b,
        "email",
        intent="billing",
        undelivered="undelivered_message" in want,
        off_preference="off_preference_channel" in want,
        engaged=rng.random() < 0.7,
    )
    b.wait(600, 4 * 3600)
    first_contact = None
    if "repeat_contact" in want:
        first_contact = conversation(b, messaging, intent="billing")
        b.wait(2 * 3600, 5 * 3600)
    browser = rng.choice(person.browsers)
    browse(b, "web", browser, rng.randint(1, 2), inject=want & {"rage_click", "error_event", "slow_response"})
    b.on_device("web", browser, "page_view", page="/account/billing", step="invoice", latency_ms=rng.randint(100, 1500))
    b.wait(20, 120)
    if path == "self":
        b.on_device("web", browser, "form_start", page="/account/billing/payment", step="update_payment")
        b.wait(30, 180)
        failed = "failed_self_service" in want
        submit = b.on_device(
            "web",
            browser,
            "form_submit",
            page="/account/billing/payment",
            step="update_payment",
            outcome="failure" if failed else "success",
            latency_ms=rng.randint(100, 1200),
        )
        if failed:
            b.wait(300, 2400)
            contact = assisted_contact(b, "chat", intent="billing", inject=want, ids=b.device_ids("chat", browser))
            b.inject("failed_self_service", [submit, contact])
        return
    if path == "messaging":
        conversation(b, messaging, intent="billing", slow_reply="slow_reply" in want)
        if "negative_survey" in want or rng.random() < 0.4:
            survey(b, messaging, negative="negative_survey" in want)
        b.on_channel(messaging, "contact_resolved", intent="billing", outcome="success")
        b.terminal = True
    elif path == "chat":
        assisted_contact(b, "chat", intent="billing", inject=want, ids=b.device_ids("chat", browser))
    else:
        b.on_device("web", browser, "page_view", page="/account/cancel", latency_ms=rng.randint(100, 1500))
        b.wait(30, 300)
        b.on_device("web", browser, "cancellation", page="/account/cancel", outcome="cancelled")
        b.terminal = True
        b.outcome = "failure"
    _mark_repeat(b, first_contact)


def onboarding(b: JourneyBuilder, rate: float) -> None:
    """A new customer: lands anonymously, signs up (the identity link), gets the welcome
    email, then sets up the profile in the app (or on the web); a clean failure never
    comes back after the email."""
    person, rng = b.person, b.rng
    browser = person.browsers[0]
    app = person.app_device
    want = b.pick(
        [
            "rage_click",
            "error_event",
            "slow_response",
            "loop_backtrack",
            "form_abandonment",
            "undelivered_message",
            "off_preference_channel",
        ],
        rate,
    )
    succeeds = "form_abandonment" in want or rng.random() < 0.75
    browse(b, "web", browser, rng.randint(1, 2), inject=want & {"rage_click", "slow_response"}, login=False)
    account = b.on_device(
        "web", browser, "page_view", page="/signup", step="account", latency_ms=rng.randint(100, 1500)
    )
    b.wait(10, 60)
    if "loop_backtrack" in want:
        plan = b.on_device("web", browser, "page_view", page="/pricing", step="plan", latency_ms=rng.randint(100, 1500))
        b.wait(20, 90)
        again = b.on_device(
            "web", browser, "page_view", page="/signup", step="account", latency_ms=rng.randint(100, 1500)
        )
        b.inject("loop_backtrack", [account, plan, again])
        b.wait(10, 60)
    b.on_device("web", browser, "form_start", page="/signup", step="account")
    b.wait(30, 120)
    if "error_event" in want:
        error = b.on_device("web", browser, "error", page="/signup", error_code="VALIDATION_FAILED")
        b.inject("error_event", [error])
        b.wait(20, 60)
    b.on_device("web", browser, "form_submit", page="/signup", step="account", latency_ms=rng.randint(100, 1200))
    b.wait(1, 3)
    ids = {
        "anonymous_id": browser,
        "customer_id": person.customer_id,
        "email_hash": person.email_hash,
        "phone_hash": person.phone_hash,
    }
    b.emit("web", "signup", ids, page="/signup", outcome="success")
    b.newly_linked.add(browser)
    b.wait(5, 60)
    if "off_preference_channel" in want:
        brand_message(b, person.preferred, intent="onboarding", off_preference=True, engaged=False)
    brand_message(b, "email", intent="onboarding", undelivered="undelivered_message" in want, engaged=succeeds)
    if not succeeds:
        b.outcome = "failure"
        return
    b.wait(300, 3 * 3600)
    channel, device = ("app", app) if app else ("web", browser)
    view = "screen_view" if channel == "app" else "page_view"
    if channel == "app":
        b.on_device(channel, str(device), "app_open")
        b.wait(5, 30)
        b.ensure_logged_in(channel, str(device))
        b.wait(3, 20)
    b.on_device(channel, str(device), view, page="Profile", step="profile", latency_ms=rng.randint(100, 1000))
    b.wait(5, 30)
    started = b.on_device(channel, str(device), "form_start", page="Profile", step="profile")
    b.wait(30, 180)
    if "form_abandonment" in want:
        b.inject("form_abandonment", [started])
        b.outcome = "partial"
    else:
        b.on_device(
            channel, str(device), "form_submit", page="Profile", step="profile", latency_ms=rng.randint(100, 1000)
        )
        b.wait(3, 20)
    b.on_device(channel, str(device), view, page="Preferences", step="preferences", latency_ms=rng.randint(100, 1000))


KINDS: dict[str, Callable[[JourneyBuilder, float], None]] = {
    "purchase": purchase,
    "support": support,
    "billing": billing,
    "onboarding": onboarding,
}

"""The contract's enums, generated from and checked against the ``.avsc`` files (test_drift).

Each is a ``StrEnum`` whose values are the Avro symbols, so a member compares equal to
its symbol and fastavro writes it as is.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = ["Channel", "ErrorKind", "EventType", "IdType", "JourneyStatus", "LinkKind", "SurveyKind"]


class Channel(StrEnum):
    """Where the touchpoint happened. Readers that do not know a newer symbol read it as `other`."""

    WEB = "web"
    APP = "app"
    EMAIL = "email"
    SMS = "sms"
    WHATSAPP = "whatsapp"
    LINE = "line"
    MESSENGER = "messenger"
    IMESSAGE = "imessage"
    PUSH = "push"
    CHAT = "chat"
    CHATBOT = "chatbot"
    VOICE = "voice"
    VIDEO = "video"
    STORE = "store"
    SOCIAL = "social"
    OTHER = "other"


class EventType(StrEnum):
    """What happened. message_sent is brand to customer, message_received customer to brand. Unknown newer symbols read as `other`."""

    PAGE_VIEW = "page_view"
    SCREEN_VIEW = "screen_view"
    CLICK = "click"
    SEARCH = "search"
    FORM_START = "form_start"
    FORM_SUBMIT = "form_submit"
    ERROR = "error"
    ADD_TO_CART = "add_to_cart"
    REMOVE_FROM_CART = "remove_from_cart"
    CHECKOUT_STARTED = "checkout_started"
    PURCHASE = "purchase"
    CANCELLATION = "cancellation"
    REFUND = "refund"
    LOGIN = "login"
    SIGNUP = "signup"
    IDENTIFY = "identify"
    ALIAS = "alias"
    APP_OPEN = "app_open"
    MESSAGE_SENT = "message_sent"
    MESSAGE_RECEIVED = "message_received"
    MESSAGE_DELIVERED = "message_delivered"
    MESSAGE_OPENED = "message_opened"
    MESSAGE_CLICKED = "message_clicked"
    MESSAGE_BOUNCED = "message_bounced"
    MESSAGE_FAILED = "message_failed"
    NOTIFICATION_RECEIVED = "notification_received"
    CONTACT_STARTED = "contact_started"
    QUEUED = "queued"
    AGENT_ASSIGNED = "agent_assigned"
    AGENT_TRANSFER = "agent_transfer"
    CONTACT_RESOLVED = "contact_resolved"
    CONTACT_ABANDONED = "contact_abandoned"
    BOT_HANDOFF = "bot_handoff"
    SURVEY_RESPONSE = "survey_response"
    VIDEO_PLAY = "video_play"
    STORE_VISIT = "store_visit"
    OTHER = "other"


class IdType(StrEnum):
    """Kind of identifier, in priority order (strongest first)."""

    CUSTOMER_ID = "customer_id"
    EMAIL_HASH = "email_hash"
    PHONE_HASH = "phone_hash"
    DEVICE_ID = "device_id"
    ANONYMOUS_ID = "anonymous_id"


class SurveyKind(StrEnum):
    """Survey scale: csat 1-5, nps 0-10, ces 1-7."""

    CSAT = "csat"
    NPS = "nps"
    CES = "ces"


class LinkKind(StrEnum):
    """What an identity link says."""

    OBSERVED = "observed"
    MERGED = "merged"
    REFUSED = "refused"
    SPLIT = "split"


class JourneyStatus(StrEnum):
    """Lifecycle of a journey."""

    OPEN = "open"
    CLOSED = "closed"
    MERGED = "merged"


class ErrorKind(StrEnum):
    """Why input was dead-lettered. Unknown newer symbols read as `other`."""

    VALIDATION = "validation"
    DECODE = "decode"
    SCHEMA = "schema"
    OVERSIZE = "oversize"
    UNKNOWN_SOURCE = "unknown_source"
    OTHER = "other"

"""pydantic models of the contract's records, with the checks Avro cannot make.

Each model mirrors one ``.avsc`` record field for field (``tests/schemas/test_drift.py``
fails when they drift). On top of the Avro types they check: at least one identifier,
timestamps between 2000-01-01 and one day ahead of now, survey scores within their
scale, ISO country and currency codes, and string lengths.

Validation reads "now" from the pydantic context (``{"now": datetime}``), else the real
clock, so tests and replays can pin it::

    TouchpointEvent.parse(raw, now=datetime(2025, 3, 1, tzinfo=UTC))

The hot path does not use these models: producers validate once at the edge, and the
pipeline encodes and decodes plain dicts (``schemas.serde``).
"""

from __future__ import annotations

import hashlib
import re
import uuid
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Self

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, ValidationInfo, model_validator

from schemas.countries import COUNTRY_CODES
from schemas.enums import Channel, ErrorKind, EventType, IdType, JourneyStatus, LinkKind, SurveyKind

__all__ = [
    "CANONICAL_UUID",
    "EARLIEST_TIME",
    "IDENTIFIER_FIELDS",
    "MAX_FUTURE",
    "SURVEY_SCALES",
    "AvroModel",
    "DeadLetter",
    "EventContext",
    "Identifier",
    "IdentityLink",
    "Journey",
    "JourneyTouchpoint",
    "StitchedBatch",
    "StitchedTouchpoint",
    "TouchpointEvent",
    "link_id_for",
]

EARLIEST_TIME = datetime(2000, 1, 1, tzinfo=UTC)
# Device clocks run ahead; a day absorbs any time zone mistake, more is a bug on the client.
MAX_FUTURE = timedelta(days=1)
SURVEY_SCALES: dict[SurveyKind, tuple[float, float]] = {
    SurveyKind.CSAT: (1, 5),
    SurveyKind.NPS: (0, 10),
    SurveyKind.CES: (1, 7),
}
# In the stitcher's priority order (see IdType).
IDENTIFIER_FIELDS: tuple[str, ...] = ("customer_id", "email_hash", "phone_hash", "device_id", "anonymous_id")


def _utc_millis(value: datetime, info: ValidationInfo) -> datetime:
    """Aware UTC, truncated to the millisecond Avro keeps, within [2000-01-01, now + 1 day]."""
    # Every event has two or three timestamps and the SDK validates ~10k events/s per core:
    # leave a value that already is UTC with whole milliseconds untouched.
    if value.tzinfo is not UTC:
        value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    micro = value.microsecond
    if micro % 1000:
        value = value.replace(microsecond=micro - micro % 1000)
    if value < EARLIEST_TIME:
        raise ValueError(f"{value.isoformat()} is before 2000-01-01; send the time in UTC (ISO 8601 or epoch ms)")
    context = info.context
    now = context.get("now") if type(context) is dict else None
    if now is None:
        # The real clock: a bound read earlier is lower than the true one, so a value under it
        # passes without reading the clock (two or three reads per event cost ~5% of the SDK's
        # time); only a value over it reads the clock again and is judged exactly.
        if value <= _future_bound[0]:
            return value
        now = datetime.now(UTC)
        _future_bound[0] = now + MAX_FUTURE
    if value > now + MAX_FUTURE:
        raise ValueError(f"{value.isoformat()} is more than a day in the future; check the device clock")
    return value


_future_bound = [EARLIEST_TIME]  # now + MAX_FUTURE at the last clock read (only ever grows)


# The canonical form (what uuid.UUID prints) passes without building a UUID object (~6 us).
CANONICAL_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def _uuid(value: str) -> str:
    if len(value) == 36 and CANONICAL_UUID.fullmatch(value):
        return value
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise ValueError(f"`{value[:64]}` is not a UUID (e.g. 0b0f5c3e-8a0e-4f55-a0b8-5d0f3b8b6e11)") from None


def _country(value: str) -> str:
    code = value.upper()
    if code not in COUNTRY_CODES:
        raise ValueError(f"`{value[:16]}` is not an ISO 3166-1 alpha-2 country code (e.g. DE, US, JP)")
    return code


def _upper(value: str) -> str:
    return value.upper()


Timestamp = Annotated[datetime, AfterValidator(_utc_millis)]
Uuid = Annotated[str, AfterValidator(_uuid)]
Id = Annotated[str, StringConstraints(min_length=1, max_length=256)]
# An identifier of a touchpoint: "" is allowed and means absent (TouchpointEvent sets it to None).
MaybeId = Annotated[str, StringConstraints(max_length=256)]
Name = Annotated[str, StringConstraints(min_length=1, max_length=128)]
Text = Annotated[str, StringConstraints(max_length=2048)]
Country = Annotated[str, StringConstraints(min_length=2, max_length=2), AfterValidator(_country)]
Currency = Annotated[str, AfterValidator(_upper), StringConstraints(pattern=r"^[A-Z]{3}$")]
Millis = Annotated[int, Field(ge=0, lt=2**63)]
Properties = Annotated[
    dict[
        Annotated[str, StringConstraints(min_length=1, max_length=128)],
        Annotated[str, StringConstraints(max_length=4096)],
    ],
    Field(max_length=64),
]


def link_id_for(left_type: str, left_value: str, right_type: str, right_value: str) -> str:
    """The deterministic id of an identity link: sha256 of the sorted pair, 32 hex characters.

    Sorted, so (a, b) and (b, a) compact onto the same key.
    """
    first, second = sorted([f"{left_type}:{left_value}", f"{right_type}:{right_value}"])
    return hashlib.sha256(f"{first}\0{second}".encode()).hexdigest()[:32]


def _check_survey(kind: SurveyKind | None, score: float | None) -> None:
    if score is None:
        return
    if kind is None:
        raise ValueError("survey_score needs survey_kind (csat, nps or ces)")
    low, high = SURVEY_SCALES[kind]
    if not low <= score <= high:
        raise ValueError(f"survey_score {score} is outside the {kind.value} scale {low:g}-{high:g}")


class AvroModel(BaseModel):
    """Shared behaviour: strict field names, conversion to and from the Avro dict form."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=False)

    @classmethod
    def parse(cls, raw: Any, *, now: datetime | None = None) -> Self:
        """Validate ``raw``; ``now`` pins the clock of the timestamp checks."""
        return cls.model_validate(raw, context={"now": now} if now is not None else None)

    @classmethod
    def from_avro(cls, record: dict[str, Any], *, now: datetime | None = None) -> Self:
        """A model from a decoded Avro dict (``schemas.serde`` output)."""
        return cls.parse(record, now=now)

    def to_avro(self) -> dict[str, Any]:
        """The Avro dict form: enums as their symbols, times as aware UTC datetimes."""
        return self.model_dump()


class EventContext(AvroModel):
    """Where and on what the event happened; every field optional."""

    country: Country | None = None
    locale: Annotated[str, StringConstraints(max_length=35)] | None = None
    device_type: Name | None = None
    os: Name | None = None
    app_name: Name | None = None
    app_version: Name | None = None
    user_agent: Text | None = None
    campaign_source: Text | None = None
    campaign_medium: Text | None = None
    campaign_name: Text | None = None
    referrer: Text | None = None


class TouchpointEvent(AvroModel):
    """One interaction of a customer with the brand on any channel. See docs/events.md."""

    event_id: Uuid
    event_time: Timestamp
    received_time: Timestamp
    sent_time: Timestamp | None = None
    source: Name
    channel: Channel
    event_type: EventType
    anonymous_id: MaybeId | None = None
    customer_id: MaybeId | None = None
    email_hash: MaybeId | None = None
    phone_hash: MaybeId | None = None
    device_id: MaybeId | None = None
    context: EventContext = Field(default_factory=EventContext)
    duration_ms: Millis | None = None
    latency_ms: Millis | None = None
    error_code: Name | None = None
    page: Text | None = None
    step: Name | None = None
    target: Text | None = None
    intent: Name | None = None
    outcome: Name | None = None
    conversation_id: Id | None = None
    agent_id: Id | None = None
    order_id: Id | None = None
    value: float | None = Field(None, allow_inf_nan=False)
    currency: Currency | None = None
    survey_kind: SurveyKind | None = None
    survey_score: float | None = Field(None, allow_inf_nan=False)
    properties: Properties = Field(default_factory=dict)

    @model_validator(mode="after")
    def _identified_and_consistent(self) -> Self:
        # "" is what many SDKs send for "no id": it is absent, not an id. (Done here rather than
        # in a "before" validator, which cost ~1.5 us per event, 15% of the validation.)
        fields = self.__dict__
        if (
            fields["customer_id"] == ""
            or fields["email_hash"] == ""
            or fields["phone_hash"] == ""
            or fields["device_id"] == ""
            or fields["anonymous_id"] == ""
        ):
            for name in IDENTIFIER_FIELDS:
                if fields[name] == "":
                    fields[name] = None
        if not (self.customer_id or self.email_hash or self.phone_hash or self.device_id or self.anonymous_id):
            raise ValueError("the event needs at least one identifier: " + ", ".join(IDENTIFIER_FIELDS))
        if self.survey_score is not None or self.survey_kind is not None:
            _check_survey(self.survey_kind, self.survey_score)
        return self

    def to_avro(self) -> dict[str, Any]:
        # model_dump() costs ~11 us here; the fields already are the Avro dict's values (StrEnum
        # members are their symbols), so copy them (tests/schemas/test_models.py checks both agree).
        record = self.__dict__.copy()
        record["context"] = self.context.__dict__.copy()
        record["properties"] = dict(self.properties)
        return record


class IdentityLink(AvroModel):
    """Two identifiers seen together, and what the stitcher decided about them."""

    link_id: Id
    kind: LinkKind
    left_type: IdType
    left_value: Id
    right_type: IdType
    right_value: Id
    source: Name
    event_id: Id | None = None
    observed_time: Timestamp
    canonical_id: Id | None = None
    reason: Text | None = None


class Identifier(AvroModel):
    """One identifier of a customer."""

    type: IdType
    value: Id


class JourneyTouchpoint(AvroModel):
    """A compact touchpoint carried inside a journey."""

    event_id: Id
    event_time: Timestamp
    channel: Channel
    event_type: EventType
    session_id: Id
    late: bool
    page: Text | None = None
    step: Name | None = None
    intent: Name | None = None
    outcome: Name | None = None
    error_code: Name | None = None
    latency_ms: Millis | None = None
    duration_ms: Millis | None = None
    survey_kind: SurveyKind | None = None
    survey_score: float | None = Field(None, allow_inf_nan=False)

    @model_validator(mode="after")
    def _survey_in_scale(self) -> Self:
        _check_survey(self.survey_kind, self.survey_score)
        return self


class Journey(AvroModel):
    """A customer's journey towards one goal; re-emitted with a growing version on every change."""

    journey_id: Id
    customer_id: Id
    identifiers: list[Identifier]
    kind: Name
    status: JourneyStatus
    close_reason: Name | None = None
    merged_into: Id | None = None
    start_time: Timestamp
    end_time: Timestamp
    updated_time: Timestamp
    version: int = Field(ge=0, lt=2**31)
    touchpoints: list[JourneyTouchpoint]
    channels: list[Channel]
    outcome: Name | None = None
    country: Country | None = None
    touchpoint_count: int = Field(ge=0, lt=2**31)
    late_count: int = Field(ge=0, lt=2**31)

    @model_validator(mode="after")
    def _times_in_order(self) -> Self:
        if self.end_time < self.start_time:
            raise ValueError(f"end_time {self.end_time.isoformat()} is before start_time {self.start_time.isoformat()}")
        return self


class StitchedTouchpoint(AvroModel):
    """A touchpoint with its customer, journey and session."""

    event: TouchpointEvent
    customer_id: Id
    journey_id: Id
    session_id: Id
    late: bool
    stitched_time: Timestamp


class StitchedBatch(AvroModel):
    """The touchpoints of one customer stitched in one stitcher commit (the stitched topic's record)."""

    touchpoints: list[StitchedTouchpoint]


class DeadLetter(AvroModel):
    """Rejected input, kept with its reason."""

    dead_letter_id: Uuid
    payload: bytes
    content_type: Name
    source: Name
    error_kind: ErrorKind
    field: Text | None = None
    message: Annotated[str, StringConstraints(max_length=65_536)]
    error_time: Timestamp
    original_topic: Id | None = None
    original_partition: int | None = Field(None, ge=0, lt=2**31)
    original_offset: int | None = Field(None, ge=0, lt=2**63)
    replay_count: int = Field(0, ge=0, lt=2**31)

"""The pydantic models: what they accept, what they reject, and how they say why."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pydantic import ValidationError
from schema_factories import NOW, dead_letter, identity_link, journey, stitched, touchpoint

from journeys.errors import JourneysError
from schemas.enums import Channel, EventType, SurveyKind
from schemas.exceptions import DecodeError, EncodeError, validation_problems
from schemas.models import (
    DeadLetter,
    IdentityLink,
    Journey,
    StitchedTouchpoint,
    TouchpointEvent,
    link_id_for,
)


def problems(raw: dict[str, Any], model: type[Any] = TouchpointEvent) -> list[tuple[str, str]]:
    with pytest.raises(ValidationError) as caught:
        model.parse(raw, now=NOW)
    return validation_problems(caught.value)


def fields(raw: dict[str, Any], model: type[Any] = TouchpointEvent) -> list[str]:
    return [field for field, _ in problems(raw, model)]


@pytest.mark.parametrize("channel", list(Channel))
def test_every_channel_is_accepted(channel: Channel) -> None:
    assert TouchpointEvent.parse(touchpoint(channel=channel.value), now=NOW).channel is channel


@pytest.mark.parametrize("event_type", list(EventType))
def test_every_event_type_is_accepted(event_type: EventType) -> None:
    assert TouchpointEvent.parse(touchpoint(event_type=event_type.value), now=NOW).event_type is event_type


def test_unknown_channel_is_rejected_with_its_field() -> None:
    assert fields(touchpoint(channel="carrier-pigeon")) == ["channel"]


def test_event_without_any_identifier_is_rejected() -> None:
    found = problems(touchpoint(anonymous_id=None))
    assert found[0][0] == "$" and "at least one identifier" in found[0][1]


def test_empty_identifiers_count_as_missing() -> None:
    assert fields(touchpoint(anonymous_id="", customer_id="")) == ["$"]
    assert TouchpointEvent.parse(touchpoint(customer_id=""), now=NOW).customer_id is None


def test_placeholder_identifiers_are_left_for_the_stitcher() -> None:
    assert TouchpointEvent.parse(touchpoint(anonymous_id="undefined"), now=NOW).anonymous_id == "undefined"


def test_each_identifier_alone_is_enough() -> None:
    for name in ("customer_id", "email_hash", "phone_hash", "device_id"):
        assert getattr(TouchpointEvent.parse(touchpoint(anonymous_id=None, **{name: "x"}), now=NOW), name) == "x"


def test_time_before_2000_is_rejected() -> None:
    assert fields(touchpoint(event_time=datetime(1999, 12, 31, tzinfo=UTC))) == ["event_time"]


def test_time_more_than_a_day_ahead_of_the_injected_clock_is_rejected() -> None:
    assert fields(touchpoint(event_time=NOW + timedelta(days=1, seconds=1))) == ["event_time"]
    assert TouchpointEvent.parse(touchpoint(event_time=NOW + timedelta(hours=23)), now=NOW)


def test_times_become_utc_milliseconds() -> None:
    naive = datetime(2025, 3, 1, 11, 0, 0, 123456)
    tokyo = datetime(2025, 3, 1, 20, 0, tzinfo=datetime.fromisoformat("2025-01-01T00:00+09:00").tzinfo)
    event = TouchpointEvent.parse(touchpoint(event_time=naive, sent_time=tokyo), now=NOW)
    assert event.event_time == datetime(2025, 3, 1, 11, 0, 0, 123000, tzinfo=UTC)
    assert event.sent_time is not None and event.sent_time.tzinfo is UTC and event.sent_time.hour == 11


def test_iso_strings_and_epoch_millis_are_read_as_times() -> None:
    event = TouchpointEvent.parse(touchpoint(event_time="2025-03-01T11:00:00Z", received_time=1740830400000), now=NOW)
    assert event.event_time == datetime(2025, 3, 1, 11, tzinfo=UTC)
    assert event.received_time == NOW


@pytest.mark.parametrize(
    ("kind", "good", "bad"),
    [(SurveyKind.CSAT, [1, 5], [0, 6]), (SurveyKind.NPS, [0, 10], [-1, 11]), (SurveyKind.CES, [1, 7], [0, 8])],
)
def test_survey_score_must_fit_its_scale(kind: SurveyKind, good: list[float], bad: list[float]) -> None:
    for score in good:
        assert TouchpointEvent.parse(touchpoint(survey_kind=kind.value, survey_score=score), now=NOW)
    for score in bad:
        assert "outside" in problems(touchpoint(survey_kind=kind.value, survey_score=score))[0][1]


def test_survey_score_without_kind_is_rejected() -> None:
    assert "survey_kind" in problems(touchpoint(survey_score=3))[0][1]


def test_country_must_be_an_iso_code_and_is_upper_cased() -> None:
    assert fields(touchpoint(context={"country": "XX"})) == ["context.country"]
    assert fields(touchpoint(context={"country": "Germany"})) == ["context.country"]
    assert TouchpointEvent.parse(touchpoint(context={"country": "de"}), now=NOW).context.country == "DE"


def test_currency_must_be_three_letters() -> None:
    assert fields(touchpoint(currency="EURO")) == ["currency"]
    assert fields(touchpoint(currency="E1R")) == ["currency"]
    assert TouchpointEvent.parse(touchpoint(currency="eur"), now=NOW).currency == "EUR"


def test_long_ids_and_too_many_properties_are_rejected() -> None:
    assert fields(touchpoint(customer_id="c" * 257)) == ["customer_id"]
    assert fields(touchpoint(properties={str(i): "v" for i in range(65)})) == ["properties"]
    assert TouchpointEvent.parse(touchpoint(properties={str(i): "v" for i in range(64)}), now=NOW)


def test_event_id_must_be_a_uuid_and_is_normalised() -> None:
    assert fields(touchpoint(event_id="not-a-uuid")) == ["event_id"]
    upper = "0B0F5C3E-8A0E-4F55-A0B8-5D0F3B8B6E11"
    assert TouchpointEvent.parse(touchpoint(event_id=upper), now=NOW).event_id == upper.lower()


def test_unknown_fields_are_rejected_by_name() -> None:
    assert fields(touchpoint(evnt_type="click")) == ["evnt_type"]


def test_non_finite_numbers_are_rejected() -> None:
    assert fields(touchpoint(value=float("nan"))) == ["value"]


def test_validation_problems_render_nested_and_list_paths() -> None:
    bad = journey(identifiers=[{"type": "customer_id", "value": "c-1"}, {"type": "nope", "value": "x"}])
    assert fields(bad, Journey) == ["identifiers[1].type"]


def test_journey_cannot_end_before_it_starts() -> None:
    assert fields(journey(end_time=NOW - timedelta(hours=1)), Journey) == ["$"]


@pytest.mark.parametrize(
    ("model", "record"),
    [
        (TouchpointEvent, touchpoint()),
        (IdentityLink, identity_link()),
        (StitchedTouchpoint, stitched()),
        (Journey, journey()),
        (DeadLetter, dead_letter()),
    ],
)
def test_models_convert_to_and_from_the_avro_form(model: type[Any], record: dict[str, Any]) -> None:
    parsed = model.from_avro(record, now=NOW)
    assert parsed.to_avro() == record
    assert model.from_avro(parsed.to_avro(), now=NOW) == parsed


def test_link_id_is_the_same_for_either_order() -> None:
    forward = link_id_for("customer_id", "c-1", "anonymous_id", "a-1")
    assert forward == link_id_for("anonymous_id", "a-1", "customer_id", "c-1")
    assert forward != link_id_for("customer_id", "c-1", "anonymous_id", "a-2")
    assert len(forward) == 32


def test_contract_errors_are_final_journeys_errors() -> None:
    for error in (DecodeError("TouchpointEvent", "bad"), EncodeError("TouchpointEvent", "bad", field="channel")):
        assert isinstance(error, JourneysError)
        assert not error.retryable
    assert "`TouchpointEvent` field `channel`" in str(EncodeError("TouchpointEvent", "bad", field="channel"))

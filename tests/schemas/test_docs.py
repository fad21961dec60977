"""docs/events.md stays true: every JSON example is a valid touchpoint, one per channel."""

from __future__ import annotations

import json
import re
from pathlib import Path

from schema_factories import NOW

from schemas.enums import Channel
from schemas.models import TouchpointEvent
from schemas.serde import decode_touchpoint, encode_touchpoint

EVENTS_MD = Path(__file__).parents[2] / "docs" / "events.md"


def _examples() -> list[dict[str, object]]:
    return [json.loads(block) for block in re.findall(r"```json\n(.*?)\n```", EVENTS_MD.read_text(), re.S)]


def test_every_documented_example_validates_and_round_trips() -> None:
    for example in _examples():
        model = TouchpointEvent.parse({**example, "received_time": NOW}, now=NOW)
        assert decode_touchpoint(encode_touchpoint(model.to_avro())) == model.to_avro()


def test_there_is_one_example_per_channel_except_other() -> None:
    assert sorted(str(e["channel"]) for e in _examples()) == sorted(c.value for c in Channel if c is not Channel.OTHER)


def test_every_touchpoint_field_is_documented() -> None:
    text = EVENTS_MD.read_text()
    missing = [name for name in TouchpointEvent.model_fields if f"| `{name}` |" not in text]
    assert missing == []

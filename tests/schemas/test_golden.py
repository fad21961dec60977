"""Golden vectors: bytes written once by make_golden.py must decode to the same records, and
the same records must still encode to the same bytes. A failure here means the encoding changed."""

from __future__ import annotations

from typing import Any

import pytest
from make_golden import GOLDEN_DIR, golden_records

from journeys.settings import SerdeSettings
from schemas.serde import Serde

VECTORS = golden_records()


def _golden(name: str) -> bytes:
    return bytes.fromhex((GOLDEN_DIR / f"{name}.hex").read_text().strip())


@pytest.mark.parametrize("name", sorted(VECTORS))
def test_golden_bytes_decode_to_the_golden_record(name: str) -> None:
    wire_type, wire_format, record = VECTORS[name]
    serde = Serde(SerdeSettings(wire_format=wire_format))
    assert serde.decode(wire_type, _golden(name)) == record


@pytest.mark.parametrize("name", sorted(VECTORS))
def test_golden_record_still_encodes_to_the_golden_bytes(name: str) -> None:
    wire_type, wire_format, record = VECTORS[name]
    serde = Serde(SerdeSettings(wire_format=wire_format))
    assert serde.encode(wire_type, record).hex() == _golden(name).hex()


def test_every_golden_file_has_a_vector() -> None:
    assert {p.stem for p in GOLDEN_DIR.glob("*.hex")} == set(VECTORS)


def test_golden_touchpoint_carries_the_v1_fingerprint() -> None:
    data: Any = _golden("touchpoint_minimal")
    assert data[:10].hex() == "c301c178a173df8d8068"

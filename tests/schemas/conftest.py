"""Fixtures of the contract's tests; the factories live in ``schema_factories``."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest
from schema_factories import NOW, touchpoint


@pytest.fixture
def make_touchpoint() -> Callable[..., dict[str, Any]]:
    return touchpoint


@pytest.fixture
def now() -> datetime:
    return NOW

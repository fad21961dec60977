"""Colours: one per channel everywhere in the report, one per severity, a ramp for scores.

Channel colours are Tableau 20 without its reds, so red stays free for friction.
"""

from __future__ import annotations

import hashlib

__all__ = ["CHANNEL_COLOURS", "SEVERITY_COLOURS", "STATUS_COLOURS", "channel_colour", "score_colour"]

CHANNEL_COLOURS: dict[str, str] = {
    "web": "#4e79a7",
    "app": "#a0cbe8",
    "email": "#f28e2b",
    "sms": "#ffbe7d",
    "whatsapp": "#59a14f",
    "line": "#8cd17d",
    "messenger": "#b6992d",
    "imessage": "#f1ce63",
    "push": "#499894",
    "chat": "#b07aa1",
    "chatbot": "#d4a6c8",
    "voice": "#d37295",
    "video": "#fabfd2",
    "store": "#9d7660",
    "social": "#86bcb6",
    "other": "#bab0ac",
}
_SPARE = ("#7f7f7f", "#bcbd22", "#17becf", "#9467bd", "#8c564b")

SEVERITY_COLOURS = {"low": "#f2c14e", "medium": "#f28e2b", "high": "#e03131"}
STATUS_COLOURS = {"pass": "#2f9e44", "warn": "#f2a900", "fail": "#e03131"}
FRICTION = "#e03131"


def channel_colour(channel: str) -> str:
    """The channel's colour; a channel newer than this table gets a stable spare one."""
    if channel in CHANNEL_COLOURS:
        return CHANNEL_COLOURS[channel]
    digest = hashlib.sha256(channel.encode()).digest()
    return _SPARE[digest[0] % len(_SPARE)]


def _mix(a: tuple[int, int, int], b: tuple[int, int, int], t: float) -> str:
    r, g, bl = (round(x + (y - x) * t) for x, y in zip(a, b, strict=True))
    return f"#{r:02x}{g:02x}{bl:02x}"


_RED, _AMBER, _GREEN = (224, 49, 49), (245, 180, 40), (47, 158, 68)


def score_colour(score: float) -> str:
    """Red (0) through amber (50) to green (100)."""
    t = min(max(score, 0.0), 100.0) / 100.0
    return _mix(_RED, _AMBER, t * 2) if t < 0.5 else _mix(_AMBER, _GREEN, (t - 0.5) * 2)

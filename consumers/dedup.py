"""Deduplication by event id, bounded by a window of event time.

Producers retry, and a retried event carries the same id and key, so it lands in the
raw partition of its first copy: one window per raw partition sees every copy. Ids are
kept in segments, one per checkpoint, so the changelog gets one record per partition
per commit (not one per event), and a segment is dropped (tombstoned) as a whole once
its newest event is older than the window behind the partition's newest event.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["SEGMENT_IDS", "DedupWindow"]

# Ids per changelog record: ~200 KB, a fifth of the broker's default record limit.
SEGMENT_IDS = 5_000


@dataclass
class DedupWindow:
    window_ms: int
    seen: dict[str, int] = field(default_factory=dict)  # event id -> segment number
    segments: dict[int, tuple[int, list[str]]] = field(default_factory=dict)  # n -> (newest time, ids)
    pending: list[str] = field(default_factory=list)
    pending_max: int = 0
    next_segment: int = 0
    max_time: int = 0

    def add(self, event_id: str, event_time: int) -> bool:
        """True when the event is new (and remember it); False for a duplicate."""
        if event_id in self.seen:
            return False
        self.seen[event_id] = self.next_segment
        self.pending.append(event_id)
        if event_time > self.pending_max:  # not max(): this runs for every event
            self.pending_max = event_time
            if event_time > self.max_time:  # noqa: PLR1730 (a call to max costs more, per event)
                self.max_time = event_time
        return True

    def seal(self) -> tuple[list[tuple[int, tuple[int, list[str]]]], list[int]]:
        """Close the pending segment; return (new segments, expired segment numbers)."""
        new: list[tuple[int, tuple[int, list[str]]]] = []
        if self.pending:
            # ids added since the last seal all carry next_segment; one changelog record stays
            # small (SEGMENT_IDS * ~40 bytes) even when a commit covers a large backlog.
            for start in range(0, len(self.pending), SEGMENT_IDS):
                ids = self.pending[start : start + SEGMENT_IDS]
                segment = (self.pending_max, ids)
                self.segments[self.next_segment] = segment
                for event_id in ids:
                    self.seen[event_id] = self.next_segment
                new.append((self.next_segment, segment))
                self.next_segment += 1
            self.pending, self.pending_max = [], 0
        horizon = self.max_time - self.window_ms
        expired = [n for n, (newest, _) in self.segments.items() if newest < horizon]
        for n in expired:
            for event_id in self.segments.pop(n)[1]:
                if self.seen.get(event_id) == n:
                    del self.seen[event_id]
        return new, expired

    def restore(self, number: int, newest: int, ids: list[str]) -> None:
        """Load one segment from the changelog."""
        self.segments[number] = (newest, ids)
        for event_id in ids:
            self.seen[event_id] = number
        self.next_segment = max(self.next_segment, number + 1)
        self.max_time = max(self.max_time, newest)

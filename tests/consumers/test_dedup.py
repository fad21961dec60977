"""The dedup window: duplicates dropped, memory bounded by event time, restorable."""

from __future__ import annotations

from consumers.dedup import DedupWindow

MINUTE = 60_000


def test_second_copy_of_an_event_is_a_duplicate() -> None:
    window = DedupWindow(10 * MINUTE)
    assert window.add("e1", 0)
    assert not window.add("e1", 0)


def test_ids_older_than_the_window_are_forgotten_segment_by_segment() -> None:
    window = DedupWindow(10 * MINUTE)
    window.add("e1", 0)
    new, expired = window.seal()
    assert [n for n, _ in new] == [0] and expired == []
    window.add("e2", 11 * MINUTE)
    _, expired = window.seal()
    assert expired == [0]
    assert window.add("e1", 11 * MINUTE)  # beyond the window: accepted again


def test_restored_window_still_drops_duplicates() -> None:
    window = DedupWindow(10 * MINUTE)
    window.add("e1", 0)
    window.add("e2", 5)
    (number, (newest, ids)), = window.seal()[0]  # fmt: skip
    restored = DedupWindow(10 * MINUTE)
    restored.restore(number, newest, ids)
    assert not restored.add("e2", 5)
    assert restored.add("e3", 6)
    assert restored.seal()[0][0][0] == number + 1

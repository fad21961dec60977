import threading

import pytest

from producers.exceptions import BufferFullError
from producers.kafka_producer import SendBudget


def test_a_full_buffer_blocks_then_raises() -> None:
    budget = SendBudget(100)
    budget.acquire(80, 0.1)
    with pytest.raises(BufferFullError, match="stayed full"):
        budget.acquire(30, 0.05)


def test_an_acknowledgement_unblocks_a_waiting_send() -> None:
    budget = SendBudget(100)
    budget.acquire(80, 0.1)
    threading.Timer(0.05, budget.release, args=(80,)).start()
    budget.acquire(30, 5.0)
    assert (budget.used, budget.pending) == (30, 1)


def test_a_record_larger_than_the_buffer_still_goes_alone() -> None:
    budget = SendBudget(10)
    budget.acquire(50, 0.0)
    budget.release(50)
    assert budget.wait_empty(0.1)

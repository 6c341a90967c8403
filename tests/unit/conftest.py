"""Fixtures shared by the unit tests."""

from __future__ import annotations

import signal
from collections.abc import Iterator

import pytest


@pytest.fixture
def fails_fast() -> Iterator[None]:
    """Turns a call that loops for ever (a mutant of the working-day arithmetic, say) into a test failure
    after ten seconds."""

    def timeout(signum: int, frame: object) -> None:
        raise TimeoutError("the code under test kept looking instead of answering")

    previous = signal.signal(signal.SIGALRM, timeout)
    signal.setitimer(signal.ITIMER_REAL, 10)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)

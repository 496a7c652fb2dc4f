"""Pausing the cyclic garbage collector: paused inside the block, as it was afterwards (also
when the block raises, and when blocks nest)."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from migguard.collector import collector_paused


@pytest.fixture
def collecting() -> Iterator[None]:
    was = gc.isenabled()
    gc.enable()
    yield
    if not was:
        gc.disable()


def test_the_collector_is_paused_inside_and_running_again_after(collecting: None) -> None:
    with collector_paused():
        assert not gc.isenabled()
        with collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the inner block found it paused and left it so
    assert gc.isenabled()


def test_an_error_in_the_block_still_restarts_the_collector(collecting: None) -> None:
    with pytest.raises(ZeroDivisionError), collector_paused():
        1 / 0  # noqa: B018 - the error is the point

    assert gc.isenabled()


def test_a_collector_paused_by_the_caller_stays_paused(collecting: None) -> None:
    gc.disable()

    with collector_paused():
        assert not gc.isenabled()

    assert not gc.isenabled()

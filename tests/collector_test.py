"""Pausing the cyclic garbage collector: paused inside the block, as it was afterwards (also
when the block raises, and when blocks nest)."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from migguard import collector
from migguard.cli.main import main
from migguard.collector import collector_paused, freeze_loaded_objects


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


@pytest.fixture
def unfrozen(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(collector, "_freezing", False)
    gc.unfreeze()
    yield
    gc.unfreeze()


def test_a_long_lived_block_is_frozen_only_in_a_short_lived_process(
    collecting: None, unfrozen: None
) -> None:
    with collector_paused(long_lived=True):
        kept = [[index] for index in range(1000)]
    assert gc.get_freeze_count() == 0  # a test session is not short-lived

    freeze_loaded_objects()
    with collector_paused(long_lived=True):
        kept.append([[index] for index in range(1000)])
    assert gc.get_freeze_count() >= 2000  # everything tracked, the new lists among them
    assert gc.isenabled()

    frozen = gc.get_freeze_count()
    with collector_paused():  # not long-lived: nothing more is frozen
        kept.append([[index] for index in range(1000)])
    assert gc.get_freeze_count() == frozen


def test_the_command_line_called_in_process_does_not_freeze(
    collecting: None, unfrozen: None, capsys: pytest.CaptureFixture[str]
) -> None:
    # Only the program (argv from sys.argv) is short-lived; a caller's process is not.
    with pytest.raises(SystemExit):
        main(["--version"])

    assert "migguard" in capsys.readouterr().out
    assert collector._freezing is False

"""Property: an incremental replay gives the snapshot a replay from scratch gives, over random
histories changed by appends, edits, inserts in the middle, branches with merges, and
revisions that run raw SQL through ``op.execute``."""

from __future__ import annotations

import contextlib
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from migguard.cli.main import main
from migguard.config.load import load_config
from migguard.guard.replay.build import build_schema
from migguard.guard.replay.outcome import BuiltSchema
from migguard.scripts.directory import load_history
from tests.testing.random_history import FIRST, Change, History, apply, change_lists, write


def replay(folder: Path) -> BuiltSchema:
    config = load_config(cwd=folder, environ={})
    built = build_schema(config, load_history(config, use_cache=False))
    assert isinstance(built, BuiltSchema), built
    return built


@pytest.mark.slow
@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(change_lists(7))
def test_an_incremental_replay_equals_a_replay_from_scratch(
    changes: list[Change],
) -> None:
    with tempfile.TemporaryDirectory() as incremental, tempfile.TemporaryDirectory() as fresh:
        for folder in (incremental, fresh):
            with contextlib.chdir(folder):
                assert main(["init", "migrations"]) == 0
        history = History()
        for _ in range(3):
            apply(history, "append", 0, (False, False))
        for action, choice, flags in [FIRST, *changes]:
            apply(history, action, choice, flags)
            write(Path(incremental), history)
            write(Path(fresh), history)
            shutil.rmtree(Path(fresh) / ".migguard", ignore_errors=True)
            expected = replay(Path(fresh))
            found = replay(Path(incremental))
            assert found.snapshot == expected.snapshot, (action, sorted(history.scripts))
            assert found.default_schema == expected.default_schema

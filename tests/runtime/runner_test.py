"""Failure messages of the runner."""

from __future__ import annotations

from migguard.runtime.plan import Step
from migguard.runtime.runner import MigrationFailedError

STEP = Step("b2", True, frozenset({"a1"}), frozenset({"b2"}))


def test_transactional_failure_says_rolled_back() -> None:
    error = MigrationFailedError(STEP, "upgrade a1 -> b2, x (b2.py)", "ValueError: no", "", True)
    assert str(error) == (
        "upgrade a1 -> b2, x (b2.py) failed: ValueError: no; rolled back; the database stays at a1"
    )
    assert error.exit_code == 4


def test_without_transactional_ddl_the_message_warns_of_partial_changes() -> None:
    error = MigrationFailedError(STEP, "upgrade a1 -> b2, x (b2.py)", "ValueError: no", "", False)
    assert "its changes may be partly applied (no transactional DDL)" in str(error)
    assert "the version table still says a1" in str(error)

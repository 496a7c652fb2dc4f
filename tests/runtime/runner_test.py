"""Failure messages of the runner."""

from __future__ import annotations

from migguard.runtime.plan import Step
from migguard.runtime.runner import MigrationFailedError, found_after_reconnecting, rolled_back

STEP = Step("b2", True, frozenset({"a1"}), frozenset({"b2"}))
SUMMARY = "upgrade a1 -> b2, x (b2.py)"


def test_transactional_failure_says_rolled_back() -> None:
    error = MigrationFailedError(STEP, SUMMARY, "ValueError: no", "", rolled_back(STEP, True))
    assert str(error) == (
        "upgrade a1 -> b2, x (b2.py) failed: ValueError: no; rolled back; the database stays at a1"
    )
    assert error.exit_code == 4


def test_a_broken_script_is_exit_3() -> None:
    outcome = rolled_back(STEP, True)
    error = MigrationFailedError(STEP, SUMMARY, "NameError: x", "", outcome, script_error=True)
    assert error.exit_code == 3


def test_without_transactional_ddl_the_message_warns_of_partial_changes() -> None:
    error = MigrationFailedError(STEP, SUMMARY, "ValueError: no", "", rolled_back(STEP, False))
    assert "its changes may be partly applied (no transactional DDL)" in str(error)
    assert "the version table still says a1" in str(error)


def test_an_unknown_commit_outcome_says_what_a_new_connection_found() -> None:
    assert found_after_reconnecting(STEP, ("b2",)) == (
        "read again on a new connection: it did commit, the database is at b2"
    )
    assert found_after_reconnecting(STEP, ("a1",)) == (
        "read again on a new connection: it did not commit, the database is at a1"
    )
    assert found_after_reconnecting(STEP, None) == (
        "whether it committed is unknown: run `migguard current` to see"
    )

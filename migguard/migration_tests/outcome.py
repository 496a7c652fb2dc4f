"""How a built-in test fails or is skipped: exceptions whose message is the whole report."""

from __future__ import annotations

__all__ = ["MigrationTestFailure", "MigrationTestSkipped"]


class MigrationTestFailure(AssertionError):
    """A built-in test failed; the message names the revision(s) and the fix (pytest shows it
    without a traceback)."""


class MigrationTestSkipped(Exception):
    """A built-in test cannot run on this project (e.g. no models configured); the message
    says why."""

"""The step printer's warning for a run without a migration lock, written in one place."""

from __future__ import annotations

import io
from pathlib import Path

import migguard
from migguard.report.steps import warn_no_lock


def test_the_no_lock_warning() -> None:
    out = io.StringIO()
    warn_no_lock(out)
    assert out.getvalue() == (
        "migguard: warning: no migration lock for this database: "
        "do not run two migrations at once\n"
    )


def test_the_no_lock_warning_is_written_once() -> None:
    package = Path(migguard.__file__).parent
    writers = [
        path.relative_to(package).as_posix()
        for path in package.rglob("*.py")
        if "no migration lock" in path.read_text(encoding="utf-8")
    ]
    assert writers == ["report/steps.py"]

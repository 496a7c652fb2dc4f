"""The package type-checks: ``mypy migguard`` with the project's configuration
(``[tool.mypy]`` in pyproject.toml: default mode everywhere, the strict flags for ``graph``,
``config`` and ``scripts``) reports no error."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_mypy_reports_no_error_in_the_package() -> None:
    # Run from the project folder so mypy reads its pyproject.toml, as a contributor's run does.
    run = subprocess.run(
        [sys.executable, "-m", "mypy", "migguard"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    report = run.stdout + run.stderr
    assert run.returncode == 0, f"mypy found errors:\n{report}"
    assert "Success: no issues found" in run.stdout

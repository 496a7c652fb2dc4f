"""migguard run as a background process, and a revision that can be made to hang inside its
transaction: for the tests that kill a run, or race two runs for the migration lock."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from tests.testing.project import Project


def start_migguard(
    project: Project, url: str, *args: str, env: dict[str, str] | None = None
) -> subprocess.Popen[str]:
    """Start ``python -m migguard --url URL ARGS`` in the project folder without waiting for it;
    ``env`` adds to this process's environment. Its output is piped (text)."""
    return subprocess.Popen(
        [sys.executable, "-m", "migguard", "--url", url, *args],
        cwd=project.root,
        env={**os.environ, "NO_COLOR": "1", **(env or {})},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_for(marker: Path, run: subprocess.Popen[str], what: str) -> None:
    """Wait (at most 60 s) until the revision run by ``run`` writes ``marker``."""
    deadline = time.monotonic() + 60
    while not marker.exists():
        assert run.poll() is None, run.communicate()
        assert time.monotonic() < deadline, what
        time.sleep(0.05)


SLOW = """
import os, pathlib, time
op.create_table("slow", sa.Column("id", sa.Integer(), primary_key=True))
if os.environ.get("MIGGUARD_TEST_SLOW"):
    pathlib.Path(os.environ["MIGGUARD_TEST_SLOW"]).write_text("inside")
    time.sleep(60)
"""

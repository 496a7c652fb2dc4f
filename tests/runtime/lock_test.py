"""The migration lock: a run that waits for another says so, and for whom."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from migguard.runtime.lock import _masked
from tests.testing.background import SLOW, start_migguard
from tests.testing.project import Project
from tests.testing.seeds import seed_history


@pytest.mark.slow
def test_a_waiting_run_says_for_whom(project: Project, db_url: str, tmp_path: Path) -> None:
    seed_history(project)
    assert project.run("--url", db_url, "upgrade", "head").code == 0
    project.add("d3", "c2e7eea3f80e", message="Slow", upgrade=SLOW)
    marker = tmp_path / "inside"
    slow = start_migguard(
        project, db_url, "upgrade", "head", env={"MIGGUARD_TEST_SLOW": str(marker)}
    )
    try:
        deadline = time.monotonic() + 60
        while not marker.exists():
            assert slow.poll() is None, slow.communicate()
            assert time.monotonic() < deadline
            time.sleep(0.05)
        result = project.run("--url", db_url, "upgrade", "head", "--lock-timeout", "1.5")
    finally:
        slow.kill()
        slow.wait(timeout=30)
    assert result.code == 4
    waiting, error = result.err.splitlines()
    prefix = f"migguard: warning: waiting for the migration lock on {db_url}: held by "
    assert waiting.startswith(prefix), waiting
    holder = waiting.removeprefix(prefix)
    if db_url.startswith("sqlite"):
        assert holder.startswith(f"pid {slow.pid} (")
        assert holder.endswith(f"-m migguard --url {db_url} upgrade head)")
    else:
        assert re.fullmatch(r"PostgreSQL pid \d+ \(role postgres, client 127\.0\.0\.1\)", holder)
    assert "gave up after 1.5 s" in error


def test_a_run_that_gets_the_lock_at_once_says_nothing(project: Project, db_url: str) -> None:
    seed_history(project)
    result = project.run("--url", db_url, "upgrade", "head")
    assert result.code == 0
    assert result.err == ""


def test_a_holder_s_password_is_masked() -> None:
    assert _masked("--url=postgresql://app:s3cret@db/prod") == "--url=postgresql://app:***@db/prod"
    assert _masked("postgresql://app:s3cret@db/prod") == "postgresql://app:***@db/prod"
    assert _masked("upgrade") == "upgrade"

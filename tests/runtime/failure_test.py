"""Failures never half-apply a revision: rollback, exit 4, the last good revision kept."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import sqlalchemy as sa

from tests.cli.runtime_test import schema, seed_history, versions
from tests.conftest import Project

BOOM = """
op.create_table("half", sa.Column("id", sa.Integer(), primary_key=True))
op.add_column("customer", sa.Column("nickname", sa.String(40)))
raise RuntimeError("boom after some DDL")
"""


def test_a_revision_that_raises_is_rolled_back(project: Project, db_url: str) -> None:
    seed_history(project)
    project.add("d3", "c2e7eea3f80e", message="Breaks", upgrade=BOOM)
    project.add(
        "e4",
        "d3",
        message="Never runs",
        upgrade='op.create_table("later", sa.Column("id", sa.Integer()))',
    )
    result = project.run("--url", db_url, "upgrade", "head")
    assert result.code == 4
    assert result.err == (
        "migguard: error: upgrade c2e7eea3f80e -> d3, Breaks (migrations/versions/d3_rev.py) "
        "failed: RuntimeError: boom after some DDL; rolled back; the database stays at "
        "c2e7eea3f80e\n"
    )
    tables = schema(db_url)
    assert "half" not in tables
    assert "later" not in tables
    assert "nickname" not in tables["customer"]
    assert versions(db_url) == ["c2e7eea3f80e"]


def test_a_failing_statement_is_named_and_verbose_shows_the_traceback(
    project: Project, db_url: str
) -> None:
    project.add("a1", upgrade='op.execute("INSERT INTO nowhere VALUES (1)")')
    result = project.run("--url", db_url, "upgrade", "head", "--verbose")
    assert result.code == 4
    last = result.err.strip().splitlines()[-1]
    assert last.startswith("migguard: error: upgrade <base> -> a1")
    assert "[while running: INSERT INTO nowhere VALUES (1)]" in last
    assert "Traceback" in result.err
    assert versions(db_url) == []


DUPLICATE_COLUMN = """
op.create_table("fresh", sa.Column("id", sa.Integer(), primary_key=True))
op.add_column("customer", sa.Column("city", sa.String(40)))
op.create_table("never", sa.Column("id", sa.Integer()))
"""


def test_a_failing_operation_is_named_among_others(project: Project, db_url: str) -> None:
    seed_history(project)
    project.add("d3", "c2e7eea3f80e", message="Duplicate column", upgrade=DUPLICATE_COLUMN)
    project.add("e4", "d3", upgrade='op.create_table("later", sa.Column("id", sa.Integer()))')
    result = project.run("--url", db_url, "upgrade", "head")
    assert result.code == 4
    assert "upgrade c2e7eea3f80e -> d3, Duplicate column" in result.err
    assert "[while running: ALTER TABLE customer ADD COLUMN city VARCHAR(40)]" in result.err
    assert "rolled back; the database stays at c2e7eea3f80e" in result.err
    tables = schema(db_url)
    assert "fresh" not in tables
    assert "never" not in tables
    assert "later" not in tables
    assert versions(db_url) == ["c2e7eea3f80e"]


def test_a_script_that_cannot_load_stops_the_run_at_its_revision(
    project: Project, sqlite_url: str
) -> None:
    seed_history(project)
    project.add("d3", "c2e7eea3f80e", message="Broken")
    script = project.versions / "d3_rev.py"
    script.write_text(script.read_text() + "\nraise ValueError('no')\n")
    result = project.run("--url", sqlite_url, "upgrade", "head")
    assert result.code == 3
    assert "importing revision d3 failed: ValueError: no" in result.err
    # The revisions before it were applied.
    assert versions(sqlite_url) == ["c2e7eea3f80e"]


def _migguard(
    project: Project, url: str, *args: str, env: dict[str, str] | None = None
) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "migguard", "--url", url, *args],
        cwd=project.root,
        env={**os.environ, "NO_COLOR": "1", **(env or {})},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


SLOW = """
import os, pathlib, time
op.create_table("slow", sa.Column("id", sa.Integer(), primary_key=True))
if os.environ.get("MIGGUARD_TEST_SLOW"):
    pathlib.Path(os.environ["MIGGUARD_TEST_SLOW"]).write_text("inside")
    time.sleep(60)
"""


def test_kill_9_in_the_middle_of_a_revision_leaves_nothing_behind(
    project: Project, db_url: str, tmp_path: Path
) -> None:
    seed_history(project)
    project.add(
        "d3", "c2e7eea3f80e", message="Slow", upgrade=SLOW, downgrade='op.drop_table("slow")'
    )
    marker = tmp_path / "inside-d3"
    run = _migguard(project, db_url, "upgrade", "head", env={"MIGGUARD_TEST_SLOW": str(marker)})
    deadline = time.monotonic() + 60
    while not marker.exists():
        assert run.poll() is None, run.communicate()
        assert time.monotonic() < deadline, "the slow revision never started"
        time.sleep(0.05)
    run.send_signal(signal.SIGKILL)
    run.wait(timeout=30)

    assert "slow" not in schema(db_url)
    assert versions(db_url) == ["c2e7eea3f80e"]
    again = _migguard(project, db_url, "upgrade", "head", "--lock-timeout", "20")
    _, err = again.communicate(timeout=60)
    assert again.returncode == 0, err
    assert "slow" in schema(db_url)
    assert versions(db_url) == ["d3"]


def test_lock_timeout_is_a_clear_error(project: Project, db_url: str) -> None:
    seed_history(project)
    assert project.run("--url", db_url, "upgrade", "head").code == 0
    project.add("d3", "c2e7eea3f80e", message="Slow", upgrade=SLOW)
    marker = project.root / "inside"
    slow = _migguard(project, db_url, "upgrade", "head", env={"MIGGUARD_TEST_SLOW": str(marker)})
    try:
        deadline = time.monotonic() + 60
        while not marker.exists():
            assert slow.poll() is None, slow.communicate()
            assert time.monotonic() < deadline
            time.sleep(0.05)
        result = project.run("--url", db_url, "upgrade", "head", "--lock-timeout", "0.5")
        assert result.code == 4
        assert "another migguard run holds the migration lock" in result.err
        assert "gave up after 0.5 s" in result.err
    finally:
        slow.kill()
        slow.wait(timeout=30)


def test_a_database_ahead_of_the_code_is_named(project: Project, sqlite_url: str) -> None:
    seed_history(project)
    engine = sa.create_engine(sqlite_url)
    with engine.begin() as connection:
        connection.exec_driver_sql(
            "CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)"
        )
        connection.exec_driver_sql("INSERT INTO alembic_version VALUES ('f00dfeed')")
    engine.dispose()
    result = project.run("--url", sqlite_url, "upgrade", "head")
    assert result.code == 4  # the database is ahead of the code: not a broken history (3)
    assert "the database is at revision f00dfeed, which is not in this history" in result.err
    assert project.run("--url", sqlite_url, "stamp", "--purge", "head").code == 0
    assert versions(sqlite_url) == ["c2e7eea3f80e"]


def test_a_lost_connection_is_the_revision_s_failure(project: Project, pg_url: str) -> None:
    seed_history(project)
    project.add(
        "d3",
        "c2e7eea3f80e",
        message="Loses the connection",
        upgrade='op.execute("SELECT pg_terminate_backend(pg_backend_pid())")',
    )
    project.add("e4", "d3", upgrade='op.create_table("later", sa.Column("id", sa.Integer()))')
    result = project.run("--url", pg_url, "upgrade", "head")
    assert result.code == 4
    last = result.err.strip().splitlines()[-1]
    assert last.startswith("migguard: error: upgrade c2e7eea3f80e -> d3, Loses the connection")
    assert "terminating connection due to administrator command" in last
    assert "later" not in schema(pg_url)
    assert versions(pg_url) == ["c2e7eea3f80e"]

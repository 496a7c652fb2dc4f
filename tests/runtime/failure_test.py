"""Failures never half-apply a revision: rollback, exit 4, the last good revision kept."""

from __future__ import annotations

import signal
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.testing.background import SLOW, start_migguard, wait_for
from tests.testing.postgres import psql
from tests.testing.project import Project
from tests.testing.seeds import schema, seed_history, versions

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
    # The revision's own Python code raised: a broken script (exit 3), named with its line.
    assert result.code == 3
    assert result.err == (
        "migguard: error: upgrade c2e7eea3f80e -> d3, Breaks (migrations/versions/d3_rev.py:20) "
        "failed: RuntimeError: boom after some DDL; rolled back; the database stays at "
        "c2e7eea3f80e\n"
    )
    tables = schema(db_url)
    assert "half" not in tables
    assert "later" not in tables
    assert "nickname" not in tables["customer"]
    assert versions(db_url) == ["c2e7eea3f80e"]


def test_a_python_error_in_a_revision_is_a_broken_script(project: Project, db_url: str) -> None:
    seed_history(project)
    project.add(
        "d3",
        "c2e7eea3f80e",
        message="Typo",
        upgrade=(
            'op.create_table("half", sa.Column("id", sa.Integer()))\n'
            'op.add_column("customer", sa.Column("nick", Strng(40)))'
        ),
    )
    result = project.run("--url", db_url, "upgrade", "head")
    assert result.code == 3
    assert result.err == (
        "migguard: error: upgrade c2e7eea3f80e -> d3, Typo (migrations/versions/d3_rev.py:19) "
        "failed: NameError: name 'Strng' is not defined; rolled back; the database stays at "
        "c2e7eea3f80e\n"
    )
    assert "half" not in schema(db_url)
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


@pytest.mark.slow
def test_kill_9_in_the_middle_of_a_revision_leaves_nothing_behind(
    project: Project, db_url: str, tmp_path: Path
) -> None:
    seed_history(project)
    project.add(
        "d3", "c2e7eea3f80e", message="Slow", upgrade=SLOW, downgrade='op.drop_table("slow")'
    )
    marker = tmp_path / "inside-d3"
    run = start_migguard(
        project, db_url, "upgrade", "head", env={"MIGGUARD_TEST_SLOW": str(marker)}
    )
    wait_for(marker, run, "the slow revision never started")
    run.send_signal(signal.SIGKILL)
    run.wait(timeout=30)

    assert "slow" not in schema(db_url)
    assert versions(db_url) == ["c2e7eea3f80e"]
    again = start_migguard(project, db_url, "upgrade", "head", "--lock-timeout", "20")
    _, err = again.communicate(timeout=60)
    assert again.returncode == 0, err
    assert "slow" in schema(db_url)
    assert versions(db_url) == ["d3"]


@pytest.mark.slow
def test_lock_timeout_is_a_clear_error(project: Project, db_url: str) -> None:
    seed_history(project)
    assert project.run("--url", db_url, "upgrade", "head").code == 0
    project.add("d3", "c2e7eea3f80e", message="Slow", upgrade=SLOW)
    marker = project.root / "inside"
    slow = start_migguard(
        project, db_url, "upgrade", "head", env={"MIGGUARD_TEST_SLOW": str(marker)}
    )
    try:
        wait_for(marker, slow, "the slow revision never started")
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
    # It failed before the COMMIT: that it was rolled back is known.
    assert "[while running: SELECT pg_terminate_backend(pg_backend_pid())]" in last
    assert last.endswith("; rolled back; the database stays at c2e7eea3f80e")
    assert "later" not in schema(pg_url)
    assert versions(pg_url) == ["c2e7eea3f80e"]


@pytest.mark.slow
def test_ctrl_c_in_a_long_revision_says_where_the_database_stands(
    project: Project, db_url: str, tmp_path: Path
) -> None:
    seed_history(project)
    project.add("d3", "c2e7eea3f80e", message="Slow", upgrade=SLOW)
    marker = tmp_path / "inside-d3"
    run = start_migguard(
        project, db_url, "upgrade", "head", env={"MIGGUARD_TEST_SLOW": str(marker)}
    )
    wait_for(marker, run, "the slow revision never started")
    run.send_signal(signal.SIGINT)
    _, err = run.communicate(timeout=60)
    assert run.returncode == 130, err
    assert err.splitlines()[-1] == (
        "migguard: interrupted: upgrade c2e7eea3f80e -> d3, Slow (migrations/versions/d3_rev.py): "
        "rolled back; the database stays at c2e7eea3f80e"
    )
    assert "slow" not in schema(db_url)
    assert versions(db_url) == ["c2e7eea3f80e"]


def _admin(sql_text: str) -> str:
    return psql("postgres", sql_text).strip()


@pytest.mark.slow
def test_a_connection_lost_at_the_commit_is_read_again_not_claimed_rolled_back(
    project: Project, pg_url: str
) -> None:
    # With a synchronous standby that never answers, COMMIT commits locally and then waits;
    # terminating the backend then loses the connection after the commit (as a server stop
    # or a network failure may): the client cannot know the outcome.
    seed_history(project)
    assert project.run("--url", pg_url, "upgrade", "head").code == 0
    project.add("d3", "c2e7eea3f80e", message="Kept", upgrade=KEPT)
    project.add("e4", "d3", upgrade='op.create_table("later", sa.Column("id", sa.Integer()))')
    dbname = sa.make_url(pg_url).database
    _admin("ALTER SYSTEM SET synchronous_standby_names = 'migguard_test_nobody'")
    _admin("SELECT pg_reload_conf()")
    try:
        deadline = time.monotonic() + 30
        while _admin("SHOW synchronous_standby_names") != "migguard_test_nobody":
            assert time.monotonic() < deadline
            time.sleep(0.05)
        # New sessions see the setting; the checkpointer, which makes commits wait, applies
        # the same reload on its own: give it a moment.
        time.sleep(0.3)
        # The test server runs with synchronous_commit=off; this run's sessions wait.
        env = {"PGOPTIONS": "-c synchronous_commit=on"}
        run = start_migguard(project, pg_url, "upgrade", "head", env=env)
        waiting = (
            f"SELECT pid FROM pg_stat_activity WHERE datname = '{dbname}' "
            "AND wait_event = 'SyncRep'"
        )
        while not (pid := _admin(waiting)):
            assert run.poll() is None, run.communicate()
            assert time.monotonic() < deadline + 30, "the commit never waited"
            time.sleep(0.05)
        _admin(f"SELECT pg_terminate_backend({pid})")
        _, err = run.communicate(timeout=60)
    finally:
        _admin("ALTER SYSTEM RESET synchronous_standby_names")
        _admin("SELECT pg_reload_conf()")
    assert run.returncode == 4, err
    last = err.strip().splitlines()[-1]
    assert last.startswith("migguard: error: upgrade c2e7eea3f80e -> d3, Kept")
    assert "[while running: COMMIT]" in last
    assert "rolled back" not in last
    assert last.endswith(
        "the connection was lost before the commit was confirmed; read again on a new "
        "connection: it did commit, the database is at d3"
    )
    assert versions(pg_url) == ["d3"]
    assert "kept" in schema(pg_url)
    assert "later" not in schema(pg_url)


KEPT = 'op.create_table("kept", sa.Column("id", sa.Integer()))'


def test_a_version_table_holding_a_revision_and_its_ancestor_is_refused(
    project: Project, db_url: str
) -> None:
    seed_history(project)
    assert project.run("--url", db_url, "upgrade", "head").code == 0
    engine = sa.create_engine(db_url)
    with engine.begin() as connection:
        connection.exec_driver_sql("INSERT INTO alembic_version VALUES ('b4352a83e78a')")
    engine.dispose()
    for command in (["upgrade", "head"], ["downgrade", "base"], ["stamp", "head"], ["current"]):
        result = project.run("--url", db_url, *command)
        assert result.code == 4, command
        assert result.err == (
            "migguard: error: the version table holds both c2e7eea3f80e and its ancestor "
            "b4352a83e78a, which cannot both be applied heads (was it edited by hand?); check "
            "which one the schema is at, then reset the table with `migguard stamp --purge REV`\n"
        ), command
    assert versions(db_url) == ["b4352a83e78a", "c2e7eea3f80e"]
    assert project.run("--url", db_url, "stamp", "--purge", "head").code == 0
    assert versions(db_url) == ["c2e7eea3f80e"]


# Loading this script (its top level) signals, then sleeps: on PostgreSQL it loads while the
# previous revision's commit runs; on SQLite every script loads before the first revision.
SLOW_TO_LOAD = """
import os as _os, pathlib as _pathlib, time as _time
if _os.environ.get("MIGGUARD_TEST_SLOW"):
    _pathlib.Path(_os.environ["MIGGUARD_TEST_SLOW"]).write_text("loading")
    _time.sleep(60)
"""


@pytest.mark.slow
def test_ctrl_c_outside_a_revision_s_work_says_where_the_database_stands(
    project: Project, db_url: str, tmp_path: Path
) -> None:
    seed_history(project)
    assert project.run("--url", db_url, "upgrade", "head").code == 0
    project.add("d3", "c2e7eea3f80e", message="Kept", upgrade=KEPT)
    script = project.add("e4", "d3", message="Slow to load")
    script.write_text(script.read_text() + SLOW_TO_LOAD)
    marker = tmp_path / "loading-e4"
    run = start_migguard(
        project, db_url, "upgrade", "head", env={"MIGGUARD_TEST_SLOW": str(marker)}
    )
    wait_for(marker, run, "e4 never loaded")
    run.send_signal(signal.SIGINT)
    _, err = run.communicate(timeout=60)
    assert run.returncode == 130, err
    last = err.splitlines()[-1]
    if db_url.startswith("sqlite"):
        assert last == (
            "migguard: interrupted: outside any revision's transaction; the database is at "
            "c2e7eea3f80e"
        )
        assert versions(db_url) == ["c2e7eea3f80e"]
    else:
        assert last == (
            "migguard: interrupted: upgrade c2e7eea3f80e -> d3, Kept "
            "(migrations/versions/d3_rev.py) while committing; read again on a new "
            "connection: it did commit, the database is at d3"
        )
        assert versions(db_url) == ["d3"]


def test_a_history_without_downgrades_upgrades_and_refuses_only_to_downgrade(
    project: Project, db_url: str
) -> None:
    seed_history(project)
    for script in project.versions.glob("*.py"):
        text = script.read_text(encoding="utf-8")
        script.write_text(text[: text.index("def downgrade()")], encoding="utf-8")

    assert project.run("--url", db_url, "upgrade", "head", "--sql").code == 0
    up = project.run("--url", db_url, "upgrade", "head")
    assert up.code == 0, up.err
    assert versions(db_url) == ["c2e7eea3f80e"]

    down = project.run("--url", db_url, "downgrade", "-1")
    assert down.code == 3
    script = project.versions / "c2e7eea3f80e_rev.py"
    assert down.err.splitlines() == [
        f"migguard: error: {script}: revision c2e7eea3f80e has no downgrade() function"
    ]
    assert versions(db_url) == ["c2e7eea3f80e"]
    assert "age" in schema(db_url)["customer"]

"""A database that cannot do what a run needs is one line naming it, exit 4: never an internal
error. Full and read-only disks are real: a small tmpfs, mounted when the tests run as root."""

from __future__ import annotations

import os
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.testing.postgres import psql
from tests.testing.postgres import sqlite3 as sqlite3_client
from tests.testing.project import Project
from tests.testing.seeds import seed_history, versions


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 256 KiB tmpfs folder (root only: elsewhere the test is skipped)."""
    folder = tmp_path / "disk"
    folder.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(folder)],
        capture_output=True,
        check=False,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs (needs root): {mounted.stderr.decode().strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=True)


def fill(folder: Path) -> None:
    """Fill the file system up to its last byte."""
    fd = os.open(folder / "filler", os.O_WRONLY | os.O_CREAT, 0o644)
    try:
        while os.write(fd, b"\0" * 4096):
            pass
    except OSError:
        return
    finally:
        os.close(fd)


def remount_read_only(folder: Path) -> None:
    subprocess.run(["mount", "-o", "remount,ro", str(folder)], check=True)


BIG_ROWS = """
op.execute("CREATE TABLE blob_a (data BLOB)")
op.execute("INSERT INTO blob_a VALUES (randomblob(150000))")
"""
MORE_ROWS = """
op.execute("CREATE TABLE blob_b (data BLOB)")
op.execute("INSERT INTO blob_b VALUES (randomblob(150000))")
"""


def test_a_disk_that_fills_during_the_run_is_named_as_full(
    project: Project, small_disk: Path
) -> None:
    project.add("r1", upgrade=BIG_ROWS)
    project.add("r2", "r1", upgrade=MORE_ROWS)
    project.add("r3", "r2")
    url = f"sqlite:///{small_disk / 'app.db'}"
    result = project.run("--url", url, "upgrade", "head")
    assert result.code == 4
    error = next(line for line in result.err.splitlines() if "error:" in line)
    assert "database or disk is full" in error
    assert "[while running: ]" not in result.err
    assert "another connection" not in result.err
    assert "rolled back; the database stays at r1" in error
    # Switching the journal mode back needs room too: the warning says why it failed.
    assert result.err.splitlines()[1:] in (
        [],
        [
            f"migguard: warning: {small_disk / 'app.db'} stays in WAL journal mode: switching it "
            "back failed (the database said: database or disk is full); the next migguard run "
            "switches it back, as does `PRAGMA journal_mode=DELETE`"
        ],
    )


def test_a_full_disk_before_the_run_is_one_line(project: Project, small_disk: Path) -> None:
    seed_history(project)
    url = f"sqlite:///{small_disk / 'app.db'}"
    sqlite3_client(small_disk / "app.db", "CREATE TABLE other (id INTEGER);")
    fill(small_disk)
    for command in (["upgrade", "head"], ["stamp", "head"]):
        result = project.run("--url", url, *command)
        assert result.code == 4, result.err
        assert len(result.err.splitlines()) == 1, result.err
        assert "database or disk is full" in result.err
        assert str(small_disk / "app.db") in result.err
        assert "internal error" not in result.err


def test_stamp_on_a_read_only_file_is_one_line(project: Project, small_disk: Path) -> None:
    seed_history(project)
    path = small_disk / "app.db"
    url = f"sqlite:///{path}"
    assert project.run("--url", url, "upgrade", "b4352a83e78a").code == 0
    remount_read_only(small_disk)
    result = project.run("--url", url, "stamp", "head")
    assert result.code == 4
    assert result.err == (
        f"migguard: error: cannot write the version table alembic_version on {url}: "
        "attempt to write a readonly database\n"
    )
    assert versions(url) == ["b4352a83e78a"]


def test_a_file_that_is_not_a_database_is_one_line(project: Project, tmp_path: Path) -> None:
    seed_history(project)
    path = tmp_path / "notes.db"
    path.write_text("These are my notes, not a database. " * 40)
    url = f"sqlite:///{path}"
    for command in (["upgrade", "head"], ["downgrade", "base"], ["stamp", "head"], ["current"]):
        result = project.run("--url", url, *command)
        assert result.code == 4, command
        assert result.err == (
            f"migguard: error: cannot read the version table alembic_version on {url}: "
            "file is not a database\n"
        ), command


def _version_table(url: str, ddl: str, *rows: str) -> None:
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        connection.exec_driver_sql(ddl)
        for row in rows:
            connection.exec_driver_sql(f"INSERT INTO alembic_version VALUES ({row})")
    engine.dispose()


def test_a_version_table_without_version_num_is_one_line(project: Project, db_url: str) -> None:
    seed_history(project)
    _version_table(db_url, "CREATE TABLE alembic_version (id INTEGER, name TEXT)", "1, 'x'")
    for command in (["upgrade", "head"], ["stamp", "head"], ["current"]):
        result = project.run("--url", db_url, *command)
        assert result.code == 4, command
        assert len(result.err.splitlines()) == 1, result.err
        assert "the version table alembic_version" in result.err
        # `current` reads with the driver alone and says what the database said.
        said = "no such column" if "sqlite" in db_url else 'column "version_num" does not exist'
        expected = said if command == ["current"] else "has no version_num column"
        assert expected in result.err, result.err


def test_a_version_num_column_of_the_wrong_type_is_one_line(project: Project, db_url: str) -> None:
    seed_history(project)
    _version_table(db_url, "CREATE TABLE alembic_version (version_num INTEGER)", "123")
    for command in (["upgrade", "head"], ["downgrade", "base"], ["stamp", "head"], ["current"]):
        result = project.run("--url", db_url, *command)
        assert result.code == 4, command
        assert len(result.err.splitlines()) == 1, result.err
        assert "the version table alembic_version" in result.err
        assert "but revision ids are text" in result.err, result.err


@pytest.fixture
def limited_role(pg_url: str) -> Iterator[str]:
    """A role that may connect and create tables but not touch alembic_version; yields the
    URL that connects as it."""
    role = f"app_{uuid.uuid4().hex[:8]}"
    database = sa.make_url(pg_url).database
    psql(pg_url, f"CREATE ROLE {role} LOGIN; GRANT ALL ON SCHEMA public TO {role};")
    url = sa.make_url(pg_url).set(username=role).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        psql(pg_url, f"DROP OWNED BY {role}; ")
        psql("postgres", f"REVOKE ALL ON DATABASE {database} FROM {role}; DROP ROLE {role};")


def test_a_role_without_rights_on_the_version_table_is_one_line(
    project: Project, pg_url: str, limited_role: str
) -> None:
    seed_history(project)
    assert project.run("--url", pg_url, "upgrade", "b4352a83e78a").code == 0
    role = sa.make_url(limited_role).username
    for command in (["upgrade", "head"], ["downgrade", "base"], ["stamp", "head"]):
        result = project.run("--url", limited_role, *command)
        assert result.code == 4, command
        assert result.err == (
            f"migguard: error: cannot read the version table alembic_version on {limited_role} "
            f"as role {role}: permission denied for table alembic_version\n"
        ), command
    assert versions(pg_url) == ["b4352a83e78a"]


def test_a_role_that_may_read_but_not_write_the_version_table(
    project: Project, pg_url: str, limited_role: str
) -> None:
    seed_history(project)
    assert project.run("--url", pg_url, "upgrade", "b4352a83e78a").code == 0
    role = sa.make_url(limited_role).username
    psql(pg_url, f"GRANT SELECT ON alembic_version TO {role};")
    result = project.run("--url", limited_role, "stamp", "head")
    assert result.code == 4
    assert result.err == (
        f"migguard: error: cannot write the version table alembic_version on {limited_role} "
        f"as role {role}: permission denied for table alembic_version\n"
    )
    assert versions(pg_url) == ["b4352a83e78a"]
    assert os.environ.get("MIGGUARD_URL") is None

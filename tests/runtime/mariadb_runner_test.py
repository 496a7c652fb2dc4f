"""The runner on MariaDB: upgrade, downgrade, stamp, current and offline SQL; the version table
exactly as Alembic writes it there; the migration lock (``GET_LOCK()``) under kill -9 and eight
concurrent upgrades."""

from __future__ import annotations

import re
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.config import Config as AlembicConfig

from migguard.runtime.lock import _named_lock_name
from tests.testing.alembic_project import ENV_PY
from tests.testing.background import SLOW, start_migguard, wait_for
from tests.testing.mariadb import PASSWORD, MariaDBServer, fresh_database, mariadb_client
from tests.testing.project import Project, revision_source
from tests.testing.seeds import schema, versions

CUSTOMER = """
op.create_table(
    "customer",
    sa.Column("id", sa.Integer(), primary_key=True),
    sa.Column("name", sa.String(40), nullable=False),
)
"""
AGE = 'op.add_column("customer", sa.Column("age", sa.Integer()))'


def history(project: Project) -> None:
    """Two revisions MySQL accepts (VARCHAR with a length): a customer table, then its age."""
    project.add("a1", message="Customer", upgrade=CUSTOMER, downgrade='op.drop_table("customer")')
    project.add(
        "b2", "a1", message="Age", upgrade=AGE, downgrade='op.drop_column("customer", "age")'
    )


@pytest.fixture
def other_mariadb_url(mariadb_server: MariaDBServer) -> Iterator[str]:
    """A second fresh database on the same server."""
    with fresh_database(mariadb_server) as url:
        yield url


def test_upgrade_downgrade_stamp_current_round_trip(project: Project, mariadb_url: str) -> None:
    history(project)
    url = ["--url", mariadb_url]
    shown = re.sub(r":[^:@/]+@", ":***@", mariadb_url)
    up = project.run(*url, "upgrade", "head")
    assert up.code == 0, up.err
    assert up.err == ""  # the lock was held: no "no migration lock" warning
    assert f"{shown} is at b2." in up.out
    assert project.run(*url, "current").out == "b2 (head)\n"
    assert "age" in schema(mariadb_url)["customer"]

    down = project.run(*url, "downgrade", "-1")
    assert down.code == 0, down.err
    assert project.run(*url, "current").out == "a1\n"
    assert "age" not in schema(mariadb_url)["customer"]

    stamped = project.run(*url, "stamp", "head")
    assert stamped.out == f"Stamped {shown}: a1 -> b2\n"
    assert versions(mariadb_url) == ["b2"]
    assert project.run(*url, "stamp", "a1").code == 0

    assert project.run(*url, "downgrade", "base").code == 0
    assert set(schema(mariadb_url)) == {"alembic_version"}
    assert versions(mariadb_url) == []
    everything = up.out + up.err + down.out + down.err + stamped.out + stamped.err
    assert PASSWORD not in everything


def alembic_config(folder: Path, url: str) -> AlembicConfig:
    """An Alembic project in ``folder`` with the two revisions of :func:`history`."""
    versions_dir = folder / "mig" / "versions"
    versions_dir.mkdir(parents=True)
    (folder / "mig" / "env.py").write_text(ENV_PY)
    # % doubled: alembic.ini is read by configparser, which interpolates it.
    ini = f"[alembic]\nscript_location = %(here)s/mig\nsqlalchemy.url = {url}\n"
    (folder / "alembic.ini").write_text(ini)
    op = "from alembic import op"
    (versions_dir / "a1_customer.py").write_text(
        revision_source("a1", message="Customer", upgrade=CUSTOMER, op_import=op)
    )
    (versions_dir / "b2_age.py").write_text(
        revision_source("b2", "a1", message="Age", upgrade=AGE, op_import=op)
    )
    return AlembicConfig(str(folder / "alembic.ini"))


def version_table_definition(url: str) -> tuple[str, list[tuple[object, ...]], list[object]]:
    """The version table as MariaDB reports it: ``SHOW CREATE TABLE``, its columns (name,
    type, nullable, default, collation) and its primary key's columns."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            create = connection.exec_driver_sql("SHOW CREATE TABLE alembic_version").one()[1]
            columns = connection.exec_driver_sql(
                "SELECT column_name, column_type, is_nullable, column_default, collation_name "
                "FROM information_schema.columns WHERE table_schema = DATABASE() "
                "AND table_name = 'alembic_version' ORDER BY ordinal_position"
            ).all()
            key = connection.exec_driver_sql(
                "SELECT column_name FROM information_schema.key_column_usage "
                "WHERE table_schema = DATABASE() AND table_name = 'alembic_version' "
                "AND constraint_name = 'PRIMARY'"
            ).all()
    finally:
        engine.dispose()
    return str(create), [tuple(c) for c in columns], [k[0] for k in key]


def test_the_version_table_is_alembic_s(
    project: Project, mariadb_url: str, other_mariadb_url: str, tmp_path: Path
) -> None:
    history(project)
    assert project.run("--url", mariadb_url, "upgrade", "head").code == 0
    command.upgrade(alembic_config(tmp_path / "alembic", other_mariadb_url), "head")
    ours = version_table_definition(mariadb_url)
    alembics = version_table_definition(other_mariadb_url)
    assert ours == alembics
    create, columns, key = ours
    assert columns == [("version_num", "varchar(32)", "NO", None, "utf8mb4_general_ci")]
    assert key == ["version_num"]
    assert "PRIMARY KEY (`version_num`)" in create
    # And each tool reads the other's table: migguard goes on where Alembic stopped.
    assert project.run("--url", other_mariadb_url, "current").out == "b2 (head)\n"
    assert project.run("--url", other_mariadb_url, "downgrade", "a1").code == 0
    assert "age" not in schema(other_mariadb_url)["customer"]


def statements(script: str) -> list[str]:
    """The statements of an offline SQL script, each on one line, comments dropped."""
    lines = [line for line in script.splitlines() if not line.startswith("--")]
    found = [" ".join(s.split()) for s in "\n".join(lines).split(";")]
    return [s for s in found if s]


def test_offline_sql_is_mysql_s_and_builds_the_same_database(
    project: Project,
    mariadb_url: str,
    other_mariadb_url: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    history(project)
    offline = project.run("--url", mariadb_url, "upgrade", "head", "--sql")
    assert offline.code == 0, offline.err
    script = offline.out
    # No transactional DDL on MySQL: no BEGIN/COMMIT pretending otherwise, as Alembic writes.
    assert "BEGIN;" not in script
    assert "COMMIT;" not in script
    assert "id INTEGER NOT NULL AUTO_INCREMENT" in script
    capsys.readouterr()
    command.upgrade(alembic_config(tmp_path / "alembic", mariadb_url), "head", sql=True)
    alembic_script = capsys.readouterr().out
    assert statements(script) == statements(alembic_script)

    # The database's own client runs it, and it builds what an online upgrade builds.
    mariadb_client(mariadb_url, script)
    assert versions(mariadb_url) == ["b2"]
    assert project.run("--url", other_mariadb_url, "upgrade", "head").code == 0
    assert schema(mariadb_url) == schema(other_mariadb_url)

    down = project.run("--url", mariadb_url, "downgrade", "head:base", "--sql").out
    assert "DELETE FROM alembic_version WHERE alembic_version.version_num = 'a1'" in down
    mariadb_client(mariadb_url, down)
    assert set(schema(mariadb_url)) == {"alembic_version"}
    assert versions(mariadb_url) == []


def lock_holder(url: str) -> int | None:
    """The id of the connection holding migguard's lock on the database at ``url``, or None."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            name = _named_lock_name(connection, "alembic_version")
            holder = connection.execute(sa.text("SELECT IS_USED_LOCK(:n)"), {"n": name}).scalar()
    finally:
        engine.dispose()
    return None if holder is None else int(holder)


# SLOW's wait comes before its DDL here: on MySQL a CREATE TABLE commits at once, so a run killed
# after it would leave the table behind (tests/runtime/mariadb_failure_test.py tells that story).
SLOW_BEFORE_DDL = """
import os, pathlib, time
if os.environ.get("MIGGUARD_TEST_SLOW"):
    pathlib.Path(os.environ["MIGGUARD_TEST_SLOW"]).write_text("inside")
    time.sleep(60)
op.create_table("slow", sa.Column("id", sa.Integer(), primary_key=True))
"""


@pytest.mark.slow
def test_kill_9_of_a_run_holding_the_lock_leaves_no_lock(
    project: Project, mariadb_url: str, tmp_path: Path
) -> None:
    history(project)
    project.add("c3", "b2", message="Slow", upgrade=SLOW_BEFORE_DDL)
    marker = tmp_path / "inside-c3"
    run = start_migguard(
        project, mariadb_url, "upgrade", "head", env={"MIGGUARD_TEST_SLOW": str(marker)}
    )
    wait_for(marker, run, "the slow revision never started")
    assert lock_holder(mariadb_url) is not None
    run.send_signal(signal.SIGKILL)
    run.wait(timeout=30)
    # The server ends the dead client's session, and the lock with it.
    deadline = time.monotonic() + 10
    while lock_holder(mariadb_url) is not None:
        assert time.monotonic() < deadline, "the killed run's lock is still held"
        time.sleep(0.05)
    assert versions(mariadb_url) == ["b2"]
    again = start_migguard(project, mariadb_url, "upgrade", "head", "--lock-timeout", "5")
    out, err = again.communicate(timeout=60)
    assert again.returncode == 0, err
    assert versions(mariadb_url) == ["c3"]
    assert "slow" in schema(mariadb_url)
    assert PASSWORD not in out + err


@pytest.mark.slow
def test_a_waiting_run_names_the_holder_and_gives_up(
    project: Project, mariadb_url: str, tmp_path: Path
) -> None:
    history(project)
    assert project.run("--url", mariadb_url, "upgrade", "head").code == 0
    project.add("c3", "b2", message="Slow", upgrade=SLOW)
    marker = tmp_path / "inside"
    slow = start_migguard(
        project, mariadb_url, "upgrade", "head", env={"MIGGUARD_TEST_SLOW": str(marker)}
    )
    try:
        wait_for(marker, slow, "the slow revision never started")
        result = project.run("--url", mariadb_url, "upgrade", "head", "--lock-timeout", "1.5")
    finally:
        slow.kill()
        slow.wait(timeout=30)
    assert result.code == 4
    waiting, error = result.err.splitlines()
    shown = re.sub(r":[^:@/]+@", ":***@", mariadb_url)
    prefix = f"migguard: warning: waiting for the migration lock on {shown}: held by "
    assert waiting.startswith(prefix), waiting
    holder = waiting.removeprefix(prefix)
    assert re.fullmatch(r"MariaDB connection \d+ \(user migguard, client 127\.0\.0\.1\)", holder)
    assert "gave up after 1.5 s" in error
    assert PASSWORD not in result.err


def test_locks_of_two_databases_on_one_server_are_apart(
    project: Project, mariadb_url: str, other_mariadb_url: str, tmp_path: Path
) -> None:
    """GET_LOCK names are server-wide: a run on one database does not wait for another's."""
    history(project)
    project.add("c3", "b2", message="Slow", upgrade=SLOW)
    marker = tmp_path / "inside"
    slow = start_migguard(
        project, mariadb_url, "upgrade", "head", env={"MIGGUARD_TEST_SLOW": str(marker)}
    )
    try:
        wait_for(marker, slow, "the slow revision never started")
        result = project.run("--url", other_mariadb_url, "upgrade", "b2", "--lock-timeout", "1")
    finally:
        slow.kill()
        slow.wait(timeout=30)
    assert result.code == 0, result.err
    assert versions(other_mariadb_url) == ["b2"]


def test_the_mariadb_scheme_takes_the_lock_and_reports_alike(
    project: Project, mariadb_url: str
) -> None:
    """``mariadb+pymysql://`` (SQLAlchemy's MariaDB dialect) runs as ``mysql+pymysql://``."""
    url = mariadb_url.replace("mysql+pymysql://", "mariadb+pymysql://")
    history(project)
    project.add(
        "c3",
        "b2",
        upgrade='op.create_table("x", sa.Column("id", sa.Integer()))\n'
        'op.create_table("x", sa.Column("id", sa.Integer()))',
    )
    dry = project.run("--url", url, "upgrade", "head", "--dry-run")
    assert dry.code == 0, dry.err
    assert "3 revision(s) would run" in dry.out
    result = project.run("--url", url, "upgrade", "head")
    assert result.code == 4
    assert "no migration lock" not in result.err
    assert "    1. CREATE TABLE x ( id INTEGER )\n  failed:\n    2. CREATE TABLE x" in result.err
    assert versions(mariadb_url) == ["b2"]


def test_a_wrong_password_is_one_masked_line(project: Project, mariadb_url: str) -> None:
    history(project)
    wrong = mariadb_url.replace(PASSWORD, "not-the-password")
    result = project.run("--url", wrong, "upgrade", "head")
    assert result.code == 4
    assert result.err.startswith("migguard: error: cannot connect to mysql+pymysql://migguard:***@")
    assert "Access denied for user 'migguard'" in result.err
    assert result.err.count("\n") == 1
    assert "not-the-password" not in result.err

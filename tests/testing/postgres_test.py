"""The test databases themselves: a real PostgreSQL server, fresh isolated databases on it,
SQLite files, and the databases' own command-line clients."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from tests.testing.postgres import (
    CommandFailed,
    PostgresServer,
    admin_execute,
    psql,
    sqlite3,
    unavailable,
)


def scalar(url: str, query: str) -> object:
    """The single value ``query`` returns on the database at ``url``."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(sa.text(query)).scalar_one()
    finally:
        engine.dispose()


def test_server_answers_version(postgres_server: PostgresServer) -> None:
    version = scalar(postgres_server.url(), "select version()")
    assert isinstance(version, str)
    assert version.startswith("PostgreSQL ")


def test_server_runs_with_durability_off(postgres_server: PostgresServer) -> None:
    assert scalar(postgres_server.url(), "show fsync") == "off"
    assert scalar(postgres_server.url(), "show server_encoding") == "UTF8"


@pytest.fixture
def other_pg_url(postgres_server: PostgresServer) -> Iterator[str]:
    """A second database next to ``pg_url`` (pytest gives one fixture value per test)."""
    name = f"test_other_{uuid.uuid4().hex[:8]}"
    admin_execute(postgres_server, "CREATE DATABASE {}", name)
    yield postgres_server.url(name)
    admin_execute(postgres_server, "DROP DATABASE IF EXISTS {} WITH (FORCE)", name)


def test_pg_url_databases_are_distinct_and_isolated(pg_url: str, other_pg_url: str) -> None:
    assert make_url(pg_url).database != make_url(other_pg_url).database
    assert make_url(pg_url).drivername == "postgresql+psycopg"
    count = "select count(*) from pg_tables where tablename = 'only_here';"
    psql(pg_url, "create table only_here (id integer primary key);")
    assert psql(pg_url, count) == "1\n"
    assert psql(other_pg_url, count) == "0\n"


# Database name used by each round of the test below, to check round 1's was dropped.
databases_by_round: dict[int, str] = {}


@pytest.mark.parametrize("round_", [1, 2])
def test_pg_url_is_fresh_each_test(pg_url: str, round_: int) -> None:
    """Each test gets a new, empty database; the one before it has been dropped."""
    databases_by_round[round_] = make_url(pg_url).database or ""
    psql(pg_url, "create table t (id integer);")  # fails if round 1's database were reused
    if round_ == 2 and 1 in databases_by_round:
        previous = databases_by_round[1]
        assert previous != databases_by_round[2]
        query = f"select count(*) from pg_database where datname = '{previous}';"
        assert psql(pg_url, query) == "0\n"


def test_psql_helper_uses_real_client(pg_url: str) -> None:
    psql(pg_url, "create table item (id integer primary key, name text not null);")
    psql(pg_url, "insert into item values (1, 'a'), (2, 'b');")
    assert psql(pg_url, "select id, name from item order by id;") == "1|a\n2|b\n"
    # A bare database name means "on the session's server".
    dbname = make_url(pg_url).database or ""
    assert psql(dbname, "select current_database();") == f"{dbname}\n"
    # psql's own meta-commands work: proof it is the real client, not a driver.
    assert "item" in psql(pg_url, "\\dt")


def test_psql_helper_raises_with_stderr(pg_url: str) -> None:
    with pytest.raises(CommandFailed, match="no_such_table"):
        psql(pg_url, "select * from no_such_table;")


def test_sqlite_url_is_a_fresh_file(sqlite_url: str, tmp_path: Path) -> None:
    assert sqlite_url == f"sqlite:///{tmp_path / 'test.db'}"
    assert not (tmp_path / "test.db").exists()


def test_sqlite3_helper_uses_real_client(sqlite_url: str, tmp_path: Path) -> None:
    sqlite3(tmp_path / "test.db", "create table item (id integer primary key, name text);")
    sqlite3(sqlite_url, "insert into item values (1, 'a'), (2, 'b');")
    assert sqlite3(tmp_path / "test.db", "select id, name from item order by id;") == "1|a\n2|b\n"
    assert sqlite3(sqlite_url, ".tables") == "item\n"
    with pytest.raises(CommandFailed, match="no_such_table"):
        sqlite3(sqlite_url, "select * from no_such_table;")


def test_db_url_runs_once_per_backend(db_url: str, request: pytest.FixtureRequest) -> None:
    backend = make_url(db_url).get_backend_name()
    assert request.node.callspec.id == backend
    engine = sa.create_engine(db_url)
    try:
        with engine.begin() as conn:
            conn.execute(sa.text("create table t (id integer primary key)"))
            conn.execute(sa.text("insert into t values (1)"))
        with engine.connect() as conn:
            assert conn.execute(sa.text("select count(*) from t")).scalar_one() == 1
    finally:
        engine.dispose()


def test_db_url_makes_one_test_per_backend(request: pytest.FixtureRequest) -> None:
    """The test above was collected exactly twice, as ``[sqlite]`` and ``[postgresql]``."""
    module = request.node.parent
    assert isinstance(module, pytest.Module)
    names = [
        item.name
        for item in module.collect()
        if getattr(item, "originalname", "") == "test_db_url_runs_once_per_backend"
    ]
    assert names == [
        "test_db_url_runs_once_per_backend[sqlite]",
        "test_db_url_runs_once_per_backend[postgresql]",
    ]


def test_a_missing_server_skips_on_a_developer_machine(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="initdb not found"):
        unavailable("initdb not found")


def test_a_missing_server_fails_in_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "1")
    with pytest.raises(pytest.fail.Exception, match="CI: initdb not found"):
        unavailable("initdb not found")

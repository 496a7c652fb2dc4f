"""The MariaDB test server itself: a real server, fresh isolated databases on it reached with a
password, and the database's own command-line client."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from tests.testing.mariadb import (
    PASSWORD,
    USER,
    MariaDBServer,
    create_database,
    drop_database,
    mariadb_client,
)
from tests.testing.postgres import CommandFailed


def scalar(url: str, query: str) -> object:
    """The single value ``query`` returns on the database at ``url``."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(sa.text(query)).scalar_one()
    finally:
        engine.dispose()


def test_server_is_mariadb_with_durability_off(mariadb_url: str) -> None:
    assert "MariaDB" in str(scalar(mariadb_url, "SELECT VERSION()"))
    assert scalar(mariadb_url, "SELECT @@innodb_flush_log_at_trx_commit") == 0
    assert scalar(mariadb_url, "SELECT @@character_set_server") == "utf8mb4"


def test_url_names_a_user_with_a_password(mariadb_url: str) -> None:
    url = make_url(mariadb_url)
    assert url.drivername == "mysql+pymysql"
    assert (url.username, url.password) == (USER, PASSWORD)
    assert scalar(mariadb_url, "SELECT CURRENT_USER()") == f"{USER}@%"


def test_a_wrong_password_is_refused(mariadb_url: str) -> None:
    wrong = make_url(mariadb_url).set(password="not-the-password")
    engine = sa.create_engine(wrong)
    try:
        with pytest.raises(sa.exc.OperationalError, match="Access denied"):
            engine.connect()
    finally:
        engine.dispose()


@pytest.fixture
def other_mariadb_url(mariadb_server: MariaDBServer) -> Iterator[str]:
    """A second database next to ``mariadb_url`` (pytest gives one fixture value per test)."""
    name = f"test_other_{uuid.uuid4().hex[:8]}"
    create_database(mariadb_server, name)
    yield mariadb_server.url(name)
    drop_database(mariadb_server, name)


def test_databases_are_distinct_and_isolated(mariadb_url: str, other_mariadb_url: str) -> None:
    assert make_url(mariadb_url).database != make_url(other_mariadb_url).database
    mariadb_client(mariadb_url, "CREATE TABLE only_here (id INTEGER PRIMARY KEY);")
    count = "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = DATABASE();"
    assert mariadb_client(mariadb_url, count) == "1\n"
    assert mariadb_client(other_mariadb_url, count) == "0\n"


def test_dropping_a_database_ends_the_sessions_still_in_it(
    mariadb_server: MariaDBServer,
) -> None:
    """A leaked connection with an open transaction would make DROP DATABASE wait forever."""
    name = f"test_leak_{uuid.uuid4().hex[:8]}"
    create_database(mariadb_server, name)
    engine = sa.create_engine(mariadb_server.url(name))
    conn = engine.connect()
    try:
        conn.execute(sa.text("CREATE TABLE t (id INTEGER)"))
        conn.execute(sa.text("INSERT INTO t VALUES (1)"))  # transaction left open
        drop_database(mariadb_server, name)
        databases = mariadb_client(mariadb_server.url("mysql"), "SHOW DATABASES;").split()
        assert name not in databases
    finally:
        # The server ended this session: closing it finds the connection gone.
        conn.invalidate()
        conn.close()
        engine.dispose()


def test_client_stops_at_the_first_error_and_never_shows_the_password(mariadb_url: str) -> None:
    with pytest.raises(CommandFailed, match="no_such_table") as failure:
        mariadb_client(mariadb_url, "SELECT * FROM no_such_table; SELECT 1;")
    assert PASSWORD not in str(failure.value)

"""Fixtures for the operations layer: a :class:`~tests.testing.ops.Db` on a fresh SQLite file or
PostgreSQL or MariaDB database."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.testing.ops import Db, open_db


@pytest.fixture
def db(db_url: str) -> Iterator[Db]:
    """A ``Db`` on SQLite and on PostgreSQL (the test runs once for each)."""
    yield from open_db(db_url)


@pytest.fixture
def sqlite_db(sqlite_url: str) -> Iterator[Db]:
    """A ``Db`` on a fresh SQLite file."""
    yield from open_db(sqlite_url)


@pytest.fixture
def pg_db(pg_url: str) -> Iterator[Db]:
    """A ``Db`` on a fresh PostgreSQL database."""
    yield from open_db(pg_url)


@pytest.fixture(params=["mysql", "mariadb"])
def maria_db(request: pytest.FixtureRequest, mariadb_url: str) -> Iterator[Db]:
    """A ``Db`` on a fresh MariaDB database, once through a ``mysql+pymysql://`` URL and once
    through ``mariadb+pymysql://`` (SQLAlchemy's dialect then calls itself ``mariadb``)."""
    url = mariadb_url.replace("mysql+pymysql://", f"{request.param}+pymysql://", 1)
    yield from open_db(url)

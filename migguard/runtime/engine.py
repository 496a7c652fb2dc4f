"""Connecting to the database.

SQLite supports transactional DDL, but Python's sqlite3 driver does not open a transaction
before DDL statements by itself, so a failing migration could leave half its tables behind.
Following SQLAlchemy's documented recipe ("Serializable isolation / Savepoints / Transactional
DDL" in the pysqlite dialect docs), the driver's own transaction handling is switched off and
every transaction is opened explicitly, with ``BEGIN IMMEDIATE`` so that the write lock is
taken at the start instead of half-way through (https://www.sqlite.org/lang_transaction.html).
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine

from migguard.errors import DatabaseError, UsageError
from migguard.urls import mask_password


def make_url(url: str) -> sa.URL:
    """Parse a database URL, choosing psycopg (3) for a bare ``postgresql://`` when psycopg2
    is not installed (SQLAlchemy's default driver for that scheme is psycopg2).

    Raises:
        UsageError: the URL cannot be parsed (the message masks the password).
    """
    try:
        parsed = sa.make_url(url)
    except (sa.exc.ArgumentError, ValueError):
        raise UsageError(f"not a database URL: {mask_password(url)}") from None
    if (
        parsed.drivername == "postgresql"
        and importlib.util.find_spec("psycopg2") is None
        and importlib.util.find_spec("psycopg") is not None
    ):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def create_engine(url: str) -> Engine:
    """An engine for migrations (no pooling: one connection per run).

    Raises:
        UsageError: bad URL; DatabaseError: the driver is not installed.
    """
    parsed, connect_args = _driver_options(make_url(url), url)
    try:
        engine = sa.create_engine(parsed, poolclass=sa.pool.NullPool, connect_args=connect_args)
    except (ModuleNotFoundError, sa.exc.NoSuchModuleError) as exc:
        raise DatabaseError(
            f"cannot use {mask_password(url)}: {exc} (install the database driver)"
        ) from None
    if engine.dialect.name == "sqlite":
        _transactional_sqlite(engine)
    return engine


def _driver_options(parsed: sa.URL, url: str) -> tuple[sa.URL, dict[str, Any]]:
    """Move URL query options SQLAlchemy would hand the driver as text, where the driver wants
    another type, into typed ``connect_args``.

    psycopg's ``prepare_threshold`` (an int, or None to never prepare statements, as
    PgBouncer's transaction mode needs: https://www.psycopg.org/psycopg3/docs/advanced/prepare.html)
    arrives from ``?prepare_threshold=N`` as a string, which psycopg only rejects at the first
    query. ``none`` (any case) means None.

    Raises:
        UsageError: the value is neither an integer nor ``none``.
    """
    value = parsed.query.get("prepare_threshold")
    if parsed.get_driver_name() != "psycopg" or not isinstance(value, str):
        return parsed, {}
    if value.strip().lower() == "none":
        threshold = None
    else:
        try:
            threshold = int(value)
        except ValueError:
            raise UsageError(
                f"prepare_threshold={value!r} in {mask_password(url)} must be an integer or 'none'"
            ) from None
    return parsed.difference_update_query(["prepare_threshold"]), {"prepare_threshold": threshold}


def _transactional_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _no_driver_transactions(dbapi_connection: Any, _record: object) -> None:
        dbapi_connection.isolation_level = None

    @event.listens_for(engine, "begin")
    def _begin(connection: Connection) -> None:
        if connection.get_execution_options().get("isolation_level") == "AUTOCOMMIT":
            return
        # Switching isolation levels back may re-enable the driver's own handling.
        driver_connection: Any = connection.connection.dbapi_connection
        driver_connection.isolation_level = None
        connection.exec_driver_sql("BEGIN IMMEDIATE")


@contextmanager
def connect(url: str) -> Iterator[Connection]:
    """A connection for the duration of a run.

    Raises:
        DatabaseError: the database cannot be reached (one line, password masked).
    """
    engine = create_engine(url)
    try:
        connection = engine.connect()
    except sa.exc.DBAPIError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        raise DatabaseError(f"cannot connect to {mask_password(url)}: {reason}") from None
    try:
        yield connection
    finally:
        connection.close()
        engine.dispose()


def sqlite_file(connection: Connection) -> str | None:
    """The absolute path of the SQLite database file behind ``connection``; None for other
    databases, in-memory databases and ``file:`` URIs."""
    if connection.dialect.name != "sqlite":
        return None
    database = connection.engine.url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return os.path.abspath(database)

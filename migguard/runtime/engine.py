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

from migguard.config.urls import mask_password, scrub_secrets, written_password
from migguard.errors import ConfigError, DatabaseError, MigguardError, UsageError


def make_url(url: str) -> sa.URL:
    """Parse a database URL, choosing psycopg (3) for a bare ``postgresql://`` when psycopg2
    is not installed (SQLAlchemy 2.0's default driver for that scheme is psycopg2; 2.1's is
    psycopg).

    Raises:
        UsageError: the URL cannot be parsed.
        ConfigError: the password holds an unescaped ``@`` (SQLAlchemy would read the rest as
            the host), or SQLAlchemy knows no database or driver of that name (``postgres://``,
            Alembic's ``driver://`` placeholder). Messages mask the credentials.
    """
    try:
        parsed = sa.make_url(url)
    except (sa.exc.ArgumentError, ValueError):
        raise UsageError(f"not a database URL: {mask_password(url)}") from None
    password = written_password(url)
    if password is not None and "@" in password:
        raise ConfigError(
            f"the database URL {mask_password(url)} has an '@' in its password or after the "
            "host: write each '@' of the password (or of a query value) as %40"
        )
    if (
        parsed.drivername == "postgresql"
        and importlib.util.find_spec("psycopg2") is None
        and importlib.util.find_spec("psycopg") is not None
    ):
        parsed = parsed.set(drivername="postgresql+psycopg")
    try:
        parsed.get_dialect()
    except sa.exc.NoSuchModuleError:
        raise ConfigError(_unknown_dialect(parsed, url)) from None
    return parsed


def _unknown_dialect(parsed: sa.URL, url: str) -> str:
    """The one-line message for a URL whose database or driver SQLAlchemy does not know."""
    shown = mask_password(url)
    backend = parsed.get_backend_name()
    if backend == "postgres":
        rest = url[url.index("://") :]
        return (
            f"unknown database 'postgres' in {shown}: SQLAlchemy needs postgresql:// (write "
            f"{mask_password('postgresql+psycopg' + rest)} and install psycopg[binary])"
        )
    if backend == "driver":
        return (
            f"{shown} is Alembic's placeholder URL: set the real database URL in the "
            "configuration (url, or sqlalchemy.url in alembic.ini), the MIGGUARD_URL "
            "environment variable, or --url"
        )
    if "+" in parsed.drivername:
        return (
            f"unknown driver '{parsed.get_driver_name()}' for {backend} in {shown}: check "
            f"the part after '+' (e.g. postgresql+psycopg://, sqlite://)"
        )
    return (
        f"unknown database '{backend}' in {shown}: SQLAlchemy has no dialect of that name "
        "(e.g. postgresql+psycopg://, sqlite:///, mysql+pymysql://)"
    )


# Python module a dialect imports -> the package that provides it.
_DRIVER_PACKAGES = {
    "psycopg": "psycopg[binary]",
    "psycopg2": "psycopg2-binary",
    "pg8000": "pg8000",
    "asyncpg": "asyncpg",
    "MySQLdb": "mysqlclient",
    "pymysql": "PyMySQL",
    "mysql": "mysql-connector-python",
    "mariadb": "mariadb",
    "aiomysql": "aiomysql",
    "asyncmy": "asyncmy",
    "aiosqlite": "aiosqlite",
    "pysqlcipher3": "sqlcipher3-binary",
    "sqlcipher3": "sqlcipher3-binary",
    "oracledb": "oracledb",
    "cx_Oracle": "cx_Oracle",
    "pyodbc": "pyodbc",
    "pymssql": "pymssql",
}


def _missing_driver(url: str, module: str | None) -> str:
    """The one-line message for a URL whose driver module is not installed."""
    top = (module or "").partition(".")[0]
    package = _DRIVER_PACKAGES.get(top, top or "the database driver")
    message = f"the driver for {mask_password(url)} is not installed: pip install {package}"
    if top == "psycopg2":
        # Plain postgresql:// means psycopg2 under SQLAlchemy 2.0 (psycopg under 2.1).
        message += " (or write postgresql+psycopg:// and install psycopg[binary])"
    if os.environ.get("PRE_COMMIT"):
        message += "; in a pre-commit hook, add it to the hook's additional_dependencies"
    return message


def create_engine(url: str, *, threads: bool = False) -> Engine:
    """An engine for migrations (no pooling: one connection per run).

    Args:
        url: the database URL.
        threads: SQLite: the connection may be used from other threads than the one that
            made it (``check_same_thread=False``,
            https://docs.python.org/3/library/sqlite3.html#sqlite3.connect), which the caller
            then keeps from using it from two threads at once.

    Raises:
        UsageError: the URL cannot be parsed. ConfigError: unknown database or driver, or the
            driver's package is not installed (the message names it).
    """
    parsed, connect_args = _driver_options(make_url(url), url)
    if threads and parsed.get_backend_name() == "sqlite":
        connect_args = {**connect_args, "check_same_thread": False}
    try:
        engine = sa.create_engine(parsed, poolclass=sa.pool.NullPool, connect_args=connect_args)
    except ModuleNotFoundError as exc:
        raise ConfigError(_missing_driver(url, exc.name)) from None
    except sa.exc.NoSuchModuleError:
        raise ConfigError(_unknown_dialect(parsed, url)) from None
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
def connect(url: str, *, read_only: bool = False, threads: bool = False) -> Iterator[Connection]:
    """A connection for the duration of a run.

    Opening a SQLite file creates it, so a missing file is treated as an empty database
    without leaving one behind a command that wrote nothing: with ``read_only`` the
    connection is to an empty in-memory database instead (the path is never touched);
    otherwise the file is created, and removed again at the end if it is still empty (no
    revision ran, nothing was stamped).

    Args:
        url: the database URL.
        read_only: the caller only reads (a dry run, a comparison, the version table).
        threads: as for :func:`create_engine`.

    Raises:
        ConfigError, UsageError: as :func:`create_engine`.
        DatabaseError: the database cannot be reached, or a SQLite file's folder does not
            exist (one line, credentials masked and scrubbed from the driver's message).
            Errors raised in the block are re-raised with the credentials scrubbed from
            their message and text attributes.
    """
    parsed = make_url(url)
    path = _sqlite_path(parsed)
    opened = url
    created: str | None = None
    if path is not None and not os.path.exists(path):
        folder = os.path.dirname(path)
        if not os.path.isdir(folder):
            raise DatabaseError(
                f"cannot connect to {mask_password(url)}: the folder {folder} does not exist"
            )
        if read_only:
            opened = "sqlite://"
        else:
            created = path
    engine = create_engine(opened, threads=threads)
    try:
        try:
            connection = engine.connect()
        except sa.exc.DBAPIError as exc:
            reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
            raise DatabaseError(
                f"cannot connect to {mask_password(url)}: {scrub_secrets(reason, url)}"
            ) from None
        try:
            yield connection
        except MigguardError as exc:
            # Whatever failed while connected may quote the driver, which can echo the URL.
            exc.args = tuple(scrub_secrets(a, url) if isinstance(a, str) else a for a in exc.args)
            for name, value in vars(exc).items():  # e.g. a failed revision's reason and traceback
                if isinstance(value, str):
                    setattr(exc, name, scrub_secrets(value, url))
            raise
        finally:
            connection.close()
    finally:
        engine.dispose()
        if created is not None:
            _remove_if_empty(created)


def _sqlite_path(parsed: sa.URL) -> str | None:
    """The absolute file of a SQLite URL; ``None`` for other databases, in-memory databases
    and ``file:`` URIs (which SQLite opens by its own rules)."""
    database = parsed.database
    if parsed.get_backend_name() != "sqlite" or not database or database == ":memory:":
        return None
    if database.startswith("file:"):
        return None
    return os.path.abspath(database)


def _remove_if_empty(path: str) -> None:
    """Remove a SQLite file this run created and never wrote to.

    Another migguard run that has begun to write holds its migration lock (``flock``) on the
    file, so the file is left alone when that lock cannot be taken.
    """
    try:
        if os.path.getsize(path) != 0:
            return
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        if _lock_free(fd) and os.fstat(fd).st_size == 0:
            os.unlink(path)
    except OSError:
        return
    finally:
        os.close(fd)


def _lock_free(fd: int) -> bool:
    """Take ``flock`` on ``fd`` if no one holds it (released when ``fd`` is closed)."""
    try:
        import fcntl
    except ImportError:  # Windows: no flock; an empty file is still nobody's data
        return True
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    return True


def sqlite_file(connection: Connection) -> str | None:
    """The absolute path of the SQLite database file behind ``connection``; None for other
    databases, in-memory databases and ``file:`` URIs."""
    if connection.dialect.name != "sqlite":
        return None
    database = connection.engine.url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return os.path.abspath(database)

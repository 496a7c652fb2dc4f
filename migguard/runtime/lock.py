"""The migration lock: one migguard run per database at a time.

Several post-merge hooks or application replicas may run ``upgrade head`` at once. Each waits
for the lock, then reads the version table afresh, so every revision runs exactly once and the
later runs find nothing left to do. The locks die with their process; nothing is written to
the database, so a killed run can never leave a stale lock behind:

- PostgreSQL: a session-level advisory lock (``pg_try_advisory_lock``), released when the
  connection closes (https://www.postgresql.org/docs/current/explicit-locking.html#ADVISORY-LOCKS).
- SQLite: an exclusive ``flock`` on the database file, released when the process exits. It is
  separate from the byte-range locks SQLite itself takes, so it does not block readers.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from migguard.errors import DatabaseError
from migguard.runtime.engine import sqlite_file
from migguard.urls import mask_password

_POLL_SECONDS = 0.05


class LockTimeoutError(DatabaseError):
    """Another run held the migration lock for longer than the timeout."""

    def __init__(self, url: str, timeout: float) -> None:
        super().__init__(
            f"another migguard run holds the migration lock on {mask_password(url)}; gave up "
            f"after {timeout:g} s (try again when it has finished, or raise --lock-timeout)"
        )


@contextmanager
def migration_lock(connection: Connection, name: str, timeout: float) -> Iterator[bool]:
    """Hold the migration lock for the block.

    Args:
        connection: the run's connection (PostgreSQL: the lock belongs to its session).
        name: what is locked (the version table's qualified name): runs that use different
            version tables in one database do not block each other.
        timeout: seconds to wait before giving up.

    Yields:
        True when a lock is held; False for databases without one here (anything but
        PostgreSQL and SQLite files), so the caller can say so.

    Raises:
        LockTimeoutError: the lock was not free within ``timeout``.
    """
    dialect = connection.dialect.name
    url = connection.engine.url.render_as_string(hide_password=True)
    if dialect == "postgresql":
        with _advisory_lock(connection, name, timeout, url):
            yield True
    elif path := sqlite_file(connection):
        with _file_lock(path, timeout, url):
            yield True
    else:
        yield False


def _lock_key(name: str) -> int:
    digest = hashlib.blake2b(f"migguard:{name}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


@contextmanager
def _advisory_lock(connection: Connection, name: str, timeout: float, url: str) -> Iterator[None]:
    key = _lock_key(name)
    deadline = time.monotonic() + timeout
    while True:
        taken = connection.execute(sa.text("SELECT pg_try_advisory_lock(:k)"), {"k": key}).scalar()
        connection.commit()
        if taken:
            break
        if time.monotonic() >= deadline:
            raise LockTimeoutError(url, timeout)
        time.sleep(_POLL_SECONDS)
    try:
        yield
    finally:
        try:
            if connection.in_transaction():
                connection.rollback()
            connection.execute(sa.text("SELECT pg_advisory_unlock(:k)"), {"k": key})
            connection.commit()
        except sa.exc.DBAPIError:
            # A broken connection has lost its session, and with it the lock.
            pass


@contextmanager
def _file_lock(path: str, timeout: float, url: str) -> Iterator[None]:
    try:
        import fcntl
    except ImportError:  # not on this platform (Windows): run without the lock
        yield
        return
    fd = os.open(path, os.O_RDONLY | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise LockTimeoutError(url, timeout) from None
                time.sleep(_POLL_SECONDS)
        yield
    finally:
        os.close(fd)

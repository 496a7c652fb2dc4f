"""The migration lock: one migguard run per database at a time.

Several post-merge hooks or application replicas may run ``upgrade head`` at once. Each waits
for the lock, then reads the version table afresh, so every revision runs exactly once and the
later runs find nothing left to do. The locks die with their process; nothing is written to
the database, so a killed run can never leave a stale lock behind:

- PostgreSQL: a session-level advisory lock (``pg_try_advisory_lock``), released when the
  connection closes (https://www.postgresql.org/docs/current/explicit-locking.html#ADVISORY-LOCKS).
- MySQL and MariaDB: a named user-level lock (``GET_LOCK()``), released with ``RELEASE_LOCK()``
  or when the session ends (https://dev.mysql.com/doc/refman/8.0/en/locking-functions.html,
  https://mariadb.com/kb/en/get_lock/). Its name is server-wide, so it carries the database's
  name as well as the version table's.
- SQLite: an exclusive ``flock`` on the database file, released when the process exits. It is
  separate from the byte-range locks SQLite itself takes, so it does not block readers.

A run that has waited about a second says so, once, through the caller's ``on_wait`` callback,
naming the holder: on PostgreSQL the holding session's pid, role, application name and client
address (``pg_locks`` joined to ``pg_stat_activity``,
https://www.postgresql.org/docs/current/view-pg-locks.html); on MySQL and MariaDB the holding
connection's id, user and client host (``IS_USED_LOCK()`` and the process list); on SQLite the
holding process's pid and command line where Linux lists the lock (``/proc/locks``).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from migguard.config.urls import mask_password
from migguard.errors import DatabaseError
from migguard.runtime.engine import sqlite_file

_POLL_SECONDS = 0.05
# How long a run waits before it says it is waiting.
NOTICE_AFTER_SECONDS = 1.0


class LockTimeoutError(DatabaseError):
    """Another run held the migration lock for longer than the timeout."""

    def __init__(self, url: str, timeout: float) -> None:
        super().__init__(
            f"another migguard run holds the migration lock on {mask_password(url)}; gave up "
            f"after {timeout:g} s (try again when it has finished, or raise --lock-timeout)"
        )


@contextmanager
def migration_lock(
    connection: Connection,
    name: str,
    timeout: float,
    on_wait: Callable[[str], None] | None = None,
) -> Iterator[bool]:
    """Hold the migration lock for the block.

    Args:
        connection: the run's connection (PostgreSQL, MySQL, MariaDB: the lock belongs to its
            session).
        name: what is locked (the version table's qualified name): runs that use different
            version tables in one database do not block each other.
        timeout: seconds to wait before giving up.
        on_wait: called once, with one line (``waiting for the migration lock on URL: held
            by ...``), when the lock is still taken after :data:`NOTICE_AFTER_SECONDS`.

    Yields:
        True when a lock is held; False for databases without one here (anything but
        PostgreSQL and SQLite files), so the caller can say so.

    Raises:
        LockTimeoutError: the lock was not free within ``timeout``.
    """
    dialect = connection.dialect.name
    url = connection.engine.url.render_as_string(hide_password=True)
    if dialect == "postgresql":
        with _advisory_lock(connection, name, timeout, url, _Notice(url, on_wait)):
            yield True
    elif dialect in ("mysql", "mariadb"):
        with _named_lock(connection, name, timeout, url, _Notice(url, on_wait)):
            yield True
    elif path := sqlite_file(connection):
        with _file_lock(path, timeout, url, _Notice(url, on_wait)):
            yield True
    else:
        yield False


class _Notice:
    """Tells ``on_wait`` once that the run waits, after :data:`NOTICE_AFTER_SECONDS`."""

    def __init__(self, url: str, on_wait: Callable[[str], None] | None) -> None:
        self._url = url
        self._on_wait = on_wait
        self._at = time.monotonic() + NOTICE_AFTER_SECONDS

    def waiting(self, holder: Callable[[], str | None]) -> None:
        """Call while waiting; ``holder`` describes who holds the lock (None: unknown)."""
        if self._on_wait is None or time.monotonic() < self._at:
            return
        on_wait, self._on_wait = self._on_wait, None
        who = holder()
        on_wait(
            f"waiting for the migration lock on {mask_password(self._url)}: "
            + (f"held by {who}" if who else "another migguard run holds it")
        )


def _lock_key(name: str) -> int:
    digest = hashlib.blake2b(f"migguard:{name}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


# The session holding a bigint advisory lock: its key is split into classid (high 32 bits)
# and objid (low 32 bits), objsubid 1.
_HOLDER = sa.text(
    "SELECT a.pid, a.usename, a.application_name, host(a.client_addr) "
    "FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
    "WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1 "
    "AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()) "
    "AND l.classid::text::bigint = :high AND l.objid::text::bigint = :low"
)


def _advisory_lock(
    connection: Connection, name: str, timeout: float, url: str, notice: _Notice
) -> contextlib.AbstractContextManager[None]:
    key = _lock_key(name)
    return _polled_lock(
        connection,
        sa.text("SELECT pg_try_advisory_lock(:k)"),
        sa.text("SELECT pg_advisory_unlock(:k)"),
        {"k": key},
        lambda: _session_holding(connection, key),
        timeout,
        url,
        notice,
    )


@contextmanager
def _polled_lock(
    connection: Connection,
    take: sa.TextClause,
    release: sa.TextClause,
    params: dict[str, object],
    holding: Callable[[], str | None],
    timeout: float,
    url: str,
    notice: _Notice,
) -> Iterator[None]:
    """Poll ``take`` (true or 1: taken; false, 0 or NULL: not) until it succeeds or
    ``timeout`` seconds pass, telling ``notice`` who holds it; ``release`` it afterwards.

    Raises:
        LockTimeoutError: not taken within ``timeout``.
    """
    deadline = time.monotonic() + timeout
    while True:
        taken = connection.execute(take, params).scalar()
        connection.commit()
        if taken:
            break
        if time.monotonic() >= deadline:
            raise LockTimeoutError(url, timeout)
        notice.waiting(holding)
        time.sleep(_POLL_SECONDS)
    try:
        yield
    finally:
        try:
            if connection.in_transaction():
                connection.rollback()
            connection.execute(release, params)
            connection.commit()
        except sa.exc.DBAPIError:
            # A broken connection has lost its session, and with it the lock.
            pass


def _session_holding(connection: Connection, key: int) -> str | None:
    """``PostgreSQL pid N (role R, application A, client C)`` of the session holding ``key``;
    None when it cannot be seen (it has just let go)."""
    unsigned = key & 0xFFFF_FFFF_FFFF_FFFF
    params = {"high": unsigned >> 32, "low": unsigned & 0xFFFF_FFFF}
    row = _holder_row(connection, _HOLDER, params)
    if row is None:
        return None
    pid, role, application, client = row
    details = [f"role {role}"] if role else []
    if application:
        details.append(f"application {application!r}")
    # No address: a Unix-socket connection, or one whose address this role may not see.
    details.append(f"client {client}" if client else "client on this host or hidden")
    return f"PostgreSQL pid {pid} ({', '.join(details)})"


def _named_lock_name(connection: Connection, name: str) -> str:
    """The user-level lock's name for version table ``name`` in the connection's database: at
    most 64 characters, the limit MySQL sets (see the module docstring)."""
    database = connection.exec_driver_sql("SELECT DATABASE()").scalar() or ""
    connection.commit()
    digest = hashlib.blake2b(f"{database}\0{name}".encode(), digest_size=16).hexdigest()
    return f"migguard:{digest}"


def _named_lock(
    connection: Connection, name: str, timeout: float, url: str, notice: _Notice
) -> contextlib.AbstractContextManager[None]:
    lock = _named_lock_name(connection, name)
    # Timeout 0: poll, so the run can say whom it waits for. NULL means an error (the session
    # was killed), which counts as not taken.
    return _polled_lock(
        connection,
        sa.text("SELECT GET_LOCK(:n, 0)"),
        sa.text("SELECT RELEASE_LOCK(:n)"),
        {"n": lock},
        lambda: _connection_holding(connection, lock),
        timeout,
        url,
        notice,
    )


def _connection_holding(connection: Connection, lock: str) -> str | None:
    """``MySQL connection N (user U, client H)`` of the session holding ``lock``; None when it
    cannot be seen (it has just let go)."""
    row = _holder_row(connection, _MYSQL_HOLDER, {"n": lock})
    if row is None:
        return None
    session, user, host = row
    server = "MariaDB" if getattr(connection.dialect, "is_mariadb", False) else "MySQL"
    # HOST is "address:port" for TCP clients, "localhost" for the socket.
    client = str(host).rsplit(":", 1)[0] if host else "hidden"
    return f"{server} connection {session} (user {user}, client {client})"


def _process_holding(path: str) -> str | None:
    """``pid N (COMMAND)`` of the process holding a ``flock`` on ``path``, from Linux's
    ``/proc/locks``; None elsewhere or when it is not listed."""
    try:
        stat = os.stat(path)
        with open("/proc/locks", encoding="ascii") as locks:
            lines = locks.read().splitlines()
    except OSError:
        return None
    device = f"{os.major(stat.st_dev):02x}:{os.minor(stat.st_dev):02x}:{stat.st_ino}"
    for line in lines:
        fields = line.split()
        # "1: FLOCK ADVISORY WRITE PID MAJ:MIN:INODE 0 EOF"; waiters' lines carry "->".
        if len(fields) >= 6 and fields[1] == "FLOCK" and fields[5] == device:
            pid = fields[4]
            try:
                with open(f"/proc/{pid}/cmdline", "rb") as cmdline:
                    args = cmdline.read().decode(errors="replace").split("\0")
            except OSError:
                return f"pid {pid}"
            command = " ".join(_masked(arg) for arg in args if arg)
            return f"pid {pid} ({command})" if command else f"pid {pid}"
    return None


_URL_START = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://")


def _masked(arg: str) -> str:
    """A command-line argument with the password of a URL in it masked (``--url=URL`` too)."""
    found = _URL_START.search(arg)
    return arg if found is None else arg[: found.start()] + mask_password(arg[found.start() :])


@contextmanager
def _file_lock(path: str, timeout: float, url: str, notice: _Notice) -> Iterator[None]:
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
                notice.waiting(lambda: _process_holding(path))
                time.sleep(_POLL_SECONDS)
        yield
    finally:
        os.close(fd)


# The connection holding a user-level lock (IS_USED_LOCK gives its id).
_MYSQL_HOLDER = sa.text(
    "SELECT p.ID, p.USER, p.HOST FROM information_schema.PROCESSLIST p "
    "WHERE p.ID = IS_USED_LOCK(:n)"
)


def _holder_row(
    connection: Connection, query: sa.TextClause, params: Mapping[str, object]
) -> tuple[Any, ...] | None:
    """The first row of ``query`` about a lock's holder; None when there is none or the query
    fails (the holder is a courtesy in a message: its absence must not stop the wait)."""
    try:
        row = connection.execute(query, params).first()
        connection.commit()
    except sa.exc.DBAPIError:
        connection.rollback()
        return None
    return None if row is None else tuple(row)

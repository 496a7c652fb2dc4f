"""When a run's commits reach the disk, on SQLite database files.

Every revision commits on its own, together with its version-table row, so a run that fails or
is killed leaves the database at the last revision that committed. In SQLite's default
rollback-journal mode each commit also waits for the disk two or three times
(https://www.sqlite.org/atomiccommit.html): about a millisecond per commit on a common disk,
five seconds for 5,000 revisions.

During a run of several revisions on a SQLite file, the commits therefore reach the disk
together, at the end of the run:

- The database is switched to write-ahead logging with ``synchronous=NORMAL``. Each commit is
  still atomic and the database consistent, but commits are not synced one by one: after a
  power failure or an operating-system crash the database may be back at an earlier revision,
  its schema and its version table still in agreement ("WAL mode is always consistent with
  synchronous=NORMAL, but WAL mode does lose durability",
  https://www.sqlite.org/pragma.html#pragma_synchronous). A killed process loses nothing it
  committed.
- The last revision commits with the connection's own ``synchronous`` setting, which syncs the
  log and with it every commit before it.
- The journal mode is switched back, which checkpoints the log into the database file
  (https://www.sqlite.org/wal.html). When another connection has opened the database in
  write-ahead-logging mode by then, it cannot be switched back: the database stays in that
  mode, and the run says so.

A database already in write-ahead-logging mode stays in it. ``sync_each_revision = true`` in
the configuration keeps every commit synced and the journal mode untouched (databases on
network file systems, where SQLite does not support write-ahead logging, need that).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.engine import Connection

from migguard.runtime.engine import sqlite_file

# Journal modes that sync on commit: switching away from any other (MEMORY, OFF) gains nothing.
_SYNCED_MODES = frozenset({"delete", "truncate", "persist", "wal"})


class RunSync:
    """How the commits of one run are synced (see the module docstring).

    Attributes:
        warnings: what the caller should tell the user once the run has ended (the database
            stayed in write-ahead-logging mode).
    """

    def __init__(self, driver: sqlite3.Connection | None = None, synchronous: int = 0) -> None:
        self._driver = driver
        self._synchronous = synchronous
        self.warnings: list[str] = []

    def before_last_step(self) -> None:
        """Call between transactions, before the run's last revision begins: its commit
        syncs the log, and with it every earlier commit of the run."""
        if self._driver is not None:
            self._driver.execute(f"PRAGMA synchronous={self._synchronous}")


@contextmanager
def commits_synced_at_end(
    connection: Connection, steps: int, *, sync_each_revision: bool
) -> Iterator[RunSync]:
    """Sync the run's commits together at its end, on a SQLite file (see the module
    docstring); elsewhere, or for a run of at most one revision, change nothing.

    Args:
        connection: the run's connection, with no transaction open.
        steps: how many revisions the run has.
        sync_each_revision: keep every commit synced (the ``sync_each_revision`` setting).

    Yields:
        The run's :class:`RunSync`: call its ``before_last_step`` before the last revision
        begins, and read its ``warnings`` afterwards. When the block raises, the warnings are
        added to the exception as notes (``BaseException.add_note``).
    """
    path = sqlite_file(connection)
    driver = connection.connection.dbapi_connection
    # Other SQLite drivers than the standard library's are left as they are.
    standard = isinstance(driver, sqlite3.Connection)
    if sync_each_revision or steps < 2 or path is None or not standard:
        yield RunSync()
        return
    original = str(driver.execute("PRAGMA journal_mode").fetchone()[0]).lower()
    if original not in _SYNCED_MODES or not _to_wal(driver, original):
        yield RunSync()
        return
    synchronous = int(driver.execute("PRAGMA synchronous").fetchone()[0])
    driver.execute("PRAGMA synchronous=NORMAL")
    sync = RunSync(driver, synchronous)
    try:
        yield sync
    except BaseException as exc:
        _end(driver, sync, synchronous, original, path, failed=True)
        for warning in sync.warnings:
            exc.add_note(warning)
        raise
    _end(driver, sync, synchronous, original, path, failed=False)


def _to_wal(driver: sqlite3.Connection, original: str) -> bool:
    """Switch to write-ahead logging unless already there; False when another connection's
    lock prevents it (the run then goes on as it is)."""
    if original == "wal":
        return True
    try:
        mode = driver.execute("PRAGMA journal_mode=WAL").fetchone()[0]
    except sqlite3.Error:
        return False
    return str(mode).lower() == "wal"


def _end(
    driver: sqlite3.Connection,
    sync: RunSync,
    synchronous: int,
    original: str,
    path: str,
    *,
    failed: bool,
) -> None:
    """Restore the connection's synchronous setting and the journal mode. After a failure
    the last revision did not commit, so the log is synced by a checkpoint instead."""
    if failed and driver.in_transaction:
        # Interrupted inside a revision (Ctrl-C is not rolled back by the runner): roll it
        # back now, as closing the connection would, so the settings can change.
        driver.rollback()
    try:
        driver.execute(f"PRAGMA synchronous={synchronous}")
        if failed:
            driver.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
        if original != "wal":
            driver.execute(f"PRAGMA journal_mode={original}").fetchall()
    except sqlite3.Error as exc:
        sync.warnings.append(
            f"{path} stays in WAL journal mode: switching it back failed ({exc}), usually "
            f"because another connection has it open; `PRAGMA journal_mode={original.upper()}` "
            "switches it back"
        )

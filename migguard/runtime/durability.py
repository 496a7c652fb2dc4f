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

The mode to switch back to is recorded, before the switch, in a file beside the database
(``DATABASE-migguard-journal``): a run that is killed (``kill -9``, a power cut) cannot switch
back, and the next run that changes the database finds the file, switches the database back to
the recorded mode before it starts and removes the file. Without the file a later run would take
write-ahead logging for the database's own mode and keep it for good. When the file cannot be
written (a read-only folder), the run keeps every commit synced instead.

A database already in write-ahead-logging mode stays in it. ``sync_each_revision = true`` in
the configuration keeps every commit synced and the journal mode untouched (databases on
network file systems, where SQLite does not support write-ahead logging, need that).
"""

from __future__ import annotations

import os
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
    if path is None or not isinstance(driver, sqlite3.Connection):
        yield RunSync()
        return
    # A killed run's switch is undone first, whatever this run does.
    restored = _restore_after_kill(driver, path)
    if sync_each_revision or steps < 2:
        yield _with_warnings(restored)
        return
    original = str(driver.execute("PRAGMA journal_mode").fetchone()[0]).lower()
    if original not in _SYNCED_MODES or not _record_and_switch(driver, path, original):
        yield _with_warnings(restored)
        return
    synchronous = int(driver.execute("PRAGMA synchronous").fetchone()[0])
    driver.execute("PRAGMA synchronous=NORMAL")
    sync = _with_warnings(restored, RunSync(driver, synchronous))
    try:
        yield sync
    except BaseException as exc:
        _end(driver, sync, synchronous, original, path, failed=True)
        for warning in sync.warnings:
            exc.add_note(warning)
        raise
    _end(driver, sync, synchronous, original, path, failed=False)


def marker_path(path: str) -> str:
    """The file that records the journal mode to switch the database at ``path`` back to."""
    return f"{path}-migguard-journal"


def _with_warnings(warnings: list[str], sync: RunSync | None = None) -> RunSync:
    sync = sync if sync is not None else RunSync()
    sync.warnings.extend(warnings)
    return sync


def _restore_after_kill(driver: sqlite3.Connection, path: str) -> list[str]:
    """Switch the database back to the journal mode a killed run recorded, and remove the
    record. Only a database still in write-ahead logging is switched: a database whose mode
    was changed since was changed on purpose.

    Returns:
        Warnings: the switch failed (the record stays for the next run).
    """
    marker = marker_path(path)
    try:
        with open(marker, encoding="ascii") as file:
            recorded = file.read().strip().lower()
    except FileNotFoundError:
        return []
    except (OSError, UnicodeDecodeError) as exc:
        return [f"cannot read {marker} ({exc}); remove it once {path} is in its journal mode"]
    current = str(driver.execute("PRAGMA journal_mode").fetchone()[0]).lower()
    if current == "wal" and recorded in _SYNCED_MODES and recorded != "wal":
        try:
            driver.execute(f"PRAGMA journal_mode={recorded}").fetchall()
        except sqlite3.Error as exc:
            return [_stays_in_wal(path, recorded, exc, "switching it back after a killed run")]
    try:
        os.remove(marker)
    except OSError as exc:
        return [f"cannot remove {marker} ({exc}); remove it by hand"]
    return []


def _record_and_switch(driver: sqlite3.Connection, path: str, original: str) -> bool:
    """Record ``original`` beside the database, then switch to write-ahead logging unless
    already there; False (nothing switched) when the record cannot be written or another
    connection's lock prevents the switch: the run then goes on as it is."""
    if original == "wal":
        return True
    marker = marker_path(path)
    try:
        # Written and synced before the switch, so that no kill can leave the switch unrecorded.
        fd = os.open(marker, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        try:
            os.write(fd, f"{original}\n".encode("ascii"))
            os.fsync(fd)
        finally:
            os.close(fd)
    except OSError:
        return False
    try:
        mode = driver.execute("PRAGMA journal_mode=WAL").fetchone()[0]
    except sqlite3.Error:
        mode = ""
    if str(mode).lower() != "wal":
        _remove_marker(marker)
        return False
    return True


def _remove_marker(marker: str) -> None:
    """Remove the record; one that cannot be removed only makes the next run check the mode."""
    try:
        os.remove(marker)
    except OSError:
        return


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
            _remove_marker(marker_path(path))
    except sqlite3.Error as exc:
        sync.warnings.append(_stays_in_wal(path, original, exc, "switching it back"))


def _stays_in_wal(path: str, original: str, exc: sqlite3.Error, doing: str) -> str:
    """The warning for a database left in write-ahead logging, naming why: another
    connection (SQLITE_BUSY / SQLITE_LOCKED), or the database's own error (a full disk)."""
    name = getattr(exc, "sqlite_errorname", "")
    if name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")):
        why = "another connection has it open"
    else:
        why = f"the database said: {exc}"
    return (
        f"{path} stays in WAL journal mode: {doing} failed ({why}); the next migguard run "
        f"switches it back, as does `PRAGMA journal_mode={original.upper()}`"
    )

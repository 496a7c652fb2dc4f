"""Storing a long SQLite replay's states on the way without holding up its worker thread.

At a checkpoint (:func:`migguard.guard.replay.steps.checkpoints`) the worker only opens a read
transaction on the scratch file: in write-ahead-logging mode a reader keeps seeing the
database as it was when its transaction began while the writer commits later revisions
(https://www.sqlite.org/wal.html#concurrency). A thread of its own then copies that state into
the replay store. In any other journal mode a reader would block the writer's commits, so the
state is copied there and then, as before.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing, contextmanager
from pathlib import Path

from migguard.guard.replay.store import ReplayStore, StoredState

__all__ = ["CheckpointCopies", "checkpoint_copies"]


class CheckpointCopies:
    """Stores states of one scratch database (see the module docstring).

    Args:
        store: the replay store.
        database: the scratch SQLite file.
        copier: the thread that copies.
    """

    def __init__(self, store: ReplayStore, database: Path, copier: ThreadPoolExecutor) -> None:
        self._store = store
        self._database = database
        self._copier = copier

    def store(self, state: StoredState) -> None:
        """Store ``state``, the scratch database as it is now (between two transactions):
        copied later from a read transaction begun now, or now."""
        reader = sqlite3.connect(self._database, isolation_level=None, check_same_thread=False)
        try:
            pinned = _pinned(reader)
        except sqlite3.Error:
            pinned = False
        if pinned:
            self._copier.submit(self._copy, state, reader)
            return
        reader.close()
        self._store.put(state, sqlite_source=self._database)

    def _copy(self, state: StoredState, reader: sqlite3.Connection) -> None:
        with closing(reader):
            self._store.put(state, sqlite_source=reader)


def _pinned(reader: sqlite3.Connection) -> bool:
    """Begin a read transaction on ``reader`` when the database is in write-ahead-logging
    mode; whether it did."""
    if str(reader.execute("PRAGMA journal_mode").fetchone()[0]).lower() != "wal":
        return False
    reader.execute("BEGIN")
    # A deferred transaction, and the state it sees, starts at its first read
    # (https://www.sqlite.org/lang_transaction.html).
    reader.execute("SELECT count(*) FROM sqlite_master").fetchone()
    return True


@contextmanager
def checkpoint_copies(store: ReplayStore, database: Path) -> Iterator[CheckpointCopies]:
    """Checkpoint copies for the scratch file ``database``; leaving the block waits until every
    copy is written (the scratch file may be deleted after it)."""
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="migguard-copy") as copier:
        yield CheckpointCopies(store, database, copier)

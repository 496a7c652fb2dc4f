"""The replay store: databases (and their reflected schemas) of earlier replays, by state.

A stored *state* is a scratch database after some upgrade, named by
:func:`migguard.guard.replay.chain.state_key`. It lives in
``.migguard/replay/<dialect>/`` as up to three files:

* ``<key>.meta``: what the state holds (its version table's rows and their chain digests,
  how many revisions were applied) and where its database is: ``<key>.db`` beside it for
  SQLite (with the file's sha256), or a template database on the ``check_url`` server for
  PostgreSQL;
* ``<key>.snap``: the state reflected, when it was (the final state of a replay; the states
  saved on the way are not reflected, as reflecting costs more than the revisions);
* ``<key>.db``: the SQLite database.

Each file is written to a temporary name and renamed, the ``.meta`` last, so a reader sees a
state whole or not at all; every file is checksummed (the ``.db`` by the sha256 in its
``.meta``), so a damaged entry is a miss, never a wrong schema. Two runs writing the same
state write the same content. Stored states are bounded (:data:`MAX_STATES`,
:data:`MAX_BYTES`); the least recently used go first.
"""

from __future__ import annotations

import json
import marshal
import os
import tempfile
import time
from collections.abc import Mapping
from contextlib import closing, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from migguard.scripts.cache import (
    CACHE_DIR,
    prepare_cache_folder,
    read_cache_file,
    write_cache_file,
)

if TYPE_CHECKING:
    import sqlite3

    from migguard.autogen.snapshot import Snapshot

__all__ = ["MAX_BYTES", "MAX_STATES", "ReplayStore", "StoredState", "copy_hashed"]

MAX_STATES = 16
MAX_BYTES = 512 * 1024 * 1024
_STORE_DIR = "replay"


@dataclass(frozen=True)
class StoredState:
    """One stored state.

    Attributes:
        key: its state key (hex).
        heads: its version table's rows, each with its chain digest.
        applied: how many revisions it holds.
        default_schema: the scratch database's default schema.
        database: where its database is: ``{"sha256": ..., "size": ...}`` for a SQLite file
            beside the ``.meta``, ``{"server": ..., "name": ...}`` for a PostgreSQL template
            database.
        reflected: a ``.snap`` was written with it.
        used_ns: when it was last used (the ``.meta``'s modification time), for eviction.
    """

    key: str
    heads: Mapping[str, str]
    applied: int
    default_schema: str | None
    database: Mapping[str, Any]
    reflected: bool
    used_ns: int = 0


class ReplayStore:
    """The stored states of one kind of scratch database in one environment.

    Args:
        root: the project folder (the store is in its ``.migguard/replay/<dialect>/``).
        dialect: ``"sqlite"`` or ``"postgresql"``.
        environment: :func:`migguard.guard.replay.chain.environment_key`'s value; states of
            another environment are ignored (and evicted first).
    """

    def __init__(self, root: Path, dialect: str, environment: str) -> None:
        self.folder = root / CACHE_DIR / _STORE_DIR / dialect
        self.environment = environment

    def states(self) -> list[StoredState]:
        """Every readable state of this environment, most recently used first."""
        found = [state for state, environment in self._listed() if environment == self.environment]
        return sorted(found, key=lambda state: state.used_ns, reverse=True)

    def state(self, key: str) -> StoredState | None:
        """The state ``key`` of this environment, or None."""
        listed = self._read_meta(self.folder / f"{key}.meta")
        if listed is None or listed[1] != self.environment:
            return None
        return listed[0]

    def reflected(self, state: StoredState) -> tuple[Snapshot, tuple[tuple[str, ...], ...]] | None:
        """The snapshot stored with ``state`` and the SQLite schema rows it was reflected
        from (empty on PostgreSQL); None when missing or unreadable."""
        from migguard.autogen.snapshot import snapshot_from_bytes

        payload = read_cache_file(self.folder / f"{state.key}.snap")
        if payload is None:
            return None
        try:
            rows, snapshot = marshal.loads(payload)
            schema_rows = tuple(tuple(_text(value) for value in row) for row in rows)
            return snapshot_from_bytes(snapshot), schema_rows
        except Exception:
            # Another version's file with a valid checksum: a miss.
            return None

    def sqlite_file(self, state: StoredState) -> Path:
        """Where ``state``'s SQLite database is stored."""
        return self.folder / f"{state.key}.db"

    def put(
        self,
        state: StoredState,
        *,
        sqlite_source: Path | sqlite3.Connection | None = None,
        snapshot: Snapshot | None = None,
        rows: tuple[tuple[str, ...], ...] = (),
    ) -> bool:
        """Store ``state``: copy ``sqlite_source`` in (a SQLite database no one writes to,
        or a connection to one inside a read transaction: the state it reads), write the
        snapshot when given, then the ``.meta``. Errors writing are ignored (the store only
        saves time).

        Returns:
            True when the state was stored.
        """
        from migguard.autogen.snapshot import snapshot_to_bytes

        try:
            prepare_cache_folder(self.folder.parent.parent)
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError:
            return False
        database = dict(state.database)
        if sqlite_source is not None:
            copied = _copy_sqlite(sqlite_source, self.folder, f"{state.key}.db")
            if copied is None:
                return False
            database = {"sha256": copied[0], "size": copied[1]}
        if snapshot is not None:
            payload = marshal.dumps((rows, snapshot_to_bytes(snapshot)))
            write_cache_file(self.folder, f"{state.key}.snap", payload)
        meta = {
            "environment": self.environment,
            "key": state.key,
            "heads": dict(state.heads),
            "applied": state.applied,
            "default_schema": state.default_schema,
            "database": database,
            "reflected": snapshot is not None or state.reflected,
        }
        write_cache_file(self.folder, f"{state.key}.meta", json.dumps(meta).encode("utf-8"))
        return True

    def touch(self, state: StoredState) -> None:
        """Mark ``state`` as just used (eviction keeps it longest)."""
        try:
            os.utime(self.folder / f"{state.key}.meta")
        except OSError:
            return

    def evict(self) -> list[StoredState]:
        """Remove states of other environments, then the least recently used beyond
        :data:`MAX_STATES` or :data:`MAX_BYTES`.

        Returns:
            The states removed whose database is kept elsewhere (PostgreSQL templates, in
            ``database["name"]``), for the caller to drop.
        """
        listed = sorted(self._listed(), key=lambda pair: pair[0].used_ns, reverse=True)
        kept = 0
        size = 0
        elsewhere = []
        for state, environment in listed:
            size += self._size(state)
            if environment == self.environment and kept < MAX_STATES and size <= MAX_BYTES:
                kept += 1
                continue
            self._remove(state)
            if "name" in state.database:
                elsewhere.append(state)
        self._remove_orphans({state.key for state, _ in listed})
        return elsewhere

    # -- reading and removing ------------------------------------------------------------

    def _listed(self) -> list[tuple[StoredState, str]]:
        try:
            names = os.listdir(self.folder)
        except OSError:
            return []
        found = []
        for name in names:
            if name.endswith(".meta") and not name.startswith("."):
                listed = self._read_meta(self.folder / name)
                if listed is not None:
                    found.append(listed)
        return found

    def _read_meta(self, path: Path) -> tuple[StoredState, str] | None:
        payload = read_cache_file(path)
        if payload is None:
            return None
        try:
            meta = json.loads(payload)
            state = StoredState(
                key=_text(meta["key"]),
                heads={_text(k): _text(v) for k, v in meta["heads"].items()},
                applied=int(meta["applied"]),
                default_schema=_optional_text(meta["default_schema"]),
                database=dict(meta["database"]),
                reflected=bool(meta["reflected"]),
                used_ns=path.stat().st_mtime_ns,
            )
            environment = _text(meta["environment"])
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return None
        if f"{state.key}.meta" != path.name:
            return None
        return state, environment

    def _size(self, state: StoredState) -> int:
        size = state.database.get("size", 0)
        return size if isinstance(size, int) else 0

    def _remove(self, state: StoredState) -> None:
        # The .meta first: a reader never finds a state whose files are going.
        for suffix in (".meta", ".snap", ".db"):
            try:
                os.unlink(self.folder / f"{state.key}{suffix}")
            except OSError:
                continue

    def _remove_orphans(self, keys: set[str]) -> None:
        """Files of states whose ``.meta`` is gone or unreadable (a run stopped between
        writes), and temporary files older than an hour (left by a killed run)."""
        try:
            names = os.listdir(self.folder)
        except OSError:
            return
        an_hour_ago = time.time() - 3600
        for name in names:
            path = self.folder / name
            stem, _, suffix = name.partition(".")
            if name.startswith(".") and name.endswith(".tmp"):
                try:
                    orphan = path.stat().st_mtime < an_hour_ago
                except OSError:
                    continue
            else:
                orphan = suffix in ("snap", "db") and stem not in keys
            if orphan:
                try:
                    os.unlink(path)
                except OSError:
                    continue


def _copy_sqlite(
    source: Path | sqlite3.Connection, folder: Path, name: str
) -> tuple[str, int] | None:
    """Copy the SQLite database ``source`` (which no one is writing to, or a connection
    reading it) to ``folder/name`` through a temporary file; returns the copy's sha256 and
    size, or None when it could not be written.

    Between transactions a database in SQLite's default rollback-journal mode is whole in its
    file (https://www.sqlite.org/atomiccommit.html), which is then copied and hashed in one
    pass; with a ``-wal`` or ``-journal`` file beside it, or from a connection, SQLite's online
    backup makes the copy instead (https://www.sqlite.org/backup.html). The copy is not synced
    to the disk: a copy lost in a crash no longer matches its sha256, which is a miss."""
    import sqlite3

    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=folder)
        os.close(fd)
    except OSError:
        return None
    try:
        if isinstance(source, sqlite3.Connection):
            digest, size = _backup_hashed(source, tmp)
        elif any(Path(f"{source}{suffix}").exists() for suffix in ("-wal", "-journal")):
            with closing(sqlite3.connect(source)) as reader:
                digest, size = _backup_hashed(reader, tmp)
        else:
            digest, size = copy_hashed(source, Path(tmp))
        os.replace(tmp, folder / name)
    except (OSError, sqlite3.Error):
        with suppress(OSError):
            os.unlink(tmp)
        return None
    return digest, size


def _backup_hashed(reader: sqlite3.Connection, target: str) -> tuple[str, int]:
    """SQLite's online backup of what ``reader`` reads into the file ``target``, unsynced;
    returns the copy's sha256 (hex) and size."""
    import hashlib
    import sqlite3

    with closing(sqlite3.connect(target)) as writer:
        writer.execute("PRAGMA synchronous=OFF")
        writer.execute("PRAGMA journal_mode=OFF")
        reader.backup(writer)
    data = Path(target).read_bytes()
    return hashlib.sha256(data).hexdigest(), len(data)


def copy_hashed(source: Path, target: Path) -> tuple[str, int]:
    """Copy ``source`` over ``target`` in one pass; returns the sha256 (hex) and size of what
    was copied.

    Raises:
        OSError: either file cannot be read or written.
    """
    import hashlib

    digest = hashlib.sha256()
    size = 0
    with open(source, "rb") as reading, open(target, "wb") as writing:
        while chunk := reading.read(1 << 20):
            digest.update(chunk)
            writing.write(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def _text(value: object) -> str:
    if not isinstance(value, str):
        raise TypeError(value)
    return value


def _optional_text(value: object) -> str | None:
    return None if value is None else _text(value)

"""Caches of what reading the scripts produced, so that ``migguard heads`` stays fast.

Two levels, both in ``.migguard/`` beside the configuration (a folder that ignores itself in
git):

- ``history.cache``: the whole history as last built, keyed by every script's path,
  modification time and size. When nothing changed, a run is one ``stat`` per file and one
  read of this file.
- ``headers.cache``: each script's parsed header, keyed by that file's modification time and
  size, so that after a change only the changed scripts are parsed again.

File timestamps are coarse (a few milliseconds on Linux), so a file rewritten twice within one
tick at the same size would keep its old key. Like git's index, neither cache stores anything
about a file modified less than two seconds before it is written; such files are read again
until they settle. Any error reading a cache means "no cache"; any error writing one is
ignored: they only accelerate.
"""

from __future__ import annotations

import marshal
import os
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from migguard import __version__
from migguard.graph import Revision
from migguard.scripts.header import Header, Pending

CACHE_DIR = ".migguard"
_FORMAT = f"migguard-cache-2-{__version__}"
_RACY_NS = 2_000_000_000

# None means "not a revision script"; stored entries are (mtime_ns, size, record).
_Record = tuple[Any, ...] | None
# (path, mtime_ns, size) of every script, in reading order.
FileKey = list[tuple[str, int, int]]


def _settled(mtime_ns: int) -> bool:
    return mtime_ns < time.time_ns() - _RACY_NS


class HeaderCache:
    """Parsed headers by absolute path.

    Args:
        project_root: the folder holding ``.migguard/``.
    """

    _NAME = "headers.cache"

    def __init__(self, project_root: Path) -> None:
        self._folder = project_root / CACHE_DIR
        stored = _read(self._folder / self._NAME)
        self._stored: dict[str, tuple[int, int, _Record]] = stored if stored else {}
        self._fresh: dict[str, tuple[int, int, _Record]] = {}
        self._changed = False

    def get(self, path: str, stat: os.stat_result) -> tuple[bool, Header | None]:
        """``(True, header)`` when ``path`` is cached with this stat, else ``(False, None)``;
        a cached None header means the file is not a revision script."""
        entry = self._stored.get(path)
        if entry is None or entry[0] != stat.st_mtime_ns or entry[1] != stat.st_size:
            return False, None
        self._fresh[path] = entry
        return True, _decode(entry[2])

    def put(self, path: str, stat: os.stat_result, header: Header | None) -> None:
        """Remember a freshly parsed header (skipped for files modified too recently)."""
        self._changed = True
        if _settled(stat.st_mtime_ns):
            self._fresh[path] = (stat.st_mtime_ns, stat.st_size, _encode(header))

    def save(self) -> None:
        """Write the entries seen in this run, dropping vanished files."""
        if self._changed or len(self._fresh) != len(self._stored):
            _write(self._folder, self._NAME, self._fresh)


class HistorySnapshot:
    """The revisions of the whole history, valid while no script changed.

    Args:
        project_root: the folder holding ``.migguard/``.
    """

    _NAME = "history.cache"

    def __init__(self, project_root: Path) -> None:
        self._folder = project_root / CACHE_DIR

    def load(self, key: FileKey) -> tuple[list[Revision], dict[str, str]] | None:
        """The revisions and their files (id -> path) stored for exactly these scripts, or
        None when anything differs."""
        stored = _read(self._folder / self._NAME)
        if not stored or stored[0] != key:
            return None
        _, records, files = stored
        return list(map(Revision._make, records)), files

    def save(self, key: FileKey, revisions: Sequence[Revision], files: Mapping[str, str]) -> None:
        """Store the history for these scripts, unless one of them is too recent to trust or
        a revision has unreadable fields (those are evaluated again on every run)."""
        if any(not _settled(mtime) for _, mtime, _ in key):
            return
        if any(rev.unreadable for rev in revisions):
            return
        records = [tuple(rev) for rev in revisions]
        _write(self._folder, self._NAME, (key, records, dict(files)))


def _read(file: Path) -> Any:
    try:
        data = marshal.loads(file.read_bytes())
    except (OSError, EOFError, ValueError, TypeError):
        return None
    if not isinstance(data, tuple) or len(data) != 2 or data[0] != _FORMAT:
        return None
    return data[1]


def prepare_cache_folder(folder: Path) -> None:
    """Create ``folder`` (``.migguard/``) if needed, with a ``.gitignore`` that ignores it.

    Raises:
        OSError: the folder or its ``.gitignore`` cannot be written.
    """
    folder.mkdir(exist_ok=True)
    ignore = folder / ".gitignore"
    if not ignore.exists():
        ignore.write_text("# written by migguard: cache files, never commit them\n*\n")


def _write(folder: Path, name: str, payload: object) -> None:
    try:
        prepare_cache_folder(folder)
        tmp = folder / f"{name}.{os.getpid()}.tmp"
        tmp.write_bytes(marshal.dumps((_FORMAT, payload)))
        os.replace(tmp, folder / name)
    except (OSError, ValueError):
        return


def _encode(header: Header | None) -> _Record:
    if header is None:
        return None
    pending = tuple((p.field, p.line, p.expression) for p in header.pending)
    return (*header[:-1], pending)


def _decode(record: _Record) -> Header | None:
    if record is None:
        return None
    if record[-1]:
        return Header._make((*record[:-1], tuple(Pending(*p) for p in record[-1])))
    return Header._make(record)

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

Every cache file in ``.migguard/`` (these two and the guard's replay cache) is written and
read by :func:`write_cache_file` and :func:`read_cache_file`: a first line naming the format
and migguard's version and the SHA-256 of the payload, then the payload. A flipped byte, a
truncated file or another version's file is a miss, never a wrong answer. Files are written
through a temporary file made by ``mkstemp`` in the same folder (never a predictable name a
planted link could redirect) and renamed over the old one, so readers see old or new, whole.
"""

from __future__ import annotations

import hashlib
import marshal
import os
import tempfile
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from migguard import __version__
from migguard.graph import Revision
from migguard.scripts.header import FIELDS, Header, Pending

CACHE_DIR = ".migguard"
_FORMAT = f"migguard-cache-3-{__version__}"
_RACY_NS = 2_000_000_000

# None means "not a revision script"; stored entries are (mtime_ns, size, record).
_Record = tuple[Any, ...] | None
# (path, mtime_ns, size) of every script, in reading order.
FileKey = list[tuple[str, int, int]]
# What the two caches store: the header entries by path, or (key, revision records, files).
_Payload = (
    dict[str, tuple[int, int, _Record]] | tuple[FileKey, list[tuple[object, ...]], dict[str, str]]
)


def settled(mtime_ns: int) -> bool:
    """True when a file modified at ``mtime_ns`` (nanoseconds since the epoch) is old enough
    for its ``(mtime, size)`` to identify its content: modified at least two seconds ago."""
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
        self._stored: dict[str, tuple[int, int, _Record]] = (
            stored if isinstance(stored, dict) else {}
        )
        self._fresh: dict[str, tuple[int, int, _Record]] = {}
        self._changed = False

    def get(self, path: str, stat: os.stat_result) -> tuple[bool, Header | None]:
        """``(True, header)`` when ``path`` is cached with this stat, else ``(False, None)``;
        a cached None header means the file is not a revision script."""
        entry = self._stored.get(path)
        if (
            not isinstance(entry, tuple)
            or len(entry) != 3
            or entry[0] != stat.st_mtime_ns
            or entry[1] != stat.st_size
            or not _header_record_ok(entry[2])
        ):
            return False, None
        self._fresh[path] = entry
        return True, _decode(entry[2])

    def put(self, path: str, stat: os.stat_result, header: Header | None) -> None:
        """Remember a freshly parsed header (skipped for files modified too recently)."""
        self._changed = True
        if settled(stat.st_mtime_ns):
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
        if not isinstance(stored, tuple) or len(stored) != 3 or stored[0] != key:
            return None
        _, records, files = stored
        if not isinstance(records, list) or not all(map(_revision_record_ok, records)):
            return None
        if not isinstance(files, dict) or files.keys() != {record[0] for record in records}:
            return None
        if not all(isinstance(path, str) for path in files.values()):
            return None
        return list(map(Revision._make, records)), files

    def save(self, key: FileKey, revisions: Sequence[Revision], files: Mapping[str, str]) -> None:
        """Store the history for these scripts, unless one of them is too recent to trust or
        a revision has unreadable fields (those are evaluated again on every run)."""
        if any(not settled(mtime) for _, mtime, _ in key):
            return
        if any(rev.unreadable for rev in revisions):
            return
        records: list[tuple[object, ...]] = [tuple(rev) for rev in revisions]
        _write(self._folder, self._NAME, (key, records, dict(files)))


def _read(file: Path) -> Any:
    data = read_cache_file(file)
    if data is None:
        return None
    try:
        return marshal.loads(data)
    except (EOFError, ValueError, TypeError):
        return None


def read_cache_file(file: Path) -> bytes | None:
    """The payload of a cache file written by :func:`write_cache_file`.

    Returns:
        The payload, or None when the file is missing, unreadable, of another format or
        version, or does not match its checksum.
    """
    try:
        data = file.read_bytes()
    except OSError:
        return None
    header, newline, payload = data.partition(b"\n")
    if not newline:
        return None
    expected = f"{_FORMAT} {hashlib.sha256(payload).hexdigest()}".encode()
    return payload if header == expected else None


def write_cache_file(folder: Path, name: str, payload: bytes) -> None:
    """Replace ``folder/name`` with ``payload`` under a checksummed header; errors ignored.

    Creates ``folder`` (see :func:`prepare_cache_folder`). The temporary file comes from
    ``mkstemp`` in ``folder`` and is renamed over ``name``, so a reader never sees half a
    file and no predictable name is opened.
    """
    header = f"{_FORMAT} {hashlib.sha256(payload).hexdigest()}\n".encode()
    try:
        prepare_cache_folder(folder)
        fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=folder)
    except OSError:
        return  # a read-only checkout: the cache only saves time
    try:
        with open(fd, "wb") as handle:
            handle.write(header)
            handle.write(payload)
        os.replace(tmp, folder / name)
    except OSError:
        try:
            os.unlink(tmp)
        except OSError:
            return


def prepare_cache_folder(folder: Path) -> None:
    """Create ``folder`` (``.migguard/``) if needed, with a ``.gitignore`` that ignores it.

    Raises:
        OSError: the folder or its ``.gitignore`` cannot be written.
    """
    folder.mkdir(exist_ok=True)
    ignore = folder / ".gitignore"
    if ignore.exists():
        return
    # "x" creates or fails: it never follows a link planted under that name.
    try:
        with open(ignore, "x", encoding="utf-8") as handle:
            handle.write("# written by migguard: cache files, never commit them\n*\n")
    except FileExistsError:
        return


def _write(folder: Path, name: str, payload: _Payload) -> None:
    try:
        data = marshal.dumps(payload)
    except ValueError:
        return
    write_cache_file(folder, name, data)


# The shape checks below run on every cached record: a file with the right checksum can
# still come from a migguard whose records differ (a development build keeps its version).


def _ids_ok(value: object) -> bool:
    return isinstance(value, tuple) and all(isinstance(v, str) and v for v in value)


def _revision_record_ok(record: object) -> bool:
    return (
        isinstance(record, tuple)
        and len(record) == len(Revision._fields)
        and isinstance(record[0], str)
        and bool(record[0])
        and _ids_ok(record[1])
        and _ids_ok(record[2])
        and _ids_ok(record[3])
        and isinstance(record[4], str)
        and isinstance(record[5], str)
        and (record[6] is None or isinstance(record[6], str))
        and record[7] == ()
    )


def _header_record_ok(record: object) -> bool:
    if record is None:
        return True
    if not isinstance(record, tuple) or len(record) != len(Header._fields):
        return False
    revision, down, labels, depends, message, date, pending = record
    if not (
        _ids_ok(down)
        and _ids_ok(labels)
        and _ids_ok(depends)
        and isinstance(message, str)
        and (date is None or isinstance(date, str))
        and isinstance(pending, tuple)
    ):
        return False
    for item in pending:
        if not (
            isinstance(item, tuple)
            and len(item) == 3
            and item[0] in FIELDS
            and isinstance(item[1], int)
            and isinstance(item[2], str)
        ):
            return False
    if revision is None:
        return any(item[0] == "revision" for item in pending)
    return isinstance(revision, str) and bool(revision)


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

"""A cache of parsed script headers, keyed by each file's modification time and size.

Reading and parsing 10,000 scripts takes most of a second; checking 10,000 ``stat`` results
against this cache takes a few milliseconds, which is what keeps ``migguard heads`` fast enough
for a pre-commit hook. The cache lives in ``.migguard/`` beside the configuration, a folder
that ignores itself in git.

File timestamps are coarse (a few milliseconds on Linux), so a file rewritten twice within
one tick at the same size would keep its old key. Like git's index, the cache therefore never
stores an entry for a file modified less than two seconds before the cache is written; such
files are parsed again until they settle.
"""

from __future__ import annotations

import marshal
import os
import time
from pathlib import Path
from typing import Any

from migguard import __version__
from migguard.scripts.header import Header, Pending

CACHE_DIR = ".migguard"
_FILE = "headers.cache"
_FORMAT = f"migguard-headers-1-{__version__}"
_RACY_NS = 2_000_000_000

# None means "not a revision script"; the outer tuple is (mtime_ns, size, record).
_Record = tuple[Any, ...] | None


class HeaderCache:
    """Parsed headers by absolute path.

    Args:
        project_root: the folder holding ``.migguard/``.
    """

    def __init__(self, project_root: Path) -> None:
        self._folder = project_root / CACHE_DIR
        self._stored: dict[str, tuple[int, int, _Record]] = _read(self._folder / _FILE)
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
        if stat.st_mtime_ns < time.time_ns() - _RACY_NS:
            self._fresh[path] = (stat.st_mtime_ns, stat.st_size, _encode(header))

    def save(self) -> None:
        """Write the entries seen in this run (dropping vanished files). Errors writing
        (read-only checkout, full disk) are ignored: the cache is only an accelerator."""
        if not self._changed and len(self._fresh) == len(self._stored):
            return
        try:
            self._folder.mkdir(exist_ok=True)
            ignore = self._folder / ".gitignore"
            if not ignore.exists():
                ignore.write_text("# written by migguard: cache files, never commit them\n*\n")
            tmp = self._folder / f"{_FILE}.{os.getpid()}.tmp"
            tmp.write_bytes(marshal.dumps((_FORMAT, self._fresh)))
            os.replace(tmp, self._folder / _FILE)
        except OSError:
            return


def _read(file: Path) -> dict[str, tuple[int, int, _Record]]:
    try:
        data = marshal.loads(file.read_bytes())
    except (OSError, EOFError, ValueError, TypeError):
        return {}
    if not isinstance(data, tuple) or len(data) != 2 or data[0] != _FORMAT:
        return {}
    return data[1]


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

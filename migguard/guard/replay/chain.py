"""Content digests of revisions, and of the states a replay passes through.

A revision's *chain digest* covers its script's bytes, its id, and the chain digests of the
revisions it needs before it (its down_revisions and its resolved ``depends_on``), so it
names the revision together with everything below it: editing or inserting a revision
changes the digests of its descendants only. A *state* (what a database holds after some
upgrade) is named by the chain digests of its version table's rows.

Every digest also covers the *environment*: migguard's and SQLAlchemy's versions, the kind
of scratch database, the version table, and every file of the version locations that is not
a revision (helper modules revisions import).

Reading 5,000 scripts on every commit would cost more than the rest of a cache hit, so file
digests are cached in ``.migguard/replay/digests.cache`` by path, modification time and
size (files modified less than two seconds ago are hashed again next time, as
:mod:`migguard.scripts.cache` does).
"""

from __future__ import annotations

import hashlib
import marshal
from collections.abc import Iterable, Mapping
from pathlib import Path

from migguard import __version__
from migguard.config import Config
from migguard.scripts.cache import CACHE_DIR, read_cache_file, settled, write_cache_file
from migguard.scripts.directory import History, iter_script_files

__all__ = ["environment_key", "revision_digests", "state_key", "version_file_digests"]

_DIGESTS = "digests.cache"
STORE_DIR = "replay"
# Bumped whenever what a stored state means changes.
_STORE_FORMAT = "replay-store-1"


def version_file_digests(config: Config) -> dict[str, str]:
    """The sha256 (hex) of every file in the version locations, by absolute path as text.

    Unchanged files (same modification time and size as when last hashed, and settled) are
    not read again.

    Raises:
        OSError: a file vanished or cannot be read.
        UnreadableScriptError: a version folder cannot be listed.
    """
    folder = config.root / CACHE_DIR / STORE_DIR
    stored = _read_digests(folder / _DIGESTS)
    fresh: dict[str, tuple[int, int, str]] = {}
    digests: dict[str, str] = {}
    changed = False
    for path, stat in iter_script_files(
        config.version_locations, config.recursive_version_locations
    ):
        entry = stored.get(path)
        if entry is not None and entry[0] == stat.st_mtime_ns and entry[1] == stat.st_size:
            digest = entry[2]
        else:
            digest = hashlib.sha256(Path(path).read_bytes()).hexdigest()
            changed = True
        digests[path] = digest
        if settled(stat.st_mtime_ns):
            fresh[path] = (stat.st_mtime_ns, stat.st_size, digest)
    if changed or fresh.keys() != stored.keys():
        write_cache_file(folder, _DIGESTS, marshal.dumps(fresh))
    return digests


def environment_key(config: Config, dialect: str, helpers: Iterable[str]) -> str:
    """The hex sha256 of what, besides the revisions, decides what a replay builds.

    Args:
        config: the version table's name and schema are read from it.
        dialect: the kind of scratch database (``"sqlite"``, ``"postgresql"``).
        helpers: digests of the files of the version locations that are not revisions.
    """
    import sqlalchemy

    parts = (
        _STORE_FORMAT,
        __version__,
        sqlalchemy.__version__,
        dialect,
        config.version_table,
        config.version_table_schema or "",
        *sorted(helpers),
    )
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()


def revision_digests(
    history: History, file_digests: Mapping[str, str], environment: str
) -> dict[str, str]:
    """The chain digest (hex sha256) of every revision of ``history``.

    Args:
        history: the loaded history.
        file_digests: script digests by absolute path (:func:`version_file_digests`).
        environment: :func:`environment_key`'s value.

    Raises:
        KeyError: a revision's script has no digest (it appeared after the digests were
            taken).
    """
    graph = history.graph
    digests: dict[str, str] = {}
    for rid in history.graph.bottom_up():
        below = sorted(
            {digests[p] for p in (*graph.get(rid).down_revisions, *graph.dependencies(rid))}
        )
        text = "\0".join((environment, rid, file_digests[history.files[rid]], *below))
        digests[rid] = hashlib.sha256(text.encode()).hexdigest()
    return digests


def state_key(heads: Iterable[str], digests: Mapping[str, str]) -> str:
    """The hex sha256 naming the state whose version table holds ``heads``.

    Raises:
        KeyError: a head is not in ``digests``.
    """
    return hashlib.sha256("\0".join(sorted(digests[h] for h in heads)).encode()).hexdigest()


def _read_digests(file: Path) -> dict[str, tuple[int, int, str]]:
    """The stored file digests; empty when missing, damaged or of another shape."""
    payload = read_cache_file(file)
    if payload is None:
        return {}
    try:
        stored = marshal.loads(payload)
    except (EOFError, ValueError, TypeError):
        return {}
    if not isinstance(stored, dict):
        return {}
    return {
        path: entry
        for path, entry in stored.items()
        if isinstance(path, str)
        and isinstance(entry, tuple)
        and len(entry) == 3
        and isinstance(entry[0], int)
        and isinstance(entry[1], int)
        and isinstance(entry[2], str)
    }

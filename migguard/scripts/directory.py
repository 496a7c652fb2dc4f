"""Finding revision scripts in the version locations and building the history from them.

Scripts are read, never run (see :mod:`migguard.scripts.header`); a script is imported only
when a header value is not a literal. Files are taken in a stable order: version locations in
configuration order, and within each folder file names sorted, then sub-folders sorted (when
``recursive_version_locations`` is on). ``__init__.py``, hidden files and ``__pycache__`` are
skipped, and modules that declare no revision (helpers) are ignored.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from stat import S_ISDIR
from typing import NamedTuple

from migguard.collector import collector_paused
from migguard.config import Config
from migguard.errors import ConfigError
from migguard.graph import Revision, RevisionGraph, Unreadable
from migguard.scripts.cache import HeaderCache, HistorySnapshot
from migguard.scripts.header import (
    Header,
    UnreadableScriptError,
    parse_header,
    read_docstring,
    read_source,
)

_STAT_DIR_FD = os.stat in os.supports_dir_fd


class History(NamedTuple):
    """A loaded migration history.

    Attributes:
        graph: the revision graph.
        files: revision id -> absolute path of its script, as text (see :meth:`path`).
        warnings: one-line warnings to show the user (unreadable fields, missing folders).
        root: the project folder that relative paths are shown against.
    """

    graph: RevisionGraph
    files: Mapping[str, str]
    warnings: tuple[str, ...]
    root: Path

    def path(self, rid: str) -> Path:
        """The absolute path of ``rid``'s script."""
        return Path(self.files[rid])

    def display_path(self, rid: str) -> str:
        """The script of ``rid`` relative to the project folder (posix), or absolute."""
        return display_path(self.files[rid], self.root)

    def docstring(self, rid: str) -> str:
        """The whole docstring of ``rid``'s script, read from the file."""
        return read_docstring(self.files[rid])


def display_path(path: Path | str, root: Path) -> str:
    """``path`` relative to ``root`` with forward slashes when inside it, else absolute.

    Works on text: building thousands of ``Path`` objects costs more than reading the
    header cache.
    """
    return _relative(os.fspath(path), os.path.join(os.fspath(root), ""))


def _relative(path: str, prefix: str) -> str:
    if path.startswith(prefix):
        return path[len(prefix) :].replace(os.sep, "/")
    return path


def load_history(config: Config, *, use_cache: bool = True) -> History:
    """Read every revision script of the configuration and build the graph.

    Args:
        config: the resolved configuration.
        use_cache: use and update the caches in ``.migguard/`` (see
            :mod:`migguard.scripts.cache`).

    Returns:
        The history.

    Raises:
        ConfigError: the script location does not exist.
        HistoryError: a script is broken (syntax, not UTF-8, missing or malformed header),
            a script or version folder cannot be read, or the graph is inconsistent (see
            :class:`migguard.graph.RevisionGraph`).
    """
    if not config.script_location.is_dir():
        raise ConfigError(
            f"script_location {display_path(config.script_location, config.root)} does not "
            "exist; create it with `migguard init` or fix script_location"
        )
    warnings = [
        f"version location {display_path(location, config.root)} does not exist"
        for location in config.version_locations
        if not location.is_dir()
    ]
    # Tens of thousands of small acyclic objects are built below; the cyclic garbage
    # collector would rescan them again and again for nothing (a third of the load time).
    with collector_paused(long_lived=True):
        try:
            listing = list(
                iter_script_files(config.version_locations, config.recursive_version_locations)
            )
        except UnreadableScriptError as exc:
            raise UnreadableScriptError(display_path(exc.path, config.root), exc.reason) from None
        key = [(path, stat.st_mtime_ns, stat.st_size) for path, stat in listing]
        snapshot = HistorySnapshot(config.root) if use_cache else None
        found = snapshot.load(key) if snapshot is not None else None
        if found is not None:
            revisions, files = found
            graph = RevisionGraph(revisions)
        else:
            cache = HeaderCache(config.root) if use_cache else None
            revisions, files = _read_revisions(config, listing, warnings, cache)
            graph = RevisionGraph(revisions)
            # Only a history that loads is cached: a command that fails leaves the project
            # folder as it found it.
            if cache is not None:
                cache.save()
            if snapshot is not None:
                snapshot.save(key, revisions, files)
    return History(graph=graph, files=files, warnings=tuple(warnings), root=config.root)


def _read_revisions(
    config: Config,
    listing: list[tuple[str, os.stat_result]],
    warnings: list[str],
    cache: HeaderCache | None,
) -> tuple[list[Revision], dict[str, str]]:
    """Revisions from each script's header (through ``cache``); appends warnings."""
    prefix = os.path.join(os.fspath(config.root), "")
    revisions: list[Revision] = []
    files: dict[str, str] = {}
    for path, stat in listing:
        shown = _relative(path, prefix)
        header = _read_header(path, stat, shown, cache)
        if header is None:
            continue
        unreadable: tuple[Unreadable, ...] = ()
        if header.pending:
            from migguard.scripts.evaluate import evaluate_pending

            header, unreadable = evaluate_pending(header, Path(path), shown, config.root)
            warnings.extend(
                f"{shown}:{u.line}: cannot read {u.field} = {u.expression} ({u.reason}); "
                "commands that need it will fail"
                for u in unreadable
            )
        revision = revision_from(header, shown, unreadable)
        revisions.append(revision)
        files.setdefault(revision.revision, path)
    return revisions, files


def revision_from(header: Header, source: str, unreadable: tuple[Unreadable, ...] = ()) -> Revision:
    """The graph's record of a parsed script header.

    Args:
        header: a header that declares a revision (``header.revision`` is set).
        source: where the script is, for messages (a path relative to the project).
        unreadable: the header fields that could not be read.
    """
    assert header.revision is not None
    return Revision(
        revision=header.revision,
        down_revisions=header.down_revisions,
        branch_labels=header.branch_labels,
        depends_on=header.depends_on,
        message=header.message,
        source=source,
        create_date=header.create_date,
        unreadable=unreadable,
    )


def _read_header(
    path: str, stat: os.stat_result, shown: str, cache: HeaderCache | None
) -> Header | None:
    if cache is not None:
        hit, header = cache.get(path, stat)
        if hit:
            return header
    header = parse_header(read_source(path, shown), shown)
    if cache is not None:
        cache.put(path, stat, header)
    return header


def iter_script_files(
    locations: Sequence[Path], recursive: bool
) -> Iterator[tuple[str, os.stat_result]]:
    """Yield ``(absolute path as text, stat)`` for every candidate script, each file once.

    Args:
        locations: version folders, in order; missing ones are skipped.
        recursive: descend into sub-folders (sorted), as ``recursive_version_locations``;
            a folder reached twice (a link back to an ancestor) is walked once.

    Raises:
        UnreadableScriptError: a folder cannot be listed, or a ``*.py`` entry cannot be
            looked at (a dangling link, a link loop); ``path`` is absolute.
    """
    # The same file can only be met twice when locations overlap (or link into each other).
    dedupe = recursive or len(locations) > 1
    seen: set[tuple[int, int]] = set()
    # Folders already walked: a link back to an ancestor is a loop, walked once.
    walked: set[tuple[int, int]] = set()
    for location in locations:
        try:
            top = os.stat(location)
        except OSError:
            continue  # a missing location is a warning of load_history's
        walked.add((top.st_dev, top.st_ino))
        folders = [os.fspath(location)]
        while folders:
            folder = folders.pop()
            subfolders: list[str] = []
            for path, stat in _folder_entries(folder, recursive):
                if S_ISDIR(stat.st_mode):
                    identity = (stat.st_dev, stat.st_ino)
                    if identity not in walked:
                        walked.add(identity)
                        subfolders.append(path)
                    continue
                if dedupe:
                    identity = (stat.st_dev, stat.st_ino)
                    if identity in seen:
                        continue
                    seen.add(identity)
                yield path, stat
            folders.extend(reversed(subfolders))


def _folder_entries(folder: str, recursive: bool) -> Iterator[tuple[str, os.stat_result]]:
    """``(path, stat)`` of the scripts in one folder, and of its sub-folders when
    ``recursive``; names sorted. Stats are taken relative to the open folder where the OS
    allows it, which for 10,000 scripts is a quarter faster than full-path lookups."""
    try:
        names = sorted(os.listdir(folder))
        fd = os.open(folder, os.O_RDONLY) if _STAT_DIR_FD else None
    except (FileNotFoundError, NotADirectoryError):
        return
    except OSError as exc:
        raise UnreadableScriptError(folder, exc.strerror or type(exc).__name__) from None
    prefix = os.path.join(folder, "")
    try:
        for name in names:
            if name.startswith(".") or name in ("__init__.py", "__pycache__"):
                continue
            is_script = name.endswith(".py")
            if not is_script and not recursive:
                continue
            try:
                stat = os.stat(name, dir_fd=fd) if fd is not None else os.stat(prefix + name)
            except FileNotFoundError:
                if is_script and os.path.islink(prefix + name):
                    # A script that points nowhere is a revision gone missing, not nothing.
                    raise UnreadableScriptError(
                        prefix + name, "it is a symbolic link to a file that does not exist"
                    ) from None
                continue
            except NotADirectoryError:
                continue
            except OSError as exc:
                if not is_script:
                    continue
                raise UnreadableScriptError(
                    prefix + name, exc.strerror or type(exc).__name__
                ) from None
            if S_ISDIR(stat.st_mode):
                if recursive:
                    yield prefix + name, stat
            elif is_script:
                yield prefix + name, stat
    finally:
        if fd is not None:
            os.close(fd)

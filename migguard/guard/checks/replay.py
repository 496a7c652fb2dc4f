"""The schema the migrations build: replayed into a scratch database, reflected, and cached.

``sync`` and ``models-imported`` need no database of the user's. Every revision is run from
base to the heads with the real runner in a scratch database: a SQLite file in a temporary
folder, or, when ``check_url`` names a PostgreSQL server, a database created there for the run
and dropped afterwards (``DROP DATABASE ... WITH (FORCE)`` from PostgreSQL 13, see
https://www.postgresql.org/docs/current/sql-dropdatabase.html). The reflected snapshot is
cached in ``.migguard/replay-<dialect>.cache``, keyed by a hash of every version file's path
and content, the dialect, the version table and the versions of migguard and SQLAlchemy: a
commit that touches only the models replays nothing.

The cache file (checksummed, see :func:`migguard.scripts.cache.write_cache_file`) holds two
lines: a JSON header ``{"key": ..., "default_schema": ...}`` and the snapshot
(:func:`migguard.autogen.snapshot.snapshot_to_json`). Anything unreadable in it is a cache
miss, never an error; a failed replay is not cached.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from migguard import __version__
from migguard.config import Config
from migguard.config.urls import mask_password
from migguard.errors import ConfigError, DatabaseError, HistoryError
from migguard.scripts.cache import CACHE_DIR, read_cache_file, write_cache_file
from migguard.scripts.directory import History, iter_script_files

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection, Dialect

    from migguard.autogen.snapshot import Snapshot
    from migguard.runtime.plan import Step

__all__ = [
    "BuiltSchema",
    "ReplayFailure",
    "build_schema",
    "cache_key",
    "cache_path",
    "check_judge",
    "comparison_dialect",
    "default_judge",
    "scratch_dialect",
]

_CACHE_FORMAT = 1
_SHARED_MEMORY = "/dev/shm"
# PostgreSQL 13 added DROP DATABASE ... WITH (FORCE), which ends the scratch database's
# remaining sessions (a revision may have opened its own connection and leaked it).
_FORCE_DROP_FROM = (13,)


class BuiltSchema(NamedTuple):
    """The schema the history builds.

    Attributes:
        snapshot: the scratch database reflected after ``upgrade heads`` (version table left
            out).
        default_schema: the scratch database's default schema (``main`` on SQLite, usually
            ``public`` on PostgreSQL), needed to compare without a connection.
        replayed: True when the history was run for this result, False when it came from the
            cache.
    """

    snapshot: Snapshot
    default_schema: str | None
    replayed: bool


class ReplayFailure(NamedTuple):
    """Why the history could not be replayed.

    Attributes:
        revision: the revision that failed, or ``None`` when no revision had started (e.g. a
            ``depends_on`` that cannot be read).
        file: that revision's script relative to the project folder (posix), or ``None``.
        reason: one line, from the database or the exception.
    """

    revision: str | None
    file: str | None
    reason: str


def scratch_dialect(config: Config) -> str:
    """The kind of scratch database replays use: ``"postgresql"`` with ``check_url``, else
    ``"sqlite"``.

    Raises:
        ConfigError: ``check_url`` names a database other than PostgreSQL.
        UsageError: ``check_url`` is not a database URL.
    """
    if not config.check_url:
        return "sqlite"
    from migguard.runtime.engine import make_url

    name = make_url(config.check_url).get_backend_name()
    if name != "postgresql":
        raise ConfigError(
            f"check_url {mask_password(config.check_url)} is a {name} URL: it must name a "
            "PostgreSQL server (leave it unset to replay into a temporary SQLite database)"
        )
    return name


def cache_path(config: Config, dialect: str) -> Path:
    """``.migguard/replay-<dialect>.cache`` under the project folder."""
    return config.root / CACHE_DIR / f"replay-{dialect}.cache"


def cache_key(config: Config, dialect: str) -> str:
    """The hex sha256 that a cached replay must carry to be used.

    It covers migguard's and SQLAlchemy's versions, ``dialect``, the version table's name and
    schema, and the relative path and bytes of every file in the version locations.

    Raises:
        OSError: a version file vanished or cannot be read while hashing.
    """
    import sqlalchemy

    digest = hashlib.sha256()
    for part in (
        __version__,
        dialect,
        sqlalchemy.__version__,
        config.version_table,
        config.version_table_schema or "",
    ):
        digest.update(part.encode())
        digest.update(b"\0")
    for path, _ in iter_script_files(config.version_locations, config.recursive_version_locations):
        content = Path(path).read_bytes()
        digest.update(os.path.relpath(path, config.root).replace(os.sep, "/").encode())
        digest.update(b"\0")
        digest.update(str(len(content)).encode())
        digest.update(b"\0")
        digest.update(content)
    return digest.hexdigest()


def build_schema(config: Config, history: History) -> BuiltSchema | ReplayFailure:
    """The schema ``history`` builds: from the cache when its key matches, else replayed.

    Args:
        config: the configuration (``check_url``, version locations, version table).
        history: the loaded history.

    Returns:
        The schema, or why a revision could not run (never cached).

    Raises:
        ConfigError: ``check_url`` is not a PostgreSQL URL.
        DatabaseError: ``check_url``'s server cannot be reached, or refuses to create or drop
            the scratch database (one line, password masked).
    """
    dialect = scratch_dialect(config)
    key = cache_key(config, dialect)
    path = cache_path(config, dialect)
    cached = _read_cache(path, key)
    if cached is not None:
        return cached
    scratch = _scratch_postgresql(config.check_url) if config.check_url else _scratch_sqlite()
    with scratch as url:
        outcome = _replay(config, history, url)
    if isinstance(outcome, BuiltSchema):
        _write_cache(path, key, outcome)
    return outcome


def comparison_dialect(config: Config, built: BuiltSchema) -> Dialect:
    """A dialect of the scratch database's kind, not connected, that compares the models with
    ``built.snapshot`` as a connected one would (its default schema is the scratch
    database's).

    Raises:
        UsageError: ``check_url`` is not a database URL.
    """
    from migguard.runtime.engine import make_url

    url = config.check_url if config.check_url else "sqlite://"
    dialect: Dialect = make_url(url).get_dialect()()
    dialect.default_schema_name = built.default_schema
    return dialect


@contextmanager
def default_judge(config: Config) -> Iterator[Callable[[str, str, str], bool] | None]:
    """PostgreSQL's judgement of whether two constant server defaults are equal (see
    :func:`migguard.autogen.generate.same_default_asker`), for ``CompareOptions.same_default``.

    Yields ``None`` without ``check_url`` (SQLite needs no judge). With it, the server is
    connected to only when the comparison first asks (most comparisons never do), and the
    connection is closed when the block ends.

    Raises:
        DatabaseError: the server cannot be reached when asked (one line, password masked).
    """
    from migguard.autogen.generate import same_default_asker

    with _server_judge(config, same_default_asker) as judge:
        yield judge


@contextmanager
def check_judge(
    config: Config,
) -> Iterator[Callable[[str, str, Mapping[str, str]], bool | None] | None]:
    """PostgreSQL's judgement of whether two check conditions are the same (see
    :func:`migguard.autogen.generate.same_check_asker`), for ``CompareOptions.same_check``.

    Yields ``None`` without ``check_url``; with it, connects only when first asked and closes
    the connection when the block ends.

    Raises:
        DatabaseError: the server cannot be reached when asked (one line, password masked).
    """
    from migguard.autogen.generate import same_check_asker

    with _server_judge(config, same_check_asker) as judge:
        yield judge


@contextmanager
def _server_judge(
    config: Config, make_asker: Callable[[Connection], Callable[..., Any]]
) -> Iterator[Callable[..., Any] | None]:
    """The asker ``make_asker`` builds on a connection to ``check_url``, opened only when it
    is first asked and closed when the block ends; ``None`` without ``check_url``."""
    if not config.check_url:
        yield None
        return
    from migguard.runtime.engine import connect

    url = config.check_url
    with ExitStack() as stack:
        opened: list[Callable[..., Any]] = []

        def ask(*args: Any) -> Any:
            if not opened:
                opened.append(make_asker(stack.enter_context(connect(url))))
            return opened[0](*args)

        yield ask


# --- replay --------------------------------------------------------------------------------------


class _Progress:
    """A runner listener that remembers which revision runs next, so that a failure raised
    before the step's transaction (a script that does not import) can still be placed."""

    def __init__(self) -> None:
        self.pending: list[str] = []

    def planned(self, steps: Sequence[Step]) -> None:
        self.pending = [step.revision for step in steps]

    def step_started(self, step: Step) -> None:
        """Nothing to note: a started step stays pending until it finishes."""

    def step_finished(self, step: Step, seconds: float) -> None:
        self.pending.remove(step.revision)


def _replay(config: Config, history: History, url: str) -> BuiltSchema | ReplayFailure:
    from migguard.autogen.snapshot import database_schemas, reflect
    from migguard.runtime.engine import connect
    from migguard.runtime.migrate import migrate, version_table_names
    from migguard.runtime.runner import MigrationFailedError

    progress = _Progress()
    try:
        migrate(config._replace(url=url), history, upgrade=True, target="heads", listener=progress)
    except MigrationFailedError as exc:
        rid = exc.step.revision
        return ReplayFailure(rid, history.display_path(rid), exc.reason)
    except HistoryError as exc:
        pending = progress.pending[0] if progress.pending else None
        return ReplayFailure(pending, history.display_path(pending) if pending else None, str(exc))
    excluded = version_table_names(config)
    with connect(url) as connection:
        # Everything in the scratch database was made by the history: reflect every schema,
        # and let the comparison pick those the models (or include_schemas) ask for.
        schemas = (None, *database_schemas(connection))
        snapshot = reflect(connection, schemas=schemas, exclude=excluded)
        default_schema = connection.dialect.default_schema_name
        connection.rollback()
    return BuiltSchema(snapshot, default_schema, replayed=True)


@contextmanager
def _scratch_sqlite() -> Iterator[str]:
    """A SQLite file in a new temporary folder, removed afterwards. The runner commits once
    per revision; in a memory-backed folder (Linux's ``/dev/shm``) those commits cost no disk
    flush, which makes a cold replay about a third faster."""
    memory = _SHARED_MEMORY if os.access(_SHARED_MEMORY, os.W_OK | os.X_OK) else None
    with tempfile.TemporaryDirectory(prefix="migguard-replay-", dir=memory) as folder:
        yield f"sqlite:///{Path(folder) / 'scratch.db'}"


@contextmanager
def _scratch_postgresql(server_url: str) -> Iterator[str]:
    """A new database on ``server_url``'s server for the block, dropped afterwards (also when
    the block raises); yields its URL (password included, for the runner)."""
    import sqlalchemy as sa

    from migguard.runtime.engine import connect, make_url

    name = f"migguard_check_{uuid.uuid4().hex[:16]}"
    masked = mask_password(server_url)
    with connect(server_url) as admin:
        admin = admin.execution_options(isolation_level="AUTOCOMMIT")
        try:
            admin.exec_driver_sql(f'CREATE DATABASE "{name}"')
        except sa.exc.DBAPIError as exc:
            raise DatabaseError(
                f"cannot create the scratch database {name} on {masked}: {_first_line(exc)}"
            ) from None
        # A connected PostgreSQL dialect knows the server's version; unknown reads as old.
        force = (admin.dialect.server_version_info or ()) >= _FORCE_DROP_FROM
        try:
            yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
        finally:
            try:
                admin.exec_driver_sql(
                    f'DROP DATABASE IF EXISTS "{name}"' + (" WITH (FORCE)" if force else "")
                )
            except sa.exc.DBAPIError as exc:
                raise DatabaseError(
                    f"cannot drop the scratch database {name} on {masked} (drop it by hand): "
                    f"{_first_line(exc)}"
                ) from None


def _first_line(exc: Exception) -> str:
    orig = getattr(exc, "orig", None) or exc
    lines = str(orig).strip().splitlines()
    return lines[0] if lines else type(orig).__name__


# --- cache ---------------------------------------------------------------------------------------


def _read_cache(path: Path, key: str) -> BuiltSchema | None:
    from migguard.autogen.snapshot import snapshot_from_json

    payload = read_cache_file(path)
    if payload is None:
        return None
    try:
        header_line, _, snapshot_line = payload.decode("utf-8").partition("\n")
        header = json.loads(header_line)
        if header.get("format") != _CACHE_FORMAT or header.get("key") != key:
            return None
        default_schema = header["default_schema"]
        snapshot = snapshot_from_json(snapshot_line)
    except Exception:
        # Anything wrong in a cache file is a miss (replay again), never a finding or a
        # crash: the checksum rules out damage, so this is another version's file.
        return None
    if default_schema is not None and not isinstance(default_schema, str):
        return None
    return BuiltSchema(snapshot, default_schema, replayed=False)


def _write_cache(path: Path, key: str, built: BuiltSchema) -> None:
    from migguard.autogen.snapshot import snapshot_to_json

    header = {"format": _CACHE_FORMAT, "key": key, "default_schema": built.default_schema}
    text = f"{json.dumps(header)}\n{snapshot_to_json(built.snapshot)}\n"
    write_cache_file(path.parent, path.name, text.encode("utf-8"))

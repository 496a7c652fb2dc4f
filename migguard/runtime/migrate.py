"""The runner's entry points: upgrade, downgrade, stamp, current, and their offline forms.

Library code: each function returns what happened; :mod:`migguard.cli.runtime` prints it.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, NamedTuple

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from migguard.alembic_compat.config import project_config_active
from migguard.config import Config
from migguard.config.urls import mask_password
from migguard.errors import DatabaseError, UsageError
from migguard.runtime.current import database_url, version_table_label
from migguard.runtime.engine import connect, make_url
from migguard.runtime.lock import migration_lock
from migguard.runtime.plan import Step, downgrade_plan, stamp_heads, upgrade_plan
from migguard.runtime.version_table import VersionTable
from migguard.scripts.directory import History

if TYPE_CHECKING:
    # The runner pulls in the operations layer; `current` and `stamp` do not need it.
    from migguard.runtime.runner import Listener


class Outcome(NamedTuple):
    """What a run did (or, with ``dry_run``, would do).

    Attributes:
        steps: the steps, in order.
        before: the version table's rows before.
        after: the rows after.
        locked: whether a migration lock was held (False: this database has none here).
        warnings: what to tell the user about the run (see
            :mod:`migguard.runtime.durability`).
    """

    steps: list[Step]
    before: tuple[str, ...]
    after: tuple[str, ...]
    locked: bool
    warnings: tuple[str, ...] = ()


def version_table(config: Config) -> VersionTable:
    """The configured version table."""
    return VersionTable(config.version_table, config.version_table_schema)


def version_table_names(config: Config) -> tuple[str, ...]:
    """How reflection names the version table (``name``, and ``schema.name`` when it has a
    schema), to leave it out of schema comparisons."""
    schema = config.version_table_schema
    name = config.version_table
    return (name, f"{schema}.{name}") if schema else (name,)


def migrate(
    config: Config,
    history: History,
    *,
    upgrade: bool,
    target: str,
    lock_timeout: float = 60.0,
    dry_run: bool = False,
    listener: Listener | None = None,
    on_wait: Callable[[str], None] | None = None,
    pipelined: bool = False,
) -> Outcome:
    """Upgrade or downgrade the database to ``target``.

    The plan is made under the migration lock from the version table as it is then, so
    concurrent runs apply each revision once.

    Args:
        config: the configuration.
        history: the loaded history.
        upgrade: True for upgrade, False for downgrade.
        target: the identifier (see :mod:`migguard.graph.resolve`).
        lock_timeout: seconds to wait for another run's lock.
        dry_run: plan only; nothing is locked or changed.
        listener: told about each step.
        on_wait: told once, in one line, that the run waits for another run's lock and for
            whom (see :func:`migguard.runtime.lock.migration_lock`).
        pipelined: on a SQLite database, run the statements on a worker thread while the
            revisions' Python goes on (:mod:`migguard.runtime.sqlite_pipeline`): for the
            guard's scratch replay only; ``listener.step_finished`` is then called on that
            thread.

    Raises:
        ConfigError, DatabaseError (MigrationFailedError, LockTimeoutError), HistoryError,
        ResolutionError, UsageError.
    """
    plan = upgrade_plan if upgrade else downgrade_plan
    table = version_table(config)
    url = database_url(config)
    with connect(url, read_only=dry_run, threads=pipelined) as connection:
        if dry_run:
            with database_errors(connection, url, f"read the version table {table.label}"):
                current = table.read(connection)
                connection.rollback()
            steps = plan(history.graph, current, target)
            planned = steps[-1].heads_after if steps else frozenset(current)
            return Outcome(steps, current, _ordered(history, planned), False)
        return _run_locked(
            connection,
            config,
            history,
            lambda current: plan(history.graph, current, target),
            lock_timeout=lock_timeout,
            listener=listener,
            on_wait=on_wait,
            pipelined=pipelined,
        )


def run_steps(
    config: Config, history: History, steps: Sequence[Step], *, lock_timeout: float = 60.0
) -> Outcome:
    """Run exactly ``steps`` (each revision's upgrade or downgrade, in order), under the
    migration lock, as :func:`migrate` runs a plan: for callers that build the steps
    themselves (the pytest plugin's round trip of one revision).

    Args:
        config: the configuration.
        history: the loaded history.
        steps: from :mod:`migguard.runtime.plan`; the first step's ``heads_before`` must be the
            version table's rows.
        lock_timeout: seconds to wait for another run's lock.

    Raises:
        UsageError: the version table does not hold ``steps[0].heads_before``.
        DatabaseError (MigrationFailedError, LockTimeoutError), HistoryError.
    """

    def checked(current: tuple[str, ...]) -> list[Step]:
        if steps and frozenset(current) != steps[0].heads_before:
            at = ", ".join(current) or "<base>"
            raise UsageError(
                f"the database is at {at}, not where the steps start "
                f"({', '.join(sorted(steps[0].heads_before)) or '<base>'})"
            )
        return list(steps)

    with connect(database_url(config)) as connection:
        return _run_locked(connection, config, history, checked, lock_timeout=lock_timeout)


def _run_locked(
    connection: Connection,
    config: Config,
    history: History,
    plan_for: Callable[[tuple[str, ...]], list[Step]],
    *,
    lock_timeout: float,
    listener: Listener | None = None,
    on_wait: Callable[[str], None] | None = None,
    pipelined: bool = False,
) -> Outcome:
    """Under the migration lock: read the version table, plan with ``plan_for(rows)``, create
    the version table when steps need it, and run the steps (``pipelined``: see
    :func:`migrate`)."""
    from migguard.runtime.durability import commits_synced_at_end
    from migguard.runtime.runner import load_first_script, run_online

    table = version_table(config)
    url = database_url(config)
    label = version_table_label(config)
    with migration_lock(connection, label, lock_timeout, on_wait) as locked:
        with database_errors(connection, url, f"read the version table {table.label}"):
            current = table.read(connection)
            connection.rollback()
        steps = plan_for(current)
        # Before anything is written: a first script that cannot load changes nothing.
        loaded = load_first_script(history, steps, config.engine_name)
        if steps:
            with database_errors(connection, url, f"create the version table {table.label}"):
                missing = not table.exists(connection)
                connection.rollback()  # reflection opened a transaction; steps open their own
                if missing:
                    connection.begin()
                    table.table.create(connection)
                    connection.commit()
        with (
            database_errors(connection, url, "run the migration"),
            commits_synced_at_end(
                connection, len(steps), sync_each_revision=config.sync_each_revision
            ) as sync,
            project_config_active(config),
        ):
            run_online(
                connection,
                history,
                steps,
                table,
                listener,
                sync.before_last_step,
                loaded,
                engine_name=config.engine_name,
                pipelined=pipelined,
            )
        with database_errors(connection, url, f"read the version table {table.label}"):
            after = table.read(connection)
            connection.rollback()
    return Outcome(steps, current, after, locked, tuple(sync.warnings))


def stamp(
    config: Config,
    history: History,
    targets: Sequence[str],
    *,
    purge: bool = False,
    dry_run: bool = False,
    lock_timeout: float = 60.0,
    on_wait: Callable[[str], None] | None = None,
) -> Outcome:
    """Set the version table to ``targets`` without running any revision.

    ``on_wait``: as for :func:`migrate`.

    Raises:
        ConfigError, DatabaseError, HistoryError, ResolutionError.
    """
    table = version_table(config)
    url = database_url(config)
    with (
        connect(url) as connection,
        migration_lock(connection, version_table_label(config), lock_timeout, on_wait) as locked,
    ):
        with database_errors(connection, url, f"read the version table {table.label}"):
            current = table.read(connection)
            connection.rollback()
        after = stamp_heads(history.graph, current, targets, purge=purge)
        if not dry_run and after != frozenset(current):
            with (
                database_errors(connection, url, f"write the version table {table.label}"),
                connection.begin(),
            ):
                if not table.exists(connection):
                    table.table.create(connection)
                table.change(connection.execute, current, after)
    return Outcome([], current, _ordered(history, after), locked)


@contextmanager
def database_errors(connection: Connection, url: str, doing: str) -> Iterator[None]:
    """Turn the database's errors in the block (outside any revision) into one line:
    ``cannot DOING on URL [as role ROLE]: REASON``, the password masked.

    Args:
        connection: the open connection (asked for the role on PostgreSQL).
        url: the database URL, shown with its password masked.
        doing: what the block does, e.g. ``"read the version table alembic_version"``.

    Raises:
        DatabaseError: the block raised a driver error (through SQLAlchemy or not).
    """
    try:
        yield
    except (sa.exc.DBAPIError, sqlite3.Error) as exc:
        orig = exc.orig if isinstance(exc, sa.exc.DBAPIError) and exc.orig is not None else exc
        lines = str(orig).strip().splitlines()
        reason = lines[0] if lines else type(orig).__name__
        role = _role(connection) if connection.dialect.name == "postgresql" else None
        as_role = f" as role {role}" if role else ""
        raise DatabaseError(f"cannot {doing} on {mask_password(url)}{as_role}: {reason}") from None


def _role(connection: Connection) -> str | None:
    """The PostgreSQL role the connection is logged in as (rights are the role's); the URL's
    user name when the connection cannot say."""
    try:
        if connection.in_transaction():
            connection.rollback()
        role = connection.exec_driver_sql("SELECT current_user").scalar()
        connection.rollback()
        return str(role)
    except sa.exc.DBAPIError:
        return connection.engine.url.username


def _ordered(history: History, rows: frozenset[str] | Sequence[str]) -> tuple[str, ...]:
    graph = history.graph
    return tuple(sorted(rows, key=lambda r: graph.position(r) if r in graph else -1))


def offline_sql(
    config: Config,
    history: History,
    *,
    command: str,
    target: str,
    write: Callable[[str], object],
) -> list[Step]:
    """Write the SQL of an upgrade, downgrade or stamp without connecting (``--sql``).

    Args:
        config: the configuration (its URL names the dialect; no connection is made).
        history: the loaded history.
        command: ``upgrade``, ``downgrade`` or ``stamp``.
        target: ``END`` or ``START:END``. Upgrades and stamps start from base unless START
            is given; a downgrade needs START (there is no database to ask).
        write: receives the SQL text.

    Returns:
        The steps written (empty for a stamp).

    Raises:
        UsageError: a downgrade without START; ResolutionError and friends from planning.
    """
    from migguard.runtime.runner import write_offline, write_stamp_offline

    dialect = make_url(database_url(config)).get_dialect()()
    start, _, end = target.rpartition(":")
    if command == "downgrade" and not start:
        raise UsageError(
            "downgrade --sql needs START:END (e.g. head:base): there is no database to ask"
        )
    current = _resolve_start(history, start)
    table = version_table(config)
    if command == "stamp":
        after = stamp_heads(history.graph, current, [end], purge=False)
        write_stamp_offline(dialect, table, current, after, write, create_version_table=not current)
        return []
    plan = upgrade_plan if command == "upgrade" else downgrade_plan
    steps = plan(history.graph, current, end)
    with project_config_active(config, sql=True):
        write_offline(
            dialect,
            history,
            steps,
            table,
            write,
            create_version_table=not current,
            engine_name=config.engine_name,
        )
    return steps


def _resolve_start(history: History, start: str) -> tuple[str, ...]:
    from migguard.graph import resolve

    return resolve(history.graph, start) if start and start != "base" else ()

"""Running planned steps: online, one transaction per revision; or offline, as SQL text.

Each revision's ``upgrade()``/``downgrade()`` runs in its own transaction together with its
version-table change, so a revision that fails is rolled back entirely and the version table
stays at the last revision that succeeded; later revisions do not run. PostgreSQL and SQLite
have transactional DDL (https://wiki.postgresql.org/wiki/Transactional_DDL_in_PostgreSQL:_A_Competitive_Analysis,
https://www.sqlite.org/lang_transaction.html); on databases without it (MySQL, MariaDB,
Oracle) the failure message says the failed revision may be partly applied.

On PostgreSQL with psycopg (3) a revision's DDL, version-table change and ``COMMIT`` travel as
one query, which also opens the next revision's transaction (:mod:`migguard.ops.batching`); a
failing statement is still named and rolled back with the rest of its revision.
"""

from __future__ import annotations

import time
import traceback
import types
from collections.abc import Callable, Sequence
from typing import Protocol

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.sql import Executable

from migguard.errors import DatabaseError, HistoryError
from migguard.ops.batching import BatchingContext, supports_batching
from migguard.ops.binding import bind
from migguard.ops.context import ExecutionContext, OfflineContext, OnlineContext
from migguard.ops.operations import Operations
from migguard.runtime.modules import load_revision_module
from migguard.runtime.plan import Step
from migguard.runtime.version_table import VersionTable
from migguard.scripts.directory import History

TRANSACTIONAL_DDL = frozenset({"postgresql", "sqlite", "mssql"})


class Listener(Protocol):
    """What a caller hears while steps run (the command line prints it)."""

    def planned(self, steps: Sequence[Step]) -> None:
        """The steps about to run (possibly none)."""

    def step_started(self, step: Step) -> None:
        """A step is about to run."""

    def step_finished(self, step: Step, seconds: float) -> None:
        """A step committed, after ``seconds``."""


class MigrationFailedError(DatabaseError):
    """A revision raised; it was rolled back (where the database allows).

    Attributes:
        step: the failed step.
        reason: one line: the database's message and statement, or the exception.
        detail: the full traceback, for ``--verbose``.
    """

    def __init__(self, step: Step, summary: str, reason: str, detail: str, atomic: bool) -> None:
        self.step = step
        self.reason = reason
        self.detail = detail
        stays = ", ".join(sorted(step.heads_before)) or "base"
        outcome = (
            f"rolled back; the database stays at {stays}"
            if atomic
            else f"its changes may be partly applied (no transactional DDL); the version table "
            f"still says {stays}"
        )
        super().__init__(f"{summary} failed: {reason}; {outcome}")


def run_online(
    connection: Connection,
    history: History,
    steps: Sequence[Step],
    version_table: VersionTable,
    listener: Listener | None = None,
    before_last_step: Callable[[], None] | None = None,
) -> None:
    """Run ``steps`` on the database, one transaction each. A step's script is loaded
    before the step before it commits.

    Args:
        connection: the run's connection (no transaction open).
        history: the loaded history (scripts are imported from its files).
        steps: from :mod:`migguard.runtime.plan`.
        version_table: where the applied heads are recorded.
        listener: told about each step.
        before_last_step: called between transactions, before the last step begins
            (:class:`migguard.runtime.durability.RunSync` syncs the run's commits there);
            not called when PostgreSQL's transactions are batched, which leaves no moment
            between them.

    Raises:
        MigrationFailedError: a revision failed (exit 4); earlier steps stay committed.
        HistoryError: a script cannot be imported.
    """
    atomic = connection.dialect.name in TRANSACTIONAL_DDL
    if listener is not None:
        listener.planned(steps)
    if not supports_batching(connection):
        transactions = _ConnectionTransactions(connection, version_table, before_last_step)
        _run_steps(history, steps, OnlineContext(connection), transactions, listener, atomic)
        return
    with BatchingContext(connection) as context:
        batched = _BatchedTransactions(context, version_table)
        _run_steps(history, steps, context, batched, listener, atomic)


class _Transactions(Protocol):
    """How each step's transaction is opened, recorded and committed, or rolled back."""

    # Whether commit() returns before the database has answered (confirm() waits for it).
    sends_ahead: bool

    def begin(self, last: bool) -> None:
        """Open the step's transaction; ``last``: the run's last step."""

    def commit(self, step: Step, more: bool) -> None:
        """Record the step in the version table and commit, or with ``sends_ahead`` send
        the commit (raises when that fails); ``more``: another step follows."""

    def confirm(self) -> None:
        """Wait for the commit that :meth:`commit` sent ahead (raises when it failed)."""

    def rollback(self) -> None:
        """Roll back the open transaction, if any."""


def _run_steps(
    history: History,
    steps: Sequence[Step],
    context: ExecutionContext,
    transactions: _Transactions,
    listener: Listener | None,
    atomic: bool,
) -> None:
    """Run each step in its own transaction (see :func:`run_online`); ``atomic``: the
    database rolls DDL back, which the failure message says.

    The steps' scripts are loaded before the first step (as Alembic loads every script
    first): one after the other they load about twice as fast as between steps, with the
    interpreter's caches warm. When commits are sent ahead, each script loads instead while
    the database runs the previous step's commit. A script that cannot be loaded is raised
    when its step comes, so the steps before it still run."""
    operations = Operations(context)
    scripts: dict[str, types.ModuleType | HistoryError] = {}
    if not transactions.sends_ahead:
        for step in steps:
            _load_script(history, step.revision, scripts)
    elif steps:
        _load_script(history, steps[0].revision, scripts)
    last = len(steps) - 1
    for number, step in enumerate(steps):
        module = scripts[step.revision]
        if isinstance(module, HistoryError):
            raise module
        function = module.upgrade if step.upgrade else module.downgrade
        if listener is not None:
            listener.step_started(step)
        started = time.perf_counter()
        transactions.begin(last=number == last)
        try:
            with bind(operations):
                function()
            transactions.commit(step, more=number < last)
            if number < last:
                _load_script(history, steps[number + 1].revision, scripts)
            transactions.confirm()
        except Exception as exc:
            transactions.rollback()
            summary = f"{step.describe(history.graph)} ({history.display_path(step.revision)})"
            raise MigrationFailedError(
                step, summary, _reason(exc), traceback.format_exc(), atomic
            ) from exc
        if listener is not None:
            listener.step_finished(step, time.perf_counter() - started)


def _load_script(
    history: History, revision: str, scripts: dict[str, types.ModuleType | HistoryError]
) -> None:
    """Load ``revision``'s script into ``scripts`` unless it is there; a script that cannot
    be loaded maps to its error."""
    if revision in scripts:
        return
    try:
        scripts[revision] = load_revision_module(history.files[revision], revision, history.root)
    except HistoryError as exc:
        scripts[revision] = exc


class _ConnectionTransactions:
    """Transactions of the connection itself; the version table changed with bound
    parameters."""

    sends_ahead = False

    def __init__(
        self,
        connection: Connection,
        version_table: VersionTable,
        before_last_step: Callable[[], None] | None,
    ) -> None:
        self.connection = connection
        self.version_table = version_table
        self.before_last_step = before_last_step

    def begin(self, last: bool) -> None:
        if last and self.before_last_step is not None:
            self.before_last_step()
        self.connection.begin()

    def commit(self, step: Step, more: bool) -> None:
        # ``more`` does not matter here: the connection begins the next transaction itself.
        self.version_table.change(self.connection.execute, step.heads_before, step.heads_after)
        self.connection.commit()

    def confirm(self) -> None:
        """Nothing to wait for: :meth:`commit` has committed."""

    def rollback(self) -> None:
        if self.connection.in_transaction():
            self.connection.rollback()


class _BatchedTransactions:
    """Transactions framed by a :class:`BatchingContext`: a revision's DDL, version-table
    change and ``COMMIT`` are one query, which also opens the next revision's transaction.
    The query is sent ahead: the next script loads while the server runs it."""

    sends_ahead = True

    def __init__(self, context: BatchingContext, version_table: VersionTable) -> None:
        from psycopg import ClientCursor

        self.context = context
        self.version_table = version_table
        # The values are quoted by psycopg itself, for this connection.
        self._quoting = ClientCursor(context.connection.connection.dbapi_connection)
        # The version table's statements are the same objects every step: compile each once.
        self._compiled: dict[Executable, str] = {}

    def begin(self, last: bool) -> None:
        # Each COMMIT is sent with the next BEGIN: there is no moment between transactions.
        self.context.begin()

    def commit(self, step: Step, more: bool) -> None:
        changes = self.version_table.statements(step.heads_before, step.heads_after)
        statements = [self._sql(statement, params) for statement, params in changes]
        self.context.send_commit(statements, begin_next=more)

    def confirm(self) -> None:
        self.context.confirm()

    def rollback(self) -> None:
        self.context.rollback()

    def _sql(self, statement: Executable, params: dict[str, str]) -> str:
        template = self._compiled.get(statement)
        if template is None:
            template = str(statement.compile(dialect=self.context.dialect))
            self._compiled[statement] = template
        return self._quoting.mogrify(template, params)


def _reason(exc: BaseException) -> str:
    """One line: the database's message and the statement, or the exception."""
    if isinstance(exc, sa.exc.StatementError):
        orig = exc.orig if exc.orig is not None else exc
        message = str(orig).strip().splitlines()[0] if str(orig).strip() else type(orig).__name__
        statement = " ".join(str(exc.statement or "").split())
        if len(statement) > 160:
            statement = statement[:157] + "..."
        return f"{type(orig).__name__}: {message} [while running: {statement}]"
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__


def write_offline(
    dialect: Dialect,
    history: History,
    steps: Sequence[Step],
    version_table: VersionTable,
    write: Callable[[str], None],
    *,
    create_version_table: bool,
) -> None:
    """Write ``steps`` as a SQL script that can be run by the database's own client.

    Args:
        dialect: the target database's SQLAlchemy dialect.
        history: the loaded history.
        steps: from :mod:`migguard.runtime.plan`.
        version_table: the version table (its statements are part of the script).
        write: receives the text, piece by piece.
        create_version_table: start with ``CREATE TABLE`` for the version table (when the
            script starts from base).
    """
    transactional = dialect.name in TRANSACTIONAL_DDL
    context = OfflineContext(dialect, write)
    if create_version_table:
        _offline_block(
            write, transactional, lambda: context.execute(version_table.create_statement())
        )
    for step in steps:
        path = history.files[step.revision]
        module = load_revision_module(path, step.revision, history.root)
        function = module.upgrade if step.upgrade else module.downgrade
        write(f"-- {step.describe(history.graph)}\n")

        def body(function: Callable[[], object] = function, step: Step = step) -> None:
            with bind(Operations(context)):
                function()
            version_table.change(context.execute, step.heads_before, step.heads_after)

        _offline_block(write, transactional, body)


def _offline_block(
    write: Callable[[str], None], transactional: bool, body: Callable[[], object]
) -> None:
    if transactional:
        write("BEGIN;\n\n")
    body()
    if transactional:
        write("COMMIT;\n\n")


def write_stamp_offline(
    dialect: Dialect,
    version_table: VersionTable,
    before: Sequence[str],
    after: Sequence[str] | frozenset[str],
    write: Callable[[str], None],
    *,
    create_version_table: bool,
) -> None:
    """Write the SQL that sets the version table from ``before`` to ``after`` (``stamp``)."""
    context = OfflineContext(dialect, write)

    def body() -> None:
        if create_version_table:
            context.execute(version_table.create_statement())
        version_table.change(context.execute, before, after)

    _offline_block(write, dialect.name in TRANSACTIONAL_DDL, body)

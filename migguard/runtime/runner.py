"""Running planned steps: online, one transaction per revision; or offline, as SQL text.

Each revision's ``upgrade()``/``downgrade()`` runs in its own transaction together with its
version-table change, so a revision that fails is rolled back entirely and the version table
stays at the last revision that succeeded; later revisions do not run. PostgreSQL and SQLite
have transactional DDL (https://wiki.postgresql.org/wiki/Transactional_DDL_in_PostgreSQL:_A_Competitive_Analysis,
https://www.sqlite.org/lang_transaction.html). MySQL and MariaDB commit implicitly on each
DDL statement: there the runner records the statements of each revision as they run, and a
failure's message lists which ran, which failed and which did not, with the ways to recover
(:mod:`migguard.runtime.partial`). On other databases without transactional DDL (Oracle) it
says the failed revision may be partly applied.

On PostgreSQL with psycopg (3) a revision's DDL, version-table change and ``COMMIT`` travel as
one query, which also opens the next revision's transaction (:mod:`migguard.runtime.pipeline`); a
failing statement is still named and rolled back with the rest of its revision. The guard's
replay into a scratch SQLite file runs its statements on a worker thread
(:mod:`migguard.runtime.sqlite_pipeline`); a failing statement is reported as its own
revision's failure even when the run has gone on to later revisions meanwhile.

What a failure says about where the database stands is what is known: a revision that failed
before its commit was sent is rolled back. When the connection is lost, or the run interrupted,
while a commit is under way, its outcome is unknown (the server may have committed and lost
the connection before answering, https://www.postgresql.org/docs/current/protocol-flow.html);
the runner then reads the version table on a new connection and says what it holds, or, when
that fails too, to run ``migguard current``.

A Python exception raised by a revision's own code (``NameError``, ``AttributeError``, ...) is
a broken revision script, exit 3, named with the script's file and line; a database's error is
exit 4. Either way the revision is rolled back.
"""

from __future__ import annotations

import os
import time
import traceback
import types
from collections.abc import Callable, Collection, Mapping, Sequence
from contextlib import nullcontext, suppress
from typing import Any, Protocol, cast

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.sql.dml import UpdateBase

from migguard.errors import EXIT_HISTORY, DatabaseError, HistoryError
from migguard.ops.binding import bind
from migguard.ops.context import ExecutionContext, OfflineContext, OnlineContext
from migguard.ops.operations import Operations
from migguard.runtime.modules import load_revision_module, revision_function
from migguard.runtime.partial import (
    PartialRevision,
    StatementLog,
    database_name,
    describe,
    planned_statements,
)
from migguard.runtime.pipeline import PipelineContext, supports_pipeline
from migguard.runtime.plan import Step
from migguard.runtime.sqlite_pipeline import (
    PipelinedTransactions,
    SqlitePipelineContext,
    StepFailedEarlier,
    supports_sqlite_pipeline,
)
from migguard.runtime.version_table import VersionTable
from migguard.scripts.directory import History

TRANSACTIONAL_DDL = frozenset({"postgresql", "sqlite", "mssql"})
# Databases that commit implicitly on DDL, whose failures list the statements that ran.
IMPLICIT_COMMIT_DDL = frozenset({"mysql", "mariadb"})


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

    Exit 4 for a database's error; exit 3 (``exit_code`` set on the instance) when the
    revision's own Python code raised: the script is broken.

    Attributes:
        step: the failed step.
        reason: one line: the database's message and statement, or the exception.
        detail: the full traceback, for ``--verbose``.
        outcome: where the database stands (see :func:`rolled_back`,
            :func:`found_after_reconnecting`); on MySQL and MariaDB, lines listing the
            statements of the revision that ran, failed and did not run, and the ways to recover
            (:func:`migguard.runtime.partial.describe`).
        partial: those statements as data (MySQL and MariaDB), else None.
    """

    def __init__(
        self,
        step: Step,
        summary: str,
        reason: str,
        detail: str,
        outcome: str,
        *,
        script_error: bool = False,
        partial: PartialRevision | None = None,
    ) -> None:
        self.step = step
        self.reason = reason
        self.detail = detail
        self.outcome = outcome
        self.partial = partial
        if script_error:
            self.exit_code = EXIT_HISTORY
        super().__init__(f"{summary} failed: {reason}; {outcome}")


class MigrationInterruptedError(KeyboardInterrupt):
    """The run was interrupted (Ctrl-C) while its steps ran; the message says in which
    revision, if any, and where the database stands (exit 130, as any interruption).

    Attributes:
        step: the interrupted step; None outside any revision's transaction.
    """

    def __init__(self, step: Step | None, message: str) -> None:
        self.step = step
        super().__init__(message)


def rolled_back(step: Step, atomic: bool) -> str:
    """Where the database stands after ``step`` failed before its commit: ``atomic``, the
    database rolled its DDL back (see :data:`TRANSACTIONAL_DDL`)."""
    stays = _rows(step.heads_before)
    if atomic:
        return f"rolled back; the database stays at {stays}"
    return (
        "its changes may be partly applied (no transactional DDL); the version table still "
        f"says {stays}"
    )


def found_after_reconnecting(step: Step, rows: Collection[str] | None) -> str:
    """Where the database stands when ``step``'s commit may or may not have happened;
    ``rows``: the version table read on a new connection, or None when that failed too."""
    if rows is None:
        return "whether it committed is unknown: run `migguard current` to see"
    if frozenset(rows) == step.heads_after:
        done = "it did commit"
    elif frozenset(rows) == step.heads_before:
        done = "it did not commit"
    else:
        done = "the version table changed meanwhile"
    return f"read again on a new connection: {done}, the database is at {_rows(rows)}"


def _rows(rows: Collection[str]) -> str:
    return ", ".join(sorted(rows)) or "base"


def run_online(
    connection: Connection,
    history: History,
    steps: Sequence[Step],
    version_table: VersionTable,
    listener: Listener | None = None,
    before_last_step: Callable[[], None] | None = None,
    loaded: Mapping[str, types.ModuleType] | None = None,
    engine_name: str | None = None,
    *,
    pipelined: bool = False,
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
        loaded: scripts already loaded, by revision (see :func:`load_first_script`).
        engine_name: Alembic's multidb layout: passed to each revision function (see
            :func:`migguard.runtime.modules.revision_function`).
        pipelined: on SQLite through the standard library's driver, run the statements on a
            worker thread (:mod:`migguard.runtime.sqlite_pipeline`; the connection must allow
            that, ``check_same_thread=False``); the listener's ``step_finished`` is then
            called on that thread. Elsewhere ignored.

    Raises:
        MigrationFailedError: a revision failed (exit 4); earlier steps stay committed.
        HistoryError: a script cannot be imported.
    """
    atomic = connection.dialect.name in TRANSACTIONAL_DDL
    if listener is not None:
        listener.planned(steps)

    def read_again() -> tuple[str, ...] | None:
        # A new connection: the run's own may be lost, or in a state nobody knows.
        try:
            with connection.engine.connect() as fresh:
                rows = version_table.read(fresh)
                fresh.rollback()
            return rows
        except sa.exc.DBAPIError:
            return None

    if pipelined and supports_sqlite_pipeline(connection):
        with SqlitePipelineContext(connection, listener) as queued:
            worker = PipelinedTransactions(queued, version_table, before_last_step)
            _run_steps(
                history, steps, queued, worker, listener, atomic, read_again, loaded, engine_name
            )
        return
    if not supports_pipeline(connection):
        transactions = _ConnectionTransactions(connection, version_table, before_last_step)
        log = StatementLog(connection) if connection.dialect.name in IMPLICIT_COMMIT_DDL else None
        _run_steps(
            history,
            steps,
            OnlineContext(connection),
            transactions,
            listener,
            atomic,
            read_again,
            loaded,
            engine_name,
            log,
        )
        return
    with PipelineContext(connection) as context:
        batched = _BatchedTransactions(context, version_table)
        _run_steps(
            history, steps, context, batched, listener, atomic, read_again, loaded, engine_name
        )


def load_first_script(
    history: History, steps: Sequence[Step], engine_name: str | None = None
) -> dict[str, types.ModuleType]:
    """Load the first step's script, and find the function the step runs, before the run
    touches the database (creates the version table, or a SQLite file, or switches its
    journal mode), so that a first script that cannot be loaded or run leaves the database
    exactly as it was.

    Args:
        history: the loaded history.
        steps: the run's steps.
        engine_name: Alembic's multidb layout: the run's database (see
            :func:`migguard.runtime.modules.revision_function`).

    Returns:
        ``{revision: module}`` for :func:`run_online`'s ``loaded``; empty without steps.

    Raises:
        HistoryError: the script cannot be imported (exit 3, naming the file), or has no
            function for the step.
        UsageError: the function needs an ``engine_name`` and the run has none.
    """
    if not steps:
        return {}
    first = steps[0]
    module = load_revision_module(history.files[first.revision], first.revision, history.root)
    revision_function(module, first.revision, upgrade=first.upgrade, engine_name=engine_name)
    return {first.revision: module}


class _Transactions(Protocol):
    """How each step's transaction is opened, recorded and committed, or rolled back."""

    # Whether commit() returns before the database has answered (confirm() waits for it).
    sends_ahead: bool
    # Whether the listener hears of each finished step from the transactions themselves
    # (once it committed), not from the runner.
    reports_steps: bool

    def begin(self, last: bool) -> None:
        """Open the step's transaction; ``last``: the run's last step."""

    def commit(self, step: Step, more: bool) -> None:
        """Record the step in the version table and commit, or with ``sends_ahead`` send
        the commit (raises when that fails); ``more``: another step follows."""

    def confirm(self) -> None:
        """Wait for the commit that :meth:`commit` sent ahead (raises when it failed)."""

    def rollback(self) -> None:
        """Roll back the open transaction, if any (after the steps committed before it
        reached the database)."""

    def commit_unknown(self) -> bool:
        """After a failure while committing: whether the connection was lost with the
        commit's outcome unknown."""


def _run_steps(
    history: History,
    steps: Sequence[Step],
    context: ExecutionContext,
    transactions: _Transactions,
    listener: Listener | None,
    atomic: bool,
    read_again: Callable[[], tuple[str, ...] | None],
    loaded: Mapping[str, types.ModuleType] | None,
    engine_name: str | None,
    log: StatementLog | None = None,
) -> None:
    """Run each step in its own transaction (see :func:`run_online`); ``atomic``: the
    database rolls DDL back, which the failure message says; ``read_again``: the version
    table read on a new connection (None when that fails), for a commit whose outcome is
    unknown; ``log``: records each revision's statements (databases that commit DDL
    implicitly), for a failure's report.

    The steps' scripts are loaded before the first step (as Alembic loads every script
    first): one after the other they load about twice as fast as between steps, with the
    interpreter's caches warm. When commits are sent ahead, each script loads instead while
    the database runs the previous step's commit. A script that cannot be loaded is raised
    when its step comes, so the steps before it still run."""
    operations = Operations(context)
    scripts: dict[str, types.ModuleType | HistoryError] = dict(loaded or {})
    last = len(steps) - 1
    # Where the database stands between transactions: before the first step, or after the
    # last step that committed.
    at: Collection[str] = steps[0].heads_before if steps else ()
    try:
        if not transactions.sends_ahead:
            for step in steps:
                _load_script(history, step.revision, scripts)
        elif steps:
            _load_script(history, steps[0].revision, scripts)
        for number, step in enumerate(steps):
            module = scripts[step.revision]
            if isinstance(module, HistoryError):
                raise module
            function = revision_function(
                module, step.revision, upgrade=step.upgrade, engine_name=engine_name
            )
            if listener is not None:
                listener.step_started(step)
            started = time.perf_counter()
            following = steps[number + 1].revision if number < last else None
            _run_step(history, step, function, operations, transactions, following, scripts, log)
            at = step.heads_after
            if listener is not None and not transactions.reports_steps:
                listener.step_finished(step, time.perf_counter() - started)
    except _StepFailed as failed:
        raise failed.error(history, atomic, read_again) from failed.__cause__
    except HistoryError:
        # A script that cannot be loaded or run: the steps queued before it come first.
        _settle(transactions, steps, history, atomic, read_again)
        raise
    except KeyboardInterrupt as exc:
        # Outside any revision's transaction (loading a script, printing): nothing to undo,
        # once the steps queued before have reached the database.
        _settle(transactions, steps, history, atomic, read_again)
        message = f"outside any revision's transaction; the database is at {_rows(at)}"
        raise MigrationInterruptedError(None, message) from exc


def _settle(
    transactions: _Transactions,
    steps: Sequence[Step],
    history: History,
    atomic: bool,
    read_again: Callable[[], tuple[str, ...] | None],
) -> None:
    """Between steps, with a worker running them (``reports_steps``): wait until every
    step queued has committed.

    Raises:
        MigrationFailedError: one of them failed (the failure is its own).
    """
    if not transactions.reports_steps:
        return
    try:
        transactions.rollback()
    except StepFailedEarlier as earlier:
        # Between steps every queued statement's step has its commit queued too, so the
        # failure names its step (the first step is only a formal fallback).
        failed = _StepFailed.earlier(earlier, steps[0])
        raise failed.error(history, atomic, read_again) from earlier.error


def _run_step(
    history: History,
    step: Step,
    function: Callable[[], object],
    operations: Operations,
    transactions: _Transactions,
    following: str | None,
    scripts: dict[str, types.ModuleType | HistoryError],
    log: StatementLog | None = None,
) -> None:
    """Run one step in its transaction; ``following``: the next step's revision, whose
    script loads while a commit sent ahead runs; ``log``: records the step's statements.

    Raises:
        _StepFailed: the step raised or was interrupted; its transaction is rolled back.
    """
    committing = False
    try:
        transactions.begin(last=following is None)
        with bind(operations), log.recording() if log is not None else nullcontext():
            function()
        committing = True
        transactions.commit(step, more=following is not None)
        if following is not None:
            _load_script(history, following, scripts)
        transactions.confirm()
    except (Exception, KeyboardInterrupt) as exc:
        unknown = committing and (
            transactions.commit_unknown()
            or (isinstance(exc, sa.exc.DBAPIError) and exc.connection_invalidated)
        )
        detail = traceback.format_exc()
        partial = None
        if log is not None and not unknown and isinstance(exc, Exception):
            # Asked before the rollback, which ends the transaction whose state it reads.
            pending = log.pending()
            dialect = operations.get_context().dialect
            planned = planned_statements(function, dialect)
            partial = log.partial(exc, pending, planned, database_name(dialect))
        try:
            with suppress(sa.exc.DBAPIError):
                transactions.rollback()
        except StepFailedEarlier as earlier:
            # Queued statements of this step or an earlier one failed first.
            exc = earlier
        if isinstance(exc, StepFailedEarlier):
            raise _StepFailed.earlier(exc, step) from exc.error
        raise _StepFailed(step, exc, detail, committing, unknown, partial) from exc


class _StepFailed(Exception):
    """A step's failure on its way from :func:`_run_step` to the error the run raises."""

    def __init__(
        self,
        step: Step,
        exc: BaseException,
        detail: str,
        committing: bool,
        unknown: bool,
        partial: PartialRevision | None = None,
    ) -> None:
        self.step = step
        self.exc = exc
        self.detail = detail
        # What of the step ran, on a database that commits DDL implicitly.
        self.partial = partial
        # Whether the commit was under way; whether the connection was lost at it, which
        # leaves its outcome unknown.
        self.committing = committing
        self.unknown = unknown

    @classmethod
    def earlier(cls, failure: StepFailedEarlier, running: Step) -> _StepFailed:
        """A statement queued to a worker failed: the failure of its step, or of
        ``running`` (the step being run) when its commit was not queued yet."""
        step = failure.step if failure.step is not None else running
        return cls(step, failure.error, failure.detail, committing=False, unknown=False)

    def error(
        self,
        history: History,
        atomic: bool,
        read_again: Callable[[], tuple[str, ...] | None],
    ) -> MigrationFailedError | MigrationInterruptedError:
        """The error to raise: the step, what happened, and where the database stands."""
        step, exc = self.step, self.exc
        where = history.display_path(step.revision)
        if isinstance(exc, KeyboardInterrupt):
            summary = f"{step.describe(history.graph)} ({where})"
            if self.committing:
                found = found_after_reconnecting(step, read_again())
                message = f"{summary} while committing; {found}"
            else:
                message = f"{summary}: {rolled_back(step, atomic)}"
            return MigrationInterruptedError(step, message)
        script_error = not _from_database(exc)
        if script_error and (line := _script_line(exc, history.files[step.revision])):
            where = f"{where}:{line}"
        if self.unknown:
            outcome = (
                "the connection was lost before the commit was confirmed; "
                + found_after_reconnecting(step, read_again())
            )
        elif self.partial is not None:
            stamp_to = " ".join(sorted(step.heads_after)) or "base"
            command = "upgrade" if step.upgrade else "downgrade"
            outcome = describe(self.partial, command, stamp_to, _rows(step.heads_before))
        else:
            outcome = rolled_back(step, atomic)
        return MigrationFailedError(
            step,
            f"{step.describe(history.graph)} ({where})",
            _reason(exc),
            self.detail,
            outcome,
            script_error=script_error,
            partial=self.partial,
        )


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
    reports_steps = False

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

    def commit_unknown(self) -> bool:
        # The driver's commit met a lost connection (SQLAlchemy invalidated it).
        return bool(self.connection.invalidated)


class _BatchedTransactions:
    """Transactions framed by a :class:`PipelineContext`: a revision's DDL, version-table
    change and ``COMMIT`` are one query, which also opens the next revision's transaction.
    The query is sent ahead: the next script loads while the server runs it."""

    sends_ahead = True
    reports_steps = False

    def __init__(self, context: PipelineContext, version_table: VersionTable) -> None:
        from psycopg import ClientCursor
        from psycopg import Connection as PsycopgConnection

        self.context = context
        self.version_table = version_table
        # The values are quoted by psycopg itself, for this connection.
        # A pipeline runs on psycopg only (supports_pipeline), so this is psycopg's connection.
        driver = cast("PsycopgConnection[Any]", context.connection.connection.dbapi_connection)
        self._quoting = ClientCursor(driver)
        # The version table's statements are the same objects every step: compile each once.
        self._compiled: dict[UpdateBase, str] = {}

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

    def commit_unknown(self) -> bool:
        return self.context.commit_unknown

    def _sql(self, statement: UpdateBase, params: dict[str, str]) -> str:
        template = self._compiled.get(statement)
        if template is None:
            template = str(statement.compile(dialect=self.context.dialect))
            self._compiled[statement] = template
        return self._quoting.mogrify(template, params)


def _from_database(exc: BaseException) -> bool:
    """Whether ``exc`` is the database's error (SQLAlchemy's, a driver's, migguard's own
    database errors), not a bug in the revision's Python code. Every DB-API driver's
    database errors derive from a class named ``DatabaseError`` (PEP 249)."""
    if isinstance(exc, (sa.exc.DBAPIError, DatabaseError)):
        return True
    return any(cls.__name__ == "DatabaseError" for cls in type(exc).__mro__)


def _script_line(exc: BaseException, script: str | os.PathLike[str]) -> int | None:
    """The line of ``script`` the exception last passed through, if any."""
    path = os.path.abspath(os.fspath(script))
    lines = [
        frame.lineno
        for frame in traceback.extract_tb(exc.__traceback__)
        if os.path.abspath(frame.filename) == path
    ]
    return lines[-1] if lines else None


def _reason(exc: BaseException) -> str:
    """One line: the database's message and the statement, or the exception."""
    if isinstance(exc, sa.exc.StatementError):
        orig = exc.orig if exc.orig is not None else exc
        message = str(orig).strip().splitlines()[0] if str(orig).strip() else type(orig).__name__
        statement = " ".join(str(exc.statement or "").split())
        if len(statement) > 160:
            statement = statement[:157] + "..."
        # A commit (or another driver call) has no statement of its own to name.
        where = f" [while running: {statement}]" if statement else ""
        return f"{type(orig).__name__}: {message}{where}"
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__


def write_offline(
    dialect: Dialect,
    history: History,
    steps: Sequence[Step],
    version_table: VersionTable,
    write: Callable[[str], object],
    *,
    create_version_table: bool,
    engine_name: str | None = None,
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
        engine_name: Alembic's multidb layout: passed to each revision function.
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
        function = revision_function(
            module, step.revision, upgrade=step.upgrade, engine_name=engine_name
        )
        write(f"-- {step.describe(history.graph)}\n")

        def body(function: Callable[[], object] = function, step: Step = step) -> None:
            try:
                with bind(Operations(context)):
                    function()
            except Exception as exc:
                raise _offline_failure(history, step, exc) from exc
            version_table.change(context.execute, step.heads_before, step.heads_after)

        _offline_block(write, transactional, body)


def _offline_failure(history: History, step: Step, exc: Exception) -> MigrationFailedError:
    """A revision's ``upgrade()``/``downgrade()`` raised while its SQL was written: named
    like an online failure (revision, file and line), exit 3 unless a database's error."""
    where = history.display_path(step.revision)
    script_error = not _from_database(exc)
    if script_error and (line := _script_line(exc, history.files[step.revision])):
        where = f"{where}:{line}"
    return MigrationFailedError(
        step,
        f"{step.describe(history.graph)} ({where})",
        _reason(exc),
        traceback.format_exc(),
        "the SQL written stops before this revision's end",
        script_error=script_error,
    )


def _offline_block(
    write: Callable[[str], object], transactional: bool, body: Callable[[], object]
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
    write: Callable[[str], object],
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

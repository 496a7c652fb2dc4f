"""A PostgreSQL (psycopg 3) context that sends a revision's DDL in one round trip.

A migration is mostly DDL whose results nobody reads, and each statement sent on its own costs
a round trip: a system call, and a wait while the server is scheduled, on both sides. This
context holds the operations' DDL back and sends it as one simple-protocol query together with
the transaction's ``BEGIN`` and, at the end of the revision, its version-table change and
``COMMIT``, followed by the next revision's ``BEGIN`` when one follows. PostgreSQL runs the
statements of such a query in order and stops at the first error
(https://www.postgresql.org/docs/current/protocol-flow.html#PROTOCOL-FLOW-MULTI-STATEMENT);
the statements, their order and the transactions are the same as with
:class:`~migguard.ops.context.OnlineContext`.

Transactions are framed by this context, not by the driver: the connection is switched to
``AUTOCOMMIT`` for the run, and :meth:`PipelineContext.begin` / :meth:`commit` /
:meth:`rollback` send ``BEGIN``, ``COMMIT`` and ``ROLLBACK`` themselves. A script that commits
or rolls back through ``op.get_bind()`` gets a new transaction for the rest of its revision, as
with the driver's own transactions.

What is held back: the operations layer's own DDL (``execute_ddl`` and DDL elements such as
``CreateTable``), and ``op.execute`` of one statement without parameters that does not control
transactions (its result is never returned). Anything else executed on the connection
(``op.bulk_insert``, ``op.get_bind()``, reflection) sends the held-back statements first, so
it sees every earlier change and an earlier failure is raised before it runs: a failing
statement surfaces there or at the end of the revision instead of at its ``op.*`` call,
raised as SQLAlchemy raises a driver error and naming the statement that failed (each statement
of a query answers with one result, so the failed one is the one after the last that
succeeded). A statement of the script's that ends the transaction (``COMMIT``) is followed by
a new one, as the driver would do.

:meth:`PipelineContext.send_commit` sends a revision's last query without waiting for it, so
the caller can prepare the next revision (load its script) while the server works;
:meth:`PipelineContext.confirm` then waits for the outcome. The query is sent through the
driver's libpq connection (``pgconn.send_query`` and ``get_result``,
https://www.postgresql.org/docs/current/libpq-async.html); until it is confirmed, the context
uses the connection for nothing else.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from typing import Any, ClassVar

import sqlalchemy as sa
from sqlalchemy import Connection, CursorResult, event
from sqlalchemy.sql import Executable
from sqlalchemy.sql.ddl import ExecutableDDLElement

from migguard.ops.context import ExecutionContext, Params, as_executable

# Statements of one query are separated by a line of their own, so that a trailing ``--``
# comment in a statement cannot swallow the separator.
_SEPARATOR = "\n;\n"
# Statements never held back: those a script may run to end or change the transaction itself,
# and COPY (its data travels through the driver's own COPY support). Leading white space and
# comments (``-- ...`` lines, ``/* ... */``) are skipped.
_RUNS_NOW = re.compile(
    r"(?:\s+|--[^\n]*(?:\n|$)|/\*.*?\*/)*"
    r"(BEGIN|START|COMMIT|END|ROLLBACK|ABORT|SAVEPOINT|RELEASE|PREPARE|SET\s+TRANSACTION|COPY)\b",
    re.IGNORECASE | re.DOTALL,
)


def supports_pipeline(connection: Connection) -> bool:
    """Whether ``connection`` can use :class:`PipelineContext`: psycopg (3) on PostgreSQL
    (its queries without parameters use the simple protocol, which takes several
    statements)."""
    return connection.dialect.name == "postgresql" and connection.dialect.driver == "psycopg"


def held_back_sql(
    statement: Executable, dialect: sa.engine.Dialect, runs_now: re.Pattern[str]
) -> str | None:
    """The SQL of ``statement`` (an ``op.execute`` whose result nobody reads) when it may be
    held back like DDL: one statement without parameters or execution options that
    ``runs_now`` (the statements that end or change the transaction) does not match; else
    None."""
    # Every statement SQLAlchemy builds is a ClauseElement, the type that compiles.
    if not isinstance(statement, sa.ClauseElement) or statement.get_execution_options():
        return None
    compiled = statement.compile(dialect=dialect)
    sql = str(compiled)
    # A DDL element (``CreateSequence``, ``DDL("...")``) compiles without parameters: its
    # compiler has no ``binds`` at all.
    binds = getattr(compiled, "binds", None)
    if binds or ";" in sql or runs_now.match(sql):
        return None
    return sql


class HoldingBackContext(ExecutionContext):
    """An online context that holds DDL and unread ``op.execute`` statements back, to be run
    later in order (:class:`PipelineContext`, and SQLite's worker thread in
    :mod:`migguard.runtime.sqlite_pipeline`); anything else runs on the connection at once.

    Subclasses hold a statement back in ``execute_ddl`` (or run it at once while
    ``_deferring`` is false: inside ``autocommit_block``), and name in ``runs_now`` the
    statements that end or change the transaction, never held back.
    """

    offline = False

    connection: Connection
    runs_now: ClassVar[re.Pattern[str]]
    _deferring: bool

    def execute(
        self, statement: str | Executable, params: Params | None = None
    ) -> CursorResult[Any] | None:
        """A DDL element is compiled and held back (None is returned: DDL has no result);
        anything else runs now, after the held-back statements, and its result is
        returned."""
        if isinstance(statement, ExecutableDDLElement) and self._deferring:
            self.execute_ddl(str(statement.compile(dialect=self.dialect)))
            return None
        return self.connection.execute(as_executable(statement), params)

    def execute_unread(self, statement: Executable) -> None:
        """Hold ``statement`` (``op.execute``) back like DDL when it is one statement without
        parameters or execution options that does not control transactions; run it now
        otherwise (inside ``autocommit_block`` too)."""
        sql = held_back_sql(statement, self.dialect, self.runs_now) if self._deferring else None
        if sql is not None:
            self.execute_ddl(sql)
            return
        self.connection.execute(statement)


class PipelineContext(HoldingBackContext):
    """Operations on a psycopg connection, DDL sent per revision (see the module docstring).

    Use as a context manager around the run: entering switches the connection to
    ``AUTOCOMMIT`` (it must have no transaction open), leaving restores its isolation level.
    Between :meth:`begin` and :meth:`commit` or :meth:`rollback` a transaction is open.
    """

    runs_now = _RUNS_NOW

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self.dialect = connection.dialect
        self._driver: Any = connection.connection.dbapi_connection
        self._isolation_level: str | None = None
        self._pending: list[str] = []
        # A transaction is open, or its BEGIN is held back.
        self._open = False
        self._deferring = True
        # The statements of a query sent whose outcome is not read yet.
        self._in_flight: list[str] | None = None
        # The last query's COMMIT met a lost connection: whether it committed is unknown.
        self.commit_unknown = False
        self._doubled_percents = connection.dialect.paramstyle in ("format", "pyformat")

    def __enter__(self) -> PipelineContext:
        options = self.connection.get_execution_options()
        self._isolation_level = options.get("isolation_level") or (
            self.connection.default_isolation_level
        )
        self.connection.execution_options(isolation_level="AUTOCOMMIT")
        event.listen(self.connection, "before_cursor_execute", self._before_execute)
        event.listen(self.connection, "after_cursor_execute", self._after_execute)
        event.listen(self.connection, "commit", self._before_commit)
        event.listen(self.connection, "rollback", self._before_rollback)
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._pending = []
        with suppress(sa.exc.DBAPIError):
            self.confirm()
        if self.broken():
            # Lost: nothing to roll back or restore; SQLAlchemy must not use it again.
            self.connection.invalidate()
        event.remove(self.connection, "before_cursor_execute", self._before_execute)
        event.remove(self.connection, "after_cursor_execute", self._after_execute)
        event.remove(self.connection, "commit", self._before_commit)
        event.remove(self.connection, "rollback", self._before_rollback)
        if self.connection.invalidated:
            return
        if self.connection.in_transaction():
            self.connection.rollback()
        self.connection.execution_options(isolation_level=self._isolation_level)

    # -- transactions ------------------------------------------------------------------------

    def begin(self) -> None:
        """Open a transaction (``BEGIN`` is sent with the statements that follow), unless one
        is open already (see ``begin_next``)."""
        if not self._open:
            self._hold("BEGIN")
            self._open = True

    def commit(self, statements: Sequence[str] = (), *, begin_next: bool = False) -> None:
        """Send the held-back statements, ``statements`` (final SQL, e.g. the version-table
        change) and ``COMMIT`` in one query; with ``begin_next`` that query also opens the
        next transaction, so that it costs no round trip of its own.

        Raises:
            sqlalchemy.exc.DBAPIError: a statement of the transaction failed (the transaction
                is not committed; call :meth:`rollback`).
        """
        self.send_commit(statements, begin_next=begin_next)
        self.confirm()

    def send_commit(self, statements: Sequence[str] = (), *, begin_next: bool = False) -> None:
        """Send what :meth:`commit` sends, without waiting for the outcome: the server runs
        it while the caller goes on. Call :meth:`confirm` before anything else.

        Raises:
            sqlalchemy.exc.DBAPIError: the query could not be sent (a broken connection).
        """
        sent = [*self._pending, *statements, "COMMIT", *(["BEGIN"] if begin_next else [])]
        self._pending = []
        self._open = begin_next
        self._send(sent)

    def confirm(self) -> None:
        """Wait for the query :meth:`send_commit` sent, if any.

        Each statement of the query answers with one result, in order, until the first that
        fails (https://www.postgresql.org/docs/current/protocol-flow.html#PROTOCOL-FLOW-MULTI-STATEMENT),
        so the failing statement is the one after the last that succeeded. A failure after
        the ``COMMIT`` succeeded (the connection lost before the next ``BEGIN``) leaves the
        revision committed: it is not raised here, and the next use of the connection meets
        the loss.

        Raises:
            sqlalchemy.exc.DBAPIError: a statement of it failed, named (the transaction is not
                committed; or, when the connection was lost at the ``COMMIT``, its outcome is
                unknown and :attr:`commit_unknown` says so; call :meth:`rollback`).
        """
        import psycopg
        from psycopg.errors import error_from_result
        from psycopg.pq import ExecStatus

        if self._in_flight is None:
            return
        sent = self._in_flight
        self._in_flight = None
        error: psycopg.Error | None = None
        done = 0
        committed = False
        while (result := self._driver.pgconn.get_result()) is not None:
            if error is not None:
                continue
            if result.status == ExecStatus.FATAL_ERROR:
                error = error_from_result(result, encoding=self._driver.info.encoding)
                continue
            committed = committed or (done < len(sent) and sent[done] == "COMMIT")
            done += 1
        if error is None or committed:
            return
        failed = sent[done] if done < len(sent) else _SEPARATOR.join(sent)
        # A statement before the COMMIT that failed, even by losing the connection, leaves the
        # transaction uncommitted; at the COMMIT itself a lost connection says nothing.
        self.commit_unknown = failed == "COMMIT" and self.broken()
        raise sa.exc.DBAPIError.instance(
            failed, None, error, psycopg.Error, dialect=self.dialect
        ) from error

    def rollback(self) -> None:
        """Drop the held-back statements and roll back the open transaction, if any."""
        self._pending = []
        with suppress(sa.exc.DBAPIError):
            self.confirm()
        self._open = False
        if not self.broken() and not self._idle():
            self._run("ROLLBACK")

    # -- execution ---------------------------------------------------------------------------

    def execute_ddl(self, sql: str) -> None:
        """Hold ``sql`` (in the dialect's compiled form) back until the next query
        (inside ``autocommit_block``: run it now)."""
        if not self._deferring:
            self.connection.exec_driver_sql(sql)
            return
        # Compiled SQL has its percent signs doubled for the driver; sent without
        # parameters, nothing undoes that.
        self._hold(sql.replace("%%", "%").strip() if self._doubled_percents else sql.strip())

    def flush(self) -> None:
        """Send the held-back statements as one query. After a failure the transaction stays
        aborted, as after a statement that failed on its own.

        Raises:
            sqlalchemy.exc.DBAPIError: the statement that failed, as SQLAlchemy would have
                raised it.
        """
        self.confirm()
        if not self._pending:
            return
        sent, self._pending = self._pending, []
        self._send(sent)
        self.confirm()

    @contextmanager
    def autocommit_block(self) -> Iterator[None]:
        """Commit what the revision did so far, run the block outside any transaction
        (statements are not held back there), then open a new transaction."""
        self.commit()
        self._deferring = False
        try:
            yield
        finally:
            self._deferring = True
            self.begin()

    # -- internals ---------------------------------------------------------------------------

    def _hold(self, sql: str) -> None:
        # A transaction on the SQLAlchemy side too, so that a script's own commit() or
        # rollback() reaches this context (SQLAlchemy has nothing to do without one).
        if not self.connection.in_transaction():
            self.connection.begin()
        self._pending.append(sql)

    def _run(self, sql: str) -> None:
        """Send ``sql`` (final SQL, several statements allowed) to the driver itself: no
        result is read, so SQLAlchemy's statement and result bookkeeping is skipped. A driver
        error is raised as SQLAlchemy raises it."""
        import psycopg

        self.confirm()
        try:
            self._driver.execute(sql, prepare=False)
        except psycopg.Error as exc:
            raise sa.exc.DBAPIError.instance(
                sql, None, exc, psycopg.Error, dialect=self.dialect
            ) from exc

    def _send(self, sent: list[str]) -> None:
        """Send ``sent`` as one query without waiting for its results (:meth:`confirm` reads
        them).

        Raises:
            sqlalchemy.exc.DBAPIError: the query could not be sent (a broken connection).
        """
        import psycopg

        sql = _SEPARATOR.join(sent)
        self._in_flight = sent
        self.commit_unknown = False
        try:
            self._driver.pgconn.send_query(sql.encode(self._driver.info.encoding))
        except psycopg.Error as exc:
            self._in_flight = None
            raise sa.exc.DBAPIError.instance(
                sql, None, exc, psycopg.Error, dialect=self.dialect
            ) from exc

    def _before_execute(self, *_args: object) -> None:
        self.flush()

    def _after_execute(self, *_args: object) -> None:
        """A statement of the script's ended the transaction: open a new one for the rest of
        the revision."""
        if not self._open or not self._idle():
            return
        self._pending.append("BEGIN")

    def broken(self) -> bool:
        """Whether the connection is lost: as psycopg saw it, or as libpq saw it while a
        commit sent ahead was read (psycopg does not see those reads)."""
        from psycopg.pq import ConnStatus

        return bool(self._driver.broken or self._driver.pgconn.status != ConnStatus.OK)

    def _idle(self) -> bool:
        """Whether the server has no transaction open on this connection."""
        from psycopg.pq import TransactionStatus

        return bool(self._driver.pgconn.transaction_status == TransactionStatus.IDLE)

    def _before_commit(self, _connection: Connection) -> None:
        """A script committed through the connection: send what it did so far first; what
        follows runs in a new transaction, as it would after the driver's own commit."""
        self.flush()
        self._pending.append("BEGIN")
        self._open = True

    def _before_rollback(self, _connection: Connection) -> None:
        """A script rolled back through the connection: what was held back is dropped with
        the rest; what follows runs in a new transaction."""
        self._pending = ["BEGIN"]
        self._open = True

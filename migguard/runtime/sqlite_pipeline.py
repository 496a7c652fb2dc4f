"""A SQLite context whose statements run on a worker thread while the run's Python goes on.

A cold replay of a long history spends about half its time inside SQLite (each ``ALTER TABLE``
makes SQLite parse the whole schema again) and half in Python (revision scripts, SQLAlchemy
objects, compiling DDL). Python's ``sqlite3`` module releases the GIL while SQLite prepares and
steps a statement, so on a machine with two processors the halves can overlap: this context
queues a revision's DDL, its version-table change and its ``COMMIT`` for one worker thread,
and the run's thread goes on with the next revisions meanwhile. The statements, their order
and the transactions (one per revision) are those of
:class:`~migguard.ops.context.OnlineContext`.

When a revision's statements and its commit are all queued by the time the worker reaches
them, the worker runs them as one script (``executescript``): ``BEGIN IMMEDIATE``, the
statements, the version-table change with its values written in as literals, ``COMMIT``. When
the script fails, the revision is rolled back and run again one statement at a time, which
names the statement that fails. A statement ending in a comment is never put in a script.

Transactions are framed by the worker with SQL, as :mod:`migguard.runtime.engine` frames them:
``BEGIN IMMEDIATE`` before a revision's first statement, ``COMMIT`` after its version-table
change (https://www.sqlite.org/lang_transaction.html). SQLAlchemy's side of the connection is
switched to ``AUTOCOMMIT`` for the run, so that it opens no transaction of its own.

What is queued: the operations layer's own DDL (``execute_ddl`` and DDL elements such as
``CreateTable``) and ``op.execute`` of one statement without parameters that does not control
transactions. Anything else executed on the connection (``op.bulk_insert``, ``op.get_bind()``,
batch mode's reflection) first waits until the worker has run everything queued, so it sees
every earlier change; it then runs on the run's thread inside the revision's transaction.

When a statement fails, the worker rolls its revision back, drops everything queued after it,
and the failure is raised on the run's thread at its next wait or step boundary as
:class:`StepFailedEarlier`, naming the revision the statement belongs to, which the runner
reports as that revision's failure. The database is then at the last revision that committed.
A listener's ``step_finished`` is called on the worker thread once the step has committed and
before the next statement runs, so the database holds exactly the steps reported (the listener
may read the database file; it must not use the run's connection). A listener may also have a
``waiting()`` method (:class:`WaitingListener`): it is called on the run's thread once the last
step is queued, while the worker finishes, so the caller can do other work meanwhile.

It is used only for the guard's replay into a scratch SQLite file (see
:func:`migguard.runtime.migrate.migrate`'s ``pipelined``), never for a user's ``upgrade``: the
connection must be made with ``check_same_thread=False``, a revision's failure is raised where
the run's thread happens to be rather than at the ``op.*`` call that caused it, and a listener
is called from another thread. The scratch database, its listener and its error report are the
guard's own.
"""

from __future__ import annotations

import itertools
import re
import sqlite3
import sys
import threading
import time
import traceback
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

import sqlalchemy as sa
from sqlalchemy import Connection, event
from sqlalchemy.sql.dml import UpdateBase

from migguard.runtime.pipeline import HoldingBackContext

if TYPE_CHECKING:
    from migguard.runtime.plan import Step
    from migguard.runtime.runner import Listener
    from migguard.runtime.version_table import VersionTable

# How long the run's thread may keep the GIL while the worker waits for it (Python's default
# is 5 ms, https://docs.python.org/3/library/sys.html#sys.setswitchinterval). The worker takes
# the GIL back after each statement, and the run's thread, running pure Python, hardly ever
# gives it up on its own. With the default the worker waited about 5 ms per statement and the
# threads hardly overlapped (a 1,000-revision replay's CPU time equalled its wall time); at
# 0.1 ms the worker ran about 60% of the time the run's thread was busy, at 0.02 ms about 70%
# (shorter gained nothing more).
_SWITCH_INTERVAL = 0.00002

# Statements of a script are separated by a semicolon and a line break: SQLite keeps the text of
# a CREATE statement up to its last token, so a line break before the semicolon would become
# part of the schema's text (``sqlite_master.sql``).
_SEPARATOR = ";\n"

# A step of more statements than this runs one statement at a time: the worker looks this far
# ahead in the queue for the step's commit.
_MOST_IN_SCRIPT = 256

# Statements a script may run to end or change the transaction itself
# (https://www.sqlite.org/lang_transaction.html, https://www.sqlite.org/lang_savepoint.html):
# never queued. Leading white space and comments are skipped.
_RUNS_NOW = re.compile(
    r"(?:\s+|--[^\n]*(?:\n|$)|/\*.*?\*/)*(BEGIN|COMMIT|END|ROLLBACK|SAVEPOINT|RELEASE)\b",
    re.IGNORECASE | re.DOTALL,
)


def supports_sqlite_pipeline(connection: Connection) -> bool:
    """Whether ``connection`` can use :class:`SqlitePipelineContext`: SQLite through the
    standard library's driver (the connection must also have been made with
    ``check_same_thread=False``)."""
    driver = connection.connection.dbapi_connection
    return connection.dialect.name == "sqlite" and isinstance(driver, sqlite3.Connection)


class WaitingListener(Protocol):
    """The optional part of a listener of a pipelined run (see the module docstring)."""

    def waiting(self) -> None:
        """The last step is queued and the worker is finishing: the run's thread is free
        until it returns. It must not use the run's connection, and must not raise (an
        error would end the run as the last revision's failure)."""


class StepFailedEarlier(Exception):
    """A step's statement failed on the worker thread; the step was rolled back.

    Attributes:
        step: the step the failing statement belongs to; None when its commit was not queued
            yet: the step the run's thread is running.
        error: the failure, as SQLAlchemy raises a driver's error (naming the statement).
        detail: the worker's traceback.
    """

    def __init__(self, step: Step | None, error: BaseException, detail: str) -> None:
        self.step = step
        self.error = error
        self.detail = detail
        super().__init__(str(error))


@dataclass(frozen=True)
class _Statement:
    """Final SQL with its parameters, run inside the current step's transaction.

    Attributes:
        literal: the statement with its parameters written in as SQL literals, to be run as
            part of a script; None when it cannot be written so (the step then runs one
            statement at a time).
    """

    sql: str
    params: tuple[Any, ...] | dict[str, Any] = ()
    literal: str | None = None

    @classmethod
    def of_ddl(cls, sql: str) -> _Statement:
        """A statement without parameters; written into scripts as it is unless it ends in
        a comment (``--`` or an unclosed ``/*``), which would swallow the separator after
        it."""
        sql = sql.strip()
        return cls(sql, (), sql if sqlite3.complete_statement(f"{sql}{_SEPARATOR}") else None)


@dataclass(frozen=True)
class _Commit:
    """The end of ``step``: its version-table change, ``COMMIT``, then the listener."""

    step: Step
    changes: tuple[_Statement, ...]
    started: float


@dataclass(frozen=True)
class _Call:
    """A call made on the worker thread between two steps' transactions."""

    function: Callable[[], object]


_Item = _Statement | _Commit | _Call


class SqlitePipelineContext(HoldingBackContext):
    """Operations on a SQLite connection, run on a worker thread (see the module docstring).

    Use as a context manager around the run: entering switches SQLAlchemy's side of the
    connection to ``AUTOCOMMIT`` (no transaction may be open) and starts the worker; leaving
    rolls back what no step committed, stops the worker and restores the isolation level.
    While it is entered, the interpreter's switch interval is shortened (see
    ``_SWITCH_INTERVAL``): the process is the guard's own.
    """

    runs_now = _RUNS_NOW

    def __init__(self, connection: Connection, listener: Listener | None = None) -> None:
        self.connection = connection
        self.dialect = connection.dialect
        self.listener = listener
        self._driver: sqlite3.Connection = connection.connection.dbapi_connection  # type: ignore[assignment]
        self._isolation_level: str | None = None
        self._items: deque[_Item] = deque()
        self._changed = threading.Condition()
        # Items queued and items the worker is done with (run, or dropped after a failure).
        self._queued = 0
        self._done = 0
        self._stopping = False
        self._failure: StepFailedEarlier | None = None
        self._deferring = True
        self._switch_interval = sys.getswitchinterval()
        self._worker = threading.Thread(target=self._work, name="migguard-sqlite", daemon=True)

    def __enter__(self) -> SqlitePipelineContext:
        options = self.connection.get_execution_options()
        self._isolation_level = options.get("isolation_level") or (
            self.connection.default_isolation_level
        )
        self.connection.execution_options(isolation_level="AUTOCOMMIT")
        event.listen(self.connection, "before_cursor_execute", self._before_execute)
        event.listen(self.connection, "commit", self._before_end)
        event.listen(self.connection, "rollback", self._before_end)
        sys.setswitchinterval(_SWITCH_INTERVAL)
        self._worker.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        try:
            self.rollback()
        except (StepFailedEarlier, sa.exc.DBAPIError):
            pass  # the run is raising already; a failed step was rolled back by the worker
        finally:
            with self._changed:
                self._stopping = True
                self._changed.notify_all()
            self._worker.join()
            sys.setswitchinterval(self._switch_interval)
            event.remove(self.connection, "before_cursor_execute", self._before_execute)
            event.remove(self.connection, "commit", self._before_end)
            event.remove(self.connection, "rollback", self._before_end)
            if self.connection.in_transaction():
                self.connection.rollback()
            self.connection.execution_options(isolation_level=self._isolation_level)

    # -- steps -------------------------------------------------------------------------------

    def queue_commit(self, step: Step, changes: Sequence[_Statement], started: float) -> None:
        """Queue the end of ``step``: ``changes`` (the version-table change), ``COMMIT``,
        then the listener's ``step_finished`` with the seconds since ``started``
        (``time.perf_counter()``)."""
        self._put(_Commit(step, tuple(changes), started))

    def queue_call(self, function: Callable[[], object]) -> None:
        """Queue ``function``, called on the worker thread after the statements queued
        before it, between two steps' transactions."""
        self._put(_Call(function))

    def raise_failure(self) -> None:
        """Raise the worker's failure, if any, without waiting.

        Raises:
            StepFailedEarlier: a queued statement (or the listener) failed.
        """
        with self._changed:
            failure = self._failure
        if failure is not None:
            raise failure

    def drain(self) -> None:
        """Wait until the worker has run everything queued.

        Raises:
            StepFailedEarlier: a queued statement (or the listener) failed.
        """
        with self._changed:
            self._changed.wait_for(lambda: self._done == self._queued)
        self.raise_failure()

    def rollback(self) -> None:
        """Drop the statements queued after the last step's commit (the step the run's
        thread is in), wait for the worker to commit the steps queued before it, then roll
        back the open transaction, if any.

        Raises:
            StepFailedEarlier: a queued statement (or the listener) failed; the worker
                rolled that step back.
        """
        with self._changed:
            while self._items and not isinstance(self._items[-1], _Commit):
                self._items.pop()
                self._done += 1
        self.drain()
        if self._driver.in_transaction:
            self._run("ROLLBACK")

    # -- execution ---------------------------------------------------------------------------

    def execute_ddl(self, sql: str) -> None:
        """Queue ``sql`` (in the dialect's compiled form) for the worker (inside
        ``autocommit_block``: run it now)."""
        if not self._deferring:
            self.connection.exec_driver_sql(sql)
            return
        self._put(_Statement.of_ddl(sql))

    @contextmanager
    def autocommit_block(self) -> Iterator[None]:
        """Commit what the revision did so far (once the worker has run it), then run the
        block outside any transaction, on the run's thread; statements after the block open
        a new transaction."""
        self.drain()
        if self._driver.in_transaction:
            self._run("COMMIT")
        self._deferring = False
        try:
            yield
        finally:
            self._deferring = True

    # -- internals ---------------------------------------------------------------------------

    def _put(self, item: _Item) -> None:
        with self._changed:
            self._items.append(item)
            self._queued += 1
            self._changed.notify_all()

    def _run(self, sql: str) -> None:
        """Run ``sql`` on the run's thread (the worker idle); a driver error is raised as
        SQLAlchemy raises it."""
        try:
            self._driver.execute(sql)
        except sqlite3.Error as exc:
            raise sa.exc.DBAPIError.instance(
                sql, None, exc, sqlite3.Error, dialect=self.dialect
            ) from exc

    def _before_execute(self, *_args: object) -> None:
        """A statement runs on the run's thread: after everything queued, inside the step's
        transaction (outside ``autocommit_block``)."""
        self.drain()
        if self._deferring and not self._driver.in_transaction:
            self._run("BEGIN IMMEDIATE")

    def _before_end(self, _connection: Connection) -> None:
        """A script commits or rolls back through the connection: what it queued before
        runs first; what follows runs in a new transaction (the worker opens it)."""
        self.drain()

    def _work(self) -> None:
        """The worker: run the queued items in order until stopped; after a failure, drop
        them."""
        cursor = self._driver.cursor()
        while True:
            with self._changed:
                self._changed.wait_for(lambda: bool(self._items) or self._stopping)
                if not self._items:
                    return
                items = self._take()
                failed = self._failure is not None
            try:
                if not failed:
                    self._run_taken(cursor, items)
            finally:
                with self._changed:
                    self._done += len(items)
                    self._changed.notify_all()

    def _take(self) -> list[_Item]:
        """Under the lock: the next queued item or, between two steps' transactions, a whole
        step (its statements, then its commit) when it is queued entire and every statement
        can be written into a script."""
        if not self._driver.in_transaction:
            for index, item in enumerate(itertools.islice(self._items, _MOST_IN_SCRIPT)):
                if isinstance(item, _Commit):
                    if all(change.literal is not None for change in item.changes):
                        return [self._items.popleft() for _ in range(index + 1)]
                    break
                if not isinstance(item, _Statement) or item.literal is None:
                    break
        return [self._items.popleft()]

    def _run_taken(self, cursor: sqlite3.Cursor, items: list[_Item]) -> None:
        """Run the items taken: a whole step as one script (when the script fails, the step
        runs again one statement at a time, which names the statement that fails), else one
        item at a time. A failure is recorded by :meth:`_failed`."""
        try:
            as_script = len(items) > 1 and self._run_script(items)
        except sqlite3.Error as exc:  # rolling the failed script back failed
            self._failed(items[0], exc, items)
            return
        for item in items:
            try:
                if not as_script:
                    self._run_item(cursor, item)
                elif isinstance(item, _Commit):
                    self._step_finished(item)
            except Exception as exc:  # any failure is the run's, raised on its thread
                self._failed(item, exc, items)
                return

    def _run_script(self, items: list[_Item]) -> bool:
        """Run a step's statements, its version-table change and ``COMMIT`` as one script.
        SQLite prepares and runs each statement in turn while the GIL is released, and the
        worker takes the GIL back once per statement instead of two or three times (once
        after preparing, once after stepping), so it waits less for the run's thread.

        Returns:
            True when the step committed; False when a statement failed (the step was rolled
            back) or cannot be written into a script (nothing ran).
        """
        statements = [item for item in items if isinstance(item, _Statement)]
        statements += [c for item in items if isinstance(item, _Commit) for c in item.changes]
        literals = [statement.literal for statement in statements]
        if None in literals:
            return False
        script = ["BEGIN IMMEDIATE", *(literal for literal in literals if literal), "COMMIT"]
        try:
            self._driver.executescript(_SEPARATOR.join(script))
        except sqlite3.Error:
            if self._driver.in_transaction:
                self._driver.execute("ROLLBACK")
            return False
        return True

    def _run_item(self, cursor: sqlite3.Cursor, item: _Item) -> None:
        if isinstance(item, _Call):
            item.function()
            return
        if isinstance(item, _Statement):
            self._execute(cursor, item)
            return
        for change in item.changes:
            self._execute(cursor, change)
        if self._driver.in_transaction:
            self._execute(cursor, _Statement("COMMIT"))
        self._step_finished(item)

    def _step_finished(self, commit: _Commit) -> None:
        if self.listener is not None:
            self.listener.step_finished(commit.step, time.perf_counter() - commit.started)

    def _execute(self, cursor: sqlite3.Cursor, statement: _Statement) -> None:
        """Run ``statement`` in the step's transaction (opened first when none is open: at
        the step's first statement, or after the script committed)."""
        try:
            if statement.sql != "COMMIT" and not self._driver.in_transaction:
                cursor.execute("BEGIN IMMEDIATE")
            cursor.execute(statement.sql, statement.params)
        except sqlite3.Error as exc:
            raise sa.exc.DBAPIError.instance(
                statement.sql, statement.params, exc, sqlite3.Error, dialect=self.dialect
            ) from exc

    def _failed(self, item: _Item, exc: Exception, taken: list[_Item]) -> None:
        """Roll back the step of ``item`` (one of the items ``taken`` together) and record
        its failure: the step whose commit follows the item, among those taken or in the
        queue; None when that commit is not queued yet (the run's thread is still in the
        step, and checks for a failure before it leaves it)."""
        detail = "".join(traceback.format_exception(exc))
        if self._driver.in_transaction:
            try:
                self._driver.execute("ROLLBACK")
            except sqlite3.Error as lost:
                exc.add_note(f"rolling back failed too: {lost}")
        # Under the lock that queue_commit takes: the commit is either seen here or queued
        # after the failure is recorded.
        with self._changed:
            after = [*taken[taken.index(item) :], *self._items]
            step = next((i.step for i in after if isinstance(i, _Commit)), None)
            self._failure = StepFailedEarlier(step, exc, detail)


class PipelinedTransactions:
    """The runner's transactions on a :class:`SqlitePipelineContext`: each step's
    version-table change and ``COMMIT`` are queued after its statements; the listener hears of
    the step from the worker once it committed (``reports_steps``). The run's thread waits for
    the worker only at the last step, and raises a failure of the worker at the next step
    boundary."""

    sends_ahead = False
    reports_steps = True

    def __init__(
        self,
        context: SqlitePipelineContext,
        version_table: VersionTable,
        before_last_step: Callable[[], None] | None,
    ) -> None:
        self.context = context
        self.version_table = version_table
        self.before_last_step = before_last_step
        self._started = 0.0
        self._last = False
        # The version table's statements are the same objects every step: compile each once,
        # with named parameters, which the driver takes as a mapping.
        self._named = type(context.dialect)(paramstyle="named")  # type: ignore[call-arg]
        self._compiled: dict[UpdateBase, tuple[str, re.Pattern[str] | None]] = {}
        self._quote = sa.String().literal_processor(context.dialect)

    def begin(self, last: bool) -> None:
        """Note the step's start (the worker opens its transaction at its first statement);
        before the last step, queue ``before_last_step``.

        Raises:
            StepFailedEarlier: an earlier step failed on the worker.
        """
        self.context.raise_failure()
        if last and self.before_last_step is not None:
            self.context.queue_call(self.before_last_step)
        if not self.context.connection.in_transaction():
            # So that a script's own commit() or rollback() reaches the context's events.
            self.context.connection.begin()
        self._started = time.perf_counter()
        self._last = last

    def commit(self, step: Step, more: bool) -> None:
        """Queue the step's version-table change and ``COMMIT``."""
        changes = [
            self._statement(statement, params)
            for statement, params in self.version_table.statements(
                step.heads_before, step.heads_after
            )
        ]
        self.context.queue_commit(step, changes, self._started)

    def confirm(self) -> None:
        """After the last step: wait for the worker to commit everything; otherwise raise
        a failure the worker has met already, without waiting.

        Raises:
            StepFailedEarlier: a step failed on the worker.
        """
        if self._last:
            waiting = getattr(self.context.listener, "waiting", None)
            if waiting is not None:
                waiting()
            self.context.drain()
        else:
            self.context.raise_failure()

    def rollback(self) -> None:
        """See :meth:`SqlitePipelineContext.rollback`."""
        self.context.rollback()

    def commit_unknown(self) -> bool:
        """A file on the same machine is never lost mid-commit: always False."""
        return False

    def _statement(self, statement: UpdateBase, params: dict[str, str]) -> _Statement:
        """``statement`` with ``params``, and written with them as literals (by SQLAlchemy's
        string literal processor for the dialect) when each parameter's place in the SQL is
        certain."""
        compiled = self._compiled.get(statement)
        if compiled is None:
            compiled = self._compile(statement)
            self._compiled[statement] = compiled
        sql, places = compiled
        literal = None
        if places is not None and self._quote is not None:
            quote = self._quote
            literal = places.sub(lambda match: str(quote(params[match[1]])), sql)
        return _Statement(sql, params, literal)

    def _compile(self, statement: UpdateBase) -> tuple[str, re.Pattern[str] | None]:
        """The SQL of ``statement`` with named parameters (``:name``), and the pattern that
        finds the parameters in it; None when a name is found elsewhere too (in a quoted
        table name)."""
        compiled = statement.compile(dialect=self._named)
        sql = str(compiled)
        names = sorted(set(compiled.bind_names.values()), key=len, reverse=True)
        places = re.compile(":(" + "|".join(re.escape(name) for name in names) + r")\b")
        if len(places.findall(sql)) != len(compiled.bind_names):
            return sql, None
        return sql, places

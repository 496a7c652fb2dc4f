"""Recording what a revision's ``upgrade()`` does, without a database.

The script runs against an offline context for the lint's dialect (as ``upgrade --sql`` does),
and every operation is kept with the script line that called it, whether it ran inside an
``autocommit_block()``, and the SQL it rendered. Scripts that read from the database
(``op.get_bind().execute(...).fetchall()``) cannot run offline: the recording then keeps the
operations before that point and says where it stopped.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import Any, NamedTuple

from sqlalchemy.engine import Dialect

from migguard.errors import HistoryError
from migguard.ops.base import Operation, TableOperation
from migguard.ops.binding import bind
from migguard.ops.context import OfflineContext
from migguard.ops.operations import Operations
from migguard.ops.sqlite.batch import BatchAlterTable
from migguard.runtime.modules import load_revision_module, revision_function

__all__ = ["DIALECTS", "Recording", "Step", "dialect_for", "record_upgrade"]

# The dialects the lint knows, by the name used in configuration and URLs.
DIALECTS = ("postgresql", "sqlite", "mysql")


class Step(NamedTuple):
    """One operation a revision's ``upgrade()`` called.

    Attributes:
        operation: the ``Operation`` (an operation of a ``batch_alter_table`` block is its own
            step; the block itself is not one).
        line: the 1-based line of the script that called it, or ``None`` when the call came
            from elsewhere (a helper module).
        autocommit: it ran inside ``op.get_context().autocommit_block()``, outside any
            transaction.
        sql: the statements it rendered for the dialect (for an operation of a batch block,
            the whole block's; empty when it could not render offline).
    """

    operation: Operation
    line: int | None
    autocommit: bool
    sql: tuple[str, ...]


class Recording(NamedTuple):
    """What one revision's ``upgrade()`` recorded.

    Attributes:
        steps: the operations, in the order they were called.
        stopped: why the recording stopped before ``upgrade()`` returned (one line), or
            ``None`` when it ran to the end.
        stopped_line: the script line where it stopped, when known.
    """

    steps: tuple[Step, ...]
    stopped: str | None = None
    stopped_line: int | None = None


def dialect_for(name: str) -> Dialect:
    """The SQLAlchemy dialect the lint renders SQL for.

    Args:
        name: ``postgresql``, ``sqlite`` or ``mysql`` (one of :data:`DIALECTS`).

    Raises:
        ValueError: another name.
    """
    if name == "postgresql":
        from sqlalchemy.dialects import postgresql

        return postgresql.dialect()
    if name == "sqlite":
        from sqlalchemy.dialects import sqlite

        return sqlite.dialect()
    if name == "mysql":
        from sqlalchemy.dialects import mysql

        return mysql.dialect()
    raise ValueError(f"unknown lint dialect {name!r} (known: {', '.join(DIALECTS)})")


def record_upgrade(script: Path, revision: str, root: Path, dialect: Dialect) -> Recording:
    """Run ``upgrade()`` of the script against a recording ``op``.

    Args:
        script: the revision script.
        revision: its id.
        root: the project folder (on ``sys.path`` while the script loads, as for a run).
        dialect: the dialect SQL is rendered for (see :func:`dialect_for`).

    Returns:
        The recorded steps; ``stopped`` says why the run ended early (the script cannot be
        loaded, has no ``upgrade()``, or raised, e.g. because it reads rows offline).
    """
    recorder = _Recorder(script, dialect)
    try:
        module = load_revision_module(script, revision, root)
        upgrade = revision_function(module, revision, upgrade=True)
    except HistoryError as exc:
        return Recording((), str(exc))
    except SystemExit as exc:  # a script's sys.exit() never ends the check
        return Recording((), f"importing revision {revision} called sys.exit({exc.code!r})")
    with bind(recorder.operations()):
        try:
            upgrade()
        except (Exception, SystemExit) as exc:
            reason = f"{type(exc).__name__}: {exc}".splitlines()[0]
            return Recording(tuple(recorder.steps), reason, _script_line(exc, script))
    return Recording(tuple(recorder.steps))


class _Recorder:
    """The recording ``op``'s state: the steps so far, and the open step's SQL."""

    def __init__(self, script: Path, dialect: Dialect) -> None:
        self.script = str(script)
        self.steps: list[Step] = []
        self.autocommit = False
        self.lines: dict[int, int | None] = {}
        self.sql: list[str] = []
        self.context = _RecordingContext(self, dialect)

    def operations(self) -> Operations:
        return _RecordingOperations(self)

    def collect(self, operation: TableOperation) -> None:
        self.lines[id(operation)] = self.caller_line()

    def write(self, text: str) -> None:
        statement = text.strip().removesuffix(";").strip()
        if statement and statement not in ("COMMIT", "BEGIN"):
            self.sql.append(statement)

    def caller_line(self) -> int | None:
        """The line of the innermost frame running the script."""
        frame: FrameType | None = sys._getframe(1)
        while frame is not None:
            if frame.f_code.co_filename == self.script:
                return frame.f_lineno
            frame = frame.f_back
        return None


class _RecordingOperations(Operations):
    """``Operations`` that keep each operation as a ``Step``, and go on past an operation
    that cannot render offline (the rules judge the operation, not its SQL)."""

    def __init__(self, recorder: _Recorder) -> None:
        super().__init__(recorder.context, collector=recorder.collect)
        self._recorder = recorder

    def invoke(self, operation: Operation) -> Any:
        if not isinstance(operation, Operation):
            # A plugin's operation (alembic-utils, alembic-postgresql-enum): no rule judges
            # it, and it may need a database to render; the recording goes on without it.
            try:
                return super().invoke(operation)
            except Exception:
                return None
        recorder = self._recorder
        line = recorder.caller_line()
        recorder.sql = []
        try:
            result = super().invoke(operation)
        except Exception:
            result = None
        sql = tuple(recorder.sql)
        inner = operation.operations if isinstance(operation, BatchAlterTable) else ()
        for step in inner or (operation,):
            line_of = recorder.lines.get(id(step), line) if inner else line
            recorder.steps.append(Step(step, line_of, recorder.autocommit, sql))
        return result


class _RecordingContext(OfflineContext):
    """The offline context whose ``autocommit_block()`` the recorder follows."""

    def __init__(self, recorder: _Recorder, dialect: Dialect) -> None:
        super().__init__(dialect, recorder.write)
        self._recorder = recorder

    @contextmanager
    def autocommit_block(self) -> Iterator[None]:
        recorder = self._recorder
        outer = recorder.autocommit
        recorder.autocommit = True
        try:
            yield
        finally:
            recorder.autocommit = outer


def _script_line(exc: BaseException, script: Path) -> int | None:
    """The last line of ``script`` in the traceback of ``exc``."""
    line = None
    trace = exc.__traceback__
    while trace is not None:
        if trace.tb_frame.f_code.co_filename == str(script):
            line = trace.tb_lineno
        trace = trace.tb_next
    return line

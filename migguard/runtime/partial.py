"""A revision that failed half-way on a database without transactional DDL, told as it is.

MySQL and MariaDB end the open transaction with an implicit ``COMMIT`` before (and after) each
DDL statement: ``CREATE``/``ALTER``/``DROP``/``RENAME``/``TRUNCATE TABLE``, index, view,
procedure and user statements among others ("Statements That Cause an Implicit Commit",
https://dev.mysql.com/doc/refman/8.0/en/implicit-commit.html;
https://mariadb.com/kb/en/sql-statements-that-cause-an-implicit-commit/). ``CREATE TEMPORARY
TABLE`` and ``DROP TEMPORARY TABLE`` are the exceptions. So a revision that fails after some of
its DDL ran cannot be rolled back: its first statements stay applied while the version table
still names the revision before it.

While a revision runs on such a database, :class:`StatementLog` records each statement it
completes and the one that failed. The report (:func:`describe`) lists them by number: the
statements that ran (and, for the data changes since the last implicit commit, whether the
database kept or rolled them back, asked from MariaDB's ``@@in_transaction``), the failing one,
and the statements that did not run, found by rendering the revision as offline SQL for the
same dialect, as ``--sql`` does, when its first statements match those that ran. Then the two
ways out: complete the revision by hand and stamp it, or undo what ran by hand and run the
fixed revision again.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Dialect

from migguard.ops.binding import bind
from migguard.ops.context import OfflineContext
from migguard.ops.operations import Operations

IMPLICIT_COMMIT_SOURCES = (
    "https://mariadb.com/kb/en/sql-statements-that-cause-an-implicit-commit/",
    "https://dev.mysql.com/doc/refman/8.0/en/implicit-commit.html",
)

# The first words of the statements both manuals list as committing implicitly (DDL, account
# management, table maintenance, locking and transaction control), TEMPORARY tables excepted.
_COMMITTING = re.compile(
    r"(ALTER|CREATE|DROP|RENAME|TRUNCATE|GRANT|REVOKE|LOCK|UNLOCK|ANALYZE|CHECK|OPTIMIZE|REPAIR"
    r"|CACHE|LOAD\s+INDEX|FLUSH|RESET|INSTALL|UNINSTALL|BEGIN|START|COMMIT|SET\s+PASSWORD)\b",
    re.IGNORECASE,
)
_TEMPORARY = re.compile(r"(CREATE|DROP)\s+TEMPORARY\b", re.IGNORECASE)
_COMMENTS = re.compile(r"\A(\s+|--[^\n]*\n|/\*.*?\*/)+", re.DOTALL)


def commits_implicitly(sql: str) -> bool:
    """Whether MySQL/MariaDB commit the open transaction when running ``sql`` (see the module
    docstring for the rule and its sources); decided by the statement's first words."""
    text = _COMMENTS.sub("", sql)
    return bool(_COMMITTING.match(text)) and not _TEMPORARY.match(text)


# A quoted string or identifier (MySQL doubles or backslash-escapes the quote inside), or a run
# of whitespace outside them.
_QUOTED_OR_SPACE = re.compile(r"""('(?:[^'\\]|\\.|'')*'|"(?:[^"\\]|\\.|"")*"|`(?:[^`]|``)*`)|\s+""")


def one_line(sql: str) -> str:
    """``sql`` on one line: each run of whitespace outside quotes (newlines, indents) becomes
    one space; quoted strings and identifiers are kept as they are, so the statement can be
    run again by hand."""
    return _QUOTED_OR_SPACE.sub(lambda m: m.group(1) or " ", sql).strip()


@dataclass(frozen=True)
class Ran:
    """One statement the revision completed.

    Attributes:
        sql: the statement, on one line.
        kept: True when it is applied (it committed implicitly, or a later statement's implicit
            commit took it along), False when the rollback undid it, None when unknown (MySQL
            does not say whether its session still had a transaction open).
    """

    sql: str
    kept: bool | None


@dataclass(frozen=True)
class PartialRevision:
    """What of a failed revision ran, on a database without transactional DDL.

    Attributes:
        ran: the statements the revision completed, in order.
        failed: the statement the database refused, or None when the revision's own code
            raised (or the failure came after its last statement).
        not_run: the statements after the failing one, or None when they cannot be listed
            (the revision does more than fixed SQL: it reads the database, or renders
            differently offline).
        database: ``MariaDB`` or ``MySQL``, as messages name it.
    """

    ran: tuple[Ran, ...]
    failed: str | None
    not_run: tuple[str, ...] | None
    database: str


class StatementLog:
    """Records the statements a revision runs on ``connection`` (see :meth:`recording`)."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self.ran: list[str] = []

    @contextmanager
    def recording(self) -> Iterator[None]:
        """Record, for the block, each statement completed on the connection; starts from an
        empty log."""
        self.ran = []

        def completed(*args: Any) -> None:
            # after_cursor_execute(conn, cursor, statement, parameters, context, executemany)
            statement, parameters = one_line(str(args[2])), args[3]
            # The values sent apart from the statement are part of what ran.
            self.ran.append(
                f"{statement}  [parameters: {parameters!r}]" if parameters else statement
            )

        sa.event.listen(self.connection, "after_cursor_execute", completed)
        try:
            yield
        finally:
            sa.event.remove(self.connection, "after_cursor_execute", completed)

    def pending(self) -> bool | None:
        """Call after a failure, before the rollback: whether the session still has a
        transaction open (data changes the rollback will undo), from MariaDB's
        ``@@in_transaction``; None when the database cannot say (MySQL) or the connection is
        gone."""
        try:
            value = self.connection.exec_driver_sql("SELECT @@in_transaction").scalar()
        except sa.exc.DBAPIError:
            return None
        return bool(value)

    def partial(
        self,
        error: BaseException,
        pending: bool | None,
        planned: list[str] | None,
        database: str,
    ) -> PartialRevision:
        """The report's facts: ``error``, what the revision raised (the database's error names
        the failing statement); ``pending`` from :meth:`pending`; ``planned``, the revision's
        statements rendered offline (see :func:`planned_statements`), or None."""
        statement = getattr(error, "statement", None)
        failed = one_line(str(statement)) if isinstance(error, sa.exc.StatementError) else None
        failed = failed if statement else None
        last_commit = max(
            (number for number, sql in enumerate(self.ran) if commits_implicitly(sql)),
            default=-1,
        )
        ran = []
        for number, sql in enumerate(self.ran):
            if number <= last_commit:
                kept: bool | None = True
            else:
                # Data changes since the last implicit commit: the rollback undoes them unless
                # the failing statement committed them first (MySQL commits before a DDL
                # statement runs, but not when it refuses it at parsing): the session says.
                kept = None if pending is None else not pending
            ran.append(Ran(sql, kept))
        return PartialRevision(tuple(ran), failed, _not_run(self.ran, failed, planned), database)


def _not_run(
    ran: list[str], failed: str | None, planned: list[str] | None
) -> tuple[str, ...] | None:
    """The planned statements after those that ran and the failing one, when the plan's first
    statements are exactly those; None otherwise."""
    if planned is None:
        return None
    done = [*ran, failed] if failed is not None else ran
    if len(planned) < len(done) or [_key(s) for s in planned[: len(done)]] != [
        _key(s) for s in done
    ]:
        return None
    return tuple(planned[len(done) :])


def _key(sql: str) -> str:
    """A statement compared across online and offline forms (the driver's ``%%`` escapes)."""
    return one_line(sql).replace("%%", "%").rstrip(";")


def planned_statements(function: Callable[[], object], dialect: Dialect) -> list[str] | None:
    """Every statement of a revision's ``upgrade()``/``downgrade()`` as ``--sql`` renders it
    for ``dialect``, each on one line; None when it cannot be rendered offline (it reads the
    database, or raises)."""
    pieces: list[str] = []
    context = OfflineContext(dialect, pieces.append)
    try:
        with bind(Operations(context)):
            function()
    except Exception:
        return None
    statements = []
    for piece in pieces:
        text = piece.strip()
        if text.endswith(";"):
            text = text[:-1]
        if text:
            statements.append(one_line(text))
    return statements


def describe(partial: PartialRevision, command: str, stamp_to: str, at: str) -> str:
    """Where the database stands after the failure: what ran, what failed, what did not run,
    and how to recover.

    Args:
        partial: the facts.
        command: ``upgrade`` or ``downgrade``, the command to run again.
        stamp_to: the argument of ``migguard stamp`` once the revision is completed by hand.
        at: where the version table stays (revision ids, or ``base``).

    Returns:
        One clause, then indented lines (no trailing newline).
    """
    lines = [
        f"{partial.database} commits each DDL statement as it runs (no transactional DDL), so "
        f"this revision is partly applied; the version table still says {at}",
    ]
    number = 0
    if partial.ran:
        lines.append("  ran:")
        for statement in partial.ran:
            number += 1
            lines.append(f"    {number}. {statement.sql}{_kept(statement.kept)}")
    else:
        lines.append("  ran: no statement")
    if partial.failed is not None:
        number += 1
        lines.append("  failed:")
        lines.append(f"    {number}. {partial.failed}")
    if partial.not_run is None:
        lines.append(
            "  did not run: the rest of the revision (it cannot be listed without running it)"
        )
    elif partial.not_run:
        lines.append("  did not run:")
        for sql in partial.not_run:
            number += 1
            lines.append(f"    {number}. {sql}")
    else:
        lines.append("  did not run: no statement")
    lines.append("  to recover, either:")
    lines.append(
        "    - complete it: fix the cause, run the failed statement and those that did not run "
        f"by hand, then `migguard stamp {stamp_to}`; or"
    )
    lines.append(
        "    - undo it: reverse by hand the statements that ran, fix the revision, then run "
        f"`migguard {command}` again"
    )
    lines.append(f"  (implicit commits: {IMPLICIT_COMMIT_SOURCES[0]})")
    return "\n".join(lines)


def _kept(kept: bool | None) -> str:
    if kept is None:
        return "  (rolled back unless the failed statement committed it)"
    return "" if kept else "  (rolled back)"


def database_name(dialect: Dialect) -> str:
    """``MariaDB`` or ``MySQL`` for the dialect, as the report names the database."""
    return "MariaDB" if getattr(dialect, "is_mariadb", False) else "MySQL"

"""Helpers for the lint rules' tests: revision scripts written as Alembic users write them,
linted by migguard; a small released schema with rows; and PostgreSQL connections that show
which lock a statement takes and whether another session's query waits for it."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import psycopg
import sqlalchemy as sa

from migguard.lint.recording import dialect_for, record_upgrade
from migguard.lint.run import LintFinding, lint_scripts
from migguard.lint.settings import LintSettings
from tests.testing.project import Project, Result, revision_source

ALEMBIC_OP = "from alembic import op"
# How long a probing session waits for a lock before it counts as blocked.
PROBE_LOCK_TIMEOUT = "200ms"
WAIT_SECONDS = 10.0

# The released schema the unsafe and safe revisions change: tables with rows.
BASE = "a0c1b2d3e4f5"
BASE_UPGRADE = """
op.create_table(
    "customers",
    sa.Column("id", sa.Integer(), primary_key=True),
    sa.Column("name", sa.String(50), nullable=False),
)
op.create_table(
    "orders",
    sa.Column("id", sa.Integer(), primary_key=True),
    sa.Column("customer_id", sa.Integer(), nullable=True),
    sa.Column("email", sa.String(100), nullable=True),
    sa.Column("amount", sa.Integer(), nullable=True),
    sa.Column("code", sa.String(20), nullable=True),
)
op.create_index("ix_orders_amount", "orders", ["amount"])
op.create_table(
    "events",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("kind", sa.String(20), nullable=True),
)
op.execute("INSERT INTO customers (id, name) SELECT g, 'c' || g FROM generate_series(1, 50) g")
op.execute(
    "INSERT INTO orders (id, customer_id, email, amount, code) "
    "SELECT g, 1 + g % 50, 'u' || g || '@example.org', g, 'k' || g "
    "FROM generate_series(1, 500) g"
)
op.execute("INSERT INTO events (id, kind) SELECT g, 'e' FROM generate_series(1, 500) g")
"""
ORDER_ROWS = 500


def write_revision(folder: Path, rid: str, upgrade: str, down: str | None = None) -> Path:
    """Write ``<rid>_rev.py`` into ``folder`` (``from alembic import op``, ``import sqlalchemy
    as sa``) with ``upgrade`` as the body of ``upgrade()``; returns its path."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{rid}_rev.py"
    path.write_text(revision_source(rid, down, upgrade=upgrade, op_import=ALEMBIC_OP))
    return path


def lint_upgrade(
    root: Path, upgrade: str, settings: LintSettings | None = None, rid: str = "b1c2d3e4f5a6"
) -> tuple[Path, list[LintFinding]]:
    """Write a revision whose ``upgrade()`` is ``upgrade`` under ``root/versions`` and lint it
    on its own (every table it does not create counts as released); returns the script and
    the findings."""
    script = write_revision(root / "versions", rid, upgrade, BASE)
    return script, lint_scripts([(rid, script)], root, settings or LintSettings())


def line_of(script: Path, text: str, nth: int = 1) -> int:
    """The 1-based line of the ``nth`` line of ``script`` containing ``text``."""
    lines = [
        number
        for number, line in enumerate(script.read_text().splitlines(), start=1)
        if text in line
    ]
    return lines[nth - 1]


def rule_ids(findings: Sequence[LintFinding]) -> list[str]:
    """The rule ids of the findings, in order."""
    return [finding.rule for finding in findings]


def recorded_sql(script: Path, rid: str, root: Path) -> list[str]:
    """The PostgreSQL statements the lint recorded for ``upgrade()`` of ``script`` (the SQL
    migguard runs for it), ``SET`` statements left out."""
    recording = record_upgrade(script, rid, root, dialect_for("postgresql"))
    assert recording.stopped is None, recording.stopped
    statements: list[str] = []
    for step in recording.steps:
        # The operations of one batch block share the block's statements.
        for sql in step.sql:
            if sql not in statements and not sql.upper().startswith("SET "):
                statements.append(sql)
    return statements


# --- running revisions through migguard on PostgreSQL ------------------------------------------


def released_schema(project: Project, pg_url: str) -> None:
    """Add and run the released revision (tables ``customers``, ``orders``, ``events`` with
    rows) on the database."""
    project.add(BASE, upgrade=BASE_UPGRADE, op_import=ALEMBIC_OP)
    result = project.run("--url", pg_url, "upgrade", "head")
    assert result.code == 0, result.err


def run_revision(project: Project, pg_url: str, rid: str, upgrade: str, down: str = BASE) -> Result:
    """Add a revision above ``down`` and run ``migguard upgrade head``."""
    project.add(rid, down, upgrade=upgrade, op_import=ALEMBIC_OP)
    return project.run("--url", pg_url, "upgrade", "head")


def conninfo(pg_url: str) -> str:
    """The libpq URL of a ``postgresql+psycopg://`` SQLAlchemy URL."""
    return sa.make_url(pg_url).set(drivername="postgresql").render_as_string(hide_password=False)


@contextmanager
def connection(pg_url: str, *, autocommit: bool = False) -> Iterator[psycopg.Connection]:
    """A psycopg connection to the test database, closed on exit (an open transaction is
    rolled back)."""
    conn = psycopg.connect(conninfo(pg_url), autocommit=autocommit)
    try:
        yield conn
    finally:
        conn.close()


def query(pg_url: str, sql: str, params: Sequence[object] = ()) -> list[tuple[object, ...]]:
    """The rows of ``sql`` in a session of its own."""
    with connection(pg_url, autocommit=True) as conn:
        return conn.execute(sql, params).fetchall()


def execute(pg_url: str, *statements: str) -> None:
    """Run statements in one committed transaction."""
    with connection(pg_url) as conn:
        for statement in statements:
            conn.execute(statement)
        conn.commit()


def table_locks(conn: psycopg.Connection, pid: int, table: str) -> set[str]:
    """The lock modes session ``pid`` holds on ``table`` (``AccessExclusiveLock``, ...)."""
    rows = conn.execute(
        "SELECT mode FROM pg_locks WHERE pid = %s AND granted "
        "AND locktype = 'relation' AND relation = %s::regclass",
        (pid, table),
    ).fetchall()
    return {str(row[0]) for row in rows}


# PostgreSQL's table lock modes, weakest first
# (https://www.postgresql.org/docs/current/explicit-locking.html#LOCKING-TABLES).
LOCK_MODES = (
    "AccessShareLock",
    "RowShareLock",
    "RowExclusiveLock",
    "ShareUpdateExclusiveLock",
    "ShareLock",
    "ShareRowExclusiveLock",
    "ExclusiveLock",
    "AccessExclusiveLock",
)


def strongest_lock(conn: psycopg.Connection, pid: int, table: str) -> str | None:
    """The strongest lock mode session ``pid`` holds on ``table``, or ``None``."""
    held = table_locks(conn, pid, table)
    return max(held, key=LOCK_MODES.index) if held else None


def waits(pg_url: str, statement: str) -> bool:
    """Whether ``statement``, run in a new session with a short ``lock_timeout``, waits for a
    lock another session holds (it gives up with a lock timeout; else it runs and is rolled
    back)."""
    with connection(pg_url) as probe:
        probe.execute(f"SET lock_timeout = '{PROBE_LOCK_TIMEOUT}'")
        try:
            probe.execute(statement)
        except psycopg.errors.LockNotAvailable:
            return True
        finally:
            probe.rollback()
    return False


@contextmanager
def uncommitted(pg_url: str, *statements: str) -> Iterator[tuple[psycopg.Connection, int]]:
    """A session that ran ``statements`` in a transaction it has not committed yet (rolled
    back on exit); yields the connection and its backend pid."""
    with connection(pg_url) as conn:
        pid = conn.info.backend_pid
        for statement in statements:
            conn.execute(statement)
        try:
            yield conn, pid
        finally:
            conn.rollback()


@contextmanager
def waiting_in_background(pg_url: str, statement: str, table: str, holds: str) -> Iterator[int]:
    """Run ``statement`` (e.g. ``CREATE INDEX CONCURRENTLY``) in autocommit in a thread while
    another transaction keeps a row of ``table`` written but uncommitted, so the statement
    stays in its waiting phase; yields the statement's backend pid once it holds the lock
    ``holds`` on ``table``. On exit the writer commits and the statement must finish (its
    error, if any, is raised)."""
    errors: list[BaseException] = []
    with connection(pg_url, autocommit=True) as worker:
        pid = worker.info.backend_pid

        def run() -> None:
            try:
                worker.execute(statement)
            except BaseException as exc:  # re-raised in the test's thread
                errors.append(exc)

        with connection(pg_url) as writer, connection(pg_url, autocommit=True) as observer:
            writer.execute(f"UPDATE {table} SET id = id WHERE id = 1")
            thread = threading.Thread(target=run, daemon=True)
            thread.start()
            try:
                until(lambda: waits_for_lock(observer, pid) or bool(errors))
                assert not errors, errors
                assert holds in table_locks(observer, pid, table)
                yield pid
            finally:
                writer.commit()
                thread.join(WAIT_SECONDS)
        assert not thread.is_alive(), f"{statement} did not finish"
        if errors:
            raise errors[0]


def until(condition: Callable[[], bool]) -> None:
    """Poll ``condition`` until it holds (fails the test after ``WAIT_SECONDS``)."""
    deadline = time.monotonic() + WAIT_SECONDS
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.02)


def waits_for_lock(conn: psycopg.Connection, pid: int) -> bool:
    """Whether session ``pid`` is waiting for a lock it asked for."""
    row = conn.execute("SELECT count(*) FROM pg_locks WHERE pid = %s AND NOT granted", (pid,))
    return bool(row.fetchone()[0])  # type: ignore[index]


def relfilenode(pg_url: str, table: str) -> int:
    """The file a table's rows are stored in: it changes when PostgreSQL rewrites the table."""
    rows = query(pg_url, "SELECT pg_relation_filenode(%s::regclass)", (table,))
    return int(rows[0][0])  # type: ignore[call-overload]

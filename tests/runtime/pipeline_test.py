"""The pipeline context on PostgreSQL: a revision's DDL in one query, the same outcome as
running each statement on its own, and failures that name the statement that failed."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa

from migguard.ops.operations import Operations
from migguard.runtime.pipeline import PipelineContext, supports_pipeline
from tests.testing.postgres import PostgresServer

# A line of the server log that starts a message: "<time> <zone> [<pid>] LOG:  <message>".
LOG_ENTRY = re.compile(r"^\S+ \S+ \S+ \[(\d+)\] (\w+):  (.*)$")
# How log_statement shows a query: simple protocol, or the extended protocol's execute step.
LOGGED_QUERY = re.compile(r"(?:statement|execute [^:]*): (.*)$")


@dataclass
class Batched:
    """An open pipeline context and its ``op`` API; the server logs the session's queries."""

    conn: sa.Connection
    context: PipelineContext
    op: Operations
    log: Path
    pid: int
    start: int

    @property
    def queries(self) -> list[str]:
        """The queries the server received from this session, as its log shows them."""
        found: list[list[str]] = []
        current: list[str] | None = None
        with self.log.open("rb") as log:
            log.seek(self.start)
            text = log.read().decode("utf-8", errors="replace")
        for line in text.splitlines():
            entry = LOG_ENTRY.match(line)
            if entry is None:
                if current is not None:
                    current.append(line.removeprefix("\t"))  # how the log continues a message
                continue
            pid, severity, message = entry.groups()
            current = None
            query = LOGGED_QUERY.match(message)
            if int(pid) == self.pid and severity == "LOG" and query is not None:
                current = [query.group(1)]
                found.append(current)
        return ["\n".join(lines) for lines in found]

    def queries_once_logged(self, count: int) -> list[str]:
        """The session's queries, once the server has logged at least ``count`` of them.

        A query sent ahead is read by the server on its own time: poll the log for it (up
        to 10 s) rather than assume it is already there.
        """
        deadline = time.monotonic() + 10
        while len(found := self.queries) < count and time.monotonic() < deadline:
            time.sleep(0.01)
        return found

    def tables(self) -> set[str]:
        return set(sa.inspect(self.conn).get_table_names())

    def rows(self, sql: str) -> list[tuple[object, ...]]:
        return [tuple(row) for row in self.conn.exec_driver_sql(sql)]


@pytest.fixture
def batched(pg_url: str, postgres_server: PostgresServer) -> Iterator[Batched]:
    engine = sa.create_engine(pg_url)
    try:
        with engine.connect() as conn:
            pid = conn.exec_driver_sql("SELECT pg_backend_pid()").scalar_one()
            conn.exec_driver_sql("SET log_statement = 'all'")
            conn.commit()
            log = postgres_server.log_file
            start = log.stat().st_size
            with PipelineContext(conn) as context:
                yield Batched(conn, context, Operations(context), log, pid, start)
    finally:
        engine.dispose()


def create_customer(op: Operations) -> None:
    op.create_table(
        "customer",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("email", sa.String(100), nullable=False, index=True),
    )


def test_only_psycopg_on_postgresql_batches(pg_url: str, sqlite_url: str) -> None:
    for url, expected in ((pg_url, True), (sqlite_url, False)):
        engine = sa.create_engine(url)
        with engine.connect() as conn:
            assert supports_pipeline(conn) is expected
        engine.dispose()


def test_a_revision_is_one_query_and_commits(batched: Batched) -> None:
    batched.context.begin()
    create_customer(batched.op)
    batched.op.add_column("customer", sa.Column("name", sa.String(50)))
    batched.op.create_index("ix_customer_name", "customer", ["name"])
    assert batched.queries == []
    batched.context.commit(["CREATE TABLE done (id integer)"])
    assert len(batched.queries) == 1
    assert batched.queries[0].startswith("BEGIN\n;\nCREATE TABLE customer (")
    assert batched.queries[0].endswith("CREATE TABLE done (id integer)\n;\nCOMMIT")
    batched.context.rollback()
    indexes = {i["name"] for i in sa.inspect(batched.conn).get_indexes("customer")}
    assert indexes == {"ix_customer_email", "ix_customer_name"}
    assert {"customer", "done"} <= batched.tables()


def test_each_commit_can_open_the_next_transaction(batched: Batched) -> None:
    batched.context.begin()
    batched.op.execute("SELECT 1")
    batched.context.commit(["CREATE TABLE first (id integer)"], begin_next=True)
    batched.op.execute("SELECT 2")
    batched.op.create_table("second", sa.Column("id", sa.Integer))
    batched.op.create_table("first", sa.Column("id", sa.Integer))
    with pytest.raises(sa.exc.ProgrammingError) as raised:
        batched.context.commit(["CREATE TABLE third (id integer)"])
    batched.context.rollback()
    assert batched.queries[0] == (
        "BEGIN\n;\nSELECT 1\n;\nCREATE TABLE first (id integer)\n;\nCOMMIT\n;\nBEGIN"
    )
    assert raised.value.statement.startswith("CREATE TABLE first (")
    assert batched.tables() == {"first"}


def test_op_execute_is_held_back_unless_it_needs_to_run_now(batched: Batched) -> None:
    batched.context.begin()
    create_customer(batched.op)
    batched.op.execute("INSERT INTO customer (id, email) VALUES (1, '100% \\:sure')")
    assert batched.queries == []
    insert = sa.text("INSERT INTO customer (id, email) VALUES (:id, :email)")
    batched.op.execute(insert.bindparams(id=2, email="b@example.org"))
    assert len(batched.queries) == 2
    batched.context.commit()
    assert batched.rows("SELECT email FROM customer ORDER BY id") == [
        ("100% :sure",),
        ("b@example.org",),
    ]


@pytest.mark.parametrize("commit", ["COMMIT", "-- done with customer\nCOMMIT", "/* x */ commit"])
def test_a_script_ending_the_transaction_gets_a_new_one(batched: Batched, commit: str) -> None:
    batched.context.begin()
    create_customer(batched.op)
    batched.op.execute(commit)
    batched.op.create_table("uncommitted", sa.Column("id", sa.Integer))
    batched.context.rollback()
    assert batched.tables() == {"customer"}


def test_other_statements_see_the_ddl_before_them(batched: Batched) -> None:
    batched.context.begin()
    create_customer(batched.op)
    batched.op.execute("INSERT INTO customer (id, email) VALUES (1, 'a@example.org')")
    batched.op.add_column("customer", sa.Column("age", sa.Integer, server_default="7"))
    assert batched.rows("SELECT id, age FROM customer") == [(1, 7)]
    batched.context.rollback()
    assert "customer" not in batched.tables()


def test_defaults_keep_percent_signs_and_colons(batched: Batched) -> None:
    batched.context.begin()
    batched.op.create_table(
        "rate",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("a", sa.String(20), server_default="5%"),
    )
    batched.op.add_column("rate", sa.Column("b", sa.String(20), server_default="7% at 12:30 :x"))
    batched.op.alter_column("rate", "a", server_default="9%")
    batched.context.commit()
    batched.conn.exec_driver_sql("INSERT INTO rate (id) VALUES (1)")
    assert batched.rows("SELECT a, b FROM rate") == [("9%", "7% at 12:30 :x")]


def test_a_failing_statement_is_named_and_nothing_is_applied(batched: Batched) -> None:
    batched.context.begin()
    create_customer(batched.op)
    batched.op.add_column("customer", sa.Column("email", sa.String(10)))
    batched.op.create_table("later", sa.Column("id", sa.Integer))
    with pytest.raises(sa.exc.ProgrammingError) as raised:
        batched.context.commit()
    assert raised.value.statement == "ALTER TABLE customer ADD COLUMN email VARCHAR(10)"
    assert 'column "email" of relation "customer" already exists' in str(raised.value.orig)
    batched.context.rollback()
    assert batched.tables() == set()


def test_a_failure_after_other_statements_is_raised_before_the_next_one(batched: Batched) -> None:
    batched.context.begin()
    create_customer(batched.op)
    batched.op.execute("INSERT INTO customer (id, email) VALUES (1, 'a@example.org')")
    assert batched.rows("SELECT id FROM customer") == [(1,)]
    batched.op.add_column("customer", sa.Column("age", sa.Integer, nullable=False))
    with pytest.raises(sa.exc.IntegrityError) as raised:
        batched.rows("SELECT 1")
    assert raised.value.statement == "ALTER TABLE customer ADD COLUMN age INTEGER NOT NULL"
    batched.context.rollback()
    assert batched.tables() == set()


def test_a_failure_the_script_catches_leaves_the_transaction_aborted(batched: Batched) -> None:
    batched.context.begin()
    create_customer(batched.op)
    batched.op.create_table("customer", sa.Column("id", sa.Integer))
    with pytest.raises(sa.exc.ProgrammingError, match="already exists"):
        batched.rows("SELECT 1")
    with pytest.raises(sa.exc.InternalError, match="current transaction is aborted"):
        batched.rows("SELECT 2")
    batched.context.rollback()
    assert batched.tables() == set()


def test_a_failure_at_commit_names_commit(batched: Batched) -> None:
    batched.context.begin()
    batched.op.execute(
        "CREATE TABLE parent (id integer PRIMARY KEY); CREATE TABLE child (parent_id integer "
        "REFERENCES parent DEFERRABLE INITIALLY DEFERRED); INSERT INTO child VALUES (1)"
    )
    batched.op.create_table("other", sa.Column("id", sa.Integer))
    batched.op.add_column("other", sa.Column("name", sa.Text))
    with pytest.raises(sa.exc.IntegrityError) as raised:
        batched.context.commit()
    assert raised.value.statement == "COMMIT"
    batched.context.rollback()
    assert batched.tables() == set()


def test_a_failure_that_does_not_recur_is_named(batched: Batched) -> None:
    # Sequences are not transactional: the statement fails only the first time it runs, as a
    # deadlock or a timeout might; it is named from the query's own results.
    batched.conn.exec_driver_sql("CREATE SEQUENCE attempt")
    batched.context.begin()
    batched.op.create_table("other", sa.Column("id", sa.Integer))
    batched.op.execute("SELECT 1 / (nextval('attempt') - 1)")
    with pytest.raises(sa.exc.DataError) as raised:
        batched.context.commit()
    batched.context.rollback()
    assert raised.value.statement == "SELECT 1 / (nextval('attempt') - 1)"
    assert batched.tables() == set()


def test_autocommit_block_runs_outside_the_transaction(batched: Batched) -> None:
    batched.context.begin()
    create_customer(batched.op)
    with batched.op.get_context().autocommit_block():
        batched.op.create_index(
            "ix_customer_id_email", "customer", ["id", "email"], postgresql_concurrently=True
        )
    batched.op.create_table("after_block", sa.Column("id", sa.Integer))
    batched.context.rollback()
    # The table was committed on entry, the index built outside any transaction, and the
    # table created after the block was in the new transaction that was rolled back.
    assert batched.tables() == {"customer"}
    indexes = {i["name"] for i in sa.inspect(batched.conn).get_indexes("customer")}
    assert indexes == {"ix_customer_email", "ix_customer_id_email"}


def test_a_script_that_commits_continues_in_a_new_transaction(batched: Batched) -> None:
    batched.context.begin()
    create_customer(batched.op)
    batched.op.get_bind().commit()
    batched.op.create_table("uncommitted", sa.Column("id", sa.Integer))
    batched.context.rollback()
    assert batched.tables() == {"customer"}


def test_an_enum_made_earlier_in_the_revision_is_reused(batched: Batched) -> None:
    mood = sa.Enum("happy", "sad", name="mood")
    batched.context.begin()
    batched.op.create_table("person", sa.Column("id", sa.Integer), sa.Column("mood", mood))
    batched.op.create_table("pet", sa.Column("id", sa.Integer), sa.Column("mood", mood))
    batched.context.commit()
    assert {"person", "pet"} <= batched.tables()


def test_leaving_restores_the_isolation_level(pg_url: str) -> None:
    engine = sa.create_engine(pg_url)
    with engine.connect() as conn:
        with PipelineContext(conn) as context:
            assert conn.get_execution_options()["isolation_level"] == "AUTOCOMMIT"
            context.begin()
            context.commit()
        assert conn.get_isolation_level() == conn.default_isolation_level
        conn.exec_driver_sql("CREATE TABLE t (id integer)")
        conn.rollback()
        assert not sa.inspect(conn).has_table("t")
    engine.dispose()


def test_a_commit_sent_ahead_runs_while_the_caller_goes_on(batched: Batched) -> None:
    batched.context.begin()
    create_customer(batched.op)
    batched.context.send_commit(["CREATE TABLE done (id integer)"], begin_next=True)
    # The server gets the query while nothing is read back: confirm() has not run yet.
    sent = batched.queries_once_logged(1)[-1]
    assert sent.endswith("CREATE TABLE done (id integer)\n;\nCOMMIT\n;\nBEGIN")
    batched.context.confirm()
    batched.op.create_table("next_one", sa.Column("id", sa.Integer))
    batched.context.commit()
    assert {"customer", "done", "next_one"} <= batched.tables()


def test_a_failure_sent_ahead_is_raised_by_confirm_and_named(batched: Batched) -> None:
    batched.context.begin()
    create_customer(batched.op)
    batched.op.add_column("customer", sa.Column("email", sa.String(10)))
    batched.context.send_commit(begin_next=True)
    with pytest.raises(sa.exc.ProgrammingError) as raised:
        batched.context.confirm()
    assert raised.value.statement == "ALTER TABLE customer ADD COLUMN email VARCHAR(10)"
    batched.context.rollback()
    assert batched.tables() == set()
    batched.context.confirm()  # nothing left to wait for


def test_rollback_waits_for_a_commit_sent_ahead(batched: Batched) -> None:
    batched.context.begin()
    create_customer(batched.op)
    batched.context.send_commit(begin_next=True)
    batched.op.create_table("dropped", sa.Column("id", sa.Integer))
    # The next revision's statements make the context wait for the commit first.
    assert batched.rows("SELECT count(*) FROM customer") == [(0,)]
    batched.context.rollback()
    assert batched.tables() == {"customer"}


def test_copy_is_not_held_back(batched: Batched) -> None:
    # COPY's data travels through the driver's own COPY support: it always runs on its own.
    batched.context.begin()
    create_customer(batched.op)
    batched.op.execute("COPY customer TO '/dev/null'")
    assert len(batched.queries) == 2
    assert batched.queries[1] == "COPY customer TO '/dev/null'"
    batched.context.commit()
    assert "customer" in batched.tables()

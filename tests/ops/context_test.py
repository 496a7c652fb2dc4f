"""Execution contexts: statements online and offline, and the autocommit block."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from migguard.ops.context import OfflineContext, OnlineContext
from migguard.ops.errors import OfflineError, UnsupportedError
from migguard.ops.operations import Operations
from tests.testing.ops import Db


def test_online_execute_takes_strings_and_parameters(db: Db) -> None:
    context = db.op.get_context()
    context.execute("CREATE TABLE item (id INTEGER PRIMARY KEY, name VARCHAR(20))")
    context.execute("INSERT INTO item (id, name) VALUES (:id, :name)", {"id": 1, "name": "a"})
    context.execute(
        "INSERT INTO item (id, name) VALUES (:id, :name)",
        [{"id": 2, "name": "b"}, {"id": 3, "name": "c"}],
    )
    result = context.execute("SELECT name FROM item ORDER BY id")
    assert result is not None
    assert result.scalars().all() == ["a", "b", "c"]


def test_offline_execute_renders_literals() -> None:
    written: list[str] = []
    context = OfflineContext(postgresql.dialect(), written.append)
    context.execute("UPDATE item SET name = :name WHERE id = :id", {"name": "it's", "id": 3})
    item = sa.table("item", sa.column("id", sa.Integer), sa.column("name", sa.String))
    context.execute(sa.insert(item).values(id=4, name="d"))
    assert written == [
        "UPDATE item SET name = 'it''s' WHERE id = 3;\n\n",
        "INSERT INTO item (id, name) VALUES (4, 'd');\n\n",
    ]
    assert context.connection is None and context.offline


def test_offline_execute_refuses_many_parameter_sets() -> None:
    context = OfflineContext(sqlite.dialect(), lambda _: None)
    with pytest.raises(OfflineError, match="list of parameter sets"):
        context.execute("INSERT INTO t VALUES (:a)", [{"a": 1}, {"a": 2}])


def test_offline_autocommit_block_writes_commit_and_begin() -> None:
    written: list[str] = []
    context = OfflineContext(postgresql.dialect(), written.append)
    with context.autocommit_block():
        context.execute("VACUUM")
    assert "".join(written) == "COMMIT;\n\nVACUUM;\n\nBEGIN;\n\n"


def test_offline_get_bind_writes_what_is_executed_on_it() -> None:
    written: list[str] = []
    operations = Operations(OfflineContext(postgresql.dialect(), written.append))
    bind = operations.get_bind()
    assert bind is operations.get_context().bind and bind.dialect.name == "postgresql"
    postgresql.ENUM("a", "b", name="letter").create(bind)
    assert bind.execute(sa.text("SELECT 1")) is None
    assert written == ["CREATE TYPE letter AS ENUM ('a', 'b');\n\n", "SELECT 1;\n\n"]


def test_static_output_is_written_offline_and_refused_online(sqlite_db: Db) -> None:
    written: list[str] = []
    offline = Operations(OfflineContext(sqlite.dialect(), written.append))
    offline.impl.static_output("-- hand-written")
    assert written == ["-- hand-written\n\n"]
    with pytest.raises(UnsupportedError, match=r"static_output\(\) writes SQL text"):
        sqlite_db.op.impl.static_output("-- hand-written")


def test_alembic_names_migguard_lacks_fail_naming_them() -> None:
    context = OfflineContext(sqlite.dialect(), lambda _: None)
    with pytest.raises(UnsupportedError) as raised:
        context.get_current_heads()
    assert str(raised.value) == (
        "op.get_context().get_current_heads (Alembic's MigrationContext.get_current_heads) "
        "is not supported by migguard"
    )
    assert not hasattr(context.impl, "alter_column")
    with pytest.raises(UnsupportedError, match=r"^op.impl.alter_column is not supported"):
        context.impl.alter_column  # noqa: B018
    with pytest.raises(AttributeError, match="no attribute 'nonsense'"):
        context.nonsense  # noqa: B018


def test_autocommit_block_commits_before_and_begins_after(db: Db) -> None:
    db.op.execute("CREATE TABLE item (id INTEGER PRIMARY KEY)")
    db.op.execute("INSERT INTO item VALUES (1)")
    with db.op.get_context().autocommit_block():
        assert not db.conn.in_transaction() or db.conn.get_isolation_level() == "AUTOCOMMIT"
        db.op.execute("INSERT INTO item VALUES (2)")
    assert db.conn.in_transaction()
    assert db.conn.get_execution_options().get("isolation_level") != "AUTOCOMMIT"
    db.op.execute("INSERT INTO item VALUES (3)")
    db.conn.rollback()
    # Rows 1 (committed on entry) and 2 (autocommitted) stay; 3 was in the new transaction.
    assert db.rows("SELECT id FROM item ORDER BY id") == [(1,), (2,)]


def test_create_index_concurrently_inside_autocommit_block(pg_db: Db) -> None:
    op = pg_db.op
    op.create_table(
        "event", sa.Column("id", sa.Integer, primary_key=True), sa.Column("kind", sa.Text)
    )
    with op.get_context().autocommit_block():
        op.create_index("ix_event_kind", "event", ["kind"], postgresql_concurrently=True)
    pg_db.conn.rollback()
    # The table was committed on entry and the index built outside any transaction.
    assert [i["name"] for i in pg_db.inspector().get_indexes("event")] == ["ix_event_kind"]


def test_create_index_concurrently_outside_the_block_fails(pg_db: Db) -> None:
    op = pg_db.op
    op.create_table(
        "event", sa.Column("id", sa.Integer, primary_key=True), sa.Column("kind", sa.Text)
    )
    with pytest.raises(sa.exc.DBAPIError, match="CONCURRENTLY cannot run inside a transaction"):
        op.create_index("ix_event_kind", "event", ["kind"], postgresql_concurrently=True)


def test_online_context_exposes_connection_and_dialect(sqlite_db: Db) -> None:
    context = OnlineContext(sqlite_db.conn)
    assert context.connection is sqlite_db.conn
    assert context.dialect.name == "sqlite"
    assert not context.offline
    assert Operations(context).get_bind() is sqlite_db.conn

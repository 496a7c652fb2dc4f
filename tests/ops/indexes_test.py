"""Index operations: plain, unique, expression and partial indexes, and their reverses."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from migguard.ops.errors import IrreversibleError
from migguard.ops.indexes import CreateIndex, DropIndex
from tests.testing.ops import Db


def make_users(db: Db) -> None:
    db.op.create_table(
        "users",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("email", sa.String(100)),
        sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
    )


def index_sql(db: Db, name: str) -> str:
    if db.name == "sqlite":
        return db.rows(f"SELECT sql FROM sqlite_master WHERE name = '{name}'")[0][0]
    return db.rows(f"SELECT indexdef FROM pg_indexes WHERE indexname = '{name}'")[0][0]


def test_create_and_drop_index(db: Db) -> None:
    make_users(db)
    operation = CreateIndex("ix_users_email", "users", ("email",), unique=True)
    db.op.invoke(operation)
    assert db.schema("users")["indexes"] == [("ix_users_email", ("email",), True)]
    db.op.invoke(operation.reverse())
    assert db.schema("users")["indexes"] == []


def test_op_create_index_with_expression(db: Db) -> None:
    make_users(db)
    db.op.create_index("ix_users_lower_email", "users", [sa.text("lower(email)")])
    assert "lower(" in index_sql(db, "ix_users_lower_email").lower()
    db.op.drop_index("ix_users_lower_email", "users")
    assert db.inspector().get_indexes("users") == []


def test_partial_index_postgresql(pg_db: Db) -> None:
    make_users(pg_db)
    pg_db.op.create_index(
        "ix_users_active_email",
        "users",
        ["email"],
        postgresql_where=sa.text("active"),
        postgresql_using="btree",
    )
    [index] = pg_db.inspector().get_indexes("users")
    assert index["dialect_options"]["postgresql_where"] == "active"
    assert "USING btree" in index_sql(pg_db, "ix_users_active_email")


def test_partial_index_sqlite(sqlite_db: Db) -> None:
    make_users(sqlite_db)
    sqlite_db.op.create_index("ix_active", "users", ["email"], sqlite_where=sa.text("active = 1"))
    assert index_sql(sqlite_db, "ix_active").endswith("WHERE active = 1")


def test_if_not_exists_and_if_exists(db: Db) -> None:
    make_users(db)
    db.op.create_index("ix_email", "users", ["email"])
    db.op.create_index("ix_email", "users", ["email"], if_not_exists=True)
    db.op.drop_index("ix_email", "users")
    db.op.drop_index("ix_email", "users", if_exists=True)
    assert db.inspector().get_indexes("users") == []


def test_reverse_needs_a_name_or_definition() -> None:
    with pytest.raises(IrreversibleError, match="without a name"):
        CreateIndex(None, "users", ("email",)).reverse()
    with pytest.raises(IrreversibleError, match="definition"):
        DropIndex("ix_email", "users").reverse()


def test_index_in_schema_postgresql(pg_db: Db) -> None:
    pg_db.op.execute("CREATE SCHEMA app")
    pg_db.op.create_table(
        "t", sa.Column("id", sa.Integer, primary_key=True), sa.Column("x", sa.Integer), schema="app"
    )
    pg_db.op.create_index("ix_t_x", "t", ["x"], schema="app")
    assert [i["name"] for i in pg_db.inspector().get_indexes("t", schema="app")] == ["ix_t_x"]
    pg_db.op.drop_index("ix_t_x", "t", schema="app")
    assert pg_db.inspector().get_indexes("t", schema="app") == []


def test_covering_index_postgresql(pg_db: Db) -> None:
    make_users(pg_db)
    pg_db.op.create_index("ix_users_email", "users", ["email"], postgresql_include=["active"])
    assert index_sql(pg_db, "ix_users_email").endswith("(email) INCLUDE (active)")

"""Table and column operations on real databases, checked by reflection, and their reverses."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from migguard.ops.context import OfflineContext
from migguard.ops.errors import IrreversibleError
from migguard.ops.operations import Operations
from migguard.ops.schema import AddColumn, AlterColumn, CreateTable, DropColumn, DropTable
from tests.testing.ops import Db, postgresql_sql


def make_parent(db: Db) -> None:
    db.op.create_table(
        "customer",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("email", sa.String(100), nullable=False),
    )


def make_orders(db: Db) -> sa.Table:
    make_parent(db)
    return db.op.create_table(
        "orders",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("customer_id", sa.Integer, sa.ForeignKey("customer.id", ondelete="CASCADE")),
        sa.Column("status", sa.String(20), nullable=False, server_default="new"),
        sa.Column("total", sa.Numeric(10, 2), comment="in cents"),
        sa.Column("code", sa.String(10), index=True),
        sa.UniqueConstraint("customer_id", "code", name="uq_orders_customer_code"),
        sa.CheckConstraint("total >= 0", name="ck_orders_total"),
        comment="customer orders",
    )


def test_create_table_builds_everything_it_is_given(db: Db) -> None:
    table = make_orders(db)
    assert isinstance(table, sa.Table) and table.name == "orders"
    schema = db.schema("orders")
    columns = {
        name: (type_, nullable, default) for name, type_, nullable, default, _ in schema["columns"]
    }
    assert columns["status"][0].startswith("VARCHAR") and columns["status"][1] is False
    assert "new" in columns["status"][2]
    assert columns["total"][0] == "NUMERIC(10, 2)"
    assert schema["pk"] == ["id"]
    assert schema["indexes"] == [("ix_orders_code", ("code",), False)]
    assert schema["uniques"] == [("uq_orders_customer_code", ("customer_id", "code"))]
    assert [fk[1:] for fk in schema["fks"]] == [(("customer_id",), "customer", ("id",), "CASCADE")]
    assert [name for name, _ in schema["checks"]] == ["ck_orders_total"]
    if db.name == "postgresql":
        assert db.inspector().get_table_comment("orders")["text"] == "customer orders"
        assert db.columns("orders")["total"]["comment"] == "in cents"


def test_create_table_reverse_drops_it_and_round_trips(db: Db) -> None:
    operation = CreateTable("tag", (sa.Column("id", sa.Integer, primary_key=True),))
    db.op.invoke(operation)
    before = db.schema("tag")
    db.op.invoke(operation.reverse())
    assert "tag" not in db.inspector().get_table_names()
    db.op.invoke(operation.reverse().reverse())
    assert db.schema("tag") == before


def test_drop_table_and_its_reverse_needs_a_definition(db: Db) -> None:
    make_parent(db)
    db.op.drop_table("customer")
    assert db.inspector().get_table_names() == []
    assert db.seen[-1] == DropTable("customer")
    with pytest.raises(IrreversibleError, match="drop_table\\('customer'\\)"):
        DropTable("customer").reverse()


def test_drop_table_if_exists(db: Db) -> None:
    db.op.drop_table("missing", if_exists=True)
    assert db.inspector().get_table_names() == []


def test_rename_table_and_back(db: Db) -> None:
    make_parent(db)
    db.op.rename_table("customer", "client")
    assert db.inspector().get_table_names() == ["client"]
    db.op.invoke(db.seen[-1].reverse())
    assert db.inspector().get_table_names() == ["customer"]


def test_add_column_with_default_index_and_foreign_key(db: Db) -> None:
    make_orders(db)
    db.conn.execute(sa.text("INSERT INTO customer (id, email) VALUES (1, 'a@x')"))
    db.conn.execute(sa.text("INSERT INTO orders (id, customer_id, code) VALUES (1, 1, 'A')"))
    db.op.add_column("orders", sa.Column("note", sa.Text, server_default="none", nullable=False))
    db.op.add_column(
        "orders",
        sa.Column(
            "referrer_id", sa.Integer, sa.ForeignKey("customer.id", ondelete="SET NULL"), index=True
        ),
    )
    columns = db.columns("orders")
    assert columns["note"]["nullable"] is False and "none" in columns["note"]["default"]
    assert db.rows("SELECT note FROM orders") == [("none",)]
    assert ("ix_orders_referrer_id", ("referrer_id",), False) in db.schema("orders")["indexes"]
    fks = {fk[1]: fk for fk in db.schema("orders")["fks"]}
    assert fks[("referrer_id",)][2:] == ("customer", ("id",), "SET NULL")
    # Data and the other constraints survived (SQLite rebuilt the table for the foreign key).
    assert db.rows("SELECT id, customer_id, code FROM orders") == [(1, 1, "A")]
    assert [name for name, _ in db.schema("orders")["checks"]] == ["ck_orders_total"]


def inline_keys(op: Any) -> None:
    op.add_column(
        "orders",
        sa.Column("referrer_id", sa.Integer, sa.ForeignKey("customer.id", ondelete="SET NULL")),
        inline_references=True,
    )
    op.add_column("tag", sa.Column("id", sa.Integer, primary_key=True), inline_primary_key=True)


def test_add_column_declares_keys_inline_as_alembic_writes_them() -> None:
    ours, alembics = postgresql_sql(inline_keys)
    assert ours == alembics
    assert ours == (
        "ALTER TABLE orders ADD COLUMN referrer_id INTEGER REFERENCES customer (id) "
        "ON DELETE SET NULL;\n\n"
        "ALTER TABLE tag ADD COLUMN id SERIAL NOT NULL PRIMARY KEY;\n\n"
    )


def test_add_column_with_inline_keys(db: Db) -> None:
    make_orders(db)
    db.op.create_table("tag", sa.Column("name", sa.String(20)))
    inline_keys(db.op)
    fks = {fk[1]: fk for fk in db.schema("orders")["fks"]}
    assert fks[("referrer_id",)][2:] == ("customer", ("id",), "SET NULL")
    assert db.schema("tag")["pk"] == ["id"]


def test_add_not_null_column_without_default(db: Db) -> None:
    make_parent(db)
    db.op.add_column("customer", sa.Column("age", sa.Integer, nullable=False))
    assert db.columns("customer")["age"]["nullable"] is False
    db.conn.execute(sa.text("INSERT INTO customer (id, email, age) VALUES (1, 'a@x', 3)"))
    # With rows in the table both databases refuse it, in place or not.
    with pytest.raises(sa.exc.DBAPIError):
        db.op.add_column("customer", sa.Column("height", sa.Integer, nullable=False))


def test_add_column_carrying_a_check(db: Db) -> None:
    # A Boolean's CHECK is the table's (SQLAlchemy adds it when the column joins a table);
    # PostgreSQL has a native boolean and gets none, SQLite takes it inside ADD COLUMN.
    make_parent(db)
    db.conn.execute(sa.text("INSERT INTO customer (id, email) VALUES (1, 'a@x')"))
    db.op.add_column(
        "customer", sa.Column("vip", sa.Boolean(create_constraint=True, name="ck_vip"))
    )
    db.op.add_column("customer", sa.Column("age", sa.Integer, sa.CheckConstraint("age > 0")))
    checks = sorted(c["sqltext"] for c in db.inspector().get_check_constraints("customer"))
    if db.name == "sqlite":
        assert checks == ["age > 0", "vip IN (0, 1)"]
        assert db.rows("SELECT id, vip, age FROM customer") == [(1, None, None)]
    else:
        assert checks == ["age > 0"]
    with pytest.raises(sa.exc.IntegrityError):
        db.conn.execute(sa.text("UPDATE customer SET age = 0"))


def test_add_column_carrying_a_check_in_sqlite_sql() -> None:
    written: list[str] = []
    op = Operations(OfflineContext(sa.create_engine("sqlite://").dialect, written.append))
    op.add_column("t", sa.Column("vip", sa.Boolean(create_constraint=True, name="ck_vip")))
    op.add_column("t", sa.Column("age", sa.Integer, sa.CheckConstraint("age > 0")))
    assert "".join(written) == (
        "ALTER TABLE t ADD COLUMN vip BOOLEAN CONSTRAINT ck_vip CHECK (vip IN (0, 1));\n\n"
        "ALTER TABLE t ADD COLUMN age INTEGER CHECK (age > 0);\n\n"
    )


def test_add_column_reverse_drops_it(db: Db) -> None:
    make_parent(db)
    before = db.schema("customer")
    operation = AddColumn("customer", sa.Column("age", sa.Integer))
    db.op.invoke(operation)
    assert "age" in db.columns("customer")
    db.op.invoke(operation.reverse())
    assert db.schema("customer") == before


def test_drop_column_keeps_rows_and_reverses_with_a_definition(db: Db) -> None:
    make_parent(db)
    db.op.add_column("customer", sa.Column("age", sa.Integer))
    db.conn.execute(sa.text("INSERT INTO customer (id, email, age) VALUES (1, 'a@x', 30)"))
    operation = DropColumn("customer", "age", definition=sa.Column("age", sa.Integer))
    db.op.invoke(operation)
    assert list(db.columns("customer")) == ["id", "email"]
    assert db.rows("SELECT id, email FROM customer") == [(1, "a@x")]
    db.op.invoke(operation.reverse())
    assert list(db.columns("customer")) == ["id", "email", "age"]
    with pytest.raises(IrreversibleError, match="column's definition"):
        DropColumn("customer", "age").reverse()


def test_op_drop_column(db: Db) -> None:
    make_orders(db)
    db.op.drop_column("orders", "code")
    schema = db.schema("orders")
    assert "code" not in [c[0] for c in schema["columns"]]
    # The index and the unique constraint on the column went with it.
    assert schema["indexes"] == [] and schema["uniques"] == []


def test_alter_column_nullable_type_default_and_name(db: Db) -> None:
    make_orders(db)
    db.conn.execute(sa.text("INSERT INTO customer (id, email) VALUES (1, 'a@x')"))
    db.conn.execute(sa.text("INSERT INTO orders (id, customer_id, code) VALUES (1, 1, 'A1')"))
    db.op.alter_column("orders", "code", nullable=False, existing_type=sa.String(10))
    db.op.alter_column("orders", "code", type_=sa.String(40), existing_type=sa.String(10))
    db.op.alter_column("orders", "status", server_default="open")
    db.op.alter_column("orders", "code", new_column_name="reference")
    columns = db.columns("orders")
    assert columns["reference"]["nullable"] is False
    assert str(columns["reference"]["type"]) == "VARCHAR(40)"
    assert "open" in columns["status"]["default"]
    assert db.rows("SELECT id, reference FROM orders") == [(1, "A1")]
    # The index followed the renamed column.
    assert [i[1] for i in db.schema("orders")["indexes"]] == [("reference",)]
    db.op.alter_column("orders", "status", server_default=None)
    assert db.columns("orders")["status"]["default"] is None


def test_alter_column_postgresql_using(pg_db: Db) -> None:
    pg_db.op.create_table(
        "m", sa.Column("id", sa.Integer, primary_key=True), sa.Column("n", sa.Text)
    )
    pg_db.conn.execute(sa.text("INSERT INTO m VALUES (1, '42')"))
    pg_db.op.alter_column("m", "n", type_=sa.Integer, postgresql_using="n::integer")
    assert pg_db.rows("SELECT n FROM m") == [(42,)]


def test_alter_column_postgresql_using_with_a_percent_sign(pg_db: Db) -> None:
    pg_db.op.create_table(
        "m", sa.Column("id", sa.Integer, primary_key=True), sa.Column("n", sa.Text)
    )
    pg_db.conn.execute(sa.text("INSERT INTO m VALUES (1, '142')"))
    pg_db.op.alter_column("m", "n", type_=sa.Integer, postgresql_using="n::integer % 100")
    assert pg_db.rows("SELECT n FROM m") == [(42,)]


def test_defaults_keep_percent_signs_and_colons(db: Db) -> None:
    db.op.create_table(
        "rate",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("a", sa.String(20), server_default="5%"),
    )
    db.op.add_column("rate", sa.Column("b", sa.String(20), server_default="7% at 12:30 :x"))
    if db.name == "postgresql":
        db.op.alter_column("rate", "a", server_default="9%")
    db.conn.execute(sa.text("INSERT INTO rate (id) VALUES (1)"))
    expected = "9%" if db.name == "postgresql" else "5%"
    assert db.rows("SELECT a, b FROM rate") == [(expected, "7% at 12:30 :x")]


def test_alter_column_comment(pg_db: Db) -> None:
    make_parent(pg_db)
    pg_db.op.alter_column("customer", "email", comment="login", existing_type=sa.String(100))
    assert pg_db.columns("customer")["email"]["comment"] == "login"
    pg_db.op.invoke(pg_db.seen[-1].reverse())
    assert pg_db.columns("customer")["email"]["comment"] is None


def test_alter_column_reverse_restores_the_column(db: Db) -> None:
    make_parent(db)
    before = db.schema("customer")
    operation = AlterColumn(
        "customer",
        "email",
        nullable=True,
        type_=sa.String(200),
        new_column_name="mail",
        server_default="none",
        existing_type=sa.String(100),
        existing_nullable=False,
        existing_server_default=None,
    )
    db.op.invoke(operation)
    assert db.columns("customer")["mail"]["nullable"] is True
    db.op.invoke(operation.reverse())
    assert db.schema("customer") == before


def test_alter_column_reverse_needs_existing_values() -> None:
    with pytest.raises(IrreversibleError, match="existing_type"):
        AlterColumn("t", "c", type_=sa.Integer).reverse()
    with pytest.raises(IrreversibleError, match="existing_nullable"):
        AlterColumn("t", "c", nullable=False).reverse()
    with pytest.raises(IrreversibleError, match="existing_server_default"):
        AlterColumn("t", "c", server_default="x").reverse()
    renamed = AlterColumn("t", "c", new_column_name="d").reverse()
    assert (renamed.column_name, renamed.new_column_name) == ("d", "c")


def test_table_comments(pg_db: Db) -> None:
    make_parent(pg_db)
    pg_db.op.create_table_comment("customer", "people who buy")
    assert pg_db.inspector().get_table_comment("customer")["text"] == "people who buy"
    pg_db.op.invoke(pg_db.seen[-1].reverse())
    assert pg_db.inspector().get_table_comment("customer")["text"] is None
    pg_db.op.create_table_comment("customer", "again")
    pg_db.op.drop_table_comment("customer", existing_comment="again")
    assert pg_db.inspector().get_table_comment("customer")["text"] is None
    pg_db.op.invoke(pg_db.seen[-1].reverse())
    assert pg_db.inspector().get_table_comment("customer")["text"] == "again"


def test_table_comments_are_ignored_by_sqlite(sqlite_db: Db) -> None:
    make_parent(sqlite_db)
    before = sqlite_db.schema("customer")
    sqlite_db.op.create_table_comment("customer", "people who buy")
    sqlite_db.op.drop_table_comment("customer")
    assert sqlite_db.schema("customer") == before


def enum_types(db: Db) -> list[str]:
    return [row[0] for row in db.rows("SELECT typname FROM pg_type WHERE typtype = 'e' ORDER BY 1")]


def test_enum_type_is_created_once_and_kept_after_drop_table(pg_db: Db) -> None:
    mood = sa.Enum("happy", "sad", name="mood")
    pg_db.op.create_table(
        "person", sa.Column("id", sa.Integer, primary_key=True), sa.Column("mood", mood)
    )
    pg_db.op.create_table(
        "pet", sa.Column("id", sa.Integer, primary_key=True), sa.Column("mood", mood)
    )
    assert enum_types(pg_db) == ["mood"]
    assert pg_db.columns("pet")["mood"]["type"].enums == ["happy", "sad"]
    pg_db.op.drop_table("pet")
    pg_db.op.drop_table("person")
    assert enum_types(pg_db) == ["mood"]
    # An upgrade after the downgrade reuses the type instead of failing on it.
    pg_db.op.create_table(
        "person", sa.Column("id", sa.Integer, primary_key=True), sa.Column("mood", mood)
    )
    pg_db.op.execute("DROP TABLE person")
    pg_db.op.execute("DROP TYPE mood")
    assert enum_types(pg_db) == []


def test_enum_type_for_add_and_alter_column(pg_db: Db) -> None:
    make_parent(pg_db)
    pg_db.op.add_column("customer", sa.Column("tier", sa.Enum("gold", "silver", name="tier")))
    pg_db.op.add_column("customer", sa.Column("level", sa.Text))
    pg_db.op.alter_column(
        "customer",
        "level",
        type_=sa.Enum("low", "high", name="level"),
        postgresql_using="level::level",
    )
    assert enum_types(pg_db) == ["level", "tier"]


def test_enum_type_given_as_a_postgresql_variant(pg_db: Db) -> None:
    mood = sa.String(10).with_variant(postgresql.ENUM("up", "down", name="mood"), "postgresql")
    pg_db.op.create_table("person", sa.Column("id", sa.Integer), sa.Column("mood", mood))
    assert enum_types(pg_db) == ["mood"]


def test_create_type_false_is_honoured(pg_db: Db) -> None:
    pg_db.op.execute("CREATE TYPE colour AS ENUM ('red', 'blue')")
    colour = postgresql.ENUM("red", "blue", name="colour", create_type=False)
    pg_db.op.create_table(
        "paint", sa.Column("id", sa.Integer, primary_key=True), sa.Column("c", colour)
    )
    assert enum_types(pg_db) == ["colour"]


def test_schema_qualified_table(pg_db: Db) -> None:
    pg_db.op.execute("CREATE SCHEMA shop")
    pg_db.op.create_table("item", sa.Column("id", sa.Integer, primary_key=True), schema="shop")
    pg_db.op.add_column("item", sa.Column("name", sa.Text), schema="shop")
    pg_db.op.rename_table("item", "product", schema="shop")
    inspector = pg_db.inspector()
    assert inspector.get_table_names(schema="shop") == ["product"]
    assert [c["name"] for c in inspector.get_columns("product", schema="shop")] == ["id", "name"]


def test_drop_column_if_exists_twice(db: Db) -> None:
    make_orders(db)
    for _ in range(2):
        db.op.drop_column("orders", "total", if_exists=True)
    assert "total" not in db.columns("orders")


def test_drop_column_if_exists_offline() -> None:
    written: list[str] = []
    Operations(OfflineContext(postgresql.dialect(), written.append)).drop_column(
        "orders", "total", if_exists=True
    )
    assert written == ["ALTER TABLE orders DROP COLUMN IF EXISTS total;\n\n"]

"""Constraint operations (SQLite: through an automatic rebuild), naming conventions, op.f()."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from migguard.ops.constraints import (
    CreateCheckConstraint,
    CreateForeignKey,
    CreatePrimaryKey,
    CreateUniqueConstraint,
    DropConstraint,
)
from migguard.ops.context import OfflineContext, OnlineContext
from migguard.ops.errors import IrreversibleError, UsageError
from migguard.ops.operations import Operations
from tests.testing.ops import Db, postgresql_sql

CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def make_tables(db: Db) -> None:
    db.op.create_table(
        "author",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(50), nullable=False),
    )
    db.op.create_table(
        "book",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("author_id", sa.Integer),
        sa.Column("isbn", sa.String(20)),
        sa.Column("pages", sa.Integer),
    )
    db.conn.execute(sa.text("INSERT INTO author (id, name) VALUES (1, 'Ann')"))
    db.conn.execute(sa.text("INSERT INTO book VALUES (1, 1, 'x-1', 100), (2, 1, 'x-2', 200)"))


def round_trip(db: Db, operation: object, table: str = "book") -> dict[str, object]:
    """Run ``operation``, return the schema after it, and check its reverse restores the
    schema from before."""
    before = db.schema(table)
    db.op.invoke(operation)  # type: ignore[arg-type]
    after = db.schema(table)
    db.op.invoke(operation.reverse())  # type: ignore[attr-defined]
    assert db.schema(table) == before
    assert db.rows(f"SELECT count(*) FROM {table}") == [(2,)]
    return after


def test_unique_constraint(db: Db) -> None:
    make_tables(db)
    after = round_trip(db, CreateUniqueConstraint("uq_book_isbn", "book", ("isbn",)))
    assert after["uniques"] == [("uq_book_isbn", ("isbn",))]


def test_foreign_key_with_ondelete(db: Db) -> None:
    make_tables(db)
    operation = CreateForeignKey(
        "fk_book_author", "book", "author", ("author_id",), ("id",), ondelete="CASCADE"
    )
    after = round_trip(db, operation)
    assert after["fks"] == [("fk_book_author", ("author_id",), "author", ("id",), "CASCADE")]


def test_check_constraint(db: Db) -> None:
    make_tables(db)
    after = round_trip(db, CreateCheckConstraint("ck_pages", "book", "pages > 0"))
    assert [name for name, _ in after["checks"]] == ["ck_pages"]
    assert "pages > 0" in after["checks"][0][1]


def test_check_constraint_is_enforced(db: Db) -> None:
    make_tables(db)
    db.op.create_check_constraint("ck_pages", "book", sa.column("pages") > 0)
    db.conn.commit()
    with pytest.raises(sa.exc.IntegrityError):
        db.conn.execute(sa.text("INSERT INTO book VALUES (3, 1, 'x-3', -5)"))
    db.conn.rollback()


def test_primary_key(db: Db) -> None:
    make_tables(db)
    after = round_trip(db, CreatePrimaryKey("pk_book", "book", ("id",)))
    assert after["pk"] == ["id"]


def test_op_methods_and_drop_constraint(db: Db) -> None:
    make_tables(db)
    op = db.op
    op.create_unique_constraint("uq_book_isbn", "book", ["isbn"])
    op.create_foreign_key(
        "fk_book_author", "book", "author", ["author_id"], ["id"], ondelete="SET NULL"
    )
    op.create_check_constraint("ck_pages", "book", "pages > 0")
    schema = db.schema("book")
    assert len(schema["uniques"]) == 1 and len(schema["fks"]) == 1 and len(schema["checks"]) == 1
    op.drop_constraint("uq_book_isbn", "book", type_="unique")
    op.drop_constraint("fk_book_author", "book", type_="foreignkey")
    op.drop_constraint("ck_pages", "book", type_="check")
    schema = db.schema("book")
    assert schema["uniques"] == [] and schema["fks"] == [] and schema["checks"] == []
    assert db.rows("SELECT id, isbn FROM book ORDER BY id") == [(1, "x-1"), (2, "x-2")]


def test_drop_constraint_checks_its_type() -> None:
    with pytest.raises(UsageError, match="type_ must be one of"):
        DropConstraint("x", "book", type_="index")
    with pytest.raises(IrreversibleError, match="definition"):
        DropConstraint("x", "book").reverse()
    with pytest.raises(IrreversibleError, match="without a name"):
        CreateUniqueConstraint(None, "book", ("isbn",)).reverse()


def test_naming_convention_names_constraints_and_f_bypasses_it(db: Db) -> None:
    context = OnlineContext(db.conn)
    context.target_metadata = sa.MetaData(naming_convention=CONVENTION)
    op = Operations(context)
    op.create_table(
        "author",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("email", sa.String(50)),
    )
    op.create_table(
        "book", sa.Column("id", sa.Integer, primary_key=True), sa.Column("author_id", sa.Integer)
    )
    op.create_unique_constraint(None, "author", ["email"])
    op.create_foreign_key(None, "book", "author", ["author_id"], ["id"])
    op.create_check_constraint("positive", "book", "id > 0")
    op.create_check_constraint(op.f("exactly_this"), "book", "id < 1000")
    op.create_index(None, "book", ["author_id"])
    author, book = db.schema("author"), db.schema("book")
    assert author["uniques"] == [("uq_author_email", ("email",))]
    assert [fk[0] for fk in book["fks"]] == ["fk_book_author_id_author"]
    assert [name for name, _ in book["checks"]] == ["ck_book_positive", "exactly_this"]
    assert [index[0] for index in book["indexes"]] == ["ix_book_author_id"]
    # drop_constraint applies the convention to a check constraint's name as create did.
    op.drop_constraint("positive", "book", type_="check")
    assert [name for name, _ in db.schema("book")["checks"]] == ["exactly_this"]


def exclude_booking(op: Any) -> None:
    op.create_exclude_constraint(
        "no_double_booking", "booking", ("during", "&&"), using="gist", where="room > 0"
    )


def test_exclude_constraint_is_written_as_alembic_writes_it() -> None:
    ours, alembics = postgresql_sql(exclude_booking)
    assert ours == alembics
    assert "EXCLUDE USING gist (during WITH &&) WHERE (room > 0)" in alembics


def test_exclude_constraint_on_postgresql_and_refused_elsewhere(db: Db) -> None:
    range_type = postgresql.TSRANGE() if db.name == "postgresql" else sa.String()
    db.op.create_table("booking", sa.Column("room", sa.Integer), sa.Column("during", range_type))
    if db.name != "postgresql":
        with pytest.raises(UsageError, match="EXCLUDE constraints exist only on PostgreSQL"):
            exclude_booking(db.op)
        return
    exclude_booking(db.op)
    kinds = db.rows("SELECT conname, contype FROM pg_constraint WHERE conname LIKE 'no_%'")
    assert kinds == [("no_double_booking", "x")]
    db.op.invoke(db.seen[-1].reverse())
    assert db.rows("SELECT conname FROM pg_constraint WHERE conname LIKE 'no_%'") == []


def test_operations_context_binds_op_outside_a_run() -> None:
    from migguard import op

    written: list[str] = []
    with Operations.context(OfflineContext(postgresql.dialect(), written.append)) as operations:
        op.drop_table("booking")
        assert op.get_context() is operations.get_context()
    assert written == ["DROP TABLE booking;\n\n"]


def test_not_valid_foreign_key_and_check_skip_the_rows_already_there(pg_db: Db) -> None:
    """``postgresql_not_valid=True`` reaches SQLAlchemy: the constraints are added without
    scanning the table (rows breaking them stay), and VALIDATE CONSTRAINT is what scans."""
    make_tables(pg_db)
    pg_db.conn.execute(sa.text("INSERT INTO book VALUES (3, 9, 'x-3', -5)"))
    op = pg_db.op
    op.create_foreign_key(
        "fk_book_author", "book", "author", ["author_id"], ["id"], postgresql_not_valid=True
    )
    op.create_check_constraint("ck_pages", "book", "pages > 0", postgresql_not_valid=True)
    rows = "SELECT conname, convalidated FROM pg_constraint WHERE conrelid = 'book'::regclass"
    assert sorted(pg_db.rows(rows)) == [("ck_pages", False), ("fk_book_author", False)]
    with pytest.raises(sa.exc.IntegrityError):
        op.execute("ALTER TABLE book VALIDATE CONSTRAINT ck_pages")
    pg_db.conn.rollback()


def test_not_valid_is_written_into_the_offline_sql() -> None:
    ours, alembics = postgresql_sql(
        lambda op: (
            op.create_foreign_key("fk_b_a", "b", "a", ["a_id"], ["id"], postgresql_not_valid=True),
            op.create_check_constraint("ck_b", "b", "n > 0", postgresql_not_valid=True),
        )
    )
    assert ours == alembics
    assert "REFERENCES a (id) NOT VALID" in ours and "CHECK (n > 0) NOT VALID" in ours

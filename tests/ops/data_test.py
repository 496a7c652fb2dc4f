"""Data operations: execute (strings and statements), bulk_insert, inline_literal."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from migguard.ops.context import OfflineContext
from migguard.ops.data import BulkInsert, Execute
from migguard.ops.errors import IrreversibleError
from migguard.ops.operations import Operations
from tests.testing.ops import Db

PRODUCT = sa.table(
    "product",
    sa.column("id", sa.Integer),
    sa.column("name", sa.String),
    sa.column("added", sa.Date),
)


def make_product(db: Db) -> sa.Table:
    return db.op.create_table(
        "product",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(50)),
        sa.Column("added", sa.Date),
    )


def test_execute_string_and_statement(db: Db) -> None:
    make_product(db)
    db.op.execute("INSERT INTO product (id, name) VALUES (1, 'lamp')")
    db.op.execute(sa.insert(PRODUCT).values(id=2, name="desk"))
    db.op.execute(
        sa.update(PRODUCT).where(PRODUCT.c.id == 2).values(name="table"),
        execution_options={"synchronize_session": False},
    )
    assert db.rows("SELECT id, name FROM product ORDER BY id") == [(1, "lamp"), (2, "table")]
    assert db.seen[-1] == Execute(db.seen[-1].sqltext, {"synchronize_session": False})  # type: ignore[attr-defined]


def test_bulk_insert_into_a_created_table_and_a_table_clause(db: Db) -> None:
    table = make_product(db)
    db.op.bulk_insert(table, [{"id": 1, "name": "a", "added": dt.date(2024, 1, 2)}])
    db.op.bulk_insert(PRODUCT, [{"id": 2, "name": "b"}, {"id": 3, "name": "c"}], multiinsert=False)
    db.op.bulk_insert(PRODUCT, [])
    assert db.rows("SELECT id, name FROM product ORDER BY id") == [(1, "a"), (2, "b"), (3, "c")]
    assert [r[0] for r in db.rows("SELECT added FROM product WHERE id = 1")] in (
        [dt.date(2024, 1, 2)],
        ["2024-01-02"],
    )


def test_inline_literal_online(db: Db) -> None:
    make_product(db)
    db.op.bulk_insert(PRODUCT, [{"id": 1, "name": "a"}])
    db.op.execute(PRODUCT.update().values(name=db.op.inline_literal("b'c")))
    assert db.rows("SELECT name FROM product") == [("b'c",)]


@pytest.mark.parametrize(
    ("dialect", "expected"),
    [
        (sqlite.dialect(), "INSERT INTO product (id, name, added) VALUES (1, 'a', '2024-01-02')"),
        (
            postgresql.dialect(),
            "INSERT INTO product (id, name, added) VALUES (1, 'a', '2024-01-02')",
        ),
    ],
)
def test_offline_bulk_insert_and_inline_literal(dialect: sa.Dialect, expected: str) -> None:
    written: list[str] = []
    op = Operations(OfflineContext(dialect, written.append))
    op.bulk_insert(
        PRODUCT, [{"id": 1, "name": "a", "added": dt.date(2024, 1, 2)}, {"id": 2, "name": "b"}]
    )
    op.execute(
        PRODUCT.update()
        .where(PRODUCT.c.id == op.inline_literal(2))
        .values(name=op.inline_literal("x"))
    )
    assert written == [
        f"{expected};\n\n",
        "INSERT INTO product (id, name) VALUES (2, 'b');\n\n",
        "UPDATE product SET name='x' WHERE product.id = 2;\n\n",
    ]


def test_data_operations_are_not_reversible() -> None:
    with pytest.raises(IrreversibleError):
        Execute("DELETE FROM product").reverse()
    with pytest.raises(IrreversibleError):
        BulkInsert(PRODUCT, ({"id": 1},)).reverse()

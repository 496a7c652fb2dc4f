"""Reading the CREATE INDEX statements SQLite stores, including ones SQLAlchemy skips."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from migguard.autogen.snapshot import IndexInfo, reflect
from migguard.autogen.snapshot.sqlite_sql import (
    IndexElement,
    ParsedIndex,
    generated_expressions,
    parse_create_index,
    strip_outer_parentheses,
)


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        (
            "CREATE INDEX ix ON t (a, b)",
            ParsedIndex(
                (IndexElement("a", None, False), IndexElement("b", None, False)), False, None
            ),
        ),
        (
            'CREATE UNIQUE INDEX "ix x" ON "my t" ("a b" DESC, [c], `d``e` asc)',
            ParsedIndex(
                (
                    IndexElement("a b", None, True),
                    IndexElement("c", None, False),
                    IndexElement("d`e", None, False),
                ),
                True,
                None,
            ),
        ),
        (
            "CREATE INDEX IF NOT EXISTS ix ON t (lower(name), substr(code, 1, 2) DESC) "
            "WHERE deleted_at IS NULL AND kind IN ('a', 'b')",
            ParsedIndex(
                (
                    IndexElement(None, "lower(name)", False),
                    IndexElement(None, "substr(code, 1, 2)", True),
                ),
                False,
                "deleted_at IS NULL AND kind IN ('a', 'b')",
            ),
        ),
        (
            "CREATE INDEX ix ON t (name COLLATE NOCASE DESC, 'it''s (,' || x)",
            ParsedIndex(
                (
                    IndexElement("name", None, True),
                    IndexElement(None, "'it''s (,' || x", False),
                ),
                False,
                None,
            ),
        ),
    ],
)
def test_parse_create_index(sql: str, expected: ParsedIndex) -> None:
    assert parse_create_index(sql) == expected


def test_unbalanced_statement_is_not_guessed() -> None:
    assert parse_create_index("CREATE INDEX ix ON t (a, b") is None


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("(1 + 2)", "1 + 2"),
        ("((1) + (2))", "(1) + (2)"),
        ("(1) + (2)", "(1) + (2)"),
        ("'(x)'", "'(x)'"),
        ("CURRENT_TIMESTAMP", "CURRENT_TIMESTAMP"),
    ],
)
def test_strip_outer_parentheses(sql: str, expected: str) -> None:
    assert strip_outer_parentheses(sql) == expected


def test_reflect_reads_expression_and_descending_indexes(sqlite_url: str) -> None:
    engine = sa.create_engine(sqlite_url)
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, code TEXT)")
        conn.exec_driver_sql("CREATE INDEX ix_expr ON t (lower(name), code DESC) WHERE code > 'a'")
        conn.exec_driver_sql("CREATE UNIQUE INDEX ix_plain ON t (code DESC, name)")
    with engine.connect() as conn:
        snapshot = reflect(conn)
    engine.dispose()
    table = snapshot.table("t")
    assert table is not None
    assert table.indexes == (
        IndexInfo(
            name="ix_expr",
            columns=(None, "code"),
            expressions=("lower(name)",),
            dialect_options=(("sqlite_where", "code > 'a'"),),
            sorting=(("code", ("desc",)),),
        ),
        IndexInfo(
            name="ix_plain", columns=("code", "name"), unique=True, sorting=(("code", ("desc",)),)
        ),
    )


def test_generated_expressions_of_a_create_table() -> None:
    sql = (
        'CREATE TABLE "t" (\n\tid INTEGER NOT NULL,\n\tprice NUMERIC(8, 2),\n'
        "\tb NUMERIC(8, 2) GENERATED ALWAYS AS (price * (2 + 1)) STORED,\n"
        "\t[c d] TEXT AS (coalesce(name, 'a, (b)')) , e INT generated always as(1)virtual,\n"
        "\tPRIMARY KEY (id), CHECK (price > 0))"
    )
    assert generated_expressions(sql) == {
        "b": "price * (2 + 1)",
        "c d": "coalesce(name, 'a, (b)')",
        "e": "1",
    }


def test_reflect_reads_generated_expressions_sqlalchemy_misses(sqlite_url: str) -> None:
    # SQLAlchemy finds the expression with a pattern that stops at a comma in the type.
    engine = sa.create_engine(sqlite_url)
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "CREATE TABLE t (id INTEGER PRIMARY KEY, price NUMERIC(8, 2), "
            "b NUMERIC(8, 2) GENERATED ALWAYS AS (price * 2) STORED, "
            "c INTEGER AS (id + 1))"
        )
    with engine.connect() as conn:
        snapshot = reflect(conn)
    engine.dispose()
    table = snapshot.table("t")
    assert table is not None
    generated = [(c.name, c.computed, c.persisted) for c in table.columns]
    assert generated == [
        ("id", None, None),
        ("price", None, None),
        ("b", "price * 2", True),
        ("c", "id + 1", False),
    ]

"""Telling a constant server default from a volatile one, as PostgreSQL's ``ADD COLUMN``
does (a volatile default rewrites the table)."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from migguard.lint.rules.defaults import default_sql, volatility

DIALECT = postgresql.dialect()


@pytest.mark.parametrize(
    ("server_default", "sql"),
    [
        ("pending", "'pending'"),
        ("it's", "'it''s'"),
        ("0", "'0'"),
        (sa.text("now()"), "now()"),
        (sa.func.now(), "now()"),
        (sa.text("'x'::text"), "'x'::text"),
        (sa.Column("c", sa.Text(), server_default="a").server_default, "'a'"),
        (sa.FetchedValue(), None),
        (None, None),
    ],
    ids=["string", "quote", "digit", "text", "func", "cast", "clause", "fetched", "none"],
)
def test_the_sql_a_server_default_renders_as(server_default: Any, sql: str | None) -> None:
    assert default_sql(server_default, DIALECT) == sql


@pytest.mark.parametrize(
    "sql",
    [
        "0",
        "-1.5",
        "true",
        "NULL",
        "''",
        "'pending'",
        "'it''s'",
        "'random()'",
        "'{}'::jsonb",
        "CURRENT_TIMESTAMP",
        "now()",
        "statement_timestamp()",
        "(0)::numeric(10, 2)",
    ],
)
def test_constants_and_stable_functions_are_constant(sql: str) -> None:
    assert volatility(sql) == "constant"


@pytest.mark.parametrize(
    "sql",
    [
        "gen_random_uuid()",
        "random()",
        "clock_timestamp()",
        "nextval('orders_id_seq'::regclass)",
        "(random() * 100)::int",
        "md5(random()::text)",
    ],
)
def test_volatile_functions_are_volatile(sql: str) -> None:
    assert volatility(sql) == "volatile"


@pytest.mark.parametrize("sql", ["make_token()", "app.next_code()", "lower(name)", "some_word"])
def test_unknown_functions_are_unknown(sql: str) -> None:
    assert volatility(sql) == "unknown"

"""The comparison rules for SQL text and types, without a database: what the databases print
back must equal what the models say, and real differences must stay different."""

from __future__ import annotations

import pytest

from migguard.autogen.diff.sql import (
    defaults_equal,
    normalise_sql,
    strip_casts,
    types_equal,
)
from migguard.autogen.snapshot import ColumnInfo, TypeSpec


@pytest.mark.parametrize(
    ("model", "reported"),
    [
        ("'guest'", "'guest'::character varying"),
        ("'0'", "0"),
        ("now()", "now()"),
        ("CURRENT_TIMESTAMP", "CURRENT_TIMESTAMP"),
        ("'2020-01-01 00:00:00'", "('2020-01-01 00:00:00'::timestamp without time zone)"),
        ("'it''s'", "'it''s'::text"),
        ("lower(email)", "lower((email)::text)"),
        ("price > 0", "(price > (0)::numeric)"),
        ("-1", "'-1'::integer"),
        ("'{}'", "'{}'::text[]"),
        ("'new'", "'new'::audit.event_kind"),
        ("'x'", "'x'::character varying(20)"),
        ("'1.50'", "1.50"),
        ("NOW( )", "now()"),
        ("now()", "CURRENT_TIMESTAMP"),
        ("transaction_timestamp()", "now()"),
    ],
)
def test_postgresql_spellings_agree(model: str, reported: str) -> None:
    assert normalise_sql(model, "postgresql") == normalise_sql(reported, "postgresql")


@pytest.mark.parametrize(
    ("model", "reported"),
    [
        ("(CURRENT_TIMESTAMP)", "CURRENT_TIMESTAMP"),
        ("(datetime('now'))", "datetime('now')"),
        ("'it''s'", '"it\'s"'),
        ("'0'", "0"),
    ],
)
def test_sqlite_spellings_agree(model: str, reported: str) -> None:
    assert normalise_sql(model, "sqlite") == normalise_sql(reported, "sqlite")


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("'Guest'", "'guest'"),  # case inside a string counts
        ("'a b'", "'ab'"),  # so does white space inside a string
        ("'(a)'", "'a'"),  # and parentheses inside a string
        ("'a::b'", "'a'"),  # a cast lookalike inside a string is text
        ("1", "2"),
        ("now()", "now() + interval '1 day'"),
        ("now()", "clock_timestamp()"),  # the statement's time, not the transaction's
    ],
)
def test_real_differences_stay(one: str, other: str) -> None:
    assert normalise_sql(one, "postgresql") != normalise_sql(other, "postgresql")


def test_strip_casts_leaves_strings_alone() -> None:
    assert strip_casts("'a::int'::text || b::varchar(3)") == "'a::int' || b"


def column(default: str | None, **kw: object) -> ColumnInfo:
    return ColumnInfo("c", TypeSpec("", "INTEGER", (), "INTEGER"), True, default, **kw)  # type: ignore[arg-type]


def test_serial_identity_and_generated_defaults_are_the_databases() -> None:
    serial = column("nextval('t_c_seq'::regclass)", autoincrement=True)
    assert defaults_equal(column(None), serial, "postgresql")
    assert not defaults_equal(column("5"), serial, "postgresql")
    identity = column(None, identity=(("always", True),))
    assert defaults_equal(column(None), identity, "postgresql")


def test_defaults_are_not_compared_where_unreliable() -> None:
    assert defaults_equal(column("'a'"), column("'b'"), "oracle")
    assert not defaults_equal(column("'a'"), column("'b'"), "sqlite")


@pytest.mark.parametrize(
    ("dialect", "model", "reflected", "equal"),
    [
        ("postgresql", "TIMESTAMP", "TIMESTAMP WITHOUT TIME ZONE", True),
        ("postgresql", "TIMESTAMP(3)", "TIMESTAMP(3) WITHOUT TIME ZONE", True),
        ("postgresql", "NUMERIC(10, 2)", "NUMERIC(10,2)", True),
        ("postgresql", "CHARACTER VARYING(20)", "VARCHAR(20)", True),
        ("postgresql", "VARCHAR(20)", "VARCHAR(30)", False),
        ("postgresql", "VARCHAR", "VARCHAR(30)", False),
        ("postgresql", "TIMESTAMP WITH TIME ZONE", "TIMESTAMP WITHOUT TIME ZONE", False),
        ("sqlite", "DECIMAL(8, 2)", "NUMERIC(8, 2)", True),
        ("sqlite", "INTEGER", "BIGINT", False),
        ("sqlite", None, "INTEGER", True),
    ],
)
def test_type_equivalences(dialect: str, model: str | None, reflected: str, equal: bool) -> None:
    assert (
        types_equal(TypeSpec("", "", (), model), TypeSpec("", "", (), reflected), dialect) is equal
    )

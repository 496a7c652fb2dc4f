"""SQLAlchemy types as ``TypeSpec`` data and back: from models, and from what SQLite and
PostgreSQL reflection return."""

from __future__ import annotations

import enum
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql as pg
from sqlalchemy.dialects import sqlite
from sqlalchemy.engine import Dialect

from migguard.autogen.snapshot import reflect
from migguard.autogen.snapshot.types import (
    TypeNotAllowedError,
    TypeSpec,
    build_type,
    canonical_type_sql,
    type_spec,
)

DIALECTS = {"sqlite": sqlite.dialect(), "postgresql": pg.dialect()}


class Mood(enum.Enum):
    happy = "h"
    sad = "s"


# (type, compiled on SQLite, compiled on PostgreSQL); None: not a type for that database (SQLite
# has no collation "C" and no PostgreSQL types), so neither compiled form nor reflection is
# checked there; the round trip through TypeSpec still is.
COMMON_TYPES: list[tuple[sa.types.TypeEngine[Any], str | None, str | None]] = [
    (sa.Integer(), "INTEGER", "INTEGER"),
    (sa.BigInteger(), "BIGINT", "BIGINT"),
    (sa.SmallInteger(), "SMALLINT", "SMALLINT"),
    (sa.String(40), "VARCHAR(40)", "VARCHAR(40)"),
    (sa.String(), "VARCHAR", "VARCHAR"),
    (sa.String(20, collation="C"), None, 'VARCHAR(20) COLLATE "C"'),
    (sa.Text(), "TEXT", "TEXT"),
    (sa.Unicode(30), "VARCHAR(30)", "VARCHAR(30)"),
    (sa.Boolean(), "BOOLEAN", "BOOLEAN"),
    (sa.Date(), "DATE", "DATE"),
    (sa.DateTime(), "DATETIME", "TIMESTAMP WITHOUT TIME ZONE"),
    (sa.DateTime(timezone=True), "DATETIME", "TIMESTAMP WITH TIME ZONE"),
    (sa.Time(), "TIME", "TIME WITHOUT TIME ZONE"),
    (sa.Numeric(10, 2), "NUMERIC(10, 2)", "NUMERIC(10, 2)"),
    (sa.Float(), "FLOAT", "DOUBLE PRECISION"),
    (sa.Float(precision=10), "FLOAT", "REAL"),
    (sa.LargeBinary(), "BLOB", "BYTEA"),
    (sa.JSON(), "JSON", "JSON"),
    (sa.Uuid(), "CHAR(32)", "UUID"),
    (sa.Interval(), "DATETIME", "INTERVAL"),
    (sa.Enum("new", "paid", name="order_state"), "VARCHAR(4)", "order_state"),
    (
        sa.Enum("a", "b", name="kind", schema="shop", native_enum=False, length=9),
        "VARCHAR(9)",
        "VARCHAR(9)",
    ),
    (sa.Enum(Mood), "VARCHAR(5)", "mood"),
    (pg.JSONB(), None, "JSONB"),
    (pg.ARRAY(sa.Integer), None, "INTEGER[]"),
    (pg.ARRAY(sa.String(5), dimensions=2), None, "VARCHAR(5)[]"),
    (pg.UUID(), None, "UUID"),
    (pg.TIMESTAMP(timezone=True, precision=3), None, "TIMESTAMP(3) WITH TIME ZONE"),
    (pg.INET(), None, "INET"),
    (pg.ENUM("x", "y", name="xy", schema="audit"), None, "audit.xy"),
]


@pytest.mark.parametrize("dialect_name", DIALECTS)
@pytest.mark.parametrize(("type_", "on_sqlite", "on_postgresql"), COMMON_TYPES, ids=repr)
def test_common_types_round_trip(
    type_: sa.types.TypeEngine[Any],
    on_sqlite: str | None,
    on_postgresql: str | None,
    dialect_name: str,
) -> None:
    dialect = DIALECTS[dialect_name]
    spec = type_spec(type_, dialect)
    expected = on_sqlite if dialect_name == "sqlite" else on_postgresql
    if expected is not None:
        assert spec.compiled == expected
    rebuilt = build_type(spec)
    assert type(rebuilt) is type(type_)
    assert type_spec(rebuilt, dialect) == spec
    assert repr(rebuilt) == repr(type_) or isinstance(type_, sa.Enum)


def test_arguments_are_the_ones_that_differ_from_defaults() -> None:
    dialect = DIALECTS["postgresql"]
    assert type_spec(sa.Numeric(10, 2), dialect).args == (("precision", 10), ("scale", 2))
    assert type_spec(sa.String(), dialect).args == ()
    assert type_spec(sa.DateTime(timezone=True), dialect).args == (("timezone", True),)
    array = type_spec(pg.ARRAY(sa.Integer), dialect)
    assert array.args == (
        ("item_type", TypeSpec("sqlalchemy.sql.sqltypes", "Integer", (), "INTEGER")),
    )
    enum_spec = type_spec(sa.Enum("new", "paid", name="order_state", schema="shop"), dialect)
    assert enum_spec.args == (
        ("enums", ("new", "paid")),
        ("name", "order_state"),
        ("schema", "shop"),
    )
    assert enum_spec.arg("schema") == "shop"
    assert enum_spec.arg("length", 99) == 99


def test_python_enum_keeps_database_labels_not_the_class() -> None:
    spec = type_spec(
        sa.Enum(Mood, values_callable=lambda e: [m.value for m in e]), DIALECTS["sqlite"]
    )
    assert spec.args == (("enums", ("h", "s")), ("name", "mood"))
    assert build_type(spec).enums == ["h", "s"]


def test_user_type_decorator_is_recorded_as_its_database_type() -> None:
    class Email(sa.types.TypeDecorator[str]):
        impl = sa.String(320)
        cache_ok = True

    spec = type_spec(Email(), DIALECTS["postgresql"])
    assert spec == TypeSpec("sqlalchemy.sql.sqltypes", "String", (("length", 320),), "VARCHAR(320)")


def test_variant_is_resolved_for_the_dialect() -> None:
    type_ = sa.String(10).with_variant(pg.JSONB(), "postgresql")
    assert type_spec(type_, DIALECTS["postgresql"]).compiled == "JSONB"
    assert type_spec(type_, DIALECTS["sqlite"]).compiled == "VARCHAR(10)"


@pytest.mark.parametrize(
    ("module", "name"),
    [
        ("os", "system"),
        ("builtins", "eval"),
        ("sqlalchemyx.types", "Integer"),
        ("sqlalchemy.sql.sqltypes", "NULLTYPE"),  # an instance, not a class
        ("sqlalchemy.dialects.postgresql", "insert"),
        ("sqlalchemy.sql.sqltypes", "NoSuchType"),
    ],
)
def test_build_refuses_anything_but_sqlalchemy_types(module: str, name: str) -> None:
    with pytest.raises(TypeNotAllowedError):
        build_type(TypeSpec(module, name, (), None))


def test_build_finds_a_class_moved_within_its_package() -> None:
    spec = TypeSpec("sqlalchemy.dialects.postgresql.some_future_module", "JSONB", (), "JSONB")
    assert isinstance(build_type(spec), pg.JSONB)


@pytest.mark.parametrize(
    ("sql", "dialect", "expected"),
    [
        ("FLOAT", "postgresql", "DOUBLE PRECISION"),
        ("FLOAT(24)", "postgresql", "REAL"),
        ("FLOAT(25)", "postgresql", "DOUBLE PRECISION"),
        ("DECIMAL(10, 2)", "postgresql", "NUMERIC(10, 2)"),
        ("CHAR", "postgresql", "CHAR(1)"),
        ("CHAR(3)", "postgresql", "CHAR(3)"),
        ("INTEGER[3][3]", "postgresql", "INTEGER[]"),
        ("TEXT[]", "postgresql", "TEXT[]"),
        ("FLOAT", "sqlite", "FLOAT"),
    ],
)
def test_canonical_type_sql(sql: str, dialect: str, expected: str) -> None:
    assert canonical_type_sql(sql, dialect) == expected


def reflectable_types(dialect: Dialect) -> list[tuple[str, sa.types.TypeEngine[Any]]]:
    """The common types the dialect can create, as columns ``c0``, ``c1``, ..."""
    on = 1 if dialect.name == "sqlite" else 2
    usable = [row[0] for row in COMMON_TYPES if row[on] is not None]
    return [(f"c{i}", type_) for i, type_ in enumerate(usable)]


def test_reflected_types_rebuild_and_compile_like_the_models(db_url: str) -> None:
    engine = sa.create_engine(db_url)
    metadata = sa.MetaData()
    columns = reflectable_types(engine.dialect)
    sa.Table("t", metadata, *(sa.Column(name, type_) for name, type_ in columns))
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(sa.text("CREATE SCHEMA audit"))
        metadata.create_all(conn)
        conn.commit()
        snapshot = reflect(conn)
    engine.dispose()
    table = snapshot.table("t")
    assert table is not None
    for (name, type_), column in zip(columns, table.columns, strict=True):
        reflected = column.type
        assert reflected.compiled == type_spec(type_, engine.dialect).compiled, name
        assert reflected.module.startswith(("sqlalchemy.sql.", "sqlalchemy.dialects."))
        assert type_spec(build_type(reflected), engine.dialect) == reflected, name


def test_a_memo_describes_each_plain_type_once_and_never_mixes_up_others() -> None:
    dialect = DIALECTS["postgresql"]
    memo: dict[Any, TypeSpec] = {}
    several = [
        sa.String(40),
        sa.String(40),
        sa.String(41),
        sa.Integer(),
        sa.Integer(),
        sa.Numeric(12, 2),
        sa.Numeric(12, 2, asdecimal=False),
        sa.Boolean(),
        # Not plain: a variant, an array of a plain type, an enum, a decorator.
        sa.String(40).with_variant(sa.Text(), "postgresql"),
        sa.ARRAY(sa.String(40)),
        sa.Enum("a", "b", name="letters"),
        sa.PickleType(),
    ]

    described = [type_spec(type_, dialect, memo) for type_ in several]

    assert described == [type_spec(type_, dialect) for type_ in several]
    assert described[0] is described[1] and described[3] is described[4]
    assert described[8].compiled == "TEXT"
    # One entry per distinct plain type (String(40), String(41), Integer, the two Numeric,
    # Boolean); the others were described without the memo.
    assert len(memo) == 6

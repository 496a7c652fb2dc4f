"""The models' snapshot, computed without a database, against the snapshot reflected after
``create_all`` of the same models.

Everything agrees except what differs by nature, which the tests spell out rather than hide:

1. Type classes. The models say ``String(255)``, reflection ``VARCHAR(length=255)``; both
   compile to ``VARCHAR(255)``, so types are compared by ``TypeSpec.compiled``.
2. Names PostgreSQL chooses for unnamed constraints (``orders_pkey``, ``orders_total_check``,
   ``orders_customer_id_fkey``, ``orders_customer_id_placed_at_key``): ``None`` in the models'
   snapshot. SQLite keeps no name for them either way, so there both say ``None``.
3. SQL that PostgreSQL stores parsed and prints back in its own words: the default ``'guest'``
   becomes ``'guest'::character varying``, the check ``total >= 0`` becomes
   ``total >= 0::numeric``, the generated column ``visits * 2`` becomes ``(visits * 2)``, the
   index expression ``lower(email)`` becomes ``lower(email::text)``. SQLite stores the text as
   SQLAlchemy wrote it, so there both agree (SQLite drops the parentheses of ``DEFAULT (expr)``,
   which the models' snapshot does too).
4. PostgreSQL ``SERIAL`` columns report ``nextval('<table>_<column>_seq'::regclass)`` as their
   default; the models declare none. Both say ``autoincrement=True``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql as pg

from migguard.autogen.snapshot import (
    ColumnInfo,
    Snapshot,
    TableInfo,
    TypeSpec,
    reflect,
    snapshot_of_metadata,
)
from tests.testing.shop_schema import create, schemas, shop_metadata

# Difference 3 and 4 on PostgreSQL: (table, column or constraint) -> what the database reports.
PG_DEFAULTS = {
    ("customers", "id"): "nextval('customers_id_seq'::regclass)",
    ("customers", "nickname"): "'guest'::character varying",
}
PG_COMPUTED = {("customers", "visits_x2"): "(visits * 2)"}
PG_CHECKS = {("orders", "total >= 0"): "total >= 0::numeric"}
PG_INDEX_EXPRESSIONS = {("customers", "ix_customers_email_lower"): ("lower(email::text)",)}


@pytest.fixture
def engine(db_url: str) -> Iterator[sa.Engine]:
    engine = sa.create_engine(db_url)
    yield engine
    engine.dispose()


def reflected_and_modelled(engine: sa.Engine, metadata: sa.MetaData) -> tuple[Snapshot, Snapshot]:
    with engine.connect() as conn:
        create(conn, metadata)
        reflected = reflect(conn, schemas=schemas(engine.dialect.name), exclude=())
        modelled = snapshot_of_metadata([metadata], conn.dialect)
    return reflected, modelled


def test_models_agree_with_reflection(engine: sa.Engine) -> None:
    reflected, modelled = reflected_and_modelled(engine, shop_metadata(engine.dialect.name))
    expected = compiled_types_only(modelled)
    if engine.dialect.name == "postgresql":
        expected = with_postgresql_rewrites(expected, reflected)
    assert [t.name for t in expected.tables] == [t.name for t in reflected.tables]
    for want, got in zip(expected.tables, compiled_types_only(reflected).tables, strict=True):
        assert want == got, want.name
    assert expected.enums == reflected.enums


def test_naming_conventions_give_the_database_names(engine: sa.Engine) -> None:
    metadata = sa.MetaData(
        naming_convention={
            "pk": "pk_%(table_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "uq": "uq_%(table_name)s_%(column_0_N_name)s",
            "ck": "ck_%(table_name)s_%(constraint_name)s",
            "ix": "ix_%(column_0_label)s",
        }
    )
    parent = sa.Table("parent", metadata, sa.Column("id", sa.Integer, primary_key=True))
    # Long enough that the unique and foreign key names exceed PostgreSQL's 63 characters.
    long_name = "orders_placed_by_customers_through_the_web_shop"
    sa.Table(
        long_name,
        metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("parent_id", sa.Integer, sa.ForeignKey(parent.c.id), index=True),
        sa.Column("first_code", sa.String(10)),
        sa.Column("second_code", sa.String(10)),
        sa.Column("n", sa.Integer),
        sa.UniqueConstraint("first_code", "second_code"),
        sa.CheckConstraint("n > 0", name="positive"),
    )
    reflected, modelled = reflected_and_modelled(engine, metadata)
    table = modelled.table(long_name)
    assert table is not None
    (unique,) = table.uniques
    if engine.dialect.name == "postgresql":
        # SQLAlchemy shortens a convention name that is too long, with a hash; so does the model.
        assert str(unique.name).startswith("uq_orders_placed") and len(str(unique.name)) <= 63
        assert len(f"uq_{long_name}_first_code_second_code") > 63
    names = [constraint_names(t) for t in modelled.tables]
    assert names == [constraint_names(t) for t in reflected.tables]
    for table_names in names:
        assert None not in table_names
    if engine.dialect.name == "sqlite":
        # SQLite keeps primary key names in the DDL, and SQLAlchemy reads them back from it.
        assert reflected.table("parent").primary_key.name == "pk_parent"  # type: ignore[union-attr]


def constraint_names(table: TableInfo) -> list[str | None]:
    return [
        table.primary_key.name if table.primary_key else "-",
        *(fk.name for fk in table.foreign_keys),
        *(index.name for index in table.indexes),
        *(unique.name for unique in table.uniques),
        *(check.name for check in table.checks),
    ]


def test_dialect_by_name_equals_dialect_object() -> None:
    metadata = shop_metadata("postgresql")
    assert snapshot_of_metadata(metadata, "postgresql") == snapshot_of_metadata(
        [metadata], pg.dialect()
    )


def test_several_metadata_and_foreign_keys_between_them() -> None:
    accounts = sa.MetaData()
    sa.Table("users", accounts, sa.Column("id", sa.Integer, primary_key=True))
    billing = sa.MetaData()
    sa.Table(
        "invoices",
        billing,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE")),
    )
    snapshot = snapshot_of_metadata([accounts, billing], "sqlite")
    assert [t.name for t in snapshot.tables] == ["invoices", "users"]
    invoices = snapshot.table("invoices")
    assert invoices is not None
    (fk,) = invoices.foreign_keys
    assert (fk.referred_table, fk.referred_columns, fk.ondelete) == ("users", ("id",), "CASCADE")


def test_same_table_in_two_metadata_is_an_error() -> None:
    first, second = sa.MetaData(), sa.MetaData()
    for metadata in (first, second):
        sa.Table("users", metadata, sa.Column("id", sa.Integer, primary_key=True))
    with pytest.raises(ValueError, match="users is defined in two MetaData"):
        snapshot_of_metadata([first, second], "sqlite")


def test_postgresql_identity_defaults_are_filled_in() -> None:
    metadata = sa.MetaData()
    sa.Table(
        "t",
        metadata,
        sa.Column("up", sa.SmallInteger, sa.Identity(), primary_key=True),
        sa.Column("down", sa.BigInteger, sa.Identity(increment=-2, cache=5)),
    )
    table = snapshot_of_metadata(metadata, "postgresql").table("t")
    assert table is not None
    up, down = table.columns
    assert dict(up.identity or ()) == {
        "always": False,
        "start": 1,
        "increment": 1,
        "minvalue": 1,
        "maxvalue": 32767,
        "cycle": False,
        "cache": 1,
    }
    assert dict(down.identity or ())["start"] == -1
    assert dict(down.identity or ())["minvalue"] == -(2**63)
    assert (down.nullable, down.autoincrement) == (False, True)
    sqlite_table = snapshot_of_metadata(metadata, "sqlite").table("t")
    assert sqlite_table is not None and sqlite_table.columns[0].identity is None


# --- turning the models' snapshot into what PostgreSQL reports --------------------------------


def compiled_types_only(snapshot: Snapshot) -> Snapshot:
    """Difference 1: keep only ``compiled`` of every column type."""
    return map_columns(
        snapshot,
        lambda table, column: dataclasses.replace(
            column, type=TypeSpec("", "", (), column.type.compiled)
        ),
    )


def with_postgresql_rewrites(modelled: Snapshot, reflected: Snapshot) -> Snapshot:
    """Differences 2-4 applied to the models' snapshot, asserting each along the way."""
    tables = []
    for table in map_columns(modelled, _rewrite_column).tables:
        actual = reflected.table(table.name, table.schema)
        assert actual is not None, table.name
        tables.append(_rewrite_constraints(table, actual))
    return dataclasses.replace(modelled, tables=tuple(tables))


def _rewrite_column(table: TableInfo, column: ColumnInfo) -> ColumnInfo:
    key = (table.name, column.name)
    if key in PG_DEFAULTS:
        column = dataclasses.replace(column, server_default=PG_DEFAULTS[key])
    if key in PG_COMPUTED:
        column = dataclasses.replace(column, computed=PG_COMPUTED[key])
    return column


def _rewrite_constraints(table: TableInfo, actual: TableInfo) -> TableInfo:
    def chosen(name: str | None, columns: tuple[str, ...], suffix: str, found: Any) -> str:
        """The name PostgreSQL chose, checked against its ``<table>_<columns>_<suffix>``."""
        if name is not None:
            return name
        assert found.name == "_".join([table.name, *columns, suffix]), found
        return str(found.name)

    pk = table.primary_key
    assert pk is not None and actual.primary_key is not None
    pk = dataclasses.replace(pk, name=chosen(pk.name, (), "pkey", actual.primary_key))
    fks = tuple(
        dataclasses.replace(
            fk, name=chosen(fk.name, fk.columns, "fkey", match(fk, actual.foreign_keys))
        )
        for fk in table.foreign_keys
    )
    uniques = tuple(
        dataclasses.replace(uq, name=chosen(uq.name, uq.columns, "key", match(uq, actual.uniques)))
        for uq in table.uniques
    )
    checks = []
    for check in table.checks:
        sqltext = PG_CHECKS.get((table.name, check.sqltext), check.sqltext)
        found = next(c for c in actual.checks if c.sqltext == sqltext)
        first_column = sqltext.split()[0]
        checks.append(
            dataclasses.replace(
                check, sqltext=sqltext, name=chosen(check.name, (first_column,), "check", found)
            )
        )
    indexes = tuple(
        dataclasses.replace(
            index,
            expressions=PG_INDEX_EXPRESSIONS.get((table.name, str(index.name)), index.expressions),
        )
        for index in table.indexes
    )
    return dataclasses.replace(
        table,
        primary_key=pk,
        foreign_keys=tuple(sorted(fks, key=sort_key)),
        uniques=tuple(sorted(uniques, key=sort_key)),
        checks=tuple(sorted(checks, key=sort_key)),
        indexes=indexes,
    )


def match(item: Any, candidates: tuple[Any, ...]) -> Any:
    return next(c for c in candidates if c.columns == item.columns)


def sort_key(item: Any) -> tuple[object, ...]:
    from migguard.autogen.snapshot.records import named_sort_key

    return named_sort_key(item)


def map_columns(
    snapshot: Snapshot, change: Callable[[TableInfo, ColumnInfo], ColumnInfo]
) -> Snapshot:
    tables = tuple(
        dataclasses.replace(table, columns=tuple(change(table, c) for c in table.columns))
        for table in snapshot.tables
    )
    return dataclasses.replace(snapshot, tables=tables)


def test_index_on_a_column_given_as_text_is_on_that_column(engine: sa.Engine) -> None:
    # ``sa.desc("a")`` is text that names column ``a``: the database indexes the column.
    metadata = sa.MetaData()
    sa.Table("t", metadata, sa.Column("a", sa.Integer), sa.Index("ix_t_a", sa.desc("a")))
    reflected, modelled = reflected_and_modelled(engine, metadata)
    (index,) = modelled.tables[0].indexes
    assert index.columns == ("a",)
    assert index.expressions == ()
    assert reflected.tables[0].indexes == modelled.tables[0].indexes

"""Parity with Alembic: for about twenty kinds of model change, the changes migguard detects are
the ones ``alembic.autogenerate.compare_metadata`` reports on the same database, as
``(kind, object)`` in Alembic's vocabulary (``add_table``, ``remove_column``,
``modify_nullable``, ``add_fk``, ...), except where migguard deliberately does more; each such
case lists the difference and says why.

Alembic runs with its defaults (``compare_type`` on, ``compare_server_default`` off) unless a
case says otherwise.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from migguard.autogen.diff import Note
from migguard.autogen.diff.enums import EnumTypeChange
from migguard.ops.base import Operation
from migguard.ops.constraints import (
    CreateCheckConstraint,
    CreateConstraint,
    CreateForeignKey,
    CreateUniqueConstraint,
    DropConstraint,
)
from migguard.ops.indexes import CreateIndex, DropIndex
from migguard.ops.schema import (
    AddColumn,
    AlterColumn,
    CreateTable,
    CreateTableComment,
    DropColumn,
    DropTable,
    DropTableComment,
)
from tests.testing.diff import build, customer, diff, engine_for
from tests.testing.shop_schema import shop_metadata

Change = tuple[str, Any]


@pytest.fixture
def engine(db_url: str) -> Iterator[sa.Engine]:
    yield from engine_for(db_url)


# --- the two vocabularies as (kind, object) ----------------------------------------------------


def _constraint_key(operation: Any) -> Change:
    """A unique constraint or foreign key by table and columns: its name may differ (Alembic
    reports the model's, often ``None``)."""
    if isinstance(operation, CreateForeignKey):
        key = (operation.source_table, operation.local_cols, operation.referent_table)
        return ("fk", key)
    if isinstance(operation, CreateUniqueConstraint):
        return ("constraint", (operation.table_name, operation.columns))
    assert isinstance(operation, CreateCheckConstraint), operation
    return ("check", (operation.table_name, operation.constraint_name))


def migguard_changes(items: list[Operation | Note]) -> set[Change]:
    """migguard's operations in Alembic's words; kinds Alembic has none for keep their own
    (``add_check``, ``add_enum``, ``note``, ...)."""
    found: set[Change] = set()
    for item in items:
        if isinstance(item, Note):
            found.add(("note", item.text.split("'")[1]))
        elif isinstance(item, AlterColumn):
            column = f"{item.table_name}.{item.column_name}"
            changed = {
                "modify_nullable": item.nullable is not None,
                "modify_type": item.type_ is not None,
                "modify_default": item.server_default is not False,
                "modify_comment": item.comment is not False,
            }
            found |= {(kind, column) for kind, yes in changed.items() if yes}
        elif getattr(item, "type_", None) == "primary":
            # Dropping and creating a primary key (PostgreSQL), or replacing it (SQLite).
            found.add(("change_primary_key", item.table_name))
        elif isinstance(item, CreateConstraint):
            kind, key = _constraint_key(item)
            found.add((f"add_{kind}", key))
        elif isinstance(item, DropConstraint):
            assert item.definition is not None
            kind, key = _constraint_key(item.definition)
            found.add((f"remove_{kind}", key))
        elif isinstance(item, EnumTypeChange):
            found.add((item.kind, item.type_name))
        else:
            found.add(_simple(item))
    return found


def _simple(item: Operation) -> Change:
    if isinstance(item, CreateTable):
        return ("add_table", item.table_name)
    if isinstance(item, DropTable):
        return ("remove_table", item.table_name)
    if isinstance(item, AddColumn):
        return ("add_column", f"{item.table_name}.{item.column.name}")
    if isinstance(item, DropColumn):
        return ("remove_column", f"{item.table_name}.{item.column_name}")
    if isinstance(item, CreateIndex):
        return ("add_index", item.index_name)
    if isinstance(item, DropIndex):
        return ("remove_index", item.index_name)
    if isinstance(item, CreateTableComment):
        return ("add_table_comment", item.table_name)
    if isinstance(item, DropTableComment):
        return ("remove_table_comment", item.table_name)
    raise AssertionError(f"no Alembic counterpart for {item!r}")


def alembic_changes(engine: sa.Engine, metadata: sa.MetaData, **opts: Any) -> set[Change]:
    """What ``compare_metadata`` reports, in the same form."""
    with engine.connect() as conn, warnings.catch_warnings():
        # On SQLite Alembic warns that it skips expression indexes (a case below).
        warnings.simplefilter("ignore")
        context = MigrationContext.configure(conn, opts=opts)
        diffs = compare_metadata(context, metadata)
    found: set[Change] = set()
    for entry in diffs:
        if isinstance(entry, list):
            found |= {(kind, f"{table}.{column}") for kind, _, table, column, *_ in entry}
            continue
        kind, obj = entry[0], entry[-1]
        if kind in ("add_table", "remove_table"):
            found.add((kind, obj.name))
        elif kind in ("add_column", "remove_column"):
            found.add((kind, f"{entry[2]}.{obj.name}"))
        elif kind in ("add_index", "remove_index"):
            found.add((kind, obj.name))
        elif kind in ("add_constraint", "remove_constraint"):
            found.add((kind, (obj.table.name, tuple(c.name for c in obj.columns))))
        elif kind in ("add_fk", "remove_fk"):
            columns = tuple(c.name for c in obj.columns)
            found.add((kind, (obj.table.name, columns, obj.referred_table.name)))
        elif kind in ("add_table_comment", "remove_table_comment"):
            found.add((kind, entry[1].name))
        else:
            found.add((kind, repr(obj)))
    return found


# --- the cases ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """A change from ``before`` to ``after`` (functions of the dialect name, giving MetaData).

    ``expected``: what both report. ``only_migguard``: what migguard reports beyond Alembic
    (each case says why). ``alembic_opts``: options for Alembic. ``dialects``: where it runs.
    """

    before: Callable[[str], sa.MetaData]
    after: Callable[[str], sa.MetaData]
    expected: frozenset[Change]
    only_migguard: frozenset[Change] = frozenset()
    alembic_opts: dict[str, Any] = field(default_factory=dict)
    dialects: tuple[str, ...] = ("sqlite", "postgresql")


Item = Callable[[], Any]  # makes a fresh column, index or constraint each time


def seed(*extra: Item) -> Callable[[str], sa.MetaData]:
    """The seeds' customer table with ``extra`` columns/constraints."""
    return tables(customer_table(*extra))


def tables(*specs: Callable[[sa.MetaData], Any]) -> Callable[[str], sa.MetaData]:
    def make(dialect: str) -> sa.MetaData:
        metadata = sa.MetaData()
        for spec in specs:
            spec(metadata)
        return metadata

    return make


def empty(dialect: str) -> sa.MetaData:
    return sa.MetaData()


def customer_table(*extra: Item, **kw: Any) -> Callable[[sa.MetaData], Any]:
    def make(metadata: sa.MetaData) -> sa.Table:
        table = customer(metadata, *[item() for item in extra])
        table.comment = kw.get("comment")
        return table

    return make


def orders(*extra: Item) -> Callable[[sa.MetaData], Any]:
    def make(metadata: sa.MetaData) -> sa.Table:
        return sa.Table(
            "orders",
            metadata,
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("customer_id", sa.Integer),
            *[item() for item in extra],
        )

    return make


def status_table(*labels: str) -> Callable[[sa.MetaData], Any]:
    return lambda metadata: sa.Table(
        "t",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("s", sa.Enum(*labels, name="state")),
    )


def col(name: str, type_: Any = sa.Integer, **kw: Any) -> Item:
    return lambda: sa.Column(name, type_, **kw)


def index(name: str, *columns: str) -> Item:
    return lambda: sa.Index(name, *columns)


def unique(name: str, *columns: str) -> Item:
    return lambda: sa.UniqueConstraint(*columns, name=name)


def fk(**kw: Any) -> Item:
    return lambda: sa.ForeignKeyConstraint(
        ["customer_id"], ["customer.id"], name="fk_orders_customer", **kw
    )


CASES: dict[str, Case] = {
    "seed customer table added": Case(empty, seed(), frozenset({("add_table", "customer")})),
    "seed age column added": Case(
        seed(), seed(col("age", nullable=False)), frozenset({("add_column", "customer.age")})
    ),
    "column dropped": Case(
        seed(col("age")), seed(), frozenset({("remove_column", "customer.age")})
    ),
    "table dropped": Case(
        tables(customer_table(), orders()), seed(), frozenset({("remove_table", "orders")})
    ),
    "nullable changed": Case(
        seed(col("age", nullable=True)),
        seed(col("age", nullable=False)),
        frozenset({("modify_nullable", "customer.age")}),
    ),
    "varchar length changed": Case(
        seed(col("nick", sa.String(20))),
        seed(col("nick", sa.String(40))),
        frozenset({("modify_type", "customer.nick")}),
    ),
    "integer widened": Case(
        seed(col("age")),
        seed(col("age", sa.BigInteger)),
        frozenset({("modify_type", "customer.age")}),
    ),
    "index added": Case(
        seed(col("age")),
        seed(col("age"), index("ix_customer_age", "age")),
        frozenset({("add_index", "ix_customer_age")}),
    ),
    "index dropped": Case(
        seed(col("age"), index("ix_customer_age", "age")),
        seed(col("age")),
        frozenset({("remove_index", "ix_customer_age")}),
    ),
    "index columns changed": Case(
        seed(index("ix_customer_name", "last_name")),
        seed(index("ix_customer_name", "last_name", "first_name")),
        frozenset({("remove_index", "ix_customer_name"), ("add_index", "ix_customer_name")}),
    ),
    "unique constraint added": Case(
        seed(),
        seed(unique("uq_customer_name", "first_name", "last_name")),
        frozenset({("add_constraint", ("customer", ("first_name", "last_name")))}),
    ),
    "unique constraint dropped": Case(
        seed(unique("uq_customer_city", "city")),
        seed(),
        frozenset({("remove_constraint", ("customer", ("city",)))}),
    ),
    "foreign key added": Case(
        tables(customer_table(), orders()),
        tables(customer_table(), orders(fk())),
        frozenset({("add_fk", ("orders", ("customer_id",), "customer"))}),
    ),
    "foreign key dropped": Case(
        tables(customer_table(), orders(fk())),
        tables(customer_table(), orders()),
        frozenset({("remove_fk", ("orders", ("customer_id",), "customer"))}),
    ),
    "foreign key ondelete changed": Case(
        tables(customer_table(), orders(fk())),
        tables(customer_table(), orders(fk(ondelete="CASCADE"))),
        frozenset(
            {
                ("remove_fk", ("orders", ("customer_id",), "customer")),
                ("add_fk", ("orders", ("customer_id",), "customer")),
            }
        ),
    ),
    "column comment changed": Case(
        seed(col("age", comment="years")),
        seed(col("age", comment="full years")),
        frozenset({("modify_comment", "customer.age")}),
        dialects=("postgresql",),  # SQLite keeps no comments
    ),
    "table comment added and removed": Case(
        tables(
            customer_table(), lambda m: sa.Table("t", m, sa.Column("id", sa.Integer), comment="x")
        ),
        tables(
            customer_table(comment="people"),
            lambda m: sa.Table("t", m, sa.Column("id", sa.Integer)),
        ),
        frozenset({("add_table_comment", "customer"), ("remove_table_comment", "t")}),
        dialects=("postgresql",),
    ),
    "server default changed, Alembic asked to compare": Case(
        seed(col("age", server_default="18")),
        seed(col("age", server_default="21")),
        frozenset({("modify_default", "customer.age")}),
        alembic_opts={"compare_server_default": True},
    ),
    # Deliberate: server defaults are compared by default in migguard (normalised per dialect,
    # so reliable on PostgreSQL and SQLite); Alembic leaves them out unless asked.
    "server default changed, Alembic defaults": Case(
        seed(col("city_code", sa.String(3), server_default="LDN")),
        seed(col("city_code", sa.String(3), server_default="PAR")),
        frozenset(),
        only_migguard=frozenset({("modify_default", "customer.city_code")}),
    ),
    # Deliberate: a dropped column with an added one of the same shape gets a rename hint; the
    # operations stay Alembic's drop + add.
    "column that looks renamed": Case(
        seed(col("age", nullable=False)),
        seed(col("years", nullable=False)),
        frozenset({("remove_column", "customer.age"), ("add_column", "customer.years")}),
        only_migguard=frozenset({("note", "customer.age")}),
    ),
    # Deliberate: named check constraints are compared; Alembic does not look at them.
    "check constraint added": Case(
        seed(col("age")),
        seed(col("age"), lambda: sa.CheckConstraint("age >= 0", name="ck_customer_age")),
        frozenset(),
        only_migguard=frozenset({("add_check", ("customer", "ck_customer_age"))}),
    ),
    # Deliberate: a changed primary key is detected (Alembic ignores primary keys).
    "primary key widened": Case(
        seed(col("branch", nullable=False, server_default="0")),
        seed(col("branch", primary_key=True, server_default="0")),
        frozenset(),
        only_migguard=frozenset({("change_primary_key", "customer")}),
    ),
    # Deliberate: enum types are created before the table and dropped with it; Alembic
    # creates the type implicitly in create_table and never drops it.
    "table with a new enum type": Case(
        empty,
        tables(status_table("a", "b")),
        frozenset({("add_table", "t")}),
        only_migguard=frozenset({("add_enum", "state")}),
        dialects=("postgresql",),
    ),
    # Deliberate: a label added to an enum type is detected (Alembic sees no difference).
    "enum label added": Case(
        tables(status_table("a", "b")),
        tables(status_table("a", "b", "c")),
        frozenset(),
        only_migguard=frozenset({("alter_enum", "state")}),
        dialects=("postgresql",),
    ),
    "expression index added": Case(
        seed(),
        seed(lambda: sa.Index("ix_customer_city", sa.func.lower(sa.column("city")))),
        frozenset({("add_index", "ix_customer_city")}),
        dialects=("postgresql",),
    ),
    # Deliberate: SQLite expression indexes are compared too (migguard reads their CREATE
    # INDEX statements); Alembic skips them with a warning as SQLAlchemy cannot reflect them.
    "expression index added on SQLite": Case(
        seed(),
        seed(lambda: sa.Index("ix_customer_city", sa.func.lower(sa.column("city")))),
        frozenset(),
        only_migguard=frozenset({("add_index", "ix_customer_city")}),
        dialects=("sqlite",),
    ),
    "shop schema in sync": Case(shop_metadata, shop_metadata, frozenset()),
}


@pytest.mark.parametrize("name", list(CASES))
def test_same_changes_as_alembic(engine: sa.Engine, name: str) -> None:
    case = CASES[name]
    dialect = engine.dialect.name
    if dialect not in case.dialects:
        pytest.skip(f"{name}: a case for {' and '.join(case.dialects)} only")
    build(engine, case.before(dialect))
    after = case.after(dialect)
    if dialect == "postgresql":
        # Alembic compares the default schema only; so does migguard here.
        after = _default_schema_only(after)
    ours = migguard_changes(diff(engine, after, schemas=(None,)).items)
    theirs = alembic_changes(engine, after, **case.alembic_opts)
    assert theirs == set(case.expected)
    assert ours == set(case.expected) | set(case.only_migguard)


def _default_schema_only(metadata: sa.MetaData) -> sa.MetaData:
    result = sa.MetaData()
    for table in metadata.tables.values():
        if table.schema is None:
            table.to_metadata(result)
    return result

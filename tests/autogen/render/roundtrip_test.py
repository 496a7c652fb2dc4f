"""Rendered operations do what the operations do: for each kind, the upgrade written by the
renderer runs (through the real ``script.py.mako`` and ``op`` binding) on one fresh database,
the ``Operation`` objects run directly on a second one, and both reflect to the same schema;
then the rendered downgrade brings the first database back to where it started."""

from __future__ import annotations

import uuid
import warnings
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql.elements import conv

from migguard.autogen.diff.options import Note
from migguard.ops.base import Operation
from migguard.ops.constraints import (
    CreateCheckConstraint,
    CreateForeignKey,
    CreatePrimaryKey,
    CreateUniqueConstraint,
    DropConstraint,
)
from migguard.ops.data import Execute
from migguard.ops.indexes import CreateIndex, DropIndex
from migguard.ops.operations import Operations
from migguard.ops.schema import (
    AddColumn,
    AlterColumn,
    CreateTable,
    CreateTableComment,
    DropColumn,
    DropTable,
    DropTableComment,
    RenameTable,
)
from tests.testing.postgres import PostgresServer, admin_execute
from tests.testing.rendered import load_script, run_in_transaction, write_script


class Cents(sa.TypeDecorator[int]):
    """A user type: money stored as a whole number of cents."""

    impl = sa.BigInteger
    cache_ok = True


# --- the starting schema ------------------------------------------------------------------------


def orders_table() -> CreateTable:
    """``orders`` as the starting schema has it (also the definition a drop_table needs)."""
    return CreateTable(
        "orders",
        (
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("customer_id", sa.Integer, nullable=False),
            sa.Column("total", sa.Numeric(10, 2)),
            sa.Column("note", sa.Text),
            sa.Column("legacy", sa.String(20)),
            sa.Column("memo", sa.Text),
            sa.UniqueConstraint("legacy", name="uq_orders_legacy"),
            sa.CheckConstraint("total >= 0", name="ck_orders_total"),
            sa.ForeignKeyConstraint(["customer_id"], ["customer.id"], name="fk_orders_customer"),
            sa.Index("ix_orders_note", "note"),
        ),
    )


def start() -> list[Operation]:
    """customer, orders (with a unique, a check, a foreign key and an index) and tag (no
    primary key)."""
    return [
        CreateTable(
            "customer",
            (
                sa.Column("id", sa.Integer, primary_key=True),
                sa.Column("email", sa.String(100), nullable=False),
                sa.Column("nickname", sa.Text),
                sa.Column("score", sa.Integer, server_default=sa.text("0")),
            ),
            comment="people who buy",
        ),
        orders_table(),
        CreateTable("tag", (sa.Column("name", sa.String(30), nullable=False),)),
    ]


# --- the cases ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """Operations to render (built fresh per run: SQLAlchemy columns belong to one table),
    the dialects they apply to, and whether they change a schema reflection can see there."""

    name: str
    build: Callable[[], list[Operation | Note]]
    dialects: tuple[str, ...] = ("sqlite", "postgresql")
    invisible_on: tuple[str, ...] = ()
    reversible: bool = True


def common_types_table() -> list[Operation | Note]:
    return [
        CreateTable(
            "invoice",
            (
                sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
                sa.Column("number", sa.String(255), nullable=False, unique=True),
                sa.Column("amount", sa.Numeric(10, 2), nullable=False, server_default="0"),
                sa.Column("rate", sa.Float),
                sa.Column("issued", sa.DateTime(timezone=True), server_default=sa.func.now()),
                sa.Column("due", sa.Date),
                sa.Column("paid", sa.Boolean, nullable=False, server_default=sa.false()),
                sa.Column("status", sa.Enum("draft", "sent", name="invoice_status")),
                sa.Column("body", sa.Text, comment="free text"),
                sa.Column("pdf", sa.LargeBinary),
                sa.Column("ref", sa.Uuid),
                sa.Column("cents", Cents),
                sa.Column(
                    "customer_id", sa.Integer, sa.ForeignKey("customer.id", ondelete="CASCADE")
                ),
                sa.Column("half", sa.Numeric(10, 2), sa.Computed("amount / 2", persisted=True)),
                sa.Column("kind", sa.String(10), server_default=sa.text("'plain'"), index=True),
                sa.CheckConstraint("amount >= 0", name="ck_invoice_amount"),
            ),
            comment="bills",
        )
    ]


def postgresql_types_table() -> list[Operation | Note]:
    return [
        CreateTable(
            "event",
            (
                sa.Column(
                    "id", sa.BigInteger, sa.Identity(start=100, increment=5), primary_key=True
                ),
                sa.Column("payload", postgresql.JSONB),
                sa.Column("doc", sa.JSON),
                sa.Column("uid", postgresql.UUID(as_uuid=True)),
                sa.Column("tags", sa.ARRAY(sa.Integer)),
                sa.Column("names", postgresql.ARRAY(sa.String(20), dimensions=2)),
                sa.Column("mood", postgresql.ENUM("sad", "ok", name="mood")),
                sa.Column("at", postgresql.TIMESTAMP(timezone=True, precision=3)),
                sa.Column("span", sa.Interval),
                sa.Column("doubled", sa.BigInteger, sa.Computed("id * 2", persisted=True)),
                sa.Column("created", sa.DateTime, server_default=sa.text("now()")),
            ),
            schema="public",
        ),
        CreateIndex(
            "ix_event_payload",
            "event",
            ("payload",),
            schema="public",
            kw={"postgresql_using": "gin"},
        ),
    ]


def sqlite_types_table() -> list[Operation | Note]:
    return [
        CreateTable(
            "reading",
            (
                sa.Column("id", sa.Integer, primary_key=True),
                sa.Column("taken", sqlite.DATETIME()),
                sa.Column("value", sa.Numeric(8, 3)),
            ),
            kw={"sqlite_autoincrement": True},
        )
    ]


def batch_of_changes() -> list[Operation | Note]:
    return [
        AlterColumn(
            "orders",
            "note",
            nullable=False,
            server_default=sa.text("''"),
            existing_type=sa.Text(),
            existing_nullable=True,
            existing_server_default=None,
        ),
        DropColumn("orders", "memo", definition=sa.Column("memo", sa.Text)),
        AddColumn("orders", sa.Column("shipped", sa.Boolean, nullable=True)),
        CreateUniqueConstraint("uq_orders_shipped_note", "orders", ("shipped", "note")),
        Note("several changes to orders: one rebuild on SQLite"),
    ]


CASES = [
    Case("create_table_common_types", common_types_table),
    Case("create_table_postgresql_types", postgresql_types_table, ("postgresql",)),
    Case("create_table_sqlite_types", sqlite_types_table, ("sqlite",)),
    Case("drop_table", lambda: [DropTable("orders", definition=orders_table())]),
    Case("rename_table", lambda: [RenameTable("tag", "label")]),
    Case(
        "add_column_with_default_and_comment",
        lambda: [
            AddColumn(
                "customer",
                sa.Column(
                    "status", sa.String(20), nullable=False, server_default="new", comment="state"
                ),
            )
        ],
    ),
    Case(
        "add_column_with_keys",
        lambda: [
            AddColumn(
                "orders",
                sa.Column(
                    "referrer_id",
                    sa.Integer,
                    sa.ForeignKey("customer.id", ondelete="SET NULL"),
                    sa.CheckConstraint("referrer_id > 0", name="ck_orders_referrer"),
                ),
            ),
            AddColumn("customer", sa.Column("code", sa.String(10), index=True, unique=True)),
        ],
    ),
    Case(
        "drop_column",
        lambda: [DropColumn("orders", "memo", definition=sa.Column("memo", sa.Text))],
    ),
    Case(
        "alter_column_type_and_nullable",
        lambda: [
            AlterColumn(
                "orders",
                "legacy",
                type_=sa.String(50),
                existing_type=sa.String(20),
                nullable=False,
                existing_nullable=True,
            )
        ],
    ),
    Case(
        "alter_column_server_default",
        lambda: [
            AlterColumn(
                "customer",
                "score",
                server_default=sa.text("5"),
                existing_server_default=sa.text("0"),
                existing_type=sa.Integer(),
            )
        ],
    ),
    Case(
        "alter_column_comment",
        lambda: [
            AlterColumn(
                "customer",
                "email",
                comment="login",
                existing_type=sa.String(100),
                existing_nullable=False,
            )
        ],
        invisible_on=("sqlite",),
    ),
    Case(
        "alter_column_rename",
        lambda: [
            AlterColumn("customer", "nickname", new_column_name="handle", existing_type=sa.Text())
        ],
    ),
    Case(
        "create_index",
        lambda: [
            CreateIndex(conv("ix_customer_email"), "customer", ("email",), unique=True),
            CreateIndex("ix_customer_lower_nick", "customer", (sa.text("lower(nickname)"),)),
            CreateIndex(
                "ix_orders_big",
                "orders",
                ("total", "id"),
                kw={
                    "postgresql_where": sa.text("total > 100"),
                    "sqlite_where": sa.text("total > 100"),
                },
            ),
        ],
    ),
    Case(
        "drop_index",
        lambda: [
            DropIndex(
                "ix_orders_note",
                "orders",
                definition=CreateIndex("ix_orders_note", "orders", ("note",)),
            )
        ],
    ),
    Case(
        "create_constraints",
        lambda: [
            CreateUniqueConstraint(conv("uq_customer_email"), "customer", ("email",)),
            CreateCheckConstraint("ck_customer_score", "customer", sa.column("score") >= 0),
            CreateForeignKey(
                "fk_orders_referrer",
                "orders",
                "customer",
                ("legacy",),
                ("email",),
                onupdate="CASCADE",
            ),
            CreatePrimaryKey("pk_tag", "tag", ("name",)),
        ],
    ),
    Case(
        "drop_constraints",
        lambda: [
            DropConstraint(
                "uq_orders_legacy",
                "orders",
                "unique",
                definition=CreateUniqueConstraint("uq_orders_legacy", "orders", ("legacy",)),
            ),
            DropConstraint(
                "ck_orders_total",
                "orders",
                "check",
                definition=CreateCheckConstraint("ck_orders_total", "orders", "total >= 0"),
            ),
            DropConstraint(
                "fk_orders_customer",
                "orders",
                "foreignkey",
                definition=CreateForeignKey(
                    "fk_orders_customer", "orders", "customer", ("customer_id",), ("id",)
                ),
            ),
        ],
    ),
    Case(
        "table_comments",
        lambda: [
            CreateTableComment("orders", "what was bought"),
            DropTableComment("customer", existing_comment="people who buy"),
        ],
        invisible_on=("sqlite",),
    ),
    Case("batch_of_changes", batch_of_changes),
    Case(
        "execute",
        lambda: [Execute("CREATE TABLE audit (id INTEGER PRIMARY KEY, what TEXT)")],
        reversible=False,
    ),
]


def case_params() -> list[Any]:
    return [
        pytest.param(case, dialect, id=f"{case.name}-{dialect}")
        for case in CASES
        for dialect in case.dialects
    ]


# --- databases ----------------------------------------------------------------------------------


@pytest.fixture
def make_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Callable[[str], str]]:
    """A factory of URLs of fresh, empty databases: ``make_url("sqlite")`` or
    ``make_url("postgresql")``; PostgreSQL databases are dropped afterwards."""
    made: list[tuple[PostgresServer, str]] = []

    def make(dialect: str) -> str:
        if dialect == "sqlite":
            return f"sqlite:///{tmp_path / f'{uuid.uuid4().hex}.db'}"
        server: PostgresServer = request.getfixturevalue("postgres_server")
        name = f"render_{uuid.uuid4().hex[:16]}"
        admin_execute(server, "CREATE DATABASE {}", name)
        made.append((server, name))
        return server.url(name)

    yield make
    for server, name in made:
        admin_execute(server, "DROP DATABASE IF EXISTS {} WITH (FORCE)", name)


def run_operations(url: str, operations: Sequence[Operation | Note]) -> None:
    def work(ops: Operations) -> None:
        for operation in operations:
            if not isinstance(operation, Note):
                ops.invoke(operation)

    run_in_transaction(url, work)


def reflect(url: str) -> dict[str, Any]:
    """Every table of the database as comparable data: columns (type, nullability, default,
    comment, identity, computed), keys, indexes, checks and the table comment; PostgreSQL
    enum types under ``"enums"``."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn, warnings.catch_warnings():
            # SQLite's expression indexes are compared through their SQL (below).
            warnings.filterwarnings("ignore", "Skipped unsupported reflection", sa.exc.SAWarning)
            inspector = sa.inspect(conn)
            found: dict[str, Any] = {
                name: _reflect_table(inspector, name) for name in inspector.get_table_names()
            }
            if conn.dialect.name == "sqlite":
                # Reflection skips expression indexes on SQLite; their SQL shows them.
                found["index_sql"] = sorted(
                    tuple(row)
                    for row in conn.exec_driver_sql(
                        "SELECT tbl_name, name, sql FROM sqlite_master WHERE type = 'index'"
                    )
                )
            if conn.dialect.name == "postgresql":
                found["enums"] = sorted(
                    (e["name"], tuple(e["labels"])) for e in inspector.get_enums()
                )
            return found
    finally:
        engine.dispose()


def _reflect_table(inspector: sa.Inspector, table: str) -> dict[str, Any]:
    def plain(items: list[dict[str, Any]], *keys: str) -> list[tuple[Any, ...]]:
        return sorted(tuple(comparable(item.get(key)) for key in keys) for item in items)

    return {
        "columns": [
            (
                c["name"],
                repr(c["type"]),
                c["nullable"],
                c["default"],
                c.get("comment"),
                c.get("identity"),
                c.get("computed"),
            )
            for c in inspector.get_columns(table)
        ],
        "pk": inspector.get_pk_constraint(table),
        "fks": plain(
            inspector.get_foreign_keys(table),
            "name",
            "constrained_columns",
            "referred_table",
            "referred_columns",
            "options",
        ),
        "indexes": plain(
            inspector.get_indexes(table),
            "name",
            "column_names",
            "expressions",
            "unique",
            "dialect_options",
        ),
        "uniques": plain(inspector.get_unique_constraints(table), "name", "column_names"),
        "checks": plain(inspector.get_check_constraints(table), "name", "sqltext"),
        "comment": inspector.get_table_comment(table)["text"]
        if inspector.dialect.supports_comments
        else None,
    }


def comparable(value: object) -> str:
    """``value`` as text, with SQL expressions (e.g. a reflected ``sqlite_where``) as SQL."""
    if isinstance(value, dict):
        return repr({key: comparable(item) for key, item in value.items()})
    if isinstance(value, sa.sql.ClauseElement):
        return str(value)
    return repr(value)


def tables_only(schema: dict[str, Any]) -> dict[str, Any]:
    """The schema without PostgreSQL enum types, which ``drop_table`` leaves in place (see
    ``migguard.ops.schema.DropTable``)."""
    return {name: value for name, value in schema.items() if name != "enums"}


# --- tests --------------------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize(("case", "dialect"), case_params())
def test_rendered_script_builds_what_the_operations_build(
    case: Case, dialect: str, make_url: Callable[[str], str]
) -> None:
    rendered_db, direct_db = make_url(dialect), make_url(dialect)
    for url in (rendered_db, direct_db):
        run_operations(url, start())
    before = reflect(rendered_db)
    assert reflect(direct_db) == before

    script = load_script(write_script(case.build(), dialect))
    run_in_transaction(rendered_db, lambda _: script["upgrade"]())
    run_operations(direct_db, case.build())

    after = reflect(rendered_db)
    assert after == reflect(direct_db)
    if dialect not in case.invisible_on:
        assert after != before

    run_in_transaction(rendered_db, lambda _: script["downgrade"]())
    if case.reversible:
        assert tables_only(reflect(rendered_db)) == tables_only(before)
    else:
        assert reflect(rendered_db) == after


def test_batch_block_is_written_for_sqlite_only() -> None:
    assert "with op.batch_alter_table('orders', schema=None) as batch_op:" in write_script(
        batch_of_changes(), "sqlite"
    )
    assert "batch_alter_table" not in write_script(batch_of_changes(), "postgresql")


def test_type_decorator_is_written_as_the_type_it_stores() -> None:
    script = write_script(common_types_table(), "postgresql")
    assert "sa.Column('cents', sa.BigInteger(), nullable=True)" in script
    assert f"# Column 'cents': {__name__}.Cents is a TypeDecorator" in script

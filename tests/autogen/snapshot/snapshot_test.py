"""Reflecting a real database into a snapshot, and saving it as JSON."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from migguard.autogen.snapshot import (
    CheckInfo,
    ForeignKeyInfo,
    IndexInfo,
    PrimaryKeyInfo,
    Snapshot,
    TableInfo,
    UniqueInfo,
    reflect,
)
from tests.testing.shop_schema import AUDIT, create, schemas, shop_metadata


@pytest.fixture
def engine(db_url: str) -> Iterator[sa.Engine]:
    engine = sa.create_engine(db_url)
    yield engine
    engine.dispose()


@pytest.fixture
def shop(engine: sa.Engine) -> Snapshot:
    """The shop's schema created on the database, then reflected."""
    with engine.connect() as conn:
        create(conn, shop_metadata(engine.dialect.name))
        return reflect(conn, schemas=schemas(engine.dialect.name))


def table(snapshot: Snapshot, name: str, schema: str | None = None) -> TableInfo:
    found = snapshot.table(name, schema)
    assert found is not None, f"{name} not in snapshot"
    return found


def test_tables_sorted_and_version_table_left_out(shop: Snapshot, engine: sa.Engine) -> None:
    names = [(t.schema, t.name) for t in shop.tables]
    expected = [(None, "customers"), (None, "order_lines"), (None, "orders")]
    if engine.dialect.name == "postgresql":
        expected.insert(0, (AUDIT, "events"))
        expected.sort(key=lambda key: (key[0] or "", key[1]))
    assert names == expected
    assert shop.dialect == engine.dialect.name
    assert shop.table("alembic_version") is None


def test_columns_types_defaults_and_comments(shop: Snapshot, engine: sa.Engine) -> None:
    customers = table(shop, "customers")
    postgres = engine.dialect.name == "postgresql"
    assert [c.name for c in customers.columns][:4] == ["id", "email", "name", "nickname"]
    compiled = {c.name: c.type.compiled for c in customers.columns}
    assert compiled["email"] == "VARCHAR(255)"
    assert compiled["nickname"] == "VARCHAR"
    assert compiled["balance"] == "NUMERIC(10, 2)"
    assert compiled["created_at"] == ("TIMESTAMP WITH TIME ZONE" if postgres else "DATETIME")
    assert compiled["score"] == ("DOUBLE PRECISION" if postgres else "FLOAT")
    assert compiled["token"] == ("UUID" if postgres else "CHAR(32)")
    assert compiled["status"] == ("customer_status" if postgres else "VARCHAR(6)")
    assert compiled["avatar"] == ("BYTEA" if postgres else "BLOB")

    email = customers.column("email")
    assert email is not None
    assert email.nullable is False
    assert email.comment == ("login name" if postgres else None)
    defaults = {c.name: c.server_default for c in customers.columns if c.server_default}
    if postgres:
        assert defaults == {
            "id": "nextval('customers_id_seq'::regclass)",
            "nickname": "'guest'::character varying",
            "created_at": "now()",
            "visits": "0",
            "active": "true",
        }
    else:
        assert defaults == {
            "nickname": "'guest'",
            "created_at": "CURRENT_TIMESTAMP",
            "visits": "0",
            "active": "1",
        }
    visits_x2 = customers.column("visits_x2")
    assert visits_x2 is not None
    assert visits_x2.computed == ("(visits * 2)" if postgres else "visits * 2")
    assert customers.comment == ("people who buy" if postgres else None)
    identifier = customers.column("id")
    assert identifier is not None
    assert identifier.autoincrement is (True if postgres else None)


def test_keys_and_constraints(shop: Snapshot, engine: sa.Engine) -> None:
    postgres = engine.dialect.name == "postgresql"
    lines = table(shop, "order_lines")
    assert lines.primary_key == PrimaryKeyInfo(
        "order_lines_pkey" if postgres else None, ("order_id", "line_no")
    )
    assert lines.foreign_keys == (
        ForeignKeyInfo(
            name="fk_lines_order",
            columns=("order_id",),
            referred_schema=None,
            referred_table="orders",
            referred_columns=("id",),
            ondelete="CASCADE",
            onupdate="CASCADE",
            deferrable=True,
            initially="DEFERRED",
        ),
    )
    orders = table(shop, "orders")
    (to_customer,) = orders.foreign_keys
    assert (to_customer.columns, to_customer.referred_table) == (("customer_id",), "customers")
    assert (to_customer.ondelete, to_customer.onupdate) == ("SET NULL", None)
    assert to_customer.name == ("orders_customer_id_fkey" if postgres else None)
    assert orders.uniques == (
        UniqueInfo(
            "orders_customer_id_placed_at_key" if postgres else None, ("customer_id", "placed_at")
        ),
    )
    # PostgreSQL prints the check back from its parsed form, with the implicit cast spelled out.
    check = ("orders_total_check", "total >= 0::numeric") if postgres else (None, "total >= 0")
    assert orders.checks == (CheckInfo(*check),)
    customers = table(shop, "customers")
    assert customers.uniques == (UniqueInfo("uq_customers_email", ("email",)),)
    assert customers.checks == (CheckInfo("ck_customers_visits", "visits >= 0"),)


def test_indexes(shop: Snapshot, engine: sa.Engine) -> None:
    postgres = engine.dialect.name == "postgresql"
    indexes = {index.name: index for index in table(shop, "customers").indexes}
    # PostgreSQL lists uq_customers_email as an index too; it is kept once, as a unique.
    assert sorted(indexes) == [
        "ix_customers_active_name",
        "ix_customers_created_at",
        "ix_customers_email_lower",
        "ix_customers_token",
    ]
    assert indexes["ix_customers_token"] == IndexInfo("ix_customers_token", ("token",), unique=True)
    assert indexes["ix_customers_email_lower"] == IndexInfo(
        "ix_customers_email_lower",
        (None,),
        expressions=("lower(email::text)" if postgres else "lower(email)",),
    )
    where = ("postgresql_where", "active") if postgres else ("sqlite_where", "active")
    assert indexes["ix_customers_active_name"] == IndexInfo(
        "ix_customers_active_name", ("name",), dialect_options=(where,)
    )
    assert indexes["ix_customers_created_at"] == IndexInfo(
        "ix_customers_created_at", ("created_at", "name"), sorting=(("created_at", ("desc",)),)
    )


def test_postgresql_types_identity_and_second_schema(pg_url: str) -> None:
    engine = sa.create_engine(pg_url)
    with engine.connect() as conn:
        create(conn, shop_metadata("postgresql"))
        snapshot = reflect(conn, schemas=(None, AUDIT))
    engine.dispose()
    events = table(snapshot, "events", AUDIT)
    assert events.comment == "what happened"
    compiled = {c.name: c.type.compiled for c in events.columns}
    assert compiled == {
        "id": "INTEGER",
        "customer_id": "INTEGER",
        "payload": "JSONB",
        "tags": "INTEGER[]",
        "at": "TIMESTAMP(3) WITHOUT TIME ZONE",
        "ip": "INET",
        "uid": "UUID",
        "kind": "audit.event_kind",
    }
    identity = events.columns[0]
    assert identity.autoincrement is True
    assert identity.server_default is None
    assert dict(identity.identity or ()) == {
        "always": True,
        "start": 10,
        "increment": 1,
        "minvalue": 1,
        "maxvalue": 2**31 - 1,
        "cycle": False,
        "cache": 1,
    }
    (to_customer,) = events.foreign_keys
    assert (to_customer.referred_schema, to_customer.referred_table) == (None, "customers")
    (payload_index,) = events.indexes
    assert payload_index.dialect_options == (("postgresql_using", "gin"),)
    assert [(e.schema, e.name, e.labels) for e in snapshot.enums] == [
        (None, "customer_status", ("new", "active", "gone")),
        (AUDIT, "event_kind", ("click", "view")),
    ]


def test_default_schema_named_explicitly_is_none(pg_url: str) -> None:
    engine = sa.create_engine(pg_url)
    with engine.connect() as conn:
        create(conn, shop_metadata("postgresql"))
        by_name = reflect(conn, schemas=("public",))
        by_default = reflect(conn)
    engine.dispose()
    assert by_name == by_default
    assert {t.schema for t in by_name.tables} == {None}


def test_exclude_by_name_or_qualified_name(shop: Snapshot, engine: sa.Engine) -> None:
    with engine.connect() as conn:
        snapshot = reflect(
            conn, schemas=schemas(engine.dialect.name), exclude=("orders", f"{AUDIT}.events")
        )
    names = [(t.schema, t.name) for t in snapshot.tables]
    assert names == [(None, "alembic_version"), (None, "customers"), (None, "order_lines")]


def test_table_lookup_by_schema(shop: Snapshot, engine: sa.Engine) -> None:
    assert table(shop, "orders").name == "orders"
    assert shop.table("orders", "elsewhere") is None
    if engine.dialect.name == "postgresql":
        assert shop.table("events") is None
        assert table(shop, "events", AUDIT).schema == AUDIT

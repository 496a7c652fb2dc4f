"""A shop's models exercising every field a snapshot records, for the dialect at hand, and
helpers to create them in a real database."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql as pg

AUDIT = "audit"


def shop_metadata(dialect: str) -> sa.MetaData:
    """Customers, orders and order lines on every dialect; on PostgreSQL also an ``audit``
    schema with PostgreSQL's own types, an identity column and a second enum."""
    metadata = sa.MetaData()
    postgres = dialect == "postgresql"
    customers = sa.Table(
        "customers",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("email", sa.String(255), nullable=False, comment="login name"),
        sa.Column("name", sa.Unicode(100)),
        sa.Column("nickname", sa.String(), server_default="guest"),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now()),
        sa.Column("visits", sa.Integer, nullable=False, server_default=sa.text("0")),
        sa.Column("visits_x2", sa.Integer, sa.Computed("visits * 2", persisted=True)),
        sa.Column("balance", sa.Numeric(10, 2)),
        sa.Column("score", sa.Float),
        sa.Column("active", sa.Boolean, server_default=sa.true()),
        sa.Column("birthday", sa.Date),
        sa.Column("wakes_at", sa.Time),
        sa.Column("bio", sa.Text),
        sa.Column("avatar", sa.LargeBinary),
        sa.Column("prefs", sa.JSON),
        sa.Column("token", sa.Uuid),
        sa.Column("status", sa.Enum("new", "active", "gone", name="customer_status")),
        sa.Column("big", sa.BigInteger),
        sa.Column("small", sa.SmallInteger),
        sa.UniqueConstraint("email", name="uq_customers_email"),
        sa.CheckConstraint("visits >= 0", name="ck_customers_visits"),
        sa.Index("ix_customers_token", "token", unique=True),
        sa.Index("ix_customers_email_lower", sa.func.lower(sa.column("email"))),
        sa.Index(
            "ix_customers_active_name",
            "name",
            postgresql_where=sa.text("active"),
            sqlite_where=sa.text("active"),
        ),
        comment="people who buy",
    )
    sa.Index("ix_customers_created_at", customers.c.created_at.desc(), customers.c.name)
    order_id = sa.Identity() if postgres else None
    sa.Table(
        "orders",
        metadata,
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), order_id, primary_key=True
        ),
        sa.Column("customer_id", sa.Integer, sa.ForeignKey("customers.id", ondelete="SET NULL")),
        sa.Column("placed_at", sa.DateTime, server_default=sa.func.now()),
        sa.Column("total", sa.Numeric(12, 2), nullable=False, server_default=sa.text("0")),
        sa.UniqueConstraint("customer_id", "placed_at"),
        sa.CheckConstraint("total >= 0"),
    )
    sa.Table(
        "order_lines",
        metadata,
        sa.Column("order_id", sa.Integer, primary_key=True),
        sa.Column("line_no", sa.SmallInteger, primary_key=True),
        sa.Column("sku", sa.String(40), nullable=False),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["orders.id"],
            name="fk_lines_order",
            ondelete="cascade",
            onupdate="CASCADE",
            deferrable=True,
            initially="DEFERRED",
        ),
    )
    sa.Table("alembic_version", metadata, sa.Column("version_num", sa.String(32), primary_key=True))
    if postgres:
        sa.Table(
            "events",
            metadata,
            sa.Column("id", sa.Integer, sa.Identity(always=True, start=10), primary_key=True),
            sa.Column("customer_id", sa.Integer, sa.ForeignKey("customers.id")),
            sa.Column("payload", pg.JSONB),
            sa.Column("tags", pg.ARRAY(sa.Integer)),
            sa.Column("at", pg.TIMESTAMP(precision=3)),
            sa.Column("ip", pg.INET),
            sa.Column("uid", pg.UUID),
            sa.Column("kind", sa.Enum("click", "view", name="event_kind", schema=AUDIT)),
            sa.Index("ix_events_payload", "payload", postgresql_using="gin"),
            schema=AUDIT,
            comment="what happened",
        )
    return metadata


def create(connection: sa.Connection, metadata: sa.MetaData) -> None:
    """Create the schemas ``metadata`` uses (PostgreSQL), then its tables."""
    if connection.dialect.name == "postgresql":
        for schema in {t.schema for t in metadata.tables.values() if t.schema}:
            connection.execute(sa.schema.CreateSchema(schema))
    metadata.create_all(connection)
    connection.commit()


def schemas(dialect: str) -> tuple[str | None, ...]:
    """The schemas ``shop_metadata`` uses on ``dialect``."""
    return (None, AUDIT) if dialect == "postgresql" else (None,)

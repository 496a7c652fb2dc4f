"""Add orders and order lines

Revision ID: 8d4e0b6c5a21
Revises: 3f1c9a7e2b10
Create Date: 2026-11-05 16:02:47.118904

"""

import sqlalchemy as sa

from migguard import op

# Revision identifiers: migguard and Alembic both read these four names.
revision = "8d4e0b6c5a21"
down_revision = "3f1c9a7e2b10"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "order",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum("pending", "paid", "shipped", "cancelled", name="order_status"),
            server_default="pending",
            nullable=False,
        ),
        sa.Column(
            "created_at",
            sa.DateTime(),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(["customer_id"], ["customer.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_order_customer_created", "order", ["customer_id", "created_at"])
    op.create_table(
        "order_line",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("unit_price", sa.Numeric(precision=10, scale=2), nullable=False),
        sa.ForeignKeyConstraint(["order_id"], ["order.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["product_id"], ["product.id"]),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade() -> None:
    op.drop_table("order_line")
    op.drop_index("ix_order_customer_created", table_name="order")
    op.drop_table("order")
    sa.Enum(name="order_status").drop(op.get_bind(), checkfirst=True)

"""Add customer phone

Revision ID: c5e1f3a9b7d2
Revises: 8d4e0b6c5a21
Create Date: 2026-11-09 14:22:58.004417

"""

import sqlalchemy as sa

from migguard import op

# Revision identifiers: migguard and Alembic both read these four names.
revision = "c5e1f3a9b7d2"
down_revision = "8d4e0b6c5a21"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("customer", sa.Column("phone", sa.String(length=40), nullable=True))


def downgrade() -> None:
    op.drop_column("customer", "phone")

"""Index product names for search

Revision ID: a7b2c4d6e8f0
Revises: 8d4e0b6c5a21
Create Date: 2026-11-09 11:40:03.552190

"""

from migguard import op

# Revision identifiers: migguard and Alembic both read these four names.
revision = "a7b2c4d6e8f0"
down_revision = "8d4e0b6c5a21"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_product_name", "product", ["name"])


def downgrade() -> None:
    op.drop_index("ix_product_name", table_name="product")

"""Merge the search and phone branches

Revision ID: e2d8b1a4c6f9
Revises: a7b2c4d6e8f0, c5e1f3a9b7d2
Create Date: 2026-11-21 21:48:36.101210

"""

import sqlalchemy as sa
from migguard import op

# Revision identifiers: migguard and Alembic both read these four names.
revision = 'e2d8b1a4c6f9'
down_revision = ('a7b2c4d6e8f0', 'c5e1f3a9b7d2')
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass

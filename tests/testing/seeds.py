"""The seeds' walkthrough history (a customer table, then its age column) and what a test reads
back from the database it built: table columns and the recorded revisions."""

from __future__ import annotations

import sqlalchemy as sa

from tests.testing.project import Project

CUSTOMER = "b4352a83e78a"
AGE = "c2e7eea3f80e"

CREATE_CUSTOMER = """
op.create_table(
    "customer",
    sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
    sa.Column("first_name", sa.String(), nullable=False),
    sa.Column("last_name", sa.String(), nullable=False),
    sa.Column("address", sa.String(), nullable=False),
    sa.Column("city", sa.String(), nullable=False),
    sa.PrimaryKeyConstraint("id"),
)
"""


def seed_history(project: Project) -> None:
    """The two revisions of the walkthrough: the customer table, then its age column."""
    project.add(
        CUSTOMER,
        message="Add customer table",
        upgrade=CREATE_CUSTOMER,
        downgrade='op.drop_table("customer")',
    )
    project.add(
        AGE,
        CUSTOMER,
        message="Add age column",
        upgrade='op.add_column("customer", sa.Column("age", sa.Integer(), nullable=False))',
        downgrade='op.drop_column("customer", "age")',
    )


def schema(url: str) -> dict[str, list[str]]:
    """Table -> column names, as the database reports them."""
    engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
    try:
        inspector = sa.inspect(engine)
        return {
            t: [c["name"] for c in inspector.get_columns(t)] for t in inspector.get_table_names()
        }
    finally:
        engine.dispose()


def versions(url: str) -> list[str]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            return sorted(
                connection.exec_driver_sql("SELECT version_num FROM alembic_version").scalars()
            )
    finally:
        engine.dispose()

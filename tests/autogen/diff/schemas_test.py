"""Tables outside the default schema (issue #12, case 1): every schema the models name is
compared, a schema the database lacks is created first (and dropped last on the way down), and
``include_schemas`` adds every schema of the database; on SQLite, where a schema is an attached
database, a model table in a schema that is not attached is a warning, never silence."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from migguard.autogen.diff.schemas import SchemaChange
from migguard.autogen.render import render_downgrade, render_operations
from migguard.ops.schema import AddColumn, CreateTable, DropTable
from tests.testing.diff import build, described, diff, engine_for, operations, round_trip


@pytest.fixture
def pg_engine(pg_url: str) -> Iterator[sa.Engine]:
    yield from engine_for(pg_url)


def app_models(*extra: sa.Column[int]) -> sa.MetaData:
    """``public.customer`` and ``app.invoice`` referring to it."""
    metadata = sa.MetaData()
    sa.Table("customer", metadata, sa.Column("id", sa.Integer, primary_key=True))
    sa.Table(
        "invoice",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("customer_id", sa.ForeignKey("customer.id")),
        *extra,
        schema="app",
    )
    return metadata


def test_a_schema_the_database_lacks_is_created_before_its_tables(pg_engine: sa.Engine) -> None:
    result = diff(pg_engine, app_models(), schemas=(None,))
    assert described(result) == [
        "add schema 'app'",
        "add table 'customer'",
        "add table 'app.invoice'",
    ]
    first = operations(result)[0]
    assert isinstance(first, SchemaChange)
    assert (
        "op.execute('CREATE SCHEMA app')"
        in render_operations(result.items, dialect_name="postgresql").body
    )
    assert (
        "op.execute('DROP SCHEMA app')"
        in render_downgrade(result.items, dialect_name="postgresql").body
    )
    round_trip(pg_engine, app_models(), result, schemas=(None,))
    with pg_engine.connect() as conn:
        assert "app" not in sa.inspect(conn).get_schema_names()


def test_tables_in_a_named_schema_are_compared_without_being_asked(pg_engine: sa.Engine) -> None:
    build(pg_engine, app_models())
    changed = app_models(sa.Column("total", sa.Integer))
    result = diff(pg_engine, changed, schemas=(None,))
    assert described(result) == ["add column 'app.invoice.total'"]
    assert isinstance(operations(result)[0], AddColumn)
    round_trip(pg_engine, changed, result, schemas=(None,))


def test_the_version_table_schema_no_longer_hides_the_default_one(pg_engine: sa.Engine) -> None:
    """Comparing ``app`` (where the version table lives) still compares ``public``."""
    build(pg_engine, app_models())
    result = diff(pg_engine, app_models(), schemas=("app",))
    assert described(result) == []
    metadata = app_models()
    sa.Table("extra", metadata, sa.Column("id", sa.Integer, primary_key=True))
    assert described(diff(pg_engine, metadata, schemas=("app",))) == ["add table 'extra'"]


def test_an_unnamed_schema_is_left_alone_unless_every_schema_is_asked(
    pg_engine: sa.Engine,
) -> None:
    build(pg_engine, app_models())
    with pg_engine.connect() as conn:
        conn.execute(sa.text("CREATE SCHEMA legacy"))
        conn.execute(sa.text("CREATE TABLE legacy.old (id integer PRIMARY KEY)"))
        conn.commit()
    assert described(diff(pg_engine, app_models(), schemas=(None,))) == []
    everything = (None, "app", "legacy")
    result = diff(pg_engine, app_models(), schemas=everything)
    assert described(result) == ["drop table 'legacy.old'"]
    assert isinstance(operations(result)[0], DropTable)
    # The schema itself is never dropped: it may hold what the models do not describe.
    round_trip(pg_engine, app_models(), result, schemas=everything)


def test_sqlite_warns_about_a_schema_that_is_not_attached() -> None:
    engine = sa.create_engine("sqlite://")
    result = diff(engine, app_models(), schemas=(None,))
    assert [type(op) for op in operations(result)] == [CreateTable]
    assert result.warnings == [
        "table 'app.invoice' is in schema 'app', which this SQLite database does not have "
        "(on SQLite a schema is an attached database): not compared"
    ]

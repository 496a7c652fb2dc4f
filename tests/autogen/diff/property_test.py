"""Property: for any two schemas A and B drawn from a pool of tables and columns, a database
built from A, given the operations ``compare`` finds against B, then matches B (a second
comparison is empty); their reverses, last first, bring it back to A. On SQLite and
PostgreSQL, one database reused across examples (emptied in between).

Columns keep one type family per name (PostgreSQL cannot convert, say, text to integer without
a ``USING`` clause), but lengths, widths, nullability, defaults, comments, enum labels, indexes,
unique constraints, named check constraints and foreign keys vary freely.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from migguard.autogen.render import render_downgrade, render_operations
from tests.testing.diff import (
    build,
    comparable,
    described,
    diff,
    engine_for,
    run,
    snapshot,
    undo,
)

TABLES = ("t0", "t1", "t2")
# name -> (type choices, default choices as SQL text)
COLUMNS: dict[str, tuple[tuple[Any, ...], tuple[str | None, ...]]] = {
    "c_int": ((sa.Integer, sa.BigInteger), (None, "0", "7")),
    "c_str": ((sa.String(10), sa.String(40), sa.String()), (None, "'a'", "'b c'")),
    "c_text": ((sa.Text,), (None, "'x'")),
    "c_num": ((sa.Numeric(10, 2), sa.Numeric(12, 2)), (None, "0", "1.5")),
    "c_bool": ((sa.Boolean,), (None,)),
    "c_date": ((sa.Date,), (None, "'2020-01-02'")),
    "c_ts": ((sa.DateTime,), (None, "CURRENT_TIMESTAMP")),
}
LABELS = ("new", "paid", "sent", "void")


@st.composite
def column_specs(draw: st.DrawFn, postgres: bool) -> dict[str, Any]:
    names = draw(st.sets(st.sampled_from([*COLUMNS, *(["c_enum"] if postgres else [])])))
    spec = {}
    for name in sorted(names):
        if name == "c_enum":
            labels = draw(st.lists(st.sampled_from(LABELS), min_size=1, max_size=4, unique=True))
            type_: Any = sa.Enum(*labels, name="status")
            default = None
        else:
            types, defaults = COLUMNS[name]
            type_ = draw(st.sampled_from(types))
            default = draw(st.sampled_from(defaults))
        comment = draw(st.sampled_from([None, "note"])) if postgres else None
        spec[name] = (type_, draw(st.booleans()), default, comment)
    return spec


@st.composite
def schemas(draw: st.DrawFn, postgres: bool) -> dict[str, Any]:
    """``{table: (columns, indexed, unique, references, comment, checked)}``."""
    result: dict[str, Any] = {}
    tables = sorted(draw(st.sets(st.sampled_from(TABLES))))
    for table in tables:
        columns = draw(column_specs(postgres))
        names = sorted(columns)
        indexed = draw(st.sets(st.sampled_from(names))) if names else set()
        unique = draw(st.sets(st.sampled_from(names))) if names else set()
        earlier = [t for t in tables if t < table]
        references = None
        if "c_int" in columns and earlier and columns["c_int"][0] is sa.Integer:
            references = draw(st.sampled_from([None, *earlier]))
        comment = draw(st.sampled_from([None, "table note"])) if postgres else None
        checked = "c_int" in columns and draw(st.booleans())
        result[table] = (columns, indexed, unique, references, comment, checked)
    return result


def metadata_of(spec: dict[str, Any]) -> sa.MetaData:
    metadata = sa.MetaData()
    for table, (columns, indexed, unique, references, comment, checked) in sorted(spec.items()):
        items: list[Any] = [sa.Column("id", sa.Integer, primary_key=True)]
        for name, (type_, nullable, default, column_comment) in columns.items():
            items.append(
                sa.Column(
                    name,
                    type_,
                    nullable=nullable,
                    server_default=sa.text(default) if default else None,
                    comment=column_comment,
                )
            )
        items += [sa.Index(f"ix_{table}_{name}", name) for name in sorted(indexed)]
        items += [sa.UniqueConstraint(name, name=f"uq_{table}_{name}") for name in sorted(unique)]
        if references is not None:
            items.append(sa.ForeignKeyConstraint(["c_int"], [f"{references}.id"]))
        if checked:
            items.append(sa.CheckConstraint("c_int >= 0", name=f"ck_{table}_int"))
        sa.Table(table, metadata, *items, comment=comment)
    return metadata


def empty_database(engine: sa.Engine) -> None:
    """Drop every table and enum type, whatever an earlier example left."""
    with engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(sa.text("DROP SCHEMA public CASCADE"))
            conn.execute(sa.text("CREATE SCHEMA public"))
        else:
            found = sa.MetaData()
            found.reflect(conn)
            found.drop_all(conn)
        conn.commit()


@pytest.fixture
def engine(db_url: str) -> Iterator[sa.Engine]:
    yield from engine_for(db_url)


def check(engine: sa.Engine, before: dict[str, Any], after: dict[str, Any]) -> None:
    empty_database(engine)
    start = metadata_of(before)
    build(engine, start)
    taken = comparable(snapshot(engine))
    target = metadata_of(after)
    result = diff(engine, target)
    render_operations(result.items, dialect_name=engine.dialect.name)
    render_downgrade(result.items, dialect_name=engine.dialect.name)
    run(engine, result.items)
    assert described(diff(engine, target)) == []
    undo(engine, result.items)
    assert comparable(snapshot(engine)) == taken


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@pytest.mark.slow
@given(data=st.data())
def test_any_schema_to_any_schema_and_back(engine: sa.Engine, data: st.DataObject) -> None:
    postgres = engine.dialect.name == "postgresql"
    before = data.draw(schemas(postgres), label="before")
    after = data.draw(schemas(postgres), label="after")
    check(engine, before, after)

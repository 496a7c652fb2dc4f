"""``exclude_tables`` globs and Alembic's ``include_object`` hook: what they leave out of the
comparison, and how the hook is called."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa

from tests.testing.diff import build, described, diff, engine_for


@pytest.fixture
def engine(db_url: str) -> Iterator[sa.Engine]:
    yield from engine_for(db_url)


@pytest.fixture
def pg_engine(pg_url: str) -> Iterator[sa.Engine]:
    yield from engine_for(pg_url)


def test_exclude_tables_globs_match_names_and_schema_names(engine: sa.Engine) -> None:
    before = sa.MetaData()
    for name in ("audit_log", "audit_trail", "tmp_x"):
        sa.Table(name, before, sa.Column("id", sa.Integer, primary_key=True))
    build(engine, before)
    assert described(diff(engine, sa.MetaData(), exclude_tables=("audit_*",))) == [
        "drop table 'tmp_x'"
    ]
    assert diff(engine, sa.MetaData(), exclude_tables=("audit_*", "tmp_?")).items == []
    # Excluded on the models' side too: nothing is created for it.
    model = sa.MetaData()
    sa.Table("audit_new", model, sa.Column("id", sa.Integer, primary_key=True))
    assert described(diff(engine, model, exclude_tables=("audit_*",))) == ["drop table 'tmp_x'"]
    assert diff(engine, model, exclude_tables=("audit_*", "tmp_x")).items == []


def test_exclude_tables_by_schema(pg_engine: sa.Engine) -> None:
    before = sa.MetaData()
    sa.Table("log", before, sa.Column("id", sa.Integer, primary_key=True), schema="audit")
    sa.Table("log", before, sa.Column("id", sa.Integer, primary_key=True))
    build(pg_engine, before)
    after = sa.MetaData()
    result = diff(pg_engine, after, schemas=(None, "audit"), exclude_tables=("audit.*",))
    assert described(result) == ["drop table 'log'"]


def make_hook(calls: list[tuple[Any, ...]], skipped: set[str]) -> Any:
    def include_object(
        obj: object, name: str | None, type_: str, reflected: bool, compare_to: object | None
    ) -> bool:
        calls.append((type_, name, reflected, compare_to is not None, type(obj).__name__))
        return name not in skipped

    return include_object


def test_include_object_leaves_out_what_it_refuses(engine: sa.Engine) -> None:
    before = sa.MetaData()
    sa.Table(
        "p",
        before,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("secret", sa.String(10)),
        sa.Column("code", sa.String(10)),
        sa.Index("ix_skip", "code"),
    )
    sa.Table("skipme", before, sa.Column("id", sa.Integer, primary_key=True))
    build(engine, before)
    after = sa.MetaData()
    sa.Table(
        "p",
        after,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("code", sa.String(10)),
        sa.Column("extra", sa.Integer),
        sa.UniqueConstraint("code", name="uq_skip"),
        sa.ForeignKeyConstraint(["extra"], ["p.id"], name="fk_skip"),
    )
    calls: list[tuple[Any, ...]] = []
    skipped = {"secret", "skipme", "ix_skip", "uq_skip", "fk_skip"}
    result = diff(engine, after, include_object=make_hook(calls, skipped))
    assert described(result) == ["add column 'p.extra'"]
    assert ("table", "p", False, True, "Table") in calls
    assert ("table", "p", True, True, "Table") in calls
    assert ("table", "skipme", True, False, "Table") in calls
    assert ("column", "secret", True, False, "Column") in calls
    assert ("column", "code", False, True, "Column") in calls
    assert ("index", "ix_skip", True, False, "Index") in calls
    assert ("unique_constraint", "uq_skip", False, False, "UniqueConstraint") in calls
    assert ("foreign_key_constraint", "fk_skip", False, False, "ForeignKeyConstraint") in calls
    # Without the hook all of it shows.
    assert len(described(diff(engine, after))) == 6


def test_include_object_sees_a_renamed_column_under_its_new_name(engine: sa.Engine) -> None:
    before = sa.MetaData()
    sa.Table("p", before, sa.Column("id", sa.Integer, primary_key=True), sa.Column("old", sa.Text))
    build(engine, before)
    after = sa.MetaData()
    sa.Table("p", after, sa.Column("id", sa.Integer, primary_key=True), sa.Column("new", sa.Text))
    calls: list[tuple[Any, ...]] = []
    result = diff(
        engine, after, include_object=make_hook(calls, set()), renames=(("p.old", "p.new"),)
    )
    assert described(result) == ["alter column 'p.old': rename to 'new'"]
    assert ("column", "new", True, True, "Column") in calls

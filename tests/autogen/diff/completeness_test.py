"""No silent misses (issue #12's rule): for each kind of schema object the models can express,
changing it gives an operation or a finding (a ``DiffResult.warnings`` line, which ``check``'s
``sync`` reports), never nothing, on SQLite and PostgreSQL.

Each case is one row of ``CASES``: a name, the models before and after (functions of the
dialect name), and the databases that cannot express the kind, with the reason. A change that
gives operations is also run on the database: upgrade, compare again (nothing left),
downgrade (back to ``before``), upgrade again (nothing left).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any, NamedTuple

import pytest
import sqlalchemy as sa

from tests.testing.diff import build, described, diff, engine_for, round_trip, run

Models = Callable[[str], sa.MetaData]


class Case(NamedTuple):
    """One kind of change: ``before`` and ``after`` models (given the dialect name), and
    ``skip``: ``{dialect: why the database cannot express it}``."""

    name: str
    before: Models
    after: Models
    skip: Mapping[str, str] = {}


def table(*extra: sa.Column[Any] | sa.Constraint | sa.Index, **kw: Any) -> Models:
    """Models with table ``t`` (an ``id`` primary key, then ``extra``) and its neighbours
    ``p`` and ``q`` that foreign keys may refer to."""

    def models(dialect: str) -> sa.MetaData:
        metadata = sa.MetaData()
        for name in ("p", "q"):
            sa.Table(
                name,
                metadata,
                sa.Column("id", sa.Integer, primary_key=True),
                sa.Column("code", sa.Integer, unique=True),
            )
        sa.Table("t", metadata, *_id(list(extra)), *extra, **kw)
        return metadata

    return models


def _id(items: list[Any]) -> list[sa.Column[Any]]:
    """An ``id`` primary key unless ``items`` bring their own primary key."""
    own = any(isinstance(i, sa.Column) and i.name == "id" for i in items) or any(
        isinstance(i, sa.PrimaryKeyConstraint) for i in items
    )
    return [] if own else [sa.Column("id", sa.Integer, primary_key=True)]


def col(name: str, *args: Any, **kw: Any) -> Callable[[], sa.Column[Any]]:
    return lambda: sa.Column(name, *args, **kw)


def models_of(*parts: Callable[[], Any], **kw: Any) -> Models:
    """Table ``t`` built afresh each time from ``parts`` (a column or constraint belongs to one
    table only)."""

    def models(dialect: str) -> sa.MetaData:
        return table(*(part() for part in parts), **kw)(dialect)

    return models


def with_table_u(models: Models) -> Models:
    def more(dialect: str) -> sa.MetaData:
        metadata = models(dialect)
        sa.Table("u", metadata, sa.Column("id", sa.Integer, primary_key=True))
        return metadata

    return more


def with_schema_table(models: Models, *extra: Callable[[], sa.Column[Any]]) -> Models:
    """``models`` plus table ``u`` in schema ``app`` (a schema only PostgreSQL can create)."""

    def more(dialect: str) -> sa.MetaData:
        metadata = models(dialect)
        columns = [part() for part in extra]
        sa.Table(
            "u", metadata, sa.Column("id", sa.Integer, primary_key=True), *columns, schema="app"
        )
        return metadata

    return more


NO_SCHEMAS = {"sqlite": "on SQLite a schema is an attached database, not made by a migration"}


def enum_models(*labels: str, name: str = "mood", native: bool = True) -> Models:
    return models_of(
        lambda: sa.Column(
            "mood",
            sa.Enum(*labels, name=name, native_enum=native, create_constraint=not native),
        )
    )


A = col("a", sa.Integer)
B = col("b", sa.Integer)
NO_COMMENTS = {"sqlite": "SQLite keeps no comments"}
NO_IDENTITY = {"sqlite": "SQLite has no identity columns"}
NO_NATIVE_ENUM = {"sqlite": "SQLite has no enum types"}
PG_STORED_ONLY = {
    "postgresql": "PostgreSQL before 18 has only STORED generated columns",
}


def identity(**options: Any) -> Models:
    return models_of(
        lambda: sa.Column("id", sa.Integer, sa.Identity(**options), primary_key=True), A
    )


def fk(*args: Any, **kw: Any) -> Models:
    """Table ``t`` with columns ``a``, ``b`` and a foreign key ``ForeignKeyConstraint(*args)``."""
    return models_of(A, B, lambda: sa.ForeignKeyConstraint(*args, **kw))


def index(*args: Any, **kw: Any) -> Models:
    """Table ``t`` with columns ``a``, ``b``, ``s`` and index ``ix_t`` over ``args``."""
    return models_of(A, B, col("s", sa.String(20)), lambda: sa.Index("ix_t", *args, **kw))


def expression(sql: str) -> Any:
    return sa.text(sql)


PLAIN = models_of(A, B)
S = col("s", sa.String(20))

CASES = [
    Case("table added", models_of(), with_table_u(models_of())),
    Case("table dropped", with_table_u(models_of()), models_of()),
    Case("table added in a new schema", models_of(), with_schema_table(models_of())),
    Case(
        "table dropped from a schema",
        with_schema_table(models_of()),
        models_of(),
        NO_SCHEMAS,
    ),
    Case(
        "column added in a schema",
        with_schema_table(models_of()),
        with_schema_table(models_of(), A),
        NO_SCHEMAS,
    ),
    Case("column added", models_of(), models_of(A)),
    Case("column dropped", models_of(A), models_of()),
    Case(
        "column added with a check (Boolean)",
        models_of(),
        models_of(col("flag", sa.Boolean(create_constraint=True, name="ck_t_flag"))),
    ),
    Case(
        "column added with an unnamed check",
        models_of(),
        models_of(col("n", sa.Integer, sa.CheckConstraint("n > 0"))),
    ),
    Case("type", models_of(A), models_of(col("a", sa.BigInteger))),
    Case("type length", models_of(S), models_of(col("s", sa.String(40)))),
    Case("nullability", models_of(A), models_of(col("a", sa.Integer, nullable=False))),
    Case(
        "server default added",
        models_of(S),
        models_of(col("s", sa.String(20), server_default="x")),
    ),
    Case(
        "server default constant",
        models_of(col("s", sa.String(20), server_default="x")),
        models_of(col("s", sa.String(20), server_default="y")),
    ),
    Case(
        "server default dropped",
        models_of(col("s", sa.String(20), server_default="x")),
        models_of(S),
    ),
    Case(
        "server default expression",
        models_of(col("a", sa.Integer, server_default=sa.text("(1 + 2)"))),
        models_of(col("a", sa.Integer, server_default=sa.text("(2 + 3)"))),
    ),
    Case("identity added", models_of(A), identity(), NO_IDENTITY),
    Case("identity removed", identity(), models_of(A), NO_IDENTITY),
    Case("identity start", identity(start=1), identity(start=10), NO_IDENTITY),
    Case("identity increment", identity(), identity(increment=5), NO_IDENTITY),
    Case("identity always", identity(), identity(always=True), NO_IDENTITY),
    Case("identity minvalue", identity(), identity(minvalue=0), NO_IDENTITY),
    Case("identity maxvalue", identity(), identity(maxvalue=1000), NO_IDENTITY),
    Case("identity cycle", identity(), identity(cycle=True), NO_IDENTITY),
    Case("identity cache", identity(), identity(cache=10), NO_IDENTITY),
    Case(
        "computed added",
        models_of(A, B),
        models_of(A, col("b", sa.Integer, sa.Computed("a * 2"))),
    ),
    Case(
        "computed removed",
        models_of(A, col("b", sa.Integer, sa.Computed("a * 2"))),
        models_of(A, B),
    ),
    Case(
        "computed expression",
        models_of(A, col("b", sa.Integer, sa.Computed("a * 2"))),
        models_of(A, col("b", sa.Integer, sa.Computed("a * 3"))),
    ),
    Case(
        "computed expression the database rewrites",
        models_of(col("price", sa.Numeric(8, 2)), col("b", sa.Numeric(8, 2), sa.Computed("price"))),
        models_of(
            col("price", sa.Numeric(8, 2)),
            col("b", sa.Numeric(8, 2), sa.Computed("price * 2 + 1", persisted=True)),
        ),
    ),
    Case(
        "computed text expression the database rewrites",
        models_of(S, col("b", sa.String(50), sa.Computed("s"))),
        models_of(S, col("b", sa.String(50), sa.Computed("coalesce(s, '-') || 'x'"))),
    ),
    Case(
        "computed persisted",
        models_of(A, col("b", sa.Integer, sa.Computed("a * 2", persisted=False))),
        models_of(A, col("b", sa.Integer, sa.Computed("a * 2", persisted=True))),
        PG_STORED_ONLY,
    ),
    Case(
        "computed virtual",
        models_of(A, col("b", sa.Integer, sa.Computed("a * 2", persisted=True))),
        models_of(A, col("b", sa.Integer, sa.Computed("a * 2", persisted=False))),
        PG_STORED_ONLY,
    ),
    Case(
        "primary key columns",
        models_of(col("id", sa.Integer, primary_key=True), col("a", sa.Integer, nullable=False)),
        models_of(
            col("id", sa.Integer, primary_key=True),
            col("a", sa.Integer, nullable=False, primary_key=True),
        ),
    ),
    Case("foreign key added", PLAIN, fk(["a"], ["p.id"], name="fk_t_a")),
    Case("foreign key dropped", fk(["a"], ["p.id"], name="fk_t_a"), PLAIN),
    Case("unnamed foreign key added", PLAIN, fk(["a"], ["p.id"])),
    Case("unnamed foreign key dropped", fk(["a"], ["p.id"]), PLAIN),
    *(
        Case(f"{label} foreign key {what}", fk(*old, name=name), fk(*new, name=name))
        for name, label in (("fk_t_a", "named"), (None, "unnamed"))
        for what, old, new in (
            ("columns", (["a"], ["p.id"]), (["b"], ["p.id"])),
            ("referred table", (["a"], ["p.id"]), (["a"], ["q.id"])),
            ("referred columns", (["a"], ["p.id"]), (["a"], ["p.code"])),
        )
    ),
    *(
        Case(
            f"{label} foreign key {option}",
            fk(["a"], ["p.id"], name=name),
            fk(["a"], ["p.id"], name=name, **{option: value}),
        )
        for name, label in (("fk_t_a", "named"), (None, "unnamed"))
        for option, value in (
            ("ondelete", "CASCADE"),
            ("onupdate", "CASCADE"),
            ("deferrable", True),
        )
    ),
    Case(
        "foreign key initially",
        fk(["a"], ["p.id"], name="fk_t_a", deferrable=True),
        fk(["a"], ["p.id"], name="fk_t_a", deferrable=True, initially="DEFERRED"),
    ),
    *(
        Case(f"{label} unique {what}", old, new)
        for name, label in (("uq_t_a", "named"), (None, "unnamed"))
        for what, old, new in (
            ("added", PLAIN, models_of(A, B, lambda n=name: sa.UniqueConstraint("a", name=n))),
            ("dropped", models_of(A, B, lambda n=name: sa.UniqueConstraint("a", name=n)), PLAIN),
            (
                "columns",
                models_of(A, B, lambda n=name: sa.UniqueConstraint("a", name=n)),
                models_of(A, B, lambda n=name: sa.UniqueConstraint("a", "b", name=n)),
            ),
        )
    ),
    *(
        Case(f"{label} check {what}", old, new)
        for name, label in (("ck_t_a", "named"), (None, "unnamed"))
        for what, old, new in (
            ("added", PLAIN, models_of(A, B, lambda n=name: sa.CheckConstraint("a > 0", name=n))),
            ("dropped", models_of(A, B, lambda n=name: sa.CheckConstraint("a > 0", name=n)), PLAIN),
            (
                "condition",
                models_of(A, B, lambda n=name: sa.CheckConstraint("a > 0", name=n)),
                models_of(A, B, lambda n=name: sa.CheckConstraint("a > 1", name=n)),
            ),
        )
    ),
    Case(
        "unnamed check condition beside a named check",
        models_of(
            A,
            B,
            lambda: sa.CheckConstraint("a > 0"),
            lambda: sa.CheckConstraint("b > 0", name="ck_b"),
        ),
        models_of(
            A,
            B,
            lambda: sa.CheckConstraint("a > 1"),
            lambda: sa.CheckConstraint("b > 0", name="ck_b"),
        ),
    ),
    Case(
        "one of two unnamed checks dropped",
        models_of(A, B, lambda: sa.CheckConstraint("a > 0"), lambda: sa.CheckConstraint("b > 0")),
        models_of(A, B, lambda: sa.CheckConstraint("b > 0")),
    ),
    Case(
        "column with an unnamed check dropped",
        models_of(col("n", sa.Integer, sa.CheckConstraint("n > 0"))),
        models_of(),
    ),
    Case("index added", PLAIN, index("a")),
    Case("index dropped", index("a"), PLAIN),
    Case("index columns", index("a"), index("a", "b")),
    Case("index unique", index("a"), index("a", unique=True)),
    Case("index expression", index("a"), index(expression("lower(s)"))),
    Case("index expression changed", index(expression("lower(s)")), index(expression("upper(s)"))),
    Case("index sort order", index("a"), index(sa.desc("a"))),
    Case(
        "index partial",
        index("a"),
        index("a", postgresql_where=sa.text("a > 0"), sqlite_where=sa.text("a > 0")),
    ),
    Case(
        "index partial condition",
        index("a", postgresql_where=sa.text("a > 0"), sqlite_where=sa.text("a > 0")),
        index("a", postgresql_where=sa.text("a > 1"), sqlite_where=sa.text("a > 1")),
    ),
    Case(
        "index using",
        index("a"),
        index("a", postgresql_using="hash"),
        {"sqlite": "SQLite has one kind of index"},
    ),
    Case(
        "index include",
        index("a"),
        index("a", postgresql_include=["b"]),
        {"sqlite": "SQLite has no covering columns"},
    ),
    Case(
        "index operator class",
        index("s"),
        index("s", postgresql_ops={"s": "text_pattern_ops"}),
        {"sqlite": "SQLite has no operator classes"},
    ),
    Case(
        "index storage parameter",
        index("a"),
        index("a", postgresql_with={"fillfactor": 50}),
        {"sqlite": "SQLite has no index storage parameters"},
    ),
    Case(
        "index nulls not distinct",
        index("a", unique=True),
        index("a", unique=True, postgresql_nulls_not_distinct=True),
        {"sqlite": "SQLite has no NULLS NOT DISTINCT"},
    ),
    Case(
        "unique nulls not distinct",
        models_of(A, lambda: sa.UniqueConstraint("a", name="uq_t_a")),
        models_of(
            A, lambda: sa.UniqueConstraint("a", name="uq_t_a", postgresql_nulls_not_distinct=True)
        ),
        {"sqlite": "SQLite has no NULLS NOT DISTINCT"},
    ),
    Case(
        "native enum to non-native",
        enum_models("a", "b"),
        enum_models("a", "b", native=False),
        NO_NATIVE_ENUM,
    ),
    Case("type to text", models_of(A), models_of(col("a", sa.String(10)))),
    Case("enum label added", enum_models("a", "b"), enum_models("a", "b", "c"), NO_NATIVE_ENUM),
    Case("enum label removed", enum_models("a", "b", "c"), enum_models("a", "b"), NO_NATIVE_ENUM),
    Case("enum reordered", enum_models("a", "b"), enum_models("b", "a"), NO_NATIVE_ENUM),
    Case(
        "enum renamed", enum_models("a", "b"), enum_models("a", "b", name="feeling"), NO_NATIVE_ENUM
    ),
    Case(
        "non-native enum label added",
        enum_models("a", "b", native=False),
        enum_models("a", "b", "c", native=False),
    ),
    Case("column comment", models_of(A), models_of(col("a", sa.Integer, comment="x")), NO_COMMENTS),
    Case("table comment", models_of(), models_of(comment="x"), NO_COMMENTS),
]


# Changes the comparison reports as a finding (a warning naming the table) instead of writing
# operations, and why: {(dialect, case): warning}.
FINDINGS = {
    ("postgresql", "table dropped from a schema"): (
        "schema 'app' of the database holds tables the models do not name and is not "
        "compared: env.py's include_schemas=True compares every schema; exclude_tables = "
        "['<schema>.*'] silences this"
    ),
    ("sqlite", "table added in a new schema"): (
        "table 'app.u' is in schema 'app', which this SQLite database does not have (on "
        "SQLite a schema is an attached database): not compared"
    ),
    ("sqlite", "one of two unnamed checks dropped"): (
        "a check constraint on 't' (a > 0) is not in the models but has no name in the "
        "database, so it cannot be dropped by name: drop it by hand (name it in a "
        "batch_alter_table rebuild on SQLite)"
    ),
}

# Changes written as operations that still deserve a warning (data is recomputed or lost).
WARNED = {
    "computed added",
    "computed removed",
    "computed expression",
    "computed expression the database rewrites",
    "computed text expression the database rewrites",
    "computed persisted",
    "computed virtual",
}


@pytest.fixture
def engine(db_url: str) -> Iterator[sa.Engine]:
    yield from engine_for(db_url)


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_a_change_is_an_operation_or_a_finding(engine: sa.Engine, case: Case) -> None:
    dialect = engine.dialect.name
    if dialect in case.skip:
        pytest.skip(case.skip[dialect])
    build(engine, case.before(dialect))
    after = case.after(dialect)
    result = diff(engine, after)
    assert described(result) or result.warnings, "a change nothing reports"
    if (dialect, case.name) in FINDINGS:
        assert described(result) == []
        assert result.warnings == [FINDINGS[dialect, case.name]]
        return
    assert described(result), f"only findings: {result.warnings}"
    # A change that has operations is made, not only reported: no warning is left beside them.
    assert result.warnings == [] or case.name in WARNED, result.warnings
    round_trip(engine, after, result)
    run(engine, result.items)
    assert described(diff(engine, after)) == []

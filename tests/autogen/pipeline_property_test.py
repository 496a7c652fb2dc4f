"""Property: the whole autogenerate pipeline through the command line, on random models.

For random metadata (1-5 tables, an integer or big-integer primary key and up to five more
columns of common types each, nullable or not, some server defaults, indexes, unique constraints
named by the MetaData's naming convention, foreign keys to earlier tables with or without ON
DELETE, some names that need quoting, and on PostgreSQL enum columns with named, shared types),
written out as a real ``models.py`` in a fresh project folder:

* ``migguard revision --autogenerate`` from an empty database writes a revision;
* ``migguard upgrade head`` runs it, and the database then holds what the models describe
  (checked independently with SQLAlchemy's inspector: tables, columns, nullability, indexes,
  unique constraints, foreign keys, enum types);
* ``migguard diff`` reports no differences and ``migguard check --db`` exits 0;
* ``migguard downgrade base`` leaves only ``alembic_version`` (no enum types or sequences on
  PostgreSQL).

Every example gets its own project folder and database, on SQLite, PostgreSQL and MariaDB. On
MariaDB strings have a length (MySQL has no VARCHAR without one) and TEXT columns are not
indexed (MySQL indexes TEXT only with a prefix length).

Bugs the property found are kept as strict xfail tests at the end of this file; their shapes are
excluded from the strategies (the comments there say which).
"""

from __future__ import annotations

import contextlib
import importlib
import sys
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument
from sqlalchemy.pool import NullPool

from tests.testing import mariadb
from tests.testing.postgres import admin_execute
from tests.testing.project import Project

NO_DIFFERENCES = "No differences: the database matches the models.\n"
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_N_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
# Some names need quoting: a reserved word and mixed case.
TABLE_NAMES = ("t0", "user", "Order", "t3", "t4")
COLUMN_NAMES = ("c1", "order", "Name", "c4", "c5")
# PostgreSQL only: named enum types, shared by every column that uses them; "Colour" needs
# quoting (see test_enum_default_with_a_type_name_that_needs_quotes).
ENUMS = {"mood": ("happy", "it's", "In Progress"), "Colour": ("red", "green", "blue")}
SIMPLE_TYPES = (
    ("integer", "sa.Integer()"),
    ("biginteger", "sa.BigInteger()"),
    ("string", "sa.String()"),
    ("text", "sa.Text()"),
    ("boolean", "sa.Boolean()"),
    ("date", "sa.Date()"),
    ("datetime", "sa.DateTime()"),
    ("datetime", "sa.DateTime(timezone=True)"),
    ("float", "sa.Float()"),
)
# kind -> the server defaults a column of that kind may get (Python source). Literals that
# PostgreSQL rewrites when it stores them (a boolean's ``'false'``, ``'0'``) are excluded, see
# test_boolean_default_written_as_a_string_literal.
SERVER_DEFAULTS = {
    "integer": ("sa.text('0')", "sa.text('-1')", "'7'"),
    "biginteger": ("sa.text('0')",),
    "numeric": ("sa.text('0')", "sa.text('1.5')"),
    "float": ("sa.text('0')", "sa.text('1.5')"),
    "string": ("'x'", '"it\'s"', "''"),
    "text": ("'x'",),
    "boolean": ("sa.false()", "sa.true()"),
    "date": ("sa.text(\"'2020-01-02'\")", "sa.func.current_date()"),
    "datetime": ("sa.func.now()", "sa.text('CURRENT_TIMESTAMP')"),
}
KEY_TYPES = ("sa.Integer()", "sa.BigInteger()")
# Column-level index/unique flags (table-level ones span two columns, so names never clash).
FLAGS = (None, "index", "unique_index", "unique")
ON_DELETE = (None, "CASCADE", "SET NULL")


@dataclass(frozen=True)
class ColumnSpec:
    """One non-key column: ``type_source`` is Python source (``sa.String(20)``), or the type's
    name in ``ENUMS`` for an enum."""

    name: str
    kind: str
    type_source: str
    nullable: bool
    default: str | None = None
    flag: str | None = None
    references: str | None = None
    ondelete: str | None = None


@dataclass(frozen=True)
class IndexSpec:
    """A two-column index declared on the table."""

    columns: tuple[str, str]
    unique: bool


@dataclass(frozen=True)
class TableSpec:
    """A table: ``id`` (integer primary key of ``key_type``) plus ``columns``, with its
    table-level items."""

    name: str
    key_type: str
    columns: tuple[ColumnSpec, ...]
    indexes: tuple[IndexSpec, ...]
    uniques: tuple[tuple[str, str], ...]


# --- strategies --------------------------------------------------------------------------------


def column_types(dialect: str) -> st.SearchStrategy[tuple[str, str]]:
    """``(kind, type source)`` of a common column type; enums on PostgreSQL only, strings
    with a length on MySQL."""
    mysql = dialect == "mysql"
    simple = st.sampled_from([t for t in SIMPLE_TYPES if not (mysql and t[1] == "sa.String()")])
    # MySQL refuses at CREATE a default longer than its column ('it''s' is 4 characters).
    shortest = 4 if mysql else 1
    string = st.integers(shortest, 255).map(lambda n: ("string", f"sa.String({n})"))
    numeric = st.integers(1, 18).flatmap(
        lambda p: st.integers(0, min(p, 6)).map(lambda s: ("numeric", f"sa.Numeric({p}, {s})"))
    )
    if mysql:
        # MySQL converts a default to the column's type at CREATE: 1.5 must fit as it is.
        numeric = st.integers(2, 18).flatmap(
            lambda p: st.integers(1, min(p - 1, 6)).map(
                lambda s: ("numeric", f"sa.Numeric({p}, {s})")
            )
        )
    choices = [simple, string, numeric]
    if dialect == "postgresql":
        choices.append(st.sampled_from(sorted(ENUMS)).map(lambda n: ("enum", n)))
    return st.one_of(choices)


def default_choices(kind: str, type_source: str) -> list[str | None]:
    """The server defaults a column of ``kind`` may get (``None``: no default)."""
    if kind == "enum":
        return [None, *(repr(label) for label in ENUMS[type_source])]
    return [None, *SERVER_DEFAULTS.get(kind, ())]


@st.composite
def plain_columns(draw: st.DrawFn, name: str, dialect: str) -> ColumnSpec:
    """A column of a random common type, maybe with a server default and an index flag (none
    for TEXT on MySQL)."""
    kind, type_source = draw(column_types(dialect))
    unindexable = dialect == "mysql" and kind == "text"
    return ColumnSpec(
        name=name,
        kind=kind,
        type_source=type_source,
        nullable=draw(st.booleans()),
        default=draw(st.sampled_from(default_choices(kind, type_source))),
        flag=None if unindexable else draw(st.sampled_from(FLAGS)),
    )


@st.composite
def foreign_key_columns(draw: st.DrawFn, name: str, earlier: list[TableSpec]) -> ColumnSpec:
    """A column referencing ``<earlier table>.id`` (of its key's type); SET NULL only when
    nullable."""
    target = draw(st.sampled_from(earlier))
    nullable = draw(st.booleans())
    actions = ON_DELETE if nullable else ON_DELETE[:2]
    return ColumnSpec(
        name=name,
        kind="foreign key",
        type_source=target.key_type,
        nullable=nullable,
        flag=draw(st.sampled_from(FLAGS)),
        references=target.name,
        ondelete=draw(st.sampled_from(actions)),
    )


@st.composite
def tables(draw: st.DrawFn, name: str, earlier: list[TableSpec], dialect: str) -> TableSpec:
    """A table with 0-5 columns besides ``id``, some table-level indexes and uniques."""
    columns = []
    for column_name in COLUMN_NAMES[: draw(st.integers(0, len(COLUMN_NAMES)))]:
        if earlier and draw(st.integers(0, 3)) == 0:
            columns.append(draw(foreign_key_columns(column_name, earlier)))
        else:
            columns.append(draw(plain_columns(column_name, dialect)))
    names = [c.name for c in columns if not (dialect == "mysql" and c.kind == "text")]
    pairs: st.SearchStrategy[tuple[str, str]] = st.permutations(names).map(lambda p: (p[0], p[1]))
    indexes: tuple[IndexSpec, ...] = ()
    uniques: tuple[tuple[str, str], ...] = ()
    if len(names) >= 2:
        indexes = tuple(
            IndexSpec(cols, unique)
            for cols, unique in draw(
                st.lists(st.tuples(pairs, st.booleans()), max_size=2, unique_by=lambda x: x[0])
            )
        )
        uniques = tuple(draw(st.lists(pairs, max_size=2, unique=True)))
    return TableSpec(name, draw(st.sampled_from(KEY_TYPES)), tuple(columns), indexes, uniques)


@st.composite
def schemas(draw: st.DrawFn, dialect: str) -> tuple[TableSpec, ...]:
    """1-5 tables; foreign keys only point at tables defined before."""
    count = draw(st.integers(1, len(TABLE_NAMES)))
    result: list[TableSpec] = []
    for name in TABLE_NAMES[:count]:
        result.append(draw(tables(name, result, dialect)))
    return tuple(result)


# --- models source -----------------------------------------------------------------------------


def enums_used(schema: tuple[TableSpec, ...]) -> list[str]:
    """Names of the enum types the schema's columns use, sorted."""
    return sorted({c.type_source for t in schema for c in t.columns if c.kind == "enum"})


def enum_variable(name: str) -> str:
    """The models module's variable holding enum type ``name``."""
    return f"ENUM_{sorted(ENUMS).index(name)}"


def column_source(column: ColumnSpec) -> str:
    """``sa.Column(...)`` for one column spec."""
    type_source = enum_variable(column.type_source) if column.kind == "enum" else column.type_source
    args = [repr(column.name), type_source]
    if column.references:
        action = f", ondelete={column.ondelete!r}" if column.ondelete else ""
        args.append(f"sa.ForeignKey({column.references + '.id'!r}{action})")
    args.append(f"nullable={column.nullable}")
    if column.default is not None:
        args.append(f"server_default={column.default}")
    if column.flag in ("index", "unique_index"):
        args.append("index=True")
    if column.flag in ("unique_index", "unique"):
        args.append("unique=True")
    return f"sa.Column({', '.join(args)})"


def table_source(table: TableSpec) -> list[str]:
    """The lines of one ``sa.Table(...)`` statement."""
    lines = ["sa.Table(", f"    {table.name!r},", "    metadata,"]
    lines.append(f"    sa.Column('id', {table.key_type}, primary_key=True),")
    lines += [f"    {column_source(c)}," for c in table.columns]
    for index in table.indexes:
        lines.append(f"    sa.Index(None, {index.columns[0]!r}, {index.columns[1]!r}, "
                     f"unique={index.unique}),")  # fmt: skip
    lines += [f"    sa.UniqueConstraint({a!r}, {b!r})," for a, b in table.uniques]
    lines.append(")")
    return lines


def models_source(schema: tuple[TableSpec, ...]) -> str:
    """A models module defining ``metadata`` with the schema's tables."""
    lines = [
        '"""Models drawn by the pipeline property test."""',
        "",
        "import sqlalchemy as sa",
        "",
        f"metadata = sa.MetaData(naming_convention={NAMING_CONVENTION!r})",
    ]
    for name in enums_used(schema):
        labels = ", ".join(repr(label) for label in ENUMS[name])
        lines.append(f"{enum_variable(name)} = sa.Enum({labels}, name={name!r})")
    for table in schema:
        lines += ["", *table_source(table)]
    return "\n".join(lines) + "\n"


# --- what the database should hold ------------------------------------------------------------


@dataclass(frozen=True)
class Expected:
    """One table as SQLAlchemy's inspector should report it after ``upgrade head``."""

    columns: tuple[tuple[str, bool], ...]
    indexes: frozenset[tuple[str, bool]]
    uniques: frozenset[str]
    foreign_keys: frozenset[tuple[str, str, str | None]]


def expected(table: TableSpec) -> Expected:
    """Names follow ``NAMING_CONVENTION``."""
    indexes = {
        (f"ix_{table.name}_{c.name}", c.flag == "unique_index")
        for c in table.columns
        if c.flag in ("index", "unique_index")
    }
    indexes |= {
        ("ix_" + "_".join(f"{table.name}_{name}" for name in i.columns), i.unique)
        for i in table.indexes
    }
    uniques = {f"uq_{table.name}_{c.name}" for c in table.columns if c.flag == "unique"}
    uniques |= {f"uq_{table.name}_{a}_{b}" for a, b in table.uniques}
    return Expected(
        columns=(("id", False), *((c.name, c.nullable) for c in table.columns)),
        indexes=frozenset(indexes),
        uniques=frozenset(uniques),
        foreign_keys=frozenset(
            (c.name, c.references, c.ondelete) for c in table.columns if c.references
        ),
    )


def reflected(inspector: sa.Inspector, name: str) -> Expected:
    """The same facts, read from the database. MySQL keeps a unique constraint as a unique
    index of its name, so it cannot tell the two apart: there the naming convention does
    (``uq_`` constraints, ``ix_`` indexes); and InnoDB adds an index named after each foreign
    key, which is not counted."""
    uniques = {str(u["name"]) for u in inspector.get_unique_constraints(name)}
    implicit: set[str] = set()
    if inspector.dialect.name in ("mysql", "mariadb"):
        uniques = {unique for unique in uniques if unique.startswith("uq_")}
        implicit = {str(fk["name"]) for fk in inspector.get_foreign_keys(name)}
    indexes = {
        (str(i["name"]), bool(i["unique"]))
        for i in inspector.get_indexes(name)
        # PostgreSQL: the index behind a unique constraint.
        if "duplicates_constraint" not in i and str(i["name"]) not in uniques | implicit
    }
    foreign_keys = {
        (
            fk["constrained_columns"][0],
            fk["referred_table"],
            (fk.get("options") or {}).get("ondelete"),
        )
        for fk in inspector.get_foreign_keys(name)
    }
    return Expected(
        columns=tuple((c["name"], bool(c["nullable"])) for c in inspector.get_columns(name)),
        indexes=frozenset(indexes),
        uniques=frozenset(uniques),
        foreign_keys=frozenset(foreign_keys),
    )


def inspect_database(url: str, schema: tuple[TableSpec, ...] | None) -> dict[str, Any]:
    """Tables, enum types and sequences in the database; with ``schema``, also each of its
    tables as :func:`reflected` reads it."""
    engine = sa.create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            inspector = sa.inspect(connection)
            found: dict[str, Any] = {"tables": sorted(inspector.get_table_names())}
            if engine.dialect.name == "postgresql":
                enums = inspector.get_enums()  # type: ignore[attr-defined]
                found["enums"] = {e["name"]: tuple(e["labels"]) for e in enums}
                found["sequences"] = sorted(inspector.get_sequence_names())
            for table in schema or ():
                found[table.name] = reflected(inspector, table.name)
            return found
    finally:
        engine.dispose()


# --- one example: a project folder and a database of its own ------------------------------------


@contextlib.contextmanager
def fresh_database(db_url: str, request: pytest.FixtureRequest, folder: Path) -> Iterator[str]:
    """The URL of a new, empty database of ``db_url``'s kind: a file in ``folder`` for SQLite,
    a database created (and dropped afterwards) on the session's server for PostgreSQL and
    MariaDB."""
    if db_url.startswith("mysql"):
        with mariadb.fresh_database(request.getfixturevalue("mariadb_server")) as url:
            yield url
        return
    if not db_url.startswith("postgresql"):
        yield f"sqlite:///{folder / 'app.db'}"
        return
    server = request.getfixturevalue("postgres_server")
    name = f"prop_{uuid.uuid4().hex[:16]}"
    admin_execute(server, "CREATE DATABASE {}", name)
    try:
        yield str(server.url(name))
    finally:
        admin_execute(server, "DROP DATABASE IF EXISTS {} WITH (FORCE)", name)


@contextlib.contextmanager
def isolated_import(folder: Path) -> Iterator[None]:
    """Work in ``folder``; forget the ``models`` module and any ``sys.path`` entries the
    example added, before and after."""
    saved_path = list(sys.path)
    sys.modules.pop("models", None)
    importlib.invalidate_caches()
    try:
        with contextlib.chdir(folder):
            yield
    finally:
        sys.path[:] = saved_path
        sys.modules.pop("models", None)


def start_project(
    folder: Path, url: str, source: str, capsys: pytest.CaptureFixture[str]
) -> Project:
    """``migguard init`` in ``folder``, then configure the URL and ``models:metadata``."""
    project = Project(folder, capsys)
    init = project.run("init", "migrations")
    assert init.code == 0, init.err
    config = folder / "migguard.toml"
    config.write_text(
        config.read_text() + f'url = "{url}"\nmetadata = "models:metadata"\n', encoding="utf-8"
    )
    (folder / "models.py").write_text(source, encoding="utf-8")
    return project


def remember(text: str) -> None:
    """Report ``text`` with a failing hypothesis example (ignored outside hypothesis)."""
    with contextlib.suppress(InvalidArgument):
        note(text)


def generated_scripts(project: Project) -> str:
    """Every revision script's source, for failure messages."""
    return "\n".join(p.read_text() for p in sorted(project.versions.glob("*.py")))


def run_pipeline(project: Project, url: str, schema: tuple[TableSpec, ...]) -> None:
    """autogenerate -> upgrade -> (inspect, diff, check) -> downgrade -> empty."""
    first = project.run("revision", "--autogenerate", "-m", "random schema")
    assert first.code == 0, first.err
    remember(generated_scripts(project))
    upgrade = project.run("upgrade", "head")
    assert upgrade.code == 0, upgrade.err

    found = inspect_database(url, schema)
    assert found["tables"] == sorted(["alembic_version", *(t.name for t in schema)])
    for table in schema:
        assert found[table.name] == expected(table), table.name
    if "enums" in found:
        assert found["enums"] == {name: ENUMS[name] for name in enums_used(schema)}

    diff = project.run("diff")
    assert (diff.code, diff.out) == (0, NO_DIFFERENCES), diff.err
    check = project.run("check", "--db", "--select", "drift")
    assert check.code == 0, check.out + check.err

    downgrade = project.run("downgrade", "base")
    assert downgrade.code == 0, downgrade.err
    left = inspect_database(url, None)
    assert left["tables"] == ["alembic_version"]
    if "enums" in left:
        assert (left["enums"], left["sequences"]) == ({}, [])


def round_trip(
    db_url: str,
    request: pytest.FixtureRequest,
    capsys: pytest.CaptureFixture[str],
    schema: tuple[TableSpec, ...],
) -> None:
    """The pipeline for ``schema`` in a new folder on a new database."""
    source = models_source(schema)
    remember(source)
    with (
        tempfile.TemporaryDirectory(prefix="migguard-pipeline-") as name,
        fresh_database(db_url, request, Path(name)) as url,
        isolated_import(Path(name)),
    ):
        project = start_project(Path(name), url, source, capsys)
        run_pipeline(project, url, schema)


@pytest.fixture
def quiet_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """The configured URL wins; no colours in the captured output."""
    monkeypatch.delenv("MIGGUARD_URL", raising=False)
    monkeypatch.setenv("NO_COLOR", "1")


# --- the property ------------------------------------------------------------------------------


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@pytest.mark.slow
@given(data=st.data())
def test_autogenerate_upgrade_diff_downgrade(
    any_db_url: str,
    request: pytest.FixtureRequest,
    capsys: pytest.CaptureFixture[str],
    quiet_env: None,
    data: st.DataObject,
) -> None:
    dialect = sa.make_url(any_db_url).get_backend_name()
    schema = data.draw(schemas(dialect), label="schema")
    round_trip(any_db_url, request, capsys, schema)


# --- bugs the property found, minimised (excluded from the strategies above) --------------------


def one_column(column: ColumnSpec) -> tuple[TableSpec, ...]:
    """A schema of one table ``t0`` holding ``id`` and ``column``."""
    return (TableSpec("t0", "sa.Integer()", (column,), (), ()),)


def test_enum_default_with_a_type_name_that_needs_quotes(
    pg_url: str,
    request: pytest.FixtureRequest,
    capsys: pytest.CaptureFixture[str],
    quiet_env: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(ENUMS, "Mood", ("happy", "sad"))
    column = ColumnSpec("c1", "enum", "Mood", nullable=False, default="'happy'")
    round_trip(pg_url, request, capsys, one_column(column))


@pytest.mark.parametrize(
    ("kind", "type_source", "default"),
    [
        ("boolean", "sa.Boolean()", "'false'"),
        ("boolean", "sa.Boolean()", "'f'"),
        ("integer", "sa.Integer()", "'0'"),
        ("date", "sa.Date()", "'2020-1-2'"),
        ("datetime", "sa.DateTime(timezone=True)", "'2020-01-02 03:04:05'"),
        ("numeric", "sa.Numeric(10, 2)", "'1e3'"),
    ],
)
@pytest.mark.slow
def test_literal_defaults_postgresql_stores_in_its_own_form(
    pg_url: str,
    request: pytest.FixtureRequest,
    capsys: pytest.CaptureFixture[str],
    quiet_env: None,
    kind: str,
    type_source: str,
    default: str,
) -> None:
    # PostgreSQL keeps DEFAULT 'false' as false, '2020-1-2' as '2020-01-02'::date, and so on;
    # the diff asks the database whether the two are the same value.
    column = ColumnSpec("c1", kind, type_source, nullable=False, default=default)
    round_trip(pg_url, request, capsys, one_column(column))

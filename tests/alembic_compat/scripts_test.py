"""Every script that runs under Alembic runs under migguard (issue #19): one minimal history per
case, in an Alembic project (``alembic.ini``, ``env.py``, ``from alembic import op``), run by
migguard online on SQLite and PostgreSQL and offline (``--sql``), and by the real Alembic on the
same files where the behaviour is "as Alembic does"."""

from __future__ import annotations

import io
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.config import Config as AlembicConfig

from tests.testing.alembic_project import ENV_PY
from tests.testing.project import Result, revision_source, run_process
from tests.testing.seeds import schema, versions


@dataclass
class AlembicProject:
    """An Alembic project on ``url``; scripts say ``from alembic import op``."""

    root: Path
    url: str
    capsys: pytest.CaptureFixture[str]

    @property
    def versions(self) -> Path:
        return self.root / "mig" / "versions"

    def add(
        self,
        rid: str,
        down: str | None = None,
        *,
        upgrade: str,
        downgrade: str = "pass",
        imports: str = "",
    ) -> Path:
        """Write revision ``rid``; ``imports`` are more import lines after ``op``'s."""
        path = self.versions / f"{rid}_rev.py"
        op_import = "from alembic import op" + (f"\n{imports.strip()}" if imports else "")
        source = revision_source(
            rid, down, upgrade=upgrade, downgrade=downgrade, op_import=op_import
        )
        path.write_text(source, encoding="utf-8")
        return path

    def migguard(self, *args: str) -> Result:
        """``migguard ARGS`` in-process."""
        from migguard.cli.main import main

        self.capsys.readouterr()
        code = main(list(args))
        out, err = self.capsys.readouterr()
        return Result(code, out, err)

    def alembic_sql(self, target: str, url: str) -> str:
        """The SQL the real Alembic writes for ``upgrade TARGET --sql`` on ``url``."""
        buffer = io.StringIO()
        config = AlembicConfig(str(self.root / "alembic.ini"), output_buffer=buffer)
        config.set_main_option("sqlalchemy.url", url)
        command.upgrade(config, target, sql=True)
        return buffer.getvalue()

    def alembic_upgrade(self, target: str = "head") -> None:
        command.upgrade(AlembicConfig(str(self.root / "alembic.ini")), target)


@pytest.fixture
def alembic_project(
    tmp_path: Path, db_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> AlembicProject:
    (tmp_path / "mig" / "versions").mkdir(parents=True)
    (tmp_path / "mig" / "env.py").write_text(ENV_PY, encoding="utf-8")
    (tmp_path / "alembic.ini").write_text(
        f"[alembic]\nscript_location = %(here)s/mig\nsqlalchemy.url = {db_url}\n",
        encoding="utf-8",
    )
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("MIGGUARD_URL", raising=False)
    monkeypatch.setenv("NO_COLOR", "1")
    return AlembicProject(tmp_path, db_url, capsys)


OFFLINE_URLS = {"sqlite": "sqlite://", "postgresql": "postgresql+psycopg://u@nowhere/db"}


def offline(project: AlembicProject, dialect: str) -> Result:
    """``migguard upgrade head --sql`` for ``dialect`` (a URL without a server)."""
    return project.migguard("--url", OFFLINE_URLS[dialect], "upgrade", "head", "--sql")


# -- case 5: op.execute(<DDL element>) ---------------------------------------------------------

DDL_ELEMENTS = """
on_postgresql = op.get_context().dialect.name == "postgresql"
if on_postgresql:
    op.execute(CreateSequence(Sequence("invoice_number")))
op.execute(CreateTable(sa.Table("invoice", sa.MetaData(), sa.Column("id", sa.Integer))))
op.execute(DDL("CREATE INDEX ix_invoice_id ON invoice (id)"))
op.execute(sa.text("INSERT INTO invoice (id) VALUES (7)"))
if on_postgresql:
    op.execute(CreateSequence(Sequence("scratch")))
    op.execute(DropSequence(Sequence("scratch")))
"""
DDL_IMPORTS = (
    "from sqlalchemy.schema import DDL, CreateSequence, CreateTable, DropSequence, Sequence"
)


def test_op_execute_runs_ddl_elements(alembic_project: AlembicProject) -> None:
    project = alembic_project
    project.add("a1", upgrade=DDL_ELEMENTS, imports=DDL_IMPORTS)

    done = project.migguard("upgrade", "head")
    assert done.code == 0, done.err
    assert schema(project.url)["invoice"] == ["id"]
    engine = sa.create_engine(project.url)
    try:
        with engine.connect() as connection:
            assert connection.exec_driver_sql("SELECT id FROM invoice").scalar() == 7
            inspector = sa.inspect(connection)
            assert [i["name"] for i in inspector.get_indexes("invoice")] == ["ix_invoice_id"]
            if connection.dialect.name == "postgresql":
                assert inspector.get_sequence_names() == ["invoice_number"]
    finally:
        engine.dispose()
    assert versions(project.url) == ["a1"]


@pytest.mark.parametrize("dialect", ["sqlite", "postgresql"])
def test_op_execute_writes_ddl_elements_offline(
    alembic_project: AlembicProject, dialect: str
) -> None:
    project = alembic_project
    project.add("a1", upgrade=DDL_ELEMENTS, imports=DDL_IMPORTS)

    done = offline(project, dialect)
    assert done.code == 0, done.err
    statements = [
        "CREATE TABLE invoice (\n\tid INTEGER\n);",
        "CREATE INDEX ix_invoice_id ON invoice (id);",
        "INSERT INTO invoice (id) VALUES (7);",
    ]
    if dialect == "postgresql":
        statements = [
            "CREATE SEQUENCE invoice_number;",
            *statements,
            "CREATE SEQUENCE scratch;",
            "DROP SEQUENCE scratch;",
        ]
    found = [s for s in done.out.split("\n\n") if s.strip() in statements]
    assert [s.strip() for s in found] == statements


# -- case 2: sqlalchemy.dialects.<name> after `from sqlalchemy import dialects` -------------------

DIALECT_TYPES = """
op.create_table(
    "account",
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("token", sa.String(36).with_variant(dialects.postgresql.UUID(), "postgresql")),
    sa.Column("tags", sa.JSON().with_variant(sa.dialects.postgresql.JSONB(), "postgresql")),
)
"""


@pytest.mark.slow
def test_scripts_reach_dialect_modules_through_the_dialects_package(
    alembic_project: AlembicProject,
) -> None:
    # A fresh interpreter: in this one, other tests have imported the dialect modules already.
    project = alembic_project
    project.add("a1", upgrade=DIALECT_TYPES, imports="from sqlalchemy import dialects")

    under_alembic = subprocess.run(
        [sys.executable, "-m", "alembic", "upgrade", "head", "--sql"],
        cwd=project.root,
        capture_output=True,
        text=True,
        check=False,
    )
    assert under_alembic.returncode == 0, under_alembic.stderr

    offline_run = run_process(["--url", "sqlite://", "upgrade", "head", "--sql"], project.root)
    assert offline_run.returncode == 0, offline_run.stderr
    assert "CREATE TABLE account" in offline_run.stdout
    online = run_process(["upgrade", "head"], project.root)
    assert online.returncode == 0, online.stderr
    assert schema(project.url)["account"] == ["id", "token", "tags"]


# -- case 7: op._proxy.migration_context, op.migration_context, op.impl ---------------------------

CONTEXT_ATTRIBUTES = """
context = op.get_context()
assert op._proxy.migration_context is context
assert op.migration_context is context
assert op.impl is context.impl
assert context.impl.dialect is context.dialect
assert context.bind is op.get_bind()
assert context.as_sql is context.opts["as_sql"] is context.impl.as_sql
op.create_table(f"made_on_{context.dialect.name}", sa.Column("id", sa.Integer))
"""


def test_the_migration_context_is_reached_as_in_alembic(alembic_project: AlembicProject) -> None:
    project = alembic_project
    project.add("a1", upgrade=CONTEXT_ATTRIBUTES)

    done = project.migguard("upgrade", "head")
    assert done.code == 0, done.err
    name = sa.make_url(project.url).get_backend_name()
    assert f"made_on_{name}" in schema(project.url)
    for dialect in OFFLINE_URLS:
        written = offline(project, dialect)
        assert written.code == 0, written.err
        assert f"CREATE TABLE made_on_{dialect}" in written.out


# -- case 10: offline op.get_bind() is a mock connection that records DDL ------------------------

ENUM_TYPES = """
bind = op.get_bind()
ENUM("sad", "ok", "happy", name="mood").create(bind)
sa.Enum("low", "high", name="grade").create(bind, checkfirst=False)
op.create_table(
    "person",
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("mood", ENUM("sad", "ok", "happy", name="mood", create_type=False)),
)
"""
CREATE_TYPES = [
    "CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');",
    "CREATE TYPE grade AS ENUM ('low', 'high');",
]


def test_types_created_on_op_get_bind_online(alembic_project: AlembicProject) -> None:
    project = alembic_project
    project.add("a1", upgrade=ENUM_TYPES, imports="from sqlalchemy.dialects.postgresql import ENUM")

    done = project.migguard("upgrade", "head")
    assert done.code == 0, done.err
    assert schema(project.url)["person"] == ["id", "mood"]
    if project.url.startswith("postgresql"):
        engine = sa.create_engine(project.url)
        try:
            with engine.connect() as connection:
                types = connection.exec_driver_sql(
                    "SELECT typname FROM pg_type WHERE typtype = 'e'"
                )
                assert sorted(types.scalars()) == ["grade", "mood"]
        finally:
            engine.dispose()


def test_offline_op_get_bind_records_ddl_as_alembic_does(alembic_project: AlembicProject) -> None:
    project = alembic_project
    project.add("a1", upgrade=ENUM_TYPES, imports="from sqlalchemy.dialects.postgresql import ENUM")

    written = offline(project, "postgresql")
    assert written.code == 0, written.err
    by_alembic = project.alembic_sql("head", OFFLINE_URLS["postgresql"])
    for statement in [*CREATE_TYPES, "CREATE TABLE person ("]:
        assert statement in by_alembic
        assert statement in written.out
    assert written.out.index(CREATE_TYPES[1]) < written.out.index("CREATE TABLE person")
    on_sqlite = offline(project, "sqlite")
    assert on_sqlite.code == 0, on_sqlite.err
    assert "CREATE TYPE" not in on_sqlite.out


def test_an_error_in_an_offline_run_names_the_revision_and_file(
    alembic_project: AlembicProject,
) -> None:
    project = alembic_project
    project.add("a1", upgrade='op.create_table("t", sa.Column("id", sa.Integer))')
    project.add("b2", "a1", upgrade='raise RuntimeError("needs the live data")')

    written = offline(project, "sqlite")
    assert written.code == 3
    assert written.err.splitlines() == [
        "migguard: error: upgrade a1 -> b2, revision b2 (mig/versions/b2_rev.py:18) failed: "
        "RuntimeError: needs the live data; the SQL written stops before this revision's end"
    ]


# -- beyond the cases: Alembic's documented op / MigrationContext surface ------------------------

SURFACE = """
context = op.get_context()
postgresql = context.dialect.name == "postgresql"
for _ in range(2):
    op.create_table(
        "item",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(20)),
        if_not_exists=True,
    )
    op.create_index(op.f("ix_item_name"), "item", ["name"], if_not_exists=True)
    if postgresql:
        op.add_column("item", sa.Column("price", sa.Integer), if_not_exists=True)
item = sa.table("item", sa.column("id", sa.Integer), sa.column("name", sa.String))
op.bulk_insert(item, [{"id": 1, "name": "lamp"}])
first = item.c.id == op.inline_literal(1)
op.execute(item.update().where(first).values(name=op.inline_literal("desk")))
if context.as_sql:
    context.impl.static_output("-- written by the script")
with context.autocommit_block():
    op.execute("SELECT 1")
for _ in range(2):
    if postgresql:
        op.drop_column("item", "price", if_exists=True)
    op.drop_index("ix_item_name", table_name="item", if_exists=True)
op.create_table("gone", sa.Column("id", sa.Integer))
for _ in range(2):
    op.drop_table("gone", if_exists=True)
"""


def statements(sql: str) -> list[str]:
    """The statements of an offline script, without transactions, comments (other than the
    script's own) and version-table statements."""
    kept = []
    for statement in sql.split(";\\n\\n"):
        statement = statement.strip()
        if statement.startswith("-- Running") or statement.startswith("-- upgrade"):
            statement = statement.split("\\n", 1)[1].strip() if "\\n" in statement else ""
        if not statement or statement in ("BEGIN", "COMMIT") or "alembic_version" in statement:
            continue
        kept.append(statement)
    return kept


def test_alembic_surface_online(alembic_project: AlembicProject) -> None:
    project = alembic_project
    project.add("a1", upgrade=SURFACE)

    done = project.migguard("upgrade", "head")
    assert done.code == 0, done.err
    assert schema(project.url) == {"alembic_version": ["version_num"], "item": ["id", "name"]}
    engine = sa.create_engine(project.url)
    try:
        with engine.connect() as connection:
            assert connection.exec_driver_sql("SELECT name FROM item").scalar() == "desk"
    finally:
        engine.dispose()


@pytest.mark.parametrize("dialect", ["sqlite", "postgresql"])
def test_alembic_surface_offline_writes_what_alembic_writes(
    alembic_project: AlembicProject, dialect: str
) -> None:
    project = alembic_project
    project.add("a1", upgrade=SURFACE)

    written = offline(project, dialect)
    assert written.code == 0, written.err
    assert statements(written.out) == statements(project.alembic_sql("head", OFFLINE_URLS[dialect]))


@pytest.mark.parametrize(
    ("call", "reason"),
    [
        (
            "op.run_async(lambda connection: None)",
            "UnsupportedError: op.run_async() needs an async driver's connection, and migguard "
            "runs revisions on a synchronous one: use op.get_bind() (a Connection) in the "
            "script instead",
        ),
        (
            "op.get_context().get_current_heads()",
            "UnsupportedError: op.get_context().get_current_heads (Alembic's "
            "MigrationContext.get_current_heads) is not supported by migguard",
        ),
    ],
)
def test_an_alembic_name_migguard_lacks_is_one_line_naming_it(
    alembic_project: AlembicProject, call: str, reason: str
) -> None:
    project = alembic_project
    project.add("a1", upgrade=call)

    online = project.migguard("upgrade", "head")
    assert online.code == 3
    assert online.err.splitlines() == [
        f"migguard: error: upgrade <base> -> a1, revision a1 (mig/versions/a1_rev.py:18) "
        f"failed: {reason}; rolled back; the database stays at base"
    ]
    written = offline(project, "postgresql")
    assert written.code == 3
    assert written.err.splitlines() == [
        f"migguard: error: upgrade <base> -> a1, revision a1 (mig/versions/a1_rev.py:18) "
        f"failed: {reason}; the SQL written stops before this revision's end"
    ]

"""An Alembic project whose scripts call operations that plugins register on Alembic's
``Operations`` runs under migguard: alembic-postgresql-enum's ``op.sync_enum_values``,
alembic-utils' ``op.create_entity`` / ``replace_entity`` / ``drop_entity`` (a function and a
view), and the project's own ``op.create_sequence`` written as in Alembic's "Operation Plugins"
cookbook, also through ``op.invoke``. Online and offline (``--sql``) on PostgreSQL, the real
plugins from PyPI, and the real Alembic building the same schema from the same files."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from migguard.alembic_compat.plugins import registered_operation
from tests.testing.alembic_project import ENV_PY as ALEMBIC_ENV_PY
from tests.testing.postgres import PostgresServer, fresh_database, psql
from tests.testing.project import Result, revision_source, run_process

TICKET, RENAME, DROP = "a1b2c3d4e5f6", "b2c3d4e5f6a1", "c3d4e5f6a1b2"

ENV_PY = (
    "import alembic_postgresql_enum  # registers op.sync_enum_values, as Alembic projects do\n"
    "import ticket_ops  # the project's own operations (Alembic's Operation Plugins cookbook)\n"
    + ALEMBIC_ENV_PY
)

# Alembic's cookbook "Operation Plugins": an operation class registered as op.<name>, its
# reverse, and the function that carries it out.
TICKET_OPS = """
from alembic.operations import MigrateOperation, Operations


@Operations.register_operation("create_sequence")
class CreateSequenceOp(MigrateOperation):
    def __init__(self, sequence_name, schema=None):
        self.sequence_name = sequence_name
        self.schema = schema

    @classmethod
    def create_sequence(cls, operations, sequence_name, **kw):
        return operations.invoke(cls(sequence_name, **kw))

    def reverse(self):
        return DropSequenceOp(self.sequence_name, schema=self.schema)


@Operations.register_operation("drop_sequence")
class DropSequenceOp(MigrateOperation):
    def __init__(self, sequence_name, schema=None):
        self.sequence_name = sequence_name
        self.schema = schema

    @classmethod
    def drop_sequence(cls, operations, sequence_name, **kw):
        return operations.invoke(cls(sequence_name, **kw))

    def reverse(self):
        return CreateSequenceOp(self.sequence_name, schema=self.schema)


def _name(operation):
    if operation.schema is None:
        return operation.sequence_name
    return f"{operation.schema}.{operation.sequence_name}"


@Operations.implementation_for(CreateSequenceOp)
def create_sequence(operations, operation):
    operations.execute(f"CREATE SEQUENCE {_name(operation)}")


@Operations.implementation_for(DropSequenceOp)
def drop_sequence(operations, operation):
    operations.execute(f"DROP SEQUENCE {_name(operation)}")
"""

ENTITIES = """
LABEL_V1 = PGFunction(
    schema="public",
    signature="ticket_label(n integer)",
    definition="RETURNS text LANGUAGE sql AS $$ SELECT 'T-' || n $$",
)
LABEL_V2 = PGFunction(
    schema="public",
    signature="ticket_label(n integer)",
    definition="RETURNS text LANGUAGE sql AS $$ SELECT 'TICKET-' || n $$",
)
RECENT_V1 = PGView(schema="public", signature="recent_tickets", definition="SELECT id FROM ticket")
RECENT_V2 = PGView(
    schema="public", signature="recent_tickets", definition="SELECT id FROM ticket WHERE id > 1"
)
"""

IMPORTS = """from alembic_postgresql_enum import TableReference
from alembic_utils.pg_function import PGFunction
from alembic_utils.pg_view import PGView
import ticket_ops
"""


def _status(new_values: list[str], renamed: list[tuple[str, str]]) -> str:
    return (
        "op.sync_enum_values(\n"
        '    enum_schema="public",\n'
        '    enum_name="status",\n'
        f"    new_values={new_values!r},\n"
        "    affected_columns=[\n"
        '        TableReference(table_schema="public", table_name="ticket", '
        'column_name="status", existing_server_default="\'draft\'::status")\n'
        "    ],\n"
        f"    enum_values_to_rename={renamed!r},\n"
        ")"
    )


def write_revision(
    versions: Path, rid: str, down: str | None, upgrade: str, downgrade: str, message: str
) -> Path:
    """A script as Alembic's autogenerate and the plugins' renderers write it: the plugin
    imports and the entities at the top."""
    source = revision_source(
        rid,
        down,
        message=message,
        upgrade=upgrade,
        downgrade=downgrade,
        op_import=f"from alembic import op\n{IMPORTS}{ENTITIES}",
    )
    path = versions / f"{rid}_{message.lower().replace(' ', '_')}.py"
    path.write_text(source, encoding="utf-8")
    return path


def build_project(root: Path, url: str) -> Path:
    """An Alembic project (alembic.ini, env.py, ticket_ops.py, three scripts) on ``url``;
    returns its alembic.ini."""
    versions = root / "migrations" / "versions"
    versions.mkdir(parents=True)
    (root / "migrations" / "env.py").write_text(ENV_PY, encoding="utf-8")
    (root / "ticket_ops.py").write_text(TICKET_OPS, encoding="utf-8")
    ini = root / "alembic.ini"
    ini.write_text(
        "[alembic]\nscript_location = %(here)s/migrations\n"
        "prepend_sys_path = .\npath_separator = os\n"
        f"sqlalchemy.url = {url}\n",
        encoding="utf-8",
    )
    write_revision(
        versions,
        TICKET,
        None,
        upgrade="""
op.create_table(
    "ticket",
    sa.Column("id", sa.Integer(), primary_key=True),
    sa.Column(
        "status",
        sa.Enum("draft", "active", name="status"),
        server_default="draft",
        nullable=False,
    ),
)
op.execute("INSERT INTO ticket (id, status) VALUES (1, 'active'), (2, 'draft')")
op.create_sequence("ticket_no")
op.create_entity(LABEL_V1)
op.create_entity(RECENT_V1)
""",
        downgrade="""
op.drop_entity(RECENT_V1)
op.drop_entity(LABEL_V1)
op.invoke(ticket_ops.DropSequenceOp("ticket_no"))
op.drop_table("ticket")
op.execute("DROP TYPE status")
""",
        message="Add ticket",
    )
    write_revision(
        versions,
        RENAME,
        TICKET,
        upgrade=f"""
{_status(["draft", "open", "closed"], [("active", "open")])}
op.replace_entity(LABEL_V2)
op.replace_entity(RECENT_V2)
op.invoke(ticket_ops.CreateSequenceOp("invoice_no"))
""",
        downgrade=f"""
op.drop_sequence("invoice_no")
op.replace_entity(RECENT_V1)
op.replace_entity(LABEL_V1)
{_status(["draft", "active"], [("open", "active")])}
""",
        message="Rename status",
    )
    write_revision(
        versions,
        DROP,
        RENAME,
        upgrade="""
op.drop_entity(RECENT_V2)
op.drop_entity(LABEL_V2, cascade=True)
op.add_enum_value("public", "status", "archived")
""",
        downgrade=f"""
{_status(["draft", "open", "closed"], [])}
op.create_entity(LABEL_V2)
op.create_entity(RECENT_V2)
""",
        message="Drop entities",
    )
    return ini


def catalog(url: str) -> dict[str, Any]:
    """What the migrations built, from PostgreSQL's catalog: enum types and their labels,
    functions with their definitions, views, sequences, columns, ticket rows, version rows."""
    queries = {
        "enums": "SELECT t.typname, array_agg(e.enumlabel ORDER BY e.enumsortorder) "
        "FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid GROUP BY t.typname",
        "functions": "SELECT p.proname, pg_get_functiondef(p.oid) FROM pg_proc p "
        "JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'public'",
        "views": "SELECT viewname, definition FROM pg_views WHERE schemaname = 'public'",
        "sequences": "SELECT sequencename FROM pg_sequences WHERE schemaname = 'public'",
        "columns": "SELECT table_name, column_name, udt_name, column_default, is_nullable "
        "FROM information_schema.columns WHERE table_schema = 'public'",
        "operators": "SELECT oprname FROM pg_operator o JOIN pg_namespace n "
        "ON n.oid = o.oprnamespace WHERE n.nspname = 'public'",
    }
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            found: dict[str, Any] = {
                key: sorted(tuple(row) for row in connection.exec_driver_sql(sql))
                for key, sql in queries.items()
            }
            tables = sa.inspect(connection).get_table_names()
            found["tickets"] = (
                sorted(tuple(row) for row in connection.exec_driver_sql("SELECT * FROM ticket"))
                if "ticket" in tables
                else None
            )
            found["versions"] = (
                sorted(connection.exec_driver_sql("SELECT version_num FROM alembic_version"))
                if "alembic_version" in tables
                else None
            )
            return found
    finally:
        engine.dispose()


@pytest.fixture
def other_pg_url(postgres_server: PostgresServer) -> Iterator[str]:
    """A second fresh database on the session's server (for the real Alembic's run)."""
    with fresh_database(postgres_server) as url:
        yield url


@pytest.fixture
def project(tmp_path: Path, pg_url: str) -> Path:
    """The Alembic project on ``pg_url``; returns its alembic.ini."""
    return build_project(tmp_path, pg_url)


def migguard(root: Path, *args: str) -> Result:
    """Run ``migguard ARGS`` in ``root``, in a new interpreter: importing the plugins changes
    the process for good (alembic-utils adds comparators to every later Alembic
    autogenerate). Alembic is imported first, as a project's env.py does: see the xfail test
    below for a process that does not."""
    starter = "import sys, alembic, migguard.cli.main as m; sys.exit(m.main(sys.argv[1:]))"
    env = {**os.environ, "NO_COLOR": "1"}
    env.pop("MIGGUARD_URL", None)
    done = subprocess.run(
        [sys.executable, "-c", starter, *args],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    return Result(done.returncode, done.stdout, done.stderr)


def alembic(ini: Path, url: str, verb: str, target: str, *, sql: bool = False) -> str:
    """Run the real Alembic's ``upgrade``/``downgrade`` on ``url`` with the same files, in a
    new interpreter (as :func:`migguard`); returns its output (the SQL script with ``sql``).
    """
    other = ini.with_name("alembic-other.ini")
    other.write_text(
        "\n".join(
            f"sqlalchemy.url = {url}" if line.startswith("sqlalchemy.url") else line
            for line in ini.read_text(encoding="utf-8").splitlines()
        ),
        encoding="utf-8",
    )
    done = subprocess.run(
        [sys.executable, "-m", "alembic", "-c", str(other), verb, target, *(["--sql"] * sql)],
        cwd=ini.parent,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def statements(script: str) -> list[str]:
    """The statements of an offline script with their white space collapsed, leaving out
    comments, BEGIN / COMMIT and the version table's statements (whose forms the two tools
    write differently)."""
    found = []
    for chunk in script.split(";\n\n"):
        lines = [line for line in chunk.splitlines() if not line.lstrip().startswith("--")]
        statement = " ".join(" ".join(lines).split())
        if (
            statement
            and statement not in ("BEGIN", "COMMIT")
            and "alembic_version" not in statement
        ):
            found.append(statement)
    return found


@pytest.mark.slow
def test_plugin_operations_build_what_alembic_builds_up_and_down(
    project: Path, pg_url: str, other_pg_url: str
) -> None:
    upgraded = migguard(project.parent, "upgrade", "head")
    assert upgraded.code == 0, upgraded.err
    alembic(project, other_pg_url, "upgrade", "head")
    built = catalog(pg_url)
    assert built == catalog(other_pg_url)
    # The enum value was renamed in the rows and a value added; the function was replaced,
    # then both entities dropped; both sequences exist.
    assert built["enums"] == [("status", ["draft", "open", "closed", "archived"])]
    assert built["tickets"] == [(1, "open"), (2, "draft")]
    assert built["functions"] == built["views"] == []
    assert [name for (name,) in built["sequences"]] == ["invoice_no", "ticket_id_seq", "ticket_no"]
    assert built["versions"] == [(DROP,)]

    # One step down: the entities come back as they were at the rename.
    assert migguard(project.parent, "downgrade", "-1").code == 0
    alembic(project, other_pg_url, "downgrade", "-1")
    renamed = catalog(pg_url)
    assert renamed == catalog(other_pg_url)
    assert renamed["enums"] == [("status", ["draft", "open", "closed"])]
    assert "'TICKET-'" in renamed["functions"][0][1]
    assert [name for name, _ in renamed["views"]] == ["recent_tickets"]

    # Another: the enum loses "closed" and "open" is "active" again, in the rows too.
    assert migguard(project.parent, "downgrade", "-1").code == 0
    alembic(project, other_pg_url, "downgrade", "-1")
    first = catalog(pg_url)
    assert first == catalog(other_pg_url)
    assert first["enums"] == [("status", ["draft", "active"])]
    assert first["tickets"] == [(1, "active"), (2, "draft")]
    assert "'T-'" in first["functions"][0][1]
    assert ("invoice_no",) not in first["sequences"]

    assert migguard(project.parent, "downgrade", "base").code == 0
    alembic(project, other_pg_url, "downgrade", "base")
    empty = catalog(pg_url)
    assert empty == catalog(other_pg_url)
    assert empty["enums"] == empty["functions"] == empty["sequences"] == []
    assert empty["tickets"] is None


@pytest.mark.slow
def test_offline_script_holds_the_plugins_sql_and_builds_the_same_schema(
    project: Path, pg_url: str, other_pg_url: str
) -> None:
    offline = migguard(project.parent, "upgrade", "head", "--sql")
    assert offline.code == 0, offline.err
    script = offline.out
    for emitted in (
        'ALTER TYPE "public"."status" RENAME TO "status_old"',  # sync_enum_values
        "CREATE SEQUENCE ticket_no",  # the project's own op
        "CREATE SEQUENCE invoice_no",  # the same through op.invoke
        "CREATE OR REPLACE FUNCTION",  # replace_entity
        'DROP VIEW "public"."recent_tickets"',  # drop_entity
    ):
        assert emitted in script
    # Statement for statement what the real Alembic writes from the same files.
    assert statements(script) == statements(alembic(project, pg_url, "upgrade", "head", sql=True))
    # Nothing ran: the database is as empty as before.
    assert catalog(pg_url)["versions"] is None
    psql(pg_url, script)
    alembic(project, other_pg_url, "upgrade", "head")
    assert catalog(pg_url) == catalog(other_pg_url)

    down = migguard(project.parent, "downgrade", f"head:{TICKET}", "--sql")
    assert down.code == 0, down.err
    assert "CREATE TYPE \"public\".\"status\" AS ENUM('draft', 'active')" in down.out
    psql(pg_url, down.out)
    alembic(project, other_pg_url, "downgrade", TICKET)
    assert catalog(pg_url) == catalog(other_pg_url)


@pytest.mark.slow
def test_a_fresh_migguard_process_runs_the_plugin_history(tmp_path: Path, pg_url: str) -> None:
    build_project(tmp_path, pg_url)
    done = run_process(["upgrade", "head"], cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert catalog(pg_url)["versions"] == [(DROP,)]


@pytest.mark.slow
def test_a_failing_plugin_operation_names_revision_and_file(project: Path, pg_url: str) -> None:
    script = next(project.parent.glob(f"migrations/versions/{RENAME}_*.py"))
    script.write_text(
        script.read_text().replace("SELECT 'TICKET-' || n", "SELEKT 'TICKET-' || n"),
        encoding="utf-8",
    )
    failed = migguard(project.parent, "upgrade", "head")
    assert failed.code == 4
    message = failed.err.strip().splitlines()
    assert len(message) == 1
    assert f"{TICKET} -> {RENAME}" in message[0]
    assert f"migrations/versions/{script.name}" in message[0]
    assert "SELEKT" in message[0]
    assert catalog(pg_url)["versions"] == [(TICKET,)]


@pytest.mark.slow
def test_an_operation_no_plugin_registers_is_one_line_naming_it(project: Path) -> None:
    versions = project.parent / "migrations" / "versions"
    for path in versions.glob("*.py"):
        path.unlink()
    write_revision(versions, TICKET, None, "op.no_such_operation('v')", "pass", "Unknown op")
    write_revision(
        versions, RENAME, TICKET, "op.invoke(RECENT_V1)", "pass", "Invoke something else"
    )
    unknown = migguard(project.parent, "upgrade", TICKET)
    assert unknown.code == 3
    assert "op.no_such_operation is not an operation migguard knows" in unknown.err
    assert f"{TICKET}_unknown_op.py:" in unknown.err
    assert len(unknown.err.strip().splitlines()) == 1
    assert migguard(project.parent, "stamp", TICKET).code == 0
    stranger = migguard(project.parent, "upgrade", RENAME)
    assert stranger.code == 3
    assert "op.invoke(PGView(...)): migguard has no implementation" in stranger.err


def test_alembics_own_operations_and_methods_are_not_taken_for_plugins() -> None:
    # Alembic registers its own op API the way plugins do; migguard has its own.
    import alembic.operations  # noqa: F401 - what a plugin's import would have done

    with pytest.raises(AttributeError, match=r"op\.create_exclude_constraint is one of Alembic's"):
        registered_operation(None, "create_exclude_constraint")  # type: ignore[arg-type]
    with pytest.raises(AttributeError, match=r"op\.get_bind is not an operation migguard knows"):
        registered_operation(None, "get_bind")  # type: ignore[arg-type]


def test_looking_for_plugin_operations_never_imports_alembic(tmp_path: Path) -> None:
    probe = (
        "import sys\n"
        "from migguard.alembic_compat.plugins import registered_operation\n"
        "try:\n"
        "    registered_operation(None, 'sync_enum_values')\n"
        "except AttributeError as exc:\n"
        "    print(exc)\n"
        "print(sorted(m for m in sys.modules if m == 'alembic' or m.startswith('alembic.')))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=tmp_path
    )
    first, second = done.stdout.splitlines()
    assert first.startswith("op.sync_enum_values is not an operation migguard knows")
    assert second == "[]"


@pytest.mark.slow
def test_a_plugin_reading_through_get_bind_sees_the_revisions_earlier_changes(
    project: Path, pg_url: str, other_pg_url: str
) -> None:
    # The old form of affected_columns makes sync_enum_values read the column's default from
    # the database, which the same revision has just changed.
    write_revision(
        project.parent / "migrations" / "versions",
        "d4e5f6a1b2c3",
        DROP,
        upgrade="""
op.alter_column("ticket", "status", server_default="open")
op.sync_enum_values(
    "public", "status", ["draft", "opened", "closed", "archived"], [("ticket", "status")],
    [("open", "opened")],
)
""",
        downgrade="pass",
        message="Opened",
    )
    assert migguard(project.parent, "upgrade", "head").code == 0
    alembic(project, other_pg_url, "upgrade", "head")
    built = catalog(pg_url)
    assert built == catalog(other_pg_url)
    assert ("ticket", "status", "status", "'opened'::status", "NO") in built["columns"]
    assert built["tickets"] == [(1, "opened"), (2, "draft")]


NOTE_VIEWS = """
from alembic.operations import MigrateOperation, Operations
from sqlalchemy import text


@Operations.register_operation("create_note_view")
class CreateNoteViewOp(MigrateOperation):
    def __init__(self, view_name, select):
        self.view_name = view_name
        self.select = select

    @classmethod
    def create_note_view(cls, operations, view_name, select):
        return operations.invoke(cls(view_name, select))

    def reverse(self):
        return DropNoteViewOp(self.view_name, self.select)


@Operations.register_operation("drop_note_view")
class DropNoteViewOp(MigrateOperation):
    def __init__(self, view_name, select=None):
        self.view_name = view_name
        self.select = select

    @classmethod
    def drop_note_view(cls, operations, view_name, select=None):
        return operations.invoke(cls(view_name, select))

    def reverse(self):
        return CreateNoteViewOp(self.view_name, self.select)


@Operations.implementation_for(CreateNoteViewOp)
def create_note_view(operations, operation):
    operations.execute(f"CREATE VIEW {operation.view_name} AS {operation.select}")


@Operations.implementation_for(DropNoteViewOp)
def drop_note_view(operations, operation):
    operations.execute(f"DROP VIEW {operation.view_name}")


@Operations.register_operation("add_note")
class AddNoteOp(MigrateOperation):
    def __init__(self, note_id):
        self.note_id = note_id

    @classmethod
    def add_note(cls, operations, note_id):
        return operations.invoke(cls(note_id))


@Operations.implementation_for(AddNoteOp)
def add_note(operations, operation):
    # Online the id depends on the rows already there (read through the bind); offline
    # there is nothing to read, and a comment goes to the script.
    context = operations.get_context()
    note_id = operation.note_id
    if context.as_sql:
        context.impl.static_output(f"-- note {note_id}")
    else:
        note_id += context.bind.execute(text("SELECT count(*) FROM note")).scalar()
    operations.migration_context.impl.execute(text(f"INSERT INTO note (id) VALUES ({note_id})"))
"""


@pytest.fixture
def twin_url(db_url: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    """A second fresh database of the same kind as ``db_url``."""
    if db_url.startswith("sqlite"):
        return f"sqlite:///{tmp_path / 'twin.db'}"
    return str(request.getfixturevalue("other_pg_url"))


@pytest.mark.slow
def test_a_project_operation_runs_on_each_database_online_and_offline_as_with_alembic(
    tmp_path: Path,
    db_url: str,
    twin_url: str,
) -> None:
    root = tmp_path / "notes"
    versions = root / "migrations" / "versions"
    versions.mkdir(parents=True)
    (root / "migrations" / "env.py").write_text(
        ENV_PY.replace("import alembic_postgresql_enum", "import note_views"), encoding="utf-8"
    )
    (root / "note_views.py").write_text(NOTE_VIEWS, encoding="utf-8")
    (root / "ticket_ops.py").write_text(TICKET_OPS, encoding="utf-8")
    ini = root / "alembic.ini"
    ini.write_text(
        "[alembic]\nscript_location = %(here)s/migrations\n"
        f"prepend_sys_path = .\npath_separator = os\nsqlalchemy.url = {db_url}\n",
        encoding="utf-8",
    )
    imports = "from alembic import op\nimport note_views\n"
    (versions / f"{TICKET}_note.py").write_text(
        revision_source(
            TICKET,
            message="Note",
            op_import=imports,
            upgrade="""
op.create_table("note", sa.Column("id", sa.Integer(), primary_key=True))
op.create_note_view("note_ids", "SELECT id FROM note")
op.add_note(10)
op.add_note(20)
""",
            downgrade='op.drop_note_view("note_ids")\nop.drop_table("note")',
        ),
        encoding="utf-8",
    )
    (versions / f"{RENAME}_big_notes.py").write_text(
        revision_source(
            RENAME,
            TICKET,
            message="Big notes",
            op_import=imports,
            upgrade='op.invoke(note_views.CreateNoteViewOp("big_notes", "SELECT id FROM note '
            'WHERE id > 10"))',
            downgrade='op.invoke(note_views.CreateNoteViewOp("big_notes", "").reverse())',
        ),
        encoding="utf-8",
    )

    def notes(url: str) -> list[int]:
        engine = sa.create_engine(url)
        try:
            with engine.connect() as connection:
                return sorted(connection.exec_driver_sql("SELECT id FROM note").scalars())
        finally:
            engine.dispose()

    def views(url: str) -> list[str]:
        engine = sa.create_engine(url)
        try:
            return sorted(sa.inspect(engine).get_view_names())
        finally:
            engine.dispose()

    assert migguard(root, "upgrade", "head").code == 0
    alembic(ini, twin_url, "upgrade", "head")
    assert views(db_url) == views(twin_url) == ["big_notes", "note_ids"]
    assert notes(db_url) == notes(twin_url) == [10, 21]
    assert migguard(root, "downgrade", "-1").code == 0
    alembic(ini, twin_url, "downgrade", "-1")
    assert views(db_url) == views(twin_url) == ["note_ids"]

    offline = migguard(root, "upgrade", "head", "--sql")
    assert offline.code == 0, offline.err
    assert "-- note 20\n\nINSERT INTO note (id) VALUES (20);" in offline.out
    assert "CREATE VIEW big_notes AS SELECT id FROM note WHERE id > 10;" in offline.out
    alembic_sql = alembic(ini, db_url, "upgrade", "head", sql=True)
    assert "-- note 20" in alembic_sql
    assert statements(offline.out) == statements(alembic_sql)
    down = migguard(root, "downgrade", f"{TICKET}:base", "--sql")
    assert down.code == 0, down.err
    assert statements(down.out) == statements(
        alembic(ini, db_url, "downgrade", f"{TICKET}:base", sql=True)
    )

"""env.py's autogenerate hooks under ``migguard revision --autogenerate`` and ``check``:
``process_revision_directives`` (Alembic's "don't generate empty migrations" recipe, and a
hook choosing the revision id), ``include_object`` and ``include_name``; each compared with
what the real Alembic does with the same env.py."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.testing.alembic_project import set_ini_option

HOOK = """

def process_revision_directives(context, revision, directives):
    assert context.config.cmd_opts.autogenerate
    script = directives[0]
    if script.upgrade_ops.is_empty():
        directives[:] = []
    elif not revision:
        script.rev_id = "0001"
"""


def with_hook(project, keyword: str, definition: str) -> None:
    source = project.env_py.read_text()
    source = source.replace(
        "\n\ndef run_migrations_offline", f"{definition}\n\ndef run_migrations_offline"
    )
    source = source.replace(
        "target_metadata=target_metadata", f"target_metadata=target_metadata, {keyword}={keyword}"
    )
    project.env_py.write_text(source)


@pytest.mark.slow
def test_process_revision_directives_chooses_the_id_and_skips_empty_revisions(
    make_project,
) -> None:
    project = make_project()
    set_ini_option(project.root / "alembic.ini", "sqlalchemy.url", "sqlite:///%(here)s/app.db")
    with_hook(project, "process_revision_directives", HOOK)
    versions = project.root / "migrations" / "versions"

    first = project.migguard("revision", "--autogenerate", "-m", "customers")
    assert first.code == 0, first.err
    (written,) = versions.glob("*.py")
    assert written.name.startswith("0001_")
    assert "op.create_table(\n        'customer'," in written.read_text()

    assert project.migguard("upgrade", "head").code == 0
    empty = project.migguard("revision", "--autogenerate", "-m", "nothing")
    assert empty.code == 0
    assert "No revision written" in empty.out
    assert [p.name for p in versions.glob("*.py")] == [written.name]
    # The real Alembic, with the same env.py on the same database, writes none either.
    project.alembic("revision", "--autogenerate", "-m", "nothing")
    assert [p.name for p in versions.glob("*.py")] == [written.name]


INCLUDE_HOOKS = """

def include_object(obj, name, type_, reflected, compare_to):
    return not (type_ == "table" and name.startswith("legacy_"))


def include_name(name, type_, parent_names):
    return not (type_ == "column" and name == "ignored_col")
"""


@pytest.mark.slow
def test_include_object_and_include_name_from_env_py_filter_the_check(make_project) -> None:
    project = make_project()
    project.add(
        "a1",
        None,
        "op.create_table('customer', sa.Column('id', sa.Integer(), primary_key=True),"
        " sa.Column('name', sa.String(50)), sa.Column('ignored_col', sa.Integer()))\n"
        "op.create_table('legacy_report', sa.Column('id', sa.Integer(), primary_key=True))",
    )
    unfiltered = project.migguard("check", "--select", "sync")
    assert unfiltered.code == 1
    assert "drop table 'legacy_report'" in unfiltered.out
    assert "drop column 'customer.ignored_col'" in unfiltered.out

    with_hook(project, "include_object", INCLUDE_HOOKS)
    with_hook(project, "include_name", "")

    assert project.migguard("check", "--select", "sync").code == 0


AUDIT_MODEL = """

class AuditEntry(Base):
    __tablename__ = "audit_entry"
    __table_args__ = {"schema": "audit"}
    id = sa.Column(sa.Integer, primary_key=True)
"""


@pytest.mark.slow
def test_include_schemas_compares_every_schema_as_alembic_does(make_project, pg_url) -> None:
    project = make_project()
    set_ini_option(project.root / "alembic.ini", "sqlalchemy.url", pg_url)
    (project.root / "models.py").write_text((project.root / "models.py").read_text() + AUDIT_MODEL)
    project.add(
        "a1",
        None,
        "op.execute('CREATE SCHEMA audit')\n"
        "op.execute('CREATE SCHEMA legacy')\n"
        "op.create_table('old_report', sa.Column('id', sa.Integer(), primary_key=True),"
        " schema='legacy')\n"
        "op.create_table('customer', sa.Column('id', sa.Integer(), primary_key=True),"
        " sa.Column('name', sa.String(50)))",
    )
    assert project.migguard("upgrade", "head").code == 0
    # Every schema the models name is compared; ``legacy``, which they do not name, is not,
    # and the output says so.
    default = project.migguard("diff")
    assert default.out.splitlines() == ["add table 'audit.audit_entry'"]
    assert "schema 'legacy' of the database holds tables the models do not name" in default.err

    with_hook(project, "include_schemas", "\ninclude_schemas = True\n")
    result = project.migguard("diff")

    assert result.code == 1
    assert result.out.splitlines() == [
        "add table 'audit.audit_entry'",
        "drop table 'legacy.old_report'",
    ]
    real = subprocess.run(
        [sys.executable, "-m", "alembic", "check"],
        cwd=project.root,
        capture_output=True,
        text=True,
        check=False,
    )
    assert real.returncode != 0
    assert "New upgrade operations detected: [('add_table'" in real.stdout
    assert "schema='audit'" in real.stdout
    assert "('remove_table'" in real.stdout and "schema='legacy'" in real.stdout

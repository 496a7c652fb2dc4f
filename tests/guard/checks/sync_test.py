"""The ``sync`` and ``models-imported`` checks: models against the schema the migrations build,
replayed into a scratch SQLite file or a scratch PostgreSQL database."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import migguard
from migguard.config.load import load_config
from migguard.errors import ConfigError
from migguard.guard.checks.run import run_checks
from migguard.guard.findings import ERROR, INFO, WARNING, Finding
from migguard.guard.settings import CheckSettings
from tests.testing.alembic_project import alembic_init, set_target_metadata, write_models
from tests.testing.postgres import psql
from tests.testing.project import Project
from tests.testing.shop import (
    CREATE_CUSTOMER,
    Shop,
    only,
)


def test_models_matching_the_migrations_pass_and_the_schema_is_cached(shop: Shop) -> None:
    assert shop.check("sync", "models-imported") == []
    assert shop.replays == 1
    assert list((shop.root / ".migguard" / "replay" / "sqlite").glob("*.snap"))
    assert (shop.root / ".migguard" / ".gitignore").read_text().splitlines()[-1] == "*"


def test_an_added_model_column_is_a_sync_error_naming_table_and_column(shop: Shop) -> None:
    shop.write_models(extra="age: Mapped[int | None]")
    finding = only(shop.check("sync"))
    assert finding == Finding(
        "sync",
        ERROR,
        "the models differ from the schema the migrations build: 1 operation missing",
        hint='migguard revision --autogenerate -m "<message>"',
        details=("add column 'customer.age'",),
    )


def test_a_model_only_change_does_no_replay(shop: Shop) -> None:
    assert shop.check("sync") == []
    shop.write_models(extra="age: Mapped[int | None]")
    assert only(shop.check("sync")).details == ("add column 'customer.age'",)
    assert shop.replays == 1


def test_both_checks_share_one_replay(shop: Shop) -> None:
    shop.write_models(modules=("customer",))
    findings = shop.check("sync", "models-imported")
    assert [f.code for f in findings] == ["sync", "models-imported"]
    assert shop.replays == 1


def test_a_new_model_table_lists_its_creation(shop: Shop) -> None:
    shop.write_models(extra="")
    (shop.root / shop.package / "invoice.py").write_text(
        textwrap.dedent(f"""
            import sqlalchemy as sa
            from {shop.package}.base import Base

            invoice = sa.Table(
                "invoice", Base.metadata, sa.Column("id", sa.Integer, primary_key=True)
            )
        """)
    )
    models = shop.root / shop.package / "models.py"
    models.write_text(models.read_text() + f"import {shop.package}.invoice\n")
    assert only(shop.check("sync")).details == ("add table 'invoice'",)


def test_an_empty_history_asks_for_every_model_table(shop: Shop) -> None:
    for script in shop.project.versions.glob("*.py"):
        script.unlink()
    finding = only(shop.check("sync", "models-imported"))
    assert finding.message.endswith(": 2 operations missing")
    assert finding.details == ("add table 'customer'", "add table 'purchase'")


def test_models_missing_most_tables_were_probably_not_imported(shop: Shop) -> None:
    shop.project.add("c3", "b2", upgrade='op.create_table("note", sa.Column("id", sa.Integer))')
    shop.write_models(modules=())
    findings = shop.check("sync", "models-imported")
    imported = [f for f in findings if f.code == "models-imported"]
    assert only(imported) == Finding(
        "models-imported",
        ERROR,
        "the models lack 3 of the 3 tables the migrations create (customer, note, purchase): "
        "the modules defining them were probably not imported",
        hint="import the modules that define these tables in the module(s) named by the "
        f"`metadata` setting ({shop.package}.models:Base.metadata), or delete the tables with "
        "a new revision",
    )
    sync = [f for f in findings if f.code == "sync"]
    assert [f.severity for f in sync] == ["error", "warning"]
    # Referencing tables are dropped first.
    assert sync[0].details == (
        "drop table 'purchase'",
        "drop table 'note'",
        "drop table 'customer'",
    )
    assert "every table" in sync[1].message


def test_half_the_tables_missing_is_enough_and_fewer_are_left_to_sync(shop: Shop) -> None:
    shop.write_models(modules=("customer",))
    assert only(shop.check("models-imported")).message.startswith(
        "the models lack 1 of the 2 tables the migrations create (purchase)"
    )
    shop.project.add("c3", "b2", upgrade='op.create_table("note", sa.Column("id", sa.Integer))')
    shop.write_models(modules=("customer", "order"))
    assert shop.check("models-imported") == []
    assert only(shop.check("sync")).details == ("drop table 'note'",)


def test_excluded_tables_are_not_counted_as_missing(shop: Shop) -> None:
    shop.configure('exclude_tables = ["purchase"]')
    shop.write_models(modules=("customer",))
    assert shop.check("sync", "models-imported") == []


def test_a_failing_revision_is_an_error_naming_it_and_nothing_is_cached(shop: Shop) -> None:
    shop.project.add("c3", "b2", upgrade='op.execute("INSERT INTO nowhere VALUES (1)")')
    findings = shop.check("sync", "models-imported")
    finding = only(findings)
    assert finding.code == "sync"
    assert finding.severity == ERROR
    assert finding.file == "migrations/versions/c3_rev.py"
    assert finding.message.startswith(
        "replaying the migrations into a scratch database failed at revision c3: "
        "OperationalError: no such table: nowhere"
    )
    assert "check_url" in (finding.hint or "")
    assert not list((shop.root / ".migguard" / "replay" / "sqlite").glob("*.snap"))
    assert only(shop.check("models-imported")).code == "models-imported"


def test_a_postgresql_only_revision_on_the_sqlite_replay_asks_for_check_url(
    shop: Shop,
) -> None:
    shop.configure('url = "postgresql://app:secret@db.example/app"')
    shop.project.add("c3", "b2", upgrade="op.execute(\"CREATE TYPE mood AS ENUM ('sad')\")")
    finding = only(shop.check("sync"))
    assert finding.hint == (
        "the replay ran on SQLite, but this project's database is postgresql: set `check_url` "
        "to a postgresql server where migguard may create a scratch database"
    )


def test_a_revision_that_does_not_import_is_named(shop: Shop) -> None:
    shop.project.add("c3", "b2", upgrade="pass")
    script = shop.project.versions / "c3_rev.py"
    script.write_text("import not_a_module_anywhere\n" + script.read_text())
    finding = only(shop.check("sync"))
    assert finding.file == "migrations/versions/c3_rev.py"
    assert "failed at revision c3" in finding.message
    assert "not_a_module_anywhere" in finding.message


def test_models_that_cannot_be_imported_are_a_config_error(shop: Shop) -> None:
    (shop.root / shop.package / "models.py").write_text("import nowhere_to_be_found\n")
    with pytest.raises(ConfigError, match="cannot import models"):
        shop.check("sync")


def test_without_models_configured_both_checks_say_so_and_pass(project: Project) -> None:
    project.add("a1", upgrade=CREATE_CUSTOMER)
    config = load_config(cwd=project.root, environ={})
    findings = run_checks(config, ("sync", "models-imported"), CheckSettings())
    assert [(f.code, f.severity) for f in findings] == [("sync", INFO), ("models-imported", INFO)]


def test_rename_hints_become_warnings(shop: Shop) -> None:
    (shop.root / shop.package / "customer.py").write_text(
        (shop.root / shop.package / "customer.py").read_text().replace("name:", "full_name:")
    )
    shop.forget_models()
    findings = shop.check("sync")
    assert [f.severity for f in findings] == ["error", "warning"]
    assert "customer.name" in findings[1].message
    assert findings[0].details == ("add column 'customer.full_name'", "drop column 'customer.name'")


def test_the_command_line_reports_the_sync_finding(shop: Shop) -> None:
    shop.write_models(extra="age: Mapped[int | None]")
    result = shop.project.run("check", "--select", "sync")
    assert result.code == 1
    assert "add column 'customer.age'" in result.out


# --- PostgreSQL as the scratch server (check_url) -------------------------------------------------


def scratch_databases(url: str) -> list[str]:
    out = psql(url, "SELECT datname FROM pg_database WHERE datname LIKE 'migguard_check_%'")
    return [line.strip() for line in out.splitlines() if line.strip()]


def test_replay_on_postgresql_finds_the_same_and_drops_its_database(
    shop: Shop, pg_url: str
) -> None:
    shop.configure(f'check_url = "{pg_url}"')
    assert shop.check("sync", "models-imported") == []
    assert list((shop.root / ".migguard" / "replay" / "postgresql").glob("*.snap"))
    shop.write_models(extra="age: Mapped[int | None]")
    assert only(shop.check("sync")).details == ("add column 'customer.age'",)
    assert shop.replays == 1
    assert scratch_databases(pg_url) == []


def test_a_failure_on_postgresql_still_drops_the_scratch_database(shop: Shop, pg_url: str) -> None:
    shop.configure(f'check_url = "{pg_url}"')
    shop.project.add("c3", "b2", upgrade='op.execute("INSERT INTO nowhere VALUES (1)")')
    finding = only(shop.check("sync"))
    assert "failed at revision c3: UndefinedTable" in finding.message
    assert scratch_databases(pg_url) == []


def test_postgresql_judges_defaults_written_differently(shop: Shop, pg_url: str) -> None:
    shop.configure(f'check_url = "{pg_url}"')
    shop.project.add(
        "c3",
        "b2",
        upgrade='op.add_column("customer", sa.Column("active", sa.Boolean(), '
        'server_default=sa.text("false"), nullable=False))',
    )
    shop.write_models(extra='active: Mapped[bool] = mapped_column(server_default="false")')
    assert shop.check("sync") == []
    assert shop.check("sync") == []


def test_an_unnamed_foreign_key_dropped_from_the_models_is_a_sync_error_on_sqlite(
    shop: Shop,
) -> None:
    # The migrations create purchase.customer_id's key without a name; SQLite keeps it so.
    assert shop.check("sync") == []
    order = shop.root / shop.package / "order.py"
    order.write_text(order.read_text().replace('sa.ForeignKey("customer.id")', "sa.Integer"))
    shop.forget_models()
    finding = only(shop.check("sync"))
    assert finding.severity == ERROR
    assert finding.details == ("drop foreign key 'fk_purchase_customer_id_customer' on 'purchase'",)


STATUS = (
    'status: Mapped[str | None] = mapped_column(sa.Enum({values}, name="status", '
    "native_enum=False, create_constraint=True))"
)
ADD_STATUS = """
with op.batch_alter_table("customer", recreate="always") as batch_op:
    batch_op.add_column(
        sa.Column(
            "status",
            sa.Enum("new", "paid", name="status", native_enum=False, create_constraint=True),
            nullable=True,
        )
    )
"""


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_an_enum_gaining_a_value_is_a_sync_error_for_its_check(
    shop: Shop, database: str, request: pytest.FixtureRequest
) -> None:
    if database == "postgresql":
        shop.configure(f'check_url = "{request.getfixturevalue("pg_url")}"')
    shop.project.add("c3", "b2", upgrade=ADD_STATUS)
    shop.write_models(extra=STATUS.format(values='"new", "paid"'))
    assert shop.check("sync") == []
    shop.write_models(extra=STATUS.format(values='"new", "paid", "sent"'))
    finding = only(shop.check("sync"))
    assert finding.severity == ERROR
    assert finding.details == (
        "drop check constraint 'status' on 'customer'",
        "add check constraint 'status' on 'customer': status IN ('new', 'paid', 'sent')",
    )


GENERATED_TOTAL = (
    'op.add_column("customer", sa.Column("total", sa.Integer(), sa.Computed("id * 2"), '
    "nullable=True))"
)


def test_a_changed_generation_expression_is_a_sync_error(shop: Shop) -> None:
    shop.project.add("c3", "b2", upgrade=GENERATED_TOTAL)
    shop.write_models(extra='total: Mapped[int | None] = mapped_column(sa.Computed("id * 2"))')
    assert shop.check("sync") == []
    shop.write_models(extra='total: Mapped[int | None] = mapped_column(sa.Computed("id * 3"))')
    error, warning = shop.check("sync")
    assert error.details == ("drop column 'customer.total'", "add column 'customer.total'")
    assert "generation expression of column 'customer.total'" in warning.message


def test_a_changed_identity_is_a_sync_error_on_postgresql(shop: Shop, pg_url: str) -> None:
    shop.configure(f'check_url = "{pg_url}"')
    shop.project.add(
        "c3",
        "b2",
        upgrade='op.add_column("customer", sa.Column("seq", sa.BigInteger(), sa.Identity(), '
        "nullable=False))",
    )
    shop.write_models(extra="seq: Mapped[int] = mapped_column(sa.BigInteger, sa.Identity())")
    assert shop.check("sync") == []
    shop.write_models(
        extra="seq: Mapped[int] = mapped_column(sa.BigInteger, sa.Identity(start=100))"
    )
    assert only(shop.check("sync")).details == (
        "alter identity of column 'customer.seq': start 1 -> 100",
    )


def test_text_written_as_an_unbounded_string_is_no_sync_error_on_sqlite(shop: Shop) -> None:
    shop.project.add(
        "c3", "b2", upgrade='op.add_column("customer", sa.Column("note", sa.Text(), nullable=True))'
    )
    shop.write_models(extra="note: Mapped[str | None] = mapped_column(sa.String())")
    assert shop.check("sync") == []


AUDIT_MODULE = """
import sqlalchemy as sa
from {package}.base import Base

audit_entry = sa.Table(
    "audit_entry", Base.metadata, sa.Column("id", sa.Integer, primary_key=True), schema="audit"
)
"""


def test_a_table_in_a_named_schema_is_compared_on_postgresql(shop: Shop, pg_url: str) -> None:
    shop.configure(f'check_url = "{pg_url}"')
    (shop.root / shop.package / "audit.py").write_text(AUDIT_MODULE.format(package=shop.package))
    models = shop.root / shop.package / "models.py"
    models.write_text(models.read_text() + f"import {shop.package}.audit\n")
    assert only(shop.check("sync")).details == (
        "add schema 'audit'",
        "add table 'audit.audit_entry'",
    )
    shop.project.add(
        "c3",
        "b2",
        upgrade='op.execute("CREATE SCHEMA audit")\n'
        'op.create_table("audit_entry", sa.Column("id", sa.Integer(), primary_key=True), '
        'schema="audit")\n'
        # A schema the models do not name is not compared, and sync says so.
        'op.execute("CREATE SCHEMA legacy")\n'
        'op.create_table("old", sa.Column("id", sa.Integer(), primary_key=True), schema="legacy")',
    )
    assert shop.check("sync", "models-imported") == [
        Finding(
            "sync",
            WARNING,
            "schema 'legacy' of the database holds tables the models do not name and is not "
            "compared: env.py's include_schemas=True compares every schema; exclude_tables = "
            "['<schema>.*'] silences this",
        )
    ]
    shop.configure('exclude_tables = ["legacy.*"]')
    assert shop.check("sync", "models-imported") == []
    shop.project.add(
        "c4",
        "c3",
        upgrade='op.add_column("audit_entry", sa.Column("note", sa.Text()), schema="audit")',
    )
    assert only(shop.check("sync")).details == ("drop column 'audit.audit_entry.note'",)


@pytest.mark.slow
def test_a_warm_check_imports_neither_alembic_nor_the_writing_side(tmp_path: Path) -> None:
    # The pre-commit hook's path once the replay is cached: env.py (which says only
    # `from alembic import context`) is read against migguard's stand-in, and comparing writes
    # nothing, so neither Alembic nor the renderer, the script writer or the runtime are
    # imported (each costs every commit tens of milliseconds). Fresh interpreters: this test
    # process has imported them all.
    env_py = alembic_init(tmp_path, "generic")
    write_models(tmp_path)
    set_target_metadata(env_py)
    program = (
        "import sys\n"
        "from migguard.cli.main import main\n"
        "code = main(['check', '--select', 'sync,models-imported'])\n"
        "heavy = ('alembic', 'mako', 'migguard.autogen.render', 'migguard.scripts.create',\n"
        "         'migguard.runtime.migrate')\n"
        "print(code, *sorted(name for name in heavy if name in sys.modules))\n"
    )
    environment = {**os.environ, "PYTHONPATH": str(Path(migguard.__file__).parents[1])}
    environment.pop("MIGGUARD_URL", None)

    def check() -> list[str]:
        done = subprocess.run(
            [sys.executable, "-c", program],
            cwd=tmp_path,
            env=environment,
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.stdout.strip(), done.stderr
        return done.stdout.splitlines()[-1].split()

    cold = check()
    warm = check()

    # 1: the models' table is not in the (empty) history, so the check did compare.
    assert cold[0] == "1" and "migguard.runtime.migrate" in cold  # the replay ran
    assert warm == ["1"]

"""The ``sync`` and ``models-imported`` checks: models against the schema the migrations build,
replayed into a scratch SQLite file or a scratch PostgreSQL database."""

from __future__ import annotations

import sys
import textwrap
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from migguard.config import Config, load_config
from migguard.errors import ConfigError
from migguard.guard.findings import ERROR, INFO, Finding
from migguard.guard.run import run_checks
from migguard.guard.settings import CheckSettings
from tests.conftest import Project
from tests.postgres_fixture import psql

BASE = """
from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    pass
"""

CUSTOMER = """
import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from {package}.base import Base


class Customer(Base):
    __tablename__ = "customer"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    {extra}
"""

ORDER = """
import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from {package}.base import Base


class Order(Base):
    __tablename__ = "purchase"
    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(sa.ForeignKey("customer.id"))
"""

CREATE_CUSTOMER = """
op.create_table(
    "customer",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("name", sa.String(length=100), nullable=False),
    sa.PrimaryKeyConstraint("id"),
)
"""

CREATE_ORDER = """
op.create_table(
    "purchase",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("customer_id", sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(["customer_id"], ["customer.id"]),
    sa.PrimaryKeyConstraint("id"),
)
"""

# Appends a line to replays.txt (in the project folder) each time the revision runs, so tests
# can tell a replay from a cache hit without timing anything.
COUNT_REPLAY = 'open("replays.txt", "a").write("replayed\\n")'


@dataclass
class Shop:
    """A project whose models live in a package of its own (a fresh name per test, so that
    no test imports another's models), imported by ``<package>.models``."""

    project: Project
    package: str

    @property
    def root(self) -> Path:
        return self.project.root

    def write_models(
        self, *, modules: tuple[str, ...] = ("customer", "order"), extra: str = ""
    ) -> None:
        """Write the package; ``models.py`` imports ``modules``; ``extra`` is a line added to
        the ``Customer`` class."""
        folder = self.root / self.package
        folder.mkdir(exist_ok=True)
        files = {
            "__init__.py": "",
            "base.py": BASE,
            "customer.py": CUSTOMER.format(package=self.package, extra=extra),
            "order.py": ORDER.format(package=self.package),
            "models.py": "".join(f"import {self.package}.{m}\n" for m in modules)
            + f"from {self.package}.base import Base\n",
        }
        for name, source in files.items():
            (folder / name).write_text(textwrap.dedent(source), encoding="utf-8")
        self.forget_models()

    def forget_models(self) -> None:
        """Drop the package's modules from ``sys.modules``, so the next import reads the files."""
        for name in [m for m in sys.modules if m.partition(".")[0] == self.package]:
            del sys.modules[name]

    def configure(self, lines: str) -> None:
        """Append ``lines`` to ``migguard.toml``."""
        path = self.root / "migguard.toml"
        path.write_text(path.read_text() + lines + "\n")

    def config(self) -> Config:
        return load_config(cwd=self.root, environ={})

    def check(self, *codes: str) -> list[Finding]:
        """Run the checks ``codes`` as ``migguard check --select`` does."""
        return run_checks(self.config(), codes, CheckSettings())

    @property
    def replays(self) -> int:
        """How many times the counting revision ran."""
        counter = self.root / "replays.txt"
        return len(counter.read_text().splitlines()) if counter.exists() else 0


@contextmanager
def open_shop(project: Project, monkeypatch: pytest.MonkeyPatch) -> Iterator[Shop]:
    """The customer/purchase project: two revisions (the first counts its replays), models
    matching them, ``metadata`` configured. The models' modules are forgotten afterwards and
    no bytecode is written (files are rewritten within the same second)."""
    monkeypatch.setattr(sys, "path", list(sys.path))
    monkeypatch.setattr(sys, "dont_write_bytecode", True)
    shop = Shop(project, f"shop_{uuid.uuid4().hex[:8]}")
    shop.write_models()
    shop.configure(f'metadata = "{shop.package}.models:Base.metadata"')
    project.add("a1", upgrade=f"{COUNT_REPLAY}\n{CREATE_CUSTOMER}")
    project.add("b2", "a1", upgrade=CREATE_ORDER)
    try:
        yield shop
    finally:
        shop.forget_models()


@pytest.fixture
def shop(project: Project, monkeypatch: pytest.MonkeyPatch) -> Iterator[Shop]:
    """See :func:`open_shop`."""
    with open_shop(project, monkeypatch) as opened:
        yield opened


def only(findings: list[Finding]) -> Finding:
    assert len(findings) == 1, findings
    return findings[0]


def test_models_matching_the_migrations_pass_and_the_schema_is_cached(shop: Shop) -> None:
    assert shop.check("sync", "models-imported") == []
    assert shop.replays == 1
    assert (shop.root / ".migguard" / "replay-sqlite.json").is_file()
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
    assert not (shop.root / ".migguard" / "replay-sqlite.json").exists()
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
    assert (shop.root / ".migguard" / "replay-postgresql.json").is_file()
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

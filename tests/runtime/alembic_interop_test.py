"""A database Alembic migrated is recognised by migguard, and the other way round, with the
same scripts (``from alembic import op``) and the same alembic_version table."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext

from tests.testing.project import Result, revision_source
from tests.testing.seeds import AGE, CREATE_CUSTOMER, CUSTOMER, schema

ENV_PY = """
from alembic import context
from sqlalchemy import engine_from_config, pool

config = context.config
engine = engine_from_config(
    config.get_section(config.config_ini_section), prefix="sqlalchemy.", poolclass=pool.NullPool
)
with engine.connect() as connection:
    context.configure(connection=connection, target_metadata=None)
    with context.begin_transaction():
        context.run_migrations()
"""


@pytest.fixture
def alembic_project(tmp_path: Path, db_url: str, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An Alembic project (alembic.ini, env.py, two scripts) on ``db_url``."""
    versions = tmp_path / "mig" / "versions"
    versions.mkdir(parents=True)
    (tmp_path / "mig" / "env.py").write_text(ENV_PY)
    (tmp_path / "alembic.ini").write_text(
        f"[alembic]\nscript_location = %(here)s/mig\nsqlalchemy.url = {db_url}\n"
    )
    alembic_op = "from alembic import op"
    (versions / f"{CUSTOMER}_customer.py").write_text(
        revision_source(
            CUSTOMER,
            message="Add customer table",
            upgrade=CREATE_CUSTOMER,
            downgrade='op.drop_table("customer")',
            op_import=alembic_op,
        )
    )
    (versions / f"{AGE}_age.py").write_text(
        revision_source(
            AGE,
            CUSTOMER,
            message="Add age column",
            upgrade='op.add_column("customer", sa.Column("age", sa.Integer(), nullable=False))',
            downgrade='op.drop_column("customer", "age")',
            op_import=alembic_op,
        )
    )
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("MIGGUARD_URL", raising=False)
    monkeypatch.setenv("NO_COLOR", "1")
    return tmp_path


def _migguard(capsys: pytest.CaptureFixture[str], *args: str) -> Result:
    from migguard.cli.main import main

    capsys.readouterr()
    code = main(list(args))
    out, err = capsys.readouterr()
    return Result(code, out, err)


def _alembic_heads(url: str) -> set[str]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            return set(MigrationContext.configure(connection).get_current_heads())
    finally:
        engine.dispose()


def test_migguard_continues_where_alembic_stopped(
    alembic_project: Path, db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    command.upgrade(AlembicConfig(str(alembic_project / "alembic.ini")), CUSTOMER)
    assert _migguard(capsys, "current").out == f"{CUSTOMER}\n"
    upgraded = _migguard(capsys, "upgrade", "head")
    assert upgraded.code == 0, upgraded.err
    assert schema(db_url)["customer"][-1] == "age"
    assert _alembic_heads(db_url) == {AGE}


def test_alembic_continues_where_migguard_stopped(
    alembic_project: Path, db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _migguard(capsys, "upgrade", "head").code == 0
    assert _alembic_heads(db_url) == {AGE}
    config = AlembicConfig(str(alembic_project / "alembic.ini"))
    command.downgrade(config, "-1")
    assert "age" not in schema(db_url)["customer"]
    assert _migguard(capsys, "current").out == f"{CUSTOMER}\n"
    assert _migguard(capsys, "downgrade", "base").code == 0
    assert _alembic_heads(db_url) == set()

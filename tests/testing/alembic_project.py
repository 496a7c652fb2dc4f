"""Alembic projects as their users have them: made by the real ``alembic init``, then edited
only where a user would (the models, ``target_metadata``, the URL), and run with migguard or
with Alembic (:class:`AlembicProject`; the ``make_project`` fixture is in
tests/alembic_compat/conftest.py)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from migguard.cli.main import main
from tests.testing.project import Result, revision_source

MODELS = """
import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    pass


class Customer(Base):
    __tablename__ = "customer"
    id = sa.Column(sa.Integer, primary_key=True)
    name = sa.Column(sa.String(50))
"""


# A minimal env.py for Alembic itself to run a test history with, online and offline.
ENV_PY = """
from alembic import context
from sqlalchemy import engine_from_config, pool

config = context.config
if context.is_offline_mode():
    context.configure(url=config.get_main_option("sqlalchemy.url"), literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    engine = engine_from_config(
        config.get_section(config.config_ini_section), prefix="sqlalchemy.",
        poolclass=pool.NullPool,
    )
    with engine.connect() as connection:
        context.configure(connection=connection)
        with context.begin_transaction():
            context.run_migrations()
"""


def alembic_init(root: Path, template: str = "generic", folder: str = "migrations") -> Path:
    """Run the real ``alembic init -t TEMPLATE FOLDER`` in ``root``; return the env.py."""
    root.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [sys.executable, "-m", "alembic", "init", "-t", template, folder],
        cwd=root,
        check=True,
        capture_output=True,
    )
    return root / folder / "env.py"


def write_models(root: Path, extra: str = "", name: str = "models") -> None:
    """``models.py`` with one ``customer`` table, plus ``extra`` (class bodies, dedented)."""
    (root / f"{name}.py").write_text(MODELS + textwrap.dedent(extra), encoding="utf-8")


def set_target_metadata(
    env_py: Path, expression: str = "Base.metadata", imports: str = "from models import Base"
) -> None:
    """Replace the template's ``target_metadata = ...`` line, as the template asks users to."""
    source = env_py.read_text(encoding="utf-8")
    source, count = re.subn(
        r"^target_metadata = .*$",
        f"{imports}\ntarget_metadata = {expression}",
        source,
        count=1,
        flags=re.M,
    )
    assert count == 1, "the template no longer has a target_metadata line"
    env_py.write_text(source, encoding="utf-8")


def set_ini_option(ini: Path, key: str, value: str, section: str = "alembic") -> None:
    """Set ``key = value`` in ``[section]`` of the ini file (replacing the template's line)."""
    lines = ini.read_text(encoding="utf-8").splitlines()
    current = None
    for index, line in enumerate(lines):
        header = re.match(r"^\[(.+)\]\s*$", line)
        if header:
            current = header[1]
        elif current == section and re.match(rf"^{re.escape(key)}\s*=", line):
            lines[index] = f"{key} = {value}"
            break
    else:
        position = lines.index(f"[{section}]") + 1
        lines.insert(position, f"{key} = {value}")
    ini.write_text("\n".join(lines) + "\n", encoding="utf-8")


class AlembicProject:
    """An ``alembic init`` project in ``root`` (the working folder), run with migguard."""

    def __init__(self, root: Path, capsys: pytest.CaptureFixture[str]) -> None:
        self.root = root
        self.capsys = capsys

    @property
    def env_py(self) -> Path:
        return self.root / "migrations" / "env.py"

    def add(self, rid: str, down: str | None, upgrade: str, downgrade: str = "pass") -> None:
        source = revision_source(
            rid, down, upgrade=upgrade, downgrade=downgrade, op_import="from alembic import op"
        )
        (self.root / "migrations" / "versions" / f"{rid}_rev.py").write_text(source)

    def migguard(self, *args: str) -> Result:
        # Each command line is a new process, which imports the models afresh.
        for name in ("models", "audit_models"):
            sys.modules.pop(name, None)
        self.capsys.readouterr()
        code = main(list(args))
        captured = self.capsys.readouterr()
        return Result(code, captured.out, captured.err)

    def alembic(self, *args: str) -> subprocess.CompletedProcess[str]:
        """Run the real ``alembic ARGS`` in the project; it must succeed."""
        done = subprocess.run(
            [sys.executable, "-m", "alembic", *args],
            cwd=self.root,
            capture_output=True,
            text=True,
            check=False,
            env=dict(os.environ),
        )
        assert done.returncode == 0, done.stderr
        return done

"""Fixtures for Alembic projects: ``make_project(template)`` runs the real ``alembic init``."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from migguard.cli.main import main
from tests.alembic_compat.alembic_project import alembic_init, set_target_metadata, write_models
from tests.conftest import Result, revision_source


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


@pytest.fixture
def make_project(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Iterator[Callable[..., AlembicProject]]:
    """A factory: ``make_project("generic")`` is an ``alembic init -t generic`` project in
    the working folder, with ``models.py`` and env.py's ``target_metadata`` set."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("MIGGUARD_URL", raising=False)
    monkeypatch.setenv("NO_COLOR", "1")

    def make(template: str = "generic") -> AlembicProject:
        env_py = alembic_init(tmp_path, template)
        write_models(tmp_path)
        set_target_metadata(env_py)
        return AlembicProject(tmp_path, capsys)

    yield make
    for name in ("models", "audit_models"):
        sys.modules.pop(name, None)

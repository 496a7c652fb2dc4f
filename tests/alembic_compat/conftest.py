"""Fixtures for Alembic projects: ``make_project(template)`` runs the real ``alembic init``."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.testing.alembic_project import (
    AlembicProject,
    alembic_init,
    set_target_metadata,
    write_models,
)


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

"""A run whose first script cannot be loaded leaves the database exactly as it was."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from tests.testing.project import Project

BROKEN = {
    "syntax error": "def upgrade(:\n",
    "import error": "import no_such_module_anywhere\n",
}


def _break(project: Project, kind: str) -> Path:
    project.add("a1", message="First")
    project.add("b2", "a1", message="Second")
    script = project.versions / "a1_rev.py"
    script.write_text(script.read_text() + BROKEN[kind])
    return script


def _state(path: Path) -> tuple[str, list[str]]:
    with sqlite3.connect(path) as connection:
        mode = connection.execute("PRAGMA journal_mode").fetchone()[0]
        tables = [r[0] for r in connection.execute("SELECT name FROM sqlite_master")]
    return mode, tables


@pytest.mark.parametrize("kind", sorted(BROKEN))
def test_a_first_script_that_cannot_load_leaves_an_existing_database_as_it_was(
    project: Project, tmp_path: Path, kind: str
) -> None:
    _break(project, kind)
    path = tmp_path / "app.db"
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE kept (id INTEGER)")
    before = _state(path)
    result = project.run("--url", f"sqlite:///{path}", "upgrade", "head")
    assert result.code == 3, result.err
    lines = result.err.strip().splitlines()
    assert len(lines) == 1, result.err
    assert "a1_rev.py" in lines[0]
    assert "another connection" not in result.err
    assert _state(path) == before == ("delete", ["kept"])
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("app.db")) == ["app.db"]


@pytest.mark.parametrize("kind", sorted(BROKEN))
def test_a_first_script_that_cannot_load_creates_no_database_file(
    project: Project, tmp_path: Path, kind: str
) -> None:
    _break(project, kind)
    path = tmp_path / "new.db"
    result = project.run("--url", f"sqlite:///{path}", "upgrade", "head")
    assert result.code == 3, result.err
    assert len(result.err.strip().splitlines()) == 1, result.err
    assert "a1_rev.py" in result.err
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith("new.db")]


def test_a_later_script_that_cannot_load_restores_the_journal_mode(
    project: Project, tmp_path: Path
) -> None:
    project.add("a1", message="First")
    project.add("b2", "a1", message="Second")
    project.add("c3", "b2", message="Third")
    script = project.versions / "b2_rev.py"
    script.write_text(script.read_text() + BROKEN["import error"])
    path = tmp_path / "app.db"
    result = project.run("--url", f"sqlite:///{path}", "upgrade", "head")
    assert result.code == 3, result.err
    assert len(result.err.strip().splitlines()) == 1, result.err
    assert "b2_rev.py" in result.err
    # a1 ran and committed; the journal mode is the database's own again.
    assert _state(path) == ("delete", ["alembic_version", "sqlite_autoindex_alembic_version_1"])

"""The guard's layout rules, read from the source with ``ast``: GitPython is imported by
``migguard/guard/git.py`` alone and no other module runs a raw ``repo.git.<command>`` (every
git call goes through it), and ``migguard.scripts`` imports nothing of the guard (script
rewriting lives in ``scripts/``)."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "migguard"
GIT_MODULE = PACKAGE / "guard" / "git.py"
# GitPython's package and the object database package it is built on.
GITPYTHON = ("git", "gitdb")


def _imported(path: Path) -> Iterator[tuple[int, str]]:
    """``(line, module)`` for every import in ``path``, wherever it is (function bodies and
    ``if TYPE_CHECKING:`` blocks included); ``from a import b`` yields ``a`` and ``a.b``."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.lineno, node.module
            for alias in node.names:
                yield node.lineno, f"{node.module}.{alias.name}"


def _within(module: str, packages: tuple[str, ...]) -> bool:
    return any(module == name or module.startswith(f"{name}.") for name in packages)


def _offenders(paths: Iterator[Path], packages: tuple[str, ...]) -> list[str]:
    return [
        f"{path.relative_to(PACKAGE.parent)}:{line}: {module}"
        for path in paths
        for line, module in _imported(path)
        if _within(module, packages)
    ]


def test_the_reader_sees_every_kind_of_import(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text(
        "from typing import TYPE_CHECKING\n"
        "from migguard.guard import git\n"
        "if TYPE_CHECKING:\n"
        "    import git.exc\n"
        "def f():\n"
        "    from gitdb.exc import BadName\n"
        "    from . import sibling\n"
    )
    found = [module for _, module in _imported(sample) if _within(module, GITPYTHON)]
    assert found == ["git.exc", "gitdb.exc", "gitdb.exc.BadName"]


def test_gitpython_is_imported_by_the_git_module_alone() -> None:
    others = (path for path in sorted(PACKAGE.rglob("*.py")) if path != GIT_MODULE)
    assert _offenders(others, GITPYTHON) == []
    assert _offenders(iter([GIT_MODULE]), GITPYTHON), "the git module is where GitPython is"


def _raw_git_commands(path: Path) -> list[str]:
    """``<file>:<line>`` of every ``<x>.git.<command>`` (GitPython's command runner)."""
    return [
        f"{path.relative_to(PACKAGE.parent)}:{node.lineno}"
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path)))
        if isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Attribute)
        and node.value.attr == "git"
    ]


def test_git_commands_are_run_by_the_git_module_alone() -> None:
    others = [path for path in sorted(PACKAGE.rglob("*.py")) if path != GIT_MODULE]
    assert [where for path in others for where in _raw_git_commands(path)] == []
    assert _raw_git_commands(GIT_MODULE), "the git module is where git commands run"


def test_scripts_import_nothing_of_the_guard() -> None:
    scripts = sorted((PACKAGE / "scripts").rglob("*.py"))
    assert scripts
    assert _offenders(iter(scripts), ("migguard.guard",)) == []

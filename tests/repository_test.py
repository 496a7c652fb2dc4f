"""The repository's own files: one version source, the licence pyproject names, a changelog in
Keep a Changelog's shape, a contributing guide whose package picture covers the packages, and
the repository's pre-commit configuration passing on this working tree."""

from __future__ import annotations

import importlib.metadata
import re
import sys
import tomllib
from pathlib import Path

import pytest

import migguard
from tests.testing.precommit import copy_working_tree, run_pre_commit

ROOT = Path(__file__).resolve().parents[1]


def pyproject() -> dict[str, object]:
    with (ROOT / "pyproject.toml").open("rb") as file:
        return tomllib.load(file)


def test_the_version_is_written_once_in_the_package() -> None:
    settings = pyproject()
    project = settings["project"]
    assert isinstance(project, dict)
    assert "version" not in project
    assert "version" in project["dynamic"]
    dynamic = settings["tool"]["setuptools"]["dynamic"]  # type: ignore[index]
    assert dynamic["version"] == {"attr": "migguard.__version__"}
    assert importlib.metadata.version("migguard") == migguard.__version__


def test_the_licence_is_the_mit_licence_pyproject_names() -> None:
    project = pyproject()["project"]
    assert isinstance(project, dict)
    assert project["license"] == {"text": "MIT"}
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert text.startswith("MIT License\n\nCopyright (c) 2026 the migguard authors\n")
    assert 'THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND' in text


def test_the_changelog_opens_with_the_unreleased_changes() -> None:
    text = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    releases = re.findall(r"^## (.+)$", text, flags=re.M)
    assert releases[0] == "[Unreleased]"
    # Keep a Changelog's kinds of change, and no others.
    kinds = set(re.findall(r"^### (.+)$", text, flags=re.M))
    assert kinds <= {"Added", "Changed", "Deprecated", "Removed", "Fixed", "Security"}
    assert kinds


def test_the_contributing_picture_is_the_package() -> None:
    text = (ROOT / "CONTRIBUTING.md").read_text(encoding="utf-8")
    picture = text.split("The packages, one job each:", 1)[1].split("```", 2)[1]
    drawn = set(re.findall(r"^  ([a-z_]+/|[a-z_]+\.py)", picture, flags=re.M))
    package = ROOT / "migguard"
    there = {f"{p.parent.name}/" for p in package.glob("*/__init__.py")}
    there |= {p.name for p in package.glob("*.py")}
    assert drawn == there


def test_the_contributing_guide_gives_the_fast_subset_pyproject_documents() -> None:
    settings = pyproject()
    options = settings["tool"]["pytest"]["ini_options"]  # type: ignore[index]
    declared = {line.partition(":")[0] for line in options["markers"]}
    assert declared == {"postgresql", "mariadb", "git", "precommit", "slow"}
    assert "--strict-markers" in options["addopts"]
    text = (ROOT / "CONTRIBUTING.md").read_text(encoding="utf-8")
    assert '-m "not slow and not postgresql and not mariadb"' in text
    assert "CI=1" in text


def test_ci_runs_the_readme_test_command_with_ci_set() -> None:
    """``.ci/run`` exports ``CI=1`` before it runs the README's command, so a test that cannot
    have its PostgreSQL server fails there instead of being skipped."""
    lines = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert "export CI=1" in lines
    runs_tests = next(i for i, line in enumerate(lines) if '-c "$test_command"' in line)
    assert lines.index("export CI=1") < runs_tests


@pytest.mark.slow
def test_the_repositorys_pre_commit_hooks_pass_on_this_working_tree(
    tmp_path: Path, pre_commit_home: Path
) -> None:
    copy = tmp_path / "migguard"
    copy.mkdir()
    copy_working_tree(copy)
    # The hooks run the tools of the project's virtualenv: the one running these tests.
    (copy / ".venv").symlink_to(sys.prefix, target_is_directory=True)
    done = run_pre_commit(copy, pre_commit_home, "run", "--all-files", "--show-diff-on-failure")
    for hook in ("ruff check", "ruff format", "mypy migguard", "migguard check (examples/shop)"):
        assert re.search(rf"^{re.escape(hook)}.*Passed$", done.stdout, flags=re.M), done.stdout

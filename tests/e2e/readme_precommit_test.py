"""The README's pre-commit snippet, as a user copies it: pointed at a clone of migguard, its
``rev: main`` resolves, ``pre-commit autoupdate --freeze`` pins it to a commit id as the README
says, and the pinned hooks run (the hook repository fixture is in tests/testing/precommit.py)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.testing.gitrepo import add_revision, commit, init_project
from tests.testing.precommit import run_pre_commit

README = Path(__file__).resolve().parents[2] / "README.md"
PLACEHOLDER = "/path/to/migguard"


def readme_snippet() -> str:
    """The YAML between the README's ``pre-commit-config`` markers."""
    text = README.read_text(encoding="utf-8")
    block = text.split("<!-- pre-commit-config -->\n", 1)[1].split("<!-- /pre-commit-config", 1)[0]
    return block.removeprefix("```yaml\n").rsplit("```", 1)[0]


@pytest.mark.slow
def test_the_readme_snippet_resolves_and_pins_to_a_commit(
    tmp_path: Path, hook_repository: tuple[Path, str], pre_commit_home: Path
) -> None:
    clone, commit_id = hook_repository
    snippet = readme_snippet()
    assert PLACEHOLDER in snippet and "rev: main" in snippet
    root = init_project(tmp_path / "app")
    config = root / ".pre-commit-config.yaml"
    config.write_text(snippet.replace(PLACEHOLDER, str(clone)), encoding="utf-8")
    add_revision(root, "a1")
    commit(root, "a1 and the pre-commit configuration")

    run_pre_commit(root, pre_commit_home, "autoupdate", "--freeze")

    pinned = re.search(r"^\s*rev: (\S+)", config.read_text(encoding="utf-8"), re.MULTILINE)
    assert pinned is not None and pinned.group(1) == commit_id
    ran = run_pre_commit(root, pre_commit_home, "run", "--all-files", "migguard-check")
    assert "migguard check" in ran.stdout and "Passed" in ran.stdout

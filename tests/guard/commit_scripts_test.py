"""The revision scripts of a commit: which files, their headers, and whether the working tree
still holds them, in real git repositories."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from migguard.config.load import load_config
from migguard.graph import Revision
from migguard.guard.commit_scripts import header_at, matches_worktree, revisions_at, scripts_at
from migguard.guard.git import open_repo
from migguard.scripts.directory import load_history
from tests.testing.gitrepo import commit, head, init_repo
from tests.testing.project import Project

if TYPE_CHECKING:
    from migguard.guard.git import Repo


def _open(path: Path) -> Repo:
    repo = open_repo(path)
    assert repo is not None
    return repo


def test_scripts_of_a_commit_in_a_project_below_the_repository_root(
    tmp_path: Path, project: Project
) -> None:
    """The repository is the project's parent folder: git paths and shown paths differ."""
    app = tmp_path / "service"
    app.mkdir()
    for name in ("migguard.toml", "migrations"):
        (tmp_path / name).rename(app / name)
    service = Project(app, project.capsys)
    service.add("a1")
    service.add("b2", "a1", filename="b2_second.py")
    (service.versions / "__init__.py").write_text("")
    (service.versions / ".hidden.py").write_text("revision = 'h1'\ndown_revision = None\n")
    (service.versions / "helpers.py").write_text("NAME = 'helpers'\n")
    service.add("n1", "a1", filename="nested/n1_rev.py")
    init_repo(tmp_path)
    tip = commit(tmp_path, "history")
    config = load_config(cwd=app)

    scripts = scripts_at(_open(tmp_path), tip, config)
    assert [(s.shown, s.git_path) for s in scripts] == [
        ("migrations/versions/a1_rev.py", "service/migrations/versions/a1_rev.py"),
        ("migrations/versions/b2_second.py", "service/migrations/versions/b2_second.py"),
        ("migrations/versions/helpers.py", "service/migrations/versions/helpers.py"),
    ]
    files = load_history(config).files
    assert [s.path for s in scripts[:2]] == [files["a1"], files["b2"]]
    headers = [header_at(_open(tmp_path), s) for s in scripts]
    assert [getattr(header, "revision", None) for header in headers] == ["a1", "b2", None]

    recursive = config._replace(recursive_version_locations=True)
    shown = [s.shown for s in scripts_at(_open(tmp_path), tip, recursive)]
    assert "migrations/versions/nested/n1_rev.py" in shown


def test_worktree_comparison_ignores_line_endings_only(repo: Project) -> None:
    base = _open(repo.root)
    [script] = scripts_at(base, head(repo.root), load_config(cwd=repo.root))
    assert matches_worktree(base, script)
    path = Path(script.path)
    original = path.read_bytes()
    path.write_bytes(original.replace(b"\n", b"\r\n"))
    assert matches_worktree(base, script)
    path.write_bytes(original.replace(b"pass", b"op.drop_table('users')"))
    assert not matches_worktree(base, script)
    path.unlink()
    assert not matches_worktree(base, script)


def test_revisions_at_a_commit_reuse_unchanged_working_tree_headers(repo: Project) -> None:
    repo.add("a2", "a1")
    commit(repo.root, "a2")
    history = load_history(load_config(cwd=repo.root))
    known = {history.files[r.revision]: r for r in history.graph}
    # A stand-in for a1 that only the reuse path can return: a1's file is unchanged.
    known[history.files["a1"]] = Revision("a1", ("from-the-working-tree",))
    repo.add("a2", "a0")  # a2 differs from the commit now: read from the blob instead
    base = _open(repo.root)

    found = revisions_at(base, head(repo.root), load_config(cwd=repo.root), known)
    assert {rid: r.down_revisions for rid, r in found.items()} == {
        "a1": ("from-the-working-tree",),
        "a2": ("a1",),
    }
    assert found["a2"].script.shown == "migrations/versions/a2_rev.py"

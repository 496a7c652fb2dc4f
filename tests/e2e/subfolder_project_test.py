"""A project in a sub-folder of its repository (``backend/``), with ``url =
"sqlite:///app.db"``: git runs hooks at the repository's top, yet every command and hook uses
``backend/app.db``, the file the configuration names relative to its own folder."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from migguard.guard.hooks.install import install_hooks
from tests.testing.gitrepo import BIN, add_revision, clone, commit, git, git_env, init_repo
from tests.testing.seeds import versions

SETTINGS = """script_location = "migrations"
url = "sqlite:///app.db"
metadata = "models:metadata"

[post_merge]
upgrade = true
"""
MODELS = """
import sqlalchemy as sa

metadata = sa.MetaData()
for name in ("t_a1", "t_b2"):
    sa.Table(name, metadata, sa.Column("id", sa.Integer, primary_key=True))
"""


def migguard(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(Path(BIN) / "migguard"), *args],
        cwd=cwd,
        env=git_env(),
        capture_output=True,
        text=True,
        check=False,
    )


def backend_repo(path: Path) -> Path:
    """A repository whose project lives in ``backend/``, with revision a1 committed."""
    path.mkdir()
    init_repo(path)
    backend = path / "backend"
    (backend / "migrations" / "versions").mkdir(parents=True)
    (backend / "migguard.toml").write_text(SETTINGS, encoding="utf-8")
    (backend / "models.py").write_text(MODELS, encoding="utf-8")
    add_revision(backend, "a1")
    commit(path, "a1")
    return path


@pytest.mark.slow
def test_hooks_run_at_the_top_use_the_configurations_sqlite_file(tmp_path: Path) -> None:
    origin = backend_repo(tmp_path / "origin")
    staging = clone(origin, tmp_path / "staging")
    config = staging / "backend" / "migguard.toml"
    install_hooks(staging, ("post-merge", "post-checkout"), config_file=config)
    # The developer upgrades from the top of the repository, naming the configuration.
    done = migguard(staging, "-c", "backend/migguard.toml", "upgrade", "head")
    assert done.returncode == 0, done.stderr
    database = f"sqlite:///{staging / 'backend' / 'app.db'}"
    assert versions(database) == ["a1"]

    add_revision(origin / "backend", "b2", "a1")
    commit(origin, "b2")
    pull = git(staging, "pull", "--no-rebase", "--no-edit")

    assert "Upgraded 1 revision(s)" in pull.stderr, pull.stderr
    assert versions(database) == ["b2"]
    assert not (staging / "app.db").exists()
    # Going back to a1: the hook reads backend/app.db, which is ahead (not "at base").
    checkout = git(staging, "checkout", "-q", "HEAD~1")
    assert "is at b2, which this checkout lacks" in checkout.stderr, checkout.stderr
    git(staging, "checkout", "-q", "-")
    # The drift check, run from the top too, compares backend/app.db.
    check = migguard(staging, "-c", "backend/migguard.toml", "check", "--db", "--select", "drift")
    assert check.returncode == 0, check.stdout + check.stderr
    assert not (staging / "app.db").exists()

"""Real git repositories for the guard's tests: the one place for the helpers that drive git.

Every git process runs with the user's and the system's git configuration switched off, so a
developer's aliases, hooks paths or templates cannot change what the tests see; the autouse
fixture in ``tests/guard/conftest.py`` does the same for GitPython run in-process.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from tests.testing.project import revision_source

# The venv's bin folder first: hooks find `migguard` and `pre-commit` there.
BIN = str(Path(sys.executable).parent)

# No user (global) or system git configuration.
ISOLATED = {"GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}


def git_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment for git (and the hooks it runs): isolated configuration, no colour, no
    inherited ``MIGGUARD_URL`` or hook variables."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("GIT_", "MIGGUARD_", "PRE_COMMIT"))
    }
    env.update(ISOLATED)
    env.update(
        {
            "GIT_TERMINAL_PROMPT": "0",
            "NO_COLOR": "1",
            "PATH": BIN + os.pathsep + env.get("PATH", ""),
        }
    )
    env.update(extra or {})
    return env


def git(
    cwd: Path,
    *args: str,
    env: Mapping[str, str] | None = None,
    check: bool = True,
    stdin: str = "",
) -> subprocess.CompletedProcess[str]:
    """Run ``git ARGS`` in ``cwd``; ``env`` adds to :func:`git_env`, ``stdin`` is what git
    reads (e.g. the answers to ``git commit -p``). Returns the finished process (text output
    captured). Raises AssertionError, with git's output, when git fails and ``check`` is
    true."""
    done = subprocess.run(
        ["git", *args],
        cwd=cwd,
        env=git_env(env),
        input=stdin,
        capture_output=True,
        text=True,
        check=False,
    )
    if check and done.returncode != 0:
        raise AssertionError(
            f"git {' '.join(args)} exited {done.returncode}:\n{done.stdout}{done.stderr}"
        )
    return done


def configure_user(path: Path) -> None:
    """Set user.name and user.email in the repository at ``path``."""
    git(path, "config", "user.name", "Migguard Tests")
    git(path, "config", "user.email", "tests@migguard.invalid")


def init_repo(path: Path, branch: str = "main") -> None:
    """``git init`` in the existing folder ``path``, first branch ``branch``, with a user
    configured."""
    git(path, "init", "-q", "-b", branch)
    configure_user(path)


def init_project(path: Path, settings: str = "") -> Path:
    """A new repository at ``path`` holding ``migguard.toml`` (``script_location =
    "migrations"`` plus ``settings``) and an empty ``migrations/versions``; nothing committed.
    Returns ``path``."""
    path.mkdir(parents=True, exist_ok=True)
    init_repo(path)
    (path / "migguard.toml").write_text(
        f'script_location = "migrations"\n{settings}', encoding="utf-8"
    )
    (path / "migrations" / "versions").mkdir(parents=True, exist_ok=True)
    return path


def add_revision(
    root: Path,
    rid: str,
    down: Sequence[str] | str | None = None,
    *,
    upgrade: str | None = None,
    downgrade: str | None = None,
    folder: str = "migrations/versions",
) -> Path:
    """Write revision ``rid``; by default it creates table ``t_<rid>`` (and drops it)."""
    path = root / folder / f"{rid}_rev.py"
    path.parent.mkdir(parents=True, exist_ok=True)
    source = revision_source(
        rid,
        down,
        upgrade=upgrade
        or f'op.create_table("t_{rid}", sa.Column("id", sa.Integer(), primary_key=True))',
        downgrade=downgrade or f'op.drop_table("t_{rid}")',
    )
    path.write_text(source, encoding="utf-8")
    return path


def commit(root: Path, message: str) -> str:
    """Stage everything and commit; returns the new commit's full id."""
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", message)
    return head(root)


def head(root: Path, ref: str = "HEAD") -> str:
    """The full id of ``ref``."""
    return git(root, "rev-parse", ref).stdout.strip()


def clone(origin: Path, dest: Path) -> Path:
    """Clone ``origin`` into ``dest`` (with a user configured); returns ``dest``."""
    git(origin.parent, "clone", "-q", str(origin), str(dest))
    configure_user(dest)
    return dest


def add_origin(path: Path, origin: Path) -> None:
    """Create a bare repository at ``origin`` and add it as the ``origin`` remote of the
    repository at ``path``."""
    git(origin.parent, "init", "-q", "--bare", origin.name)
    git(path, "remote", "add", "origin", os.fspath(origin))

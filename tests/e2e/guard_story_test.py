"""The guard's story in a real git repository with the real pre-commit program (issues #5, #6).

A developer starts a project with the README's commands and installs migguard's hooks through
pre-commit. A model change without a revision is refused at commit time; autogenerate fixes it.
Two branches each add a revision; the merge leaves two heads, ``migguard check`` names them and
the merge command, and running that command makes the history whole again. Two staging clones
then pull the new revisions: one opted in to the post-merge upgrade, one not. Every command is
a real process (git, pre-commit, the venv's ``migguard`` found on PATH) and the databases are
read back after every step. The story runs on SQLite (a ``dev.db`` file in each clone), on
PostgreSQL and on MariaDB (a database of its own per clone, named by ``${STORY_DB}``).
"""

from __future__ import annotations

import re
import shlex
import subprocess
import uuid
from pathlib import Path
from typing import NamedTuple

import pytest
import sqlalchemy as sa
from sqlalchemy.pool import NullPool

from tests.testing import mariadb
from tests.testing.gitrepo import clone, configure_user, git, git_env, head
from tests.testing.postgres import admin_execute
from tests.testing.precommit import env_for, run_pre_commit

MODELS = '''\
from sqlalchemy import String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    """The models' declarative base."""


class Customer(Base):
    __tablename__ = "customer"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    email: Mapped[str] = mapped_column(String(200))
'''
# Each new column goes after an anchor line; feature-a's and main's anchors are two unchanged
# lines apart, so git merges models.py without a conflict.
ID_LINE = "    id: Mapped[int] = mapped_column(primary_key=True)\n"
EMAIL_LINE = "    email: Mapped[str] = mapped_column(String(200))\n"
AGE_LINE = "    age: Mapped[int | None]\n"
NICKNAME_LINE = "    nickname: Mapped[str | None] = mapped_column(String(50))\n"
CITY_LINE = "    city: Mapped[str | None] = mapped_column(String(100))\n"

SETTINGS = 'url = "${STORY_DB}"\nmetadata = "models:Base.metadata"\n'
GITIGNORE = "*.db\n__pycache__/\n"
GENERATED = re.compile(r"^Generated .*/([0-9a-f]{12})_\w+\.py$", re.MULTILINE)
MERGE_HINT = re.compile(r'hint: join them with: (migguard merge heads -m "[^"]*")')
ARRIVED = re.compile(
    r"migguard: revision files arrived \((\d+) added, [0-9a-f]+\.\.[0-9a-f]+\); "
    r"run `migguard upgrade head` to apply them"
)
ARRIVED_TWO_HEADS = re.compile(
    r"migguard: revision files arrived \((\d+) added, [0-9a-f]+\.\.[0-9a-f]+\); the history "
    r'has 2 heads \([0-9a-f, ]+\); join them with `migguard merge heads -m "merge heads"`'
)


class Database(NamedTuple):
    """What a database holds: the version table's rows and customer's column names (a set:
    where two branches meet, their order depends on the revision ids)."""

    versions: list[str]
    columns: set[str]


class Clones:
    """Each clone's database: a ``dev.db`` file in it on SQLite, else a fresh database of the
    server's (the fixture's own, then new ones), given to migguard as ``STORY_DB``."""

    def __init__(self, url: str, request: pytest.FixtureRequest) -> None:
        self.url = url
        self.request = request
        self.urls: dict[Path, str] = {}

    def env(self, root: Path, extra: dict[str, str] | None = None) -> dict[str, str]:
        """The environment of a command in clone ``root``."""
        if root not in self.urls:
            self.urls[root] = self._new(root)
        return {**(extra or {}), "STORY_DB": self.urls[root]}

    def _new(self, root: Path) -> str:
        if self.url.startswith("sqlite"):
            return f"sqlite:///{root / 'dev.db'}"
        if not self.urls:
            return self.url
        name = f"story_{uuid.uuid4().hex[:12]}"
        if self.url.startswith("mysql"):
            maria = self.request.getfixturevalue("mariadb_server")
            mariadb.create_database(maria, name)
            self.request.addfinalizer(lambda: mariadb.drop_database(maria, name))
            return str(maria.url(name))
        server = self.request.getfixturevalue("postgres_server")
        admin_execute(server, "CREATE DATABASE {}", name)
        self.request.addfinalizer(
            lambda: admin_execute(server, "DROP DATABASE IF EXISTS {} WITH (FORCE)", name)
        )
        return str(server.url(name))

    def driver_dependencies(self) -> str:
        """The post-merge hook's ``additional_dependencies`` line: the database driver, which
        pre-commit's own environment for the hook lacks (SQLite's is Python's own)."""
        if self.url.startswith("mysql"):
            return "        additional_dependencies: [PyMySQL]\n"
        if self.url.startswith("postgresql"):
            return '        additional_dependencies: ["psycopg[binary]"]\n'
        return ""

    def read(self, root: Path) -> Database:
        """The version rows (sorted) and the ``customer`` table's column names of clone
        ``root``'s database."""
        engine = sa.create_engine(self.urls[root], poolclass=NullPool)
        try:
            with engine.connect() as connection:
                rows = connection.exec_driver_sql("SELECT version_num FROM alembic_version")
                versions = sorted(str(row[0]) for row in rows)
                columns = {c["name"] for c in sa.inspect(connection).get_columns("customer")}
        finally:
            engine.dispose()
        return Database(versions, columns)


def run(
    root: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run ``ARGS`` in ``root`` as a real process with the isolated git environment (the
    venv's bin folder first on PATH); returns the finished process, whatever its status."""
    return subprocess.run(
        list(args), cwd=root, env=git_env(env), capture_output=True, text=True, check=False
    )


def ok(done: subprocess.CompletedProcess[str]) -> str:
    """Assert ``done`` exited 0; returns its stdout and stderr together."""
    output = done.stdout + done.stderr
    assert done.returncode == 0, f"{done.args} exited {done.returncode}:\n{output}"
    return output


def generate(root: Path, message: str, env: dict[str, str]) -> str:
    """``migguard revision --autogenerate -m MESSAGE``; returns the new revision's id."""
    output = ok(run(root, "migguard", "revision", "--autogenerate", "-m", message, env=env))
    found = GENERATED.search(output)
    assert found, output
    return found.group(1)


def add_column(root: Path, anchor: str, line: str) -> None:
    """Edit ``models.py`` as a developer would: put ``line`` right after ``anchor``."""
    models = root / "models.py"
    text = models.read_text(encoding="utf-8")
    assert anchor in text
    models.write_text(text.replace(anchor, anchor + line), encoding="utf-8")


def committed(done: subprocess.CompletedProcess[str]) -> str:
    """Assert a ``git commit`` passed through the migguard-check hook; returns its output."""
    output = ok(done)
    assert re.search(r"^migguard check\.+Passed$", output, re.MULTILINE), output
    return output


@pytest.mark.slow
def test_guard_story(
    tmp_path: Path,
    hook_repository: tuple[Path, str],
    pre_commit_home: Path,
    any_db_url: str,
    request: pytest.FixtureRequest,
) -> None:
    clones = Clones(any_db_url, request)
    hooks = env_for(pre_commit_home)
    hook_repo, hook_rev = hook_repository
    dev = tmp_path / "project"
    dev.mkdir()
    git(dev, "init", "-q", "-b", "main")
    configure_user(dev)

    # 1. A project in sync, its first commit passing through the hook.
    ok(run(dev, "migguard", "init", "migrations", env=clones.env(dev)))
    with (dev / "migguard.toml").open("a", encoding="utf-8") as config:
        config.write(SETTINGS)
    (dev / "models.py").write_text(MODELS, encoding="utf-8")
    (dev / ".gitignore").write_text(GITIGNORE, encoding="utf-8")
    ok(run(dev, "migguard", "upgrade", "head", env=clones.env(dev)))
    customer = generate(dev, "Add customer table", clones.env(dev))
    ok(run(dev, "migguard", "upgrade", "head", env=clones.env(dev)))
    assert clones.read(dev) == Database([customer], {"id", "name", "email"})
    (dev / ".pre-commit-config.yaml").write_text(
        f"repos:\n  - repo: {hook_repo}\n    rev: {hook_rev}\n    hooks:\n"
        "      - id: migguard-check\n      - id: migguard-post-merge\n"
        + clones.driver_dependencies(),
        encoding="utf-8",
    )
    run_pre_commit(
        dev, pre_commit_home, "install", "--hook-type", "pre-commit", "--hook-type", "post-merge"
    )
    git(dev, "add", "-A")
    committed(
        git(
            dev, "commit", "-m", "Customer model and its first revision", env=clones.env(dev, hooks)
        )
    )
    tracked = git(dev, "ls-files").stdout.split()
    assert "models.py" in tracked
    assert "dev.db" not in tracked

    # 2. A model column without a revision: the commit is refused and names the column.
    add_column(dev, EMAIL_LINE, AGE_LINE)
    before = head(dev)
    refused = git(dev, "commit", "-am", "Add age", env=clones.env(dev, hooks), check=False)
    output = refused.stdout + refused.stderr
    assert refused.returncode == 1, output
    assert re.search(r"^migguard check\.+Failed$", output, re.MULTILINE), output
    assert "error [sync]" in output
    assert "customer.age" in output
    assert 'hint: migguard revision --autogenerate -m "<message>"' in output
    assert head(dev) == before

    # 3. Autogenerate, stage, commit: the hook passes.
    age = generate(dev, "Add age", clones.env(dev))
    ok(run(dev, "migguard", "upgrade", "head", env=clones.env(dev)))
    assert clones.read(dev) == Database([age], {"id", "name", "email", "age"})
    git(dev, "add", "-A")
    committed(git(dev, "commit", "-m", "Add age", env=clones.env(dev, hooks)))
    assert head(dev) != before

    # Two staging servers clone the project now, each with its own database at age.
    stagings = [clone(dev, tmp_path / name) for name in ("staging-auto", "staging-manual")]
    for staging in stagings:
        run_pre_commit(staging, pre_commit_home, "install", "--hook-type", "post-merge")
        ok(run(staging, "migguard", "upgrade", "head", env=clones.env(staging)))
        assert clones.read(staging) == Database([age], {"id", "name", "email", "age"})

    # 4. feature-a and main each add a column and a revision; each commit passes alone.
    git(dev, "checkout", "-q", "-b", "feature-a")
    add_column(dev, ID_LINE, NICKNAME_LINE)
    nickname = generate(dev, "Add nickname", clones.env(dev))
    ok(run(dev, "migguard", "upgrade", "head", env=clones.env(dev)))
    git(dev, "add", "-A")
    committed(git(dev, "commit", "-m", "Add nickname", env=clones.env(dev, hooks)))
    # main lacks nickname: step the dev database back before switching, as the README says.
    ok(run(dev, "migguard", "downgrade", "-1", env=clones.env(dev)))
    git(dev, "checkout", "-q", "main")
    assert clones.read(dev) == Database([age], {"id", "name", "email", "age"})

    add_column(dev, AGE_LINE, CITY_LINE)
    city = generate(dev, "Add city", clones.env(dev))
    ok(run(dev, "migguard", "upgrade", "head", env=clones.env(dev)))
    git(dev, "add", "-A")
    committed(git(dev, "commit", "-m", "Add city", env=clones.env(dev, hooks)))

    # The merge is clean for git. A merge commit runs pre-merge-commit, not pre-commit, so
    # the check does not run (post-merge lists it as skipped: no files); post-merge says a
    # revision arrived, and that the two heads must be joined before upgrading.
    merged = ok(git(dev, "merge", "--no-edit", "feature-a", env=clones.env(dev, hooks)))
    assert len(git(dev, "rev-parse", "HEAD^@").stdout.split()) == 2
    assert not re.search(r"^migguard check\.+(Passed|Failed)$", merged, re.MULTILINE), merged
    assert "migguard post-merge" in merged
    found = ARRIVED_TWO_HEADS.search(merged)
    assert found and found.group(1) == "1", merged
    models = (dev / "models.py").read_text(encoding="utf-8")
    assert NICKNAME_LINE in models and CITY_LINE in models

    # migguard check by hand: two heads, and the command that joins them.
    two_heads = run(dev, "migguard", "check", env=clones.env(dev))
    output = two_heads.stdout + two_heads.stderr
    assert two_heads.returncode == 1, output
    assert "error [heads] 2 heads where one is expected" in output
    assert nickname in output and city in output
    hint = MERGE_HINT.search(output)
    assert hint, output
    merge = GENERATED.search(ok(run(dev, *shlex.split(hint.group(1)), env=clones.env(dev))))
    assert merge, hint.group(1)
    git(dev, "add", "-A")
    committed(git(dev, "commit", "-m", "Join the migration heads", env=clones.env(dev, hooks)))
    clean = ok(run(dev, "migguard", "check", env=clones.env(dev)))
    # Only notes: edited, stale-parent and lint have nothing to compare with on an unpublished
    # main.
    assert re.search(r"^All checks passed, 3 notes \(checks: ", clean, re.MULTILINE), clean
    assert "error" not in clean
    assert ok(run(dev, "migguard", "heads", env=clones.env(dev))).split()[0] == merge.group(1)
    ok(run(dev, "migguard", "upgrade", "head", env=clones.env(dev)))
    assert clones.read(dev) == Database(
        [merge.group(1)], {"id", "name", "email", "age", "city", "nickname"}
    )

    # 5. The staging server that opted in is upgraded by the pull; the other gets a notice.
    auto, manual = stagings
    pulled = ok(
        git(auto, "pull", env=clones.env(auto, {**hooks, "MIGGUARD_POST_MERGE_UPGRADE": "1"}))
    )
    assert "migguard: upgrading 3 revision(s) to head" in pulled
    assert f"is at {merge.group(1)}" in pulled
    assert clones.read(auto) == Database(
        [merge.group(1)], {"id", "name", "email", "age", "city", "nickname"}
    )
    assert (
        ok(run(auto, "migguard", "current", env=clones.env(auto))).strip()
        == f"{merge.group(1)} (head) (mergepoint)"
    )

    pulled = ok(git(manual, "pull", env=clones.env(manual, hooks)))
    notices = ARRIVED.findall(pulled)
    assert notices == ["3"], pulled
    assert "upgrading" not in pulled
    assert clones.read(manual) == Database([age], {"id", "name", "email", "age"})
    assert head(manual) == head(auto) == head(dev)

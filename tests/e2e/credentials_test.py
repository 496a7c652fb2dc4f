"""A database password never shows: not on success lines, in ``migguard config``, in
``current -v``, in error lines, in ``check --format github``, in the post-merge log or in the
post-checkout warning; whether it is written in the user part, as ``?password=``, or with
``@``, ``?`` and ``/`` in it (escaped, or not: then the URL is refused, still masked)."""

from __future__ import annotations

import socket
import subprocess
from pathlib import Path
from urllib.parse import quote

import pytest

from migguard.guard.hooks.install import install_hooks
from tests.testing.gitrepo import BIN, add_revision, clone, commit, git, git_env, init_project

MODELS = """
import sqlalchemy as sa

metadata = sa.MetaData()
sa.Table("t_a1", metadata, sa.Column("id", sa.Integer, primary_key=True))
sa.Table("not_migrated", metadata, sa.Column("id", sa.Integer, primary_key=True))
"""
SETTINGS = 'log = "logs/post-merge.log"\nmetadata = "models:metadata"\n'

# Pieces of each password: none may appear anywhere, in any form.
PLAIN = "Zq7S3cr3tPw"
ODD = "Pw9z@Qx7v?Mn4k/Rt8y"
ODD_PIECES = ("Pw9z", "Qx7v", "Mn4k", "Rt8y")


def url_forms(pg_url: str) -> dict[str, str]:
    """The test database's URL with a password: in the user part, as ``?password=``, with
    ``@``, ``?`` and ``/`` escaped, and unescaped. The server trusts every local connection,
    so each connects (but the last, which migguard refuses)."""
    scheme, rest = pg_url.split("://", 1)
    user, _, location = rest.partition("@")
    return {
        "user part": f"{scheme}://{user}:{PLAIN}@{location}",
        "query": f"{scheme}://{user}@{location}?password={PLAIN}",
        "escaped @?/": f"{scheme}://{user}:{quote(ODD, safe='')}@{location}",
        "unescaped @?/": f"{scheme}://{user}:{ODD}@{location}",
    }


def secrets(form: str) -> tuple[str, ...]:
    if "@?/" in form:
        return (ODD, quote(ODD, safe=""), *ODD_PIECES)
    return (PLAIN,)


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def migguard(root: Path, url: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(Path(BIN) / "migguard"), *args],
        cwd=root,
        env=git_env({"MIGGUARD_URL": url}),
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.mark.slow
@pytest.mark.parametrize("form", ["user part", "query", "escaped @?/", "unescaped @?/"])
def test_no_output_channel_shows_the_password(tmp_path: Path, pg_url: str, form: str) -> None:
    url = url_forms(pg_url)[form]
    works = form != "unescaped @?/"
    origin = init_project(tmp_path / "origin", SETTINGS)
    (origin / "models.py").write_text(MODELS, encoding="utf-8")
    add_revision(origin, "a1")
    commit(origin, "a1")
    staging = clone(origin, tmp_path / "staging")
    install_hooks(staging, ("post-merge", "post-checkout"))
    outputs: list[str] = []

    def record(done: subprocess.CompletedProcess[str]) -> subprocess.CompletedProcess[str]:
        outputs.extend((done.stdout, done.stderr))
        return done

    # Success lines (or, for the refused URL, its error line).
    upgrade = record(migguard(staging, url, "upgrade", "head"))
    assert (upgrade.returncode == 0) == works, upgrade.stderr
    if works:
        assert "***" in upgrade.stdout
    # The configuration and the current revision, verbose.
    shown = record(migguard(staging, url, "config"))
    assert "***" in shown.stdout
    current = record(migguard(staging, url, "current", "-v"))
    if works:
        assert "Database: " in current.stdout and "***" in current.stdout
    # Error lines: an unreachable server, and a URL SQLAlchemy does not know.
    port = url.split("@")[-1].split("/")[0].rpartition(":")[2]
    unreachable = url.replace(f":{port}/", f":{closed_port()}/")
    failed = record(migguard(staging, unreachable, "upgrade", "head"))
    assert failed.returncode in (2, 4) and "***" in failed.stderr
    heroku = record(migguard(staging, "postgres://" + url.split("://", 1)[1], "current"))
    assert heroku.returncode == 2 and "***" in heroku.stderr
    # The drift check's findings, as GitHub annotations.
    github = record(migguard(staging, url, "check", "--db", "--format", "github"))
    assert github.returncode != 0
    if works:
        assert "::error" in github.stdout and "***" in github.stdout
    # The post-merge hook (opted in) and its log file.
    add_revision(origin, "b2", "a1")
    commit(origin, "b2")
    pull = git(
        staging,
        "pull",
        "--no-rebase",
        "--no-edit",
        env={"MIGGUARD_URL": url, "MIGGUARD_POST_MERGE_UPGRADE": "1"},
    )
    outputs.extend((pull.stdout, pull.stderr))
    log = (staging / "logs" / "post-merge.log").read_text(encoding="utf-8")
    assert "***" in log
    # The post-checkout warning: the database is at b2, the checkout goes back to a1.
    checkout = git(staging, "checkout", "-q", "HEAD~1", env={"MIGGUARD_URL": url})
    outputs.extend((checkout.stdout, checkout.stderr))
    if works:
        assert "which this checkout lacks" in checkout.stderr
        assert "***" in checkout.stderr

    written = [
        path.read_text(encoding="utf-8", errors="replace")
        for root in (origin, staging)
        for path in root.rglob("*")
        if path.is_file()
    ]
    for secret in secrets(form):
        for text in (*outputs, *written):
            assert secret not in text

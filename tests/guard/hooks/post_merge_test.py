"""The post-merge and post-rewrite hooks on a staging clone: real ``git pull`` runs the
installed hooks, which upgrade real SQLite and PostgreSQL databases (or only say how)."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import pytest
import sqlalchemy as sa

from migguard.config.load import load_config
from migguard.errors import EXIT_PARTIAL, EXIT_USAGE, ConfigError
from migguard.guard.hooks.install import install_hooks
from migguard.guard.hooks.post_merge import (
    SKIPPED,
    MergeEvent,
    merge_event,
    post_merge,
    upgrade_opted_in,
)
from tests.testing.gitrepo import add_revision, clone, commit, git, head, init_project
from tests.testing.listener import Listener
from tests.testing.project import run_process
from tests.testing.seeds import schema, versions

LOG = 'log = "logs/post-merge.log"\n'
FAILING = 'op.execute("INSERT INTO nowhere VALUES (1)")'


def with_password(url: str) -> str:
    """The URL with a password (the PostgreSQL test server trusts every local connection, so
    it still connects; MariaDB's test URLs carry one already): the log and the output must
    never show it."""
    if url.startswith("postgresql"):
        return url.replace("postgres@", "postgres:s3cret-pw@", 1)
    return url


def staging_clone(tmp_path: Path, url: str, settings: str = LOG) -> tuple[Path, Path]:
    """An origin with revision a1, and a staging clone whose database is at a1 and which has
    the post-merge and post-rewrite hooks installed. Returns ``(origin, staging)``."""
    origin = init_project(tmp_path / "origin", settings)
    add_revision(origin, "a1")
    commit(origin, "a1")
    staging = clone(origin, tmp_path / "staging")
    install_hooks(staging, ("post-merge", "post-rewrite"))
    done = run_process(["--url", url, "upgrade", "head"], staging)
    assert done.returncode == 0, done.stderr
    return origin, staging


def push_two_revisions(origin: Path, second_upgrade: str | None = None) -> None:
    add_revision(origin, "b2", "a1")
    add_revision(origin, "c3", "b2", upgrade=second_upgrade)
    commit(origin, "b2 and c3")


def local_commit(staging: Path) -> None:
    """A commit only the staging clone has, so that a pull merges or rebases for real."""
    (staging / "STAGING.md").write_text("staging notes\n", encoding="utf-8")
    commit(staging, "staging notes")


def log_lines(staging: Path) -> list[str]:
    path = staging / "logs" / "post-merge.log"
    return path.read_text(encoding="utf-8").splitlines() if path.exists() else []


LOG_LINE = re.compile(
    r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d (?P<hook>post-\w+) "
    r"(?P<span>[0-9a-f]{7}\.\.[0-9a-f]{7}) (?P<outcome>.*); database (?P<url>\S+)"
)


@pytest.mark.slow
def test_a_pull_merging_two_revisions_upgrades_the_database(
    tmp_path: Path, any_db_url: str
) -> None:
    url = with_password(any_db_url)
    origin, staging = staging_clone(tmp_path, url)
    local_commit(staging)
    push_two_revisions(origin)
    before = head(staging)

    pull = git(
        staging,
        "pull",
        "--no-rebase",
        "--no-edit",
        env={"MIGGUARD_URL": url, "MIGGUARD_POST_MERGE_UPGRADE": "1"},
    )

    assert versions(url) == ["c3"]
    assert {"t_a1", "t_b2", "t_c3"} <= set(schema(url))
    out = pull.stderr  # git sends a hook's output to its own stderr
    assert "migguard: upgrading 2 revision(s) to head" in out
    assert "  plan: upgrade a1 -> b2, revision b2" in out
    assert "  plan: upgrade b2 -> c3, revision c3" in out
    assert "Upgraded 2 revision(s); " in out
    [line] = log_lines(staging)
    match = LOG_LINE.fullmatch(line)
    assert match is not None, line
    assert match["hook"] == "post-merge"
    assert match["span"] == f"{before[:7]}..{head(staging)[:7]}"
    assert match["outcome"] == "upgraded from a1 to c3 (2 revisions)"
    password = sa.make_url(url).password
    if password:
        assert str(password) not in line + out + pull.stdout
    assert match["url"] == (url.replace(f":{password}@", ":***@") if password else url)


@pytest.mark.slow
def test_a_pull_with_rebase_upgrades_when_the_configuration_opts_in(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'staging.db'}"
    origin, staging = staging_clone(tmp_path, url, f"{LOG}[post_merge]\nupgrade = true\n")
    local_commit(staging)
    push_two_revisions(origin)

    pull = git(staging, "pull", "--rebase", env={"MIGGUARD_URL": url})

    assert versions(url) == ["c3"]
    assert "Upgraded 2 revision(s); " in pull.stderr
    [line] = log_lines(staging)
    match = LOG_LINE.fullmatch(line)
    assert match is not None, line
    assert (match["hook"], match["outcome"]) == (
        "post-rewrite",
        "upgraded from a1 to c3 (2 revisions)",
    )


@pytest.mark.slow
def test_a_fast_forward_pull_with_rebase_runs_post_merge(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'staging.db'}"
    origin, staging = staging_clone(tmp_path, url)
    push_two_revisions(origin)

    git(
        staging, "pull", "--rebase", env={"MIGGUARD_URL": url, "MIGGUARD_POST_MERGE_UPGRADE": "yes"}
    )

    assert versions(url) == ["c3"]
    [line] = log_lines(staging)
    assert " post-merge " in line


@pytest.mark.slow
def test_without_opt_in_only_a_notice(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'staging.db'}"
    origin, staging = staging_clone(tmp_path, url)
    push_two_revisions(origin)
    before = head(staging)

    pull = git(staging, "pull", "-q", env={"MIGGUARD_URL": url})

    assert pull.stderr == (
        f"migguard: revision files arrived (2 added, {before[:7]}..{head(staging)[:7]}); "
        "run `migguard upgrade head` to apply them\n"
    )
    assert pull.stdout == ""
    assert versions(url) == ["a1"]
    assert log_lines(staging) == []


def test_a_squash_merge_is_skipped(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'staging.db'}"
    origin, staging = staging_clone(tmp_path, url)
    push_two_revisions(origin)
    git(staging, "fetch", "-q")

    merge = git(
        staging,
        "merge",
        "-q",
        "--squash",
        "origin/main",
        env={"MIGGUARD_URL": url, "MIGGUARD_POST_MERGE_UPGRADE": "1"},
    )

    assert "migguard" not in merge.stdout + merge.stderr
    assert versions(url) == ["a1"]
    assert log_lines(staging) == []


@pytest.mark.slow
def test_several_heads_are_refused(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'staging.db'}"
    origin, staging = staging_clone(tmp_path, url)
    add_revision(origin, "b2", "a1")
    add_revision(origin, "c3", "a1")
    commit(origin, "two branches from a1")
    env = {"MIGGUARD_URL": url, "MIGGUARD_POST_MERGE_UPGRADE": "1"}

    pull = git(staging, "pull", "-q", env=env)

    refusal = (
        "migguard: error: not upgrading: the history has 2 heads (b2, c3); join them with "
        '`migguard merge heads -m "merge heads"`, commit, then run `migguard upgrade head`\n'
    )
    assert pull.stderr == refusal
    assert versions(url) == ["a1"]
    [line] = log_lines(staging)
    assert line.endswith(f" refused: several heads (b2, c3); database {url}")
    # Git ignores the hook's status; run directly, it is upgrade's for the same history.
    direct = run_process(["--url", url, "hook", "post-merge", "0"], staging, env)
    upgrade = run_process(["--url", url, "upgrade", "head"], staging)
    assert (direct.returncode, direct.stderr) == (upgrade.returncode, refusal)
    assert upgrade.returncode == 2


def test_without_opt_in_two_heads_are_told_to_be_merged_first(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'staging.db'}"
    origin, staging = staging_clone(tmp_path, url)
    add_revision(origin, "b2", "a1")
    add_revision(origin, "c3", "a1")
    commit(origin, "two branches from a1")
    before = head(staging)

    pull = git(staging, "pull", "-q", env={"MIGGUARD_URL": url})

    assert pull.stderr == (
        f"migguard: revision files arrived (2 added, {before[:7]}..{head(staging)[:7]}); "
        'the history has 2 heads (b2, c3); join them with `migguard merge heads -m "merge '
        'heads"`, commit, then run `migguard upgrade head`\n'
    )
    assert versions(url) == ["a1"]


@pytest.mark.slow
def test_a_failing_revision_stops_loudly_at_the_last_good_revision(
    tmp_path: Path, db_url: str
) -> None:
    origin, staging = staging_clone(tmp_path, db_url)
    push_two_revisions(origin, second_upgrade=FAILING)
    env = {"MIGGUARD_URL": db_url, "MIGGUARD_POST_MERGE_UPGRADE": "1"}

    pull = git(staging, "pull", "-q", env=env)

    assert versions(db_url) == ["b2"]
    assert "t_b2" in schema(db_url)
    lines = pull.stderr.splitlines()
    assert lines[:4] == [
        "migguard: upgrading 2 revision(s) to head",
        "  plan: upgrade a1 -> b2, revision b2",
        "  plan: upgrade b2 -> c3, revision c3",
        "upgrade a1 -> b2, revision b2",
    ]
    assert lines[-2] == "migguard: POST-MERGE UPGRADE FAILED"
    assert lines[-1].startswith(
        "migguard: error: upgrade b2 -> c3, revision c3 (migrations/versions/c3_rev.py) failed: "
    )
    assert lines[-1].endswith("rolled back; the database stays at b2")
    [line] = log_lines(staging)
    assert " failed at revision c3: upgrade b2 -> c3" in line

    direct = run_process(["--url", db_url, "hook", "post-merge", "0"], staging, env)
    assert direct.returncode == 4
    assert versions(db_url) == ["b2"]


def test_a_log_that_cannot_be_written_stops_before_any_change(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path / 'staging.db'}"
    origin, staging = staging_clone(tmp_path, url, 'log = "migguard.toml/post-merge.log"\n')
    push_two_revisions(origin)
    git(staging, "pull", "-q", env={"MIGGUARD_URL": url})
    monkeypatch.chdir(staging)
    config = load_config(url=url, environ={})

    with pytest.raises(ConfigError, match=r"cannot append to log .*migguard\.toml/post-merge\.log"):
        post_merge(config, MergeEvent("post-merge"), environ={"MIGGUARD_POST_MERGE_UPGRADE": "1"})

    assert versions(url) == ["a1"]


def test_an_amend_is_skipped(tmp_path: Path) -> None:
    root = init_project(tmp_path / "app")
    add_revision(root, "a1")
    commit(root, "a1")
    config = load_config(cwd=root, environ={})

    result = post_merge(config, MergeEvent("post-rewrite", rewrite_command="amend"), environ={})

    assert (result.action, result.reason) == (SKIPPED, "post-rewrite after amend, not a rebase")


def test_merge_event_from_git_arguments_and_from_pre_commit() -> None:
    assert merge_event("post-merge", ["0"], {}) == MergeEvent("post-merge")
    assert merge_event("post-merge", ["1"], {}) == MergeEvent("post-merge", squash=True)
    assert merge_event("post-rewrite", ["rebase"], {}) == MergeEvent(
        "post-rewrite", rewrite_command="rebase"
    )
    # pre-commit runs both stages through the post-merge entry, with variables, no arguments.
    assert merge_event("post-merge", [], {"PRE_COMMIT_IS_SQUASH_MERGE": "1"}) == MergeEvent(
        "post-merge", squash=True
    )
    assert merge_event("post-merge", [], {"PRE_COMMIT_REWRITE_COMMAND": "rebase"}) == MergeEvent(
        "post-rewrite", rewrite_command="rebase"
    )


def test_opting_in_by_environment_or_configuration(tmp_path: Path) -> None:
    root = init_project(tmp_path / "app")
    config = load_config(cwd=root, environ={})
    assert not upgrade_opted_in(config, {})
    assert not upgrade_opted_in(config, {"MIGGUARD_POST_MERGE_UPGRADE": "0"})
    for value in ("1", "true", "YES"):
        assert upgrade_opted_in(config, {"MIGGUARD_POST_MERGE_UPGRADE": value})
    (root / "migguard.toml").write_text(
        'script_location = "migrations"\n[post_merge]\nupgrade = true\n', encoding="utf-8"
    )
    assert upgrade_opted_in(load_config(cwd=root, environ={}), {})


def test_the_notice_runs_no_pulled_code_and_contacts_no_database(
    tmp_path: Path, listener: Listener
) -> None:
    """Without the opt-in, post-merge only reads the pulled headers from git: a script whose
    header needs importing is not imported, and the database (even one the pull points the
    configuration at) is not contacted."""
    url = f"sqlite:///{tmp_path / 'staging.db'}"
    origin, staging = staging_clone(tmp_path, url)
    marker = tmp_path / "code-ran"
    path = add_revision(origin, "b2", "a1")
    path.write_text(
        f"import pathlib\npathlib.Path({str(marker)!r}).write_text('ran')\n"
        + path.read_text(encoding="utf-8")
        + 'branch_labels = (str("pulled"),)\n',
        encoding="utf-8",
    )
    (origin / "migguard.toml").write_text(
        'script_location = "migrations"\n'
        f'url = "postgresql://staging:${{SECRET_TOKEN}}@127.0.0.1:{listener.port}/app"\n',
        encoding="utf-8",
    )
    commit(origin, "b2")

    pull = git(staging, "pull", "-q", env={"SECRET_TOKEN": "hunter2"})

    assert "migguard: revision files arrived (1 added, " in pull.stderr
    assert "run `migguard upgrade head` to apply them" in pull.stderr
    assert not marker.exists()
    assert listener.connections == 0


TARGETS = (
    LOG
    + '[post_merge]\nupgrade = true\ntags = ["staging"]\njobs = 2\n'
    + '[targets.eu]\nurl = "sqlite:///eu.db"\ntags = ["staging"]\n'
    + '[targets.us]\nurl = "sqlite:///us.db"\ntags = ["staging"]\n'
    + '[targets.prod]\nurl = "sqlite:///prod.db"\n'
)
TARGET_LOG_LINE = re.compile(
    r"\S+ (?P<hook>post-\w+) [0-9a-f]{7}\.\.[0-9a-f]{7} (?P<outcome>.*); "
    r"target (?P<name>\w+) (?P<url>\S+)"
)


def staging_fleet(tmp_path: Path) -> tuple[Path, Path]:
    """An origin with revision a1 whose configuration opts the ``staging``-tagged targets eu
    and us in (prod is a target too, untagged), and a staging clone with the hooks installed
    where every target is at a1. Returns ``(origin, staging)``."""
    origin = init_project(tmp_path / "origin", TARGETS)
    add_revision(origin, "a1")
    commit(origin, "a1")
    staging = clone(origin, tmp_path / "staging")
    install_hooks(staging, ("post-merge", "post-rewrite"))
    done = run_process(["upgrade", "head", "--all"], staging)
    assert done.returncode == 0, done.stderr
    return origin, staging


def target_log(staging: Path) -> dict[str, str]:
    """The log's outcome by target name."""
    found = {}
    for line in log_lines(staging):
        match = TARGET_LOG_LINE.fullmatch(line)
        assert match is not None, line
        found[match["name"]] = match["outcome"]
    return found


@pytest.mark.slow
def test_a_pull_upgrades_every_opted_in_target_and_no_other(tmp_path: Path) -> None:
    origin, staging = staging_fleet(tmp_path)
    push_two_revisions(origin)

    pull = git(staging, "pull", "-q")

    for name in ("eu", "us"):
        url = f"sqlite:///{staging / f'{name}.db'}"
        assert versions(url) == ["c3"]
        assert {"t_a1", "t_b2", "t_c3"} <= set(schema(url))
    # prod carries no opted-in tag: the hook never touches it.
    assert versions(f"sqlite:///{staging / 'prod.db'}") == ["a1"]
    out = pull.stderr
    assert "eu: upgraded a1 -> c3 (2 revision(s), " in out
    assert "us: upgraded a1 -> c3 (2 revision(s), " in out
    assert "prod" not in out
    assert out.splitlines()[-1] == "2 target(s): 2 succeeded, 0 failed."
    assert target_log(staging) == {
        "eu": "upgraded from a1 to c3 (2 revisions)",
        "us": "upgraded from a1 to c3 (2 revisions)",
    }


@pytest.mark.slow
def test_a_failing_target_is_named_and_leaves_the_others_upgraded(tmp_path: Path) -> None:
    origin, staging = staging_fleet(tmp_path)
    # us already holds the table revision b2 creates, so b2 fails there.
    us = f"sqlite:///{staging / 'us.db'}"
    with sqlite3.connect(staging / "us.db") as connection:
        connection.execute("CREATE TABLE t_b2 (id INTEGER PRIMARY KEY)")
    connection.close()
    push_two_revisions(origin)

    pull = git(staging, "pull", "-q")

    assert versions(f"sqlite:///{staging / 'eu.db'}") == ["c3"]
    assert versions(us) == ["a1"]
    lines = pull.stderr.splitlines()
    assert any(line.startswith("us: failed: ") and "t_b2" in line for line in lines), lines
    assert "migguard: POST-MERGE UPGRADE FAILED" in lines
    assert "2 target(s): 1 succeeded, 1 failed." in lines
    logged = target_log(staging)
    assert logged["eu"] == "upgraded from a1 to c3 (2 revisions)"
    assert logged["us"].startswith("failed: ") and "t_b2" in logged["us"]

    # Run directly, the hook says "some failed" with the fleet's exit code.
    direct = run_process(["hook", "post-merge", "0"], staging, {})
    assert direct.returncode == EXIT_PARTIAL
    assert versions(us) == ["a1"]


def test_an_unknown_target_in_post_merge_is_one_line_and_changes_nothing(tmp_path: Path) -> None:
    origin, staging = staging_fleet(tmp_path)
    (staging / "migguard.toml").write_text(
        'script_location = "migrations"\n'
        + TARGETS.replace('tags = ["staging"]\njobs', 'targets = ["asia"]\njobs'),
        encoding="utf-8",
    )
    commit(staging, "staging names a target that does not exist")
    push_two_revisions(origin)

    pull = git(staging, "pull", "-q", "--no-rebase", "--no-edit")

    assert "migguard: error: unknown target 'asia' (known: eu, prod, us)" in pull.stderr
    assert "Traceback" not in pull.stderr
    for name in ("eu", "us", "prod"):
        assert versions(f"sqlite:///{staging / f'{name}.db'}") == ["a1"]
    direct = run_process(["hook", "post-merge", "0"], staging, {})
    assert direct.returncode == EXIT_USAGE

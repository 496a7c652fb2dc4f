"""``upgrade head --all``: many real databases upgraded in parallel worker processes, each under
its own migration lock, with a report per target and an exit code for all / some / none."""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator

import pytest

from migguard.errors import EXIT_DATABASE, EXIT_OK, EXIT_PARTIAL
from tests.testing.fleet import (
    HEAD,
    REVISIONS,
    add_targets,
    recording_history,
    runs,
    sqlite_fleet,
    version,
)
from tests.testing.postgres import PostgresServer, fresh_database, psql
from tests.testing.project import Project, revision_source

ONCE_EACH = dict.fromkeys(REVISIONS, 1)


@pytest.mark.slow
def test_two_hundred_databases_each_reach_head_running_every_revision_once(
    project: Project,
) -> None:
    recording_history(project)
    files = sqlite_fleet(project, 200)
    result = project.run("upgrade", "head", "--all", "--jobs", "4")
    assert result.code == EXIT_OK, result.err
    for path in files:
        assert version(path) == [HEAD]
        assert runs(path) == ONCE_EACH
    lines = result.out.splitlines()
    # A line per target as it finishes, then the table (header + a row each) and the count.
    finished = lines[:200]
    assert sorted(line.split(":")[0] for line in finished) == [path.stem for path in files]
    assert all(f": upgraded base -> {HEAD} (3 revision(s), " in line for line in finished)
    assert lines[200] == ""
    assert lines[201].split() == [
        "target",
        "url",
        "from",
        "->",
        "to",
        "revisions",
        "seconds",
        "outcome",
    ]
    assert lines[-1] == "200 target(s): 200 succeeded, 0 failed."
    again = project.run("upgrade", "head", "--all", "--jobs", "4", "--format", "json")
    report = json.loads(again.out)
    assert again.code == EXIT_OK
    assert {entry["outcome"] for entry in report["targets"]} == {"already at target"}
    assert report["succeeded"] == 200


def test_a_failing_target_leaves_the_others_upgraded_and_is_named(project: Project) -> None:
    recording_history(project)
    files = sqlite_fleet(project, 6)
    # db003 already holds the table the first revision creates.
    with sqlite3.connect(files[3]) as connection:
        connection.execute("CREATE TABLE widget (id INTEGER PRIMARY KEY)")
    connection.close()
    result = project.run("upgrade", "head", "--all", "--jobs", "2")
    assert result.code == EXIT_PARTIAL == 5
    for index, path in enumerate(files):
        if index != 3:
            assert version(path) == [HEAD]
            assert runs(path) == ONCE_EACH
    failed = [line for line in result.out.splitlines() if line.startswith("db003")]
    assert failed[0].startswith("db003: failed: ")
    assert "widget" in failed[0] and "already exists" in failed[0]
    row = failed[1].split()
    assert row[:6] == ["db003", f"sqlite:///{files[3]}", "base", "->", "base", "0"]
    assert "failed: " in failed[1]
    assert result.out.splitlines()[-1] == "6 target(s): 5 succeeded, 1 failed."

    report = json.loads(project.run("upgrade", "head", "--all", "--format", "json").out)
    db003 = next(entry for entry in report["targets"] if entry["target"] == "db003")
    assert db003["outcome"] == "failed"
    assert "already exists" in db003["reason"]
    assert (report["succeeded"], report["failed"]) == (5, 1)


def test_none_succeeding_is_exit_4_and_fail_fast_starts_no_other_target(
    project: Project,
) -> None:
    recording_history(project)
    files = sqlite_fleet(project, 5)
    for path in files:
        with sqlite3.connect(path) as connection:
            connection.execute("CREATE TABLE widget (id INTEGER PRIMARY KEY)")
        connection.close()
    assert project.run("upgrade", "head", "--all").code == EXIT_DATABASE == 4

    result = project.run("upgrade", "head", "--all", "--jobs", "1", "--fail-fast")
    assert result.code == EXIT_DATABASE
    assert result.out.splitlines()[-1] == "5 target(s): 0 succeeded, 1 failed, 4 not run."


def test_a_tag_and_a_shard_choose_the_targets_upgraded(project: Project) -> None:
    recording_history(project)
    files = sqlite_fleet(project, 4, tags=["eu"])
    add_targets(project, {"us": {"url": "sqlite:///dbs/us.db", "tags": ["us"]}})
    assert project.run("upgrade", "head", "--tag", "eu", "--shard", "2/2").code == EXIT_OK
    assert [path.exists() for path in files] == [False, True, False, True]
    assert not (project.root / "dbs" / "us.db").exists()
    assert project.run("upgrade", "head", "--target", "us", "--target", "db000").code == 0
    assert version(project.root / "dbs" / "us.db") == [HEAD]
    assert version(files[0]) == [HEAD]


@pytest.mark.slow
def test_two_fleet_runs_at_once_run_every_revision_of_every_target_once(
    project: Project,
) -> None:
    recording_history(project)
    files = sqlite_fleet(project, 20)
    env = {**os.environ, "NO_COLOR": "1"}
    command = [sys.executable, "-m", "migguard", "upgrade", "head", "--all", "--jobs", "3"]
    first, second = (
        subprocess.Popen(
            command, cwd=project.root, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        for _ in range(2)
    )
    for run in (first, second):
        _, err = run.communicate(timeout=120)
        assert run.returncode == EXIT_OK, err
    for path in files:
        assert runs(path) == ONCE_EACH
        assert version(path) == [HEAD]


def test_postgresql_targets_upgrade_in_parallel_and_never_show_the_password(
    project: Project, postgres_server: PostgresServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = "Xr9!Pg-Fleet-Secret"
    recording_history(project)
    with (
        fresh_database(postgres_server) as one,
        fresh_database(postgres_server) as two,
        fresh_database(postgres_server) as three,
        fresh_database(postgres_server) as four,
        fresh_database(postgres_server) as five,
    ):
        urls = [one, two, three, four, five]
        # The test server trusts every login; the password is there to be kept out of sight.
        with_password = [url.replace("postgres@", "postgres:${FLEET_PW}@") for url in urls]
        add_targets(
            project,
            {f"pg{i}": {"url": url, "tags": ["pg"]} for i, url in enumerate(with_password)},
        )
        add_targets(
            project,
            {
                "down": {
                    "url": "postgresql+psycopg://postgres:${FLEET_PW}@127.0.0.1:1/x",
                    "tags": ["pg"],
                }
            },
        )
        os.environ["FLEET_PW"] = secret
        try:
            result = project.run("upgrade", "head", "--tag", "pg", "--jobs", "3")
            shown = project.run("current", "--tag", "pg")
            as_json = project.run("upgrade", "head", "--tag", "pg", "--format", "json")
        finally:
            del os.environ["FLEET_PW"]
        assert result.code == EXIT_PARTIAL, result.err
        for url in urls:
            counted = psql(url, "SELECT rev, count(*) FROM ran GROUP BY rev ORDER BY rev")
            assert counted.split() == [f"{rid}|1" for rid in REVISIONS]
        for output in (result, shown, as_json):
            assert secret not in output.out + output.err
        assert (
            "down: failed: cannot connect to postgresql+psycopg://postgres:***@127.0.0.1:1/x"
            in result.out
        )
        assert "postgres:***@" in result.out


@contextlib.contextmanager
def postgres_fleet(project: Project, server: PostgresServer, count: int) -> Iterator[list[str]]:
    """``count`` fresh PostgreSQL databases named as targets ``pg00``...; yields their URLs."""
    with contextlib.ExitStack() as stack:
        urls = [stack.enter_context(fresh_database(server)) for _ in range(count)]
        add_targets(project, {f"pg{i:02d}": {"url": url} for i, url in enumerate(urls)})
        yield urls


def pg_runs(url: str) -> list[str]:
    """``REV|COUNT`` per revision that ran on the PostgreSQL database ``url``."""
    return psql(url, "SELECT rev, count(*) FROM ran GROUP BY rev ORDER BY rev").split()


@pytest.mark.slow
def test_fifty_postgresql_databases_reach_head_with_four_jobs(
    project: Project, postgres_server: PostgresServer
) -> None:
    recording_history(project)
    with postgres_fleet(project, postgres_server, 50) as urls:
        result = project.run("upgrade", "head", "--all", "--jobs", "4")
        assert result.code == EXIT_OK, result.out + result.err
        assert result.out.splitlines()[-1] == "50 target(s): 50 succeeded, 0 failed."
        for url in urls:
            assert pg_runs(url) == [f"{rid}|1" for rid in REVISIONS]


def test_two_fleet_runs_at_once_on_postgresql_run_every_revision_once(
    project: Project, postgres_server: PostgresServer
) -> None:
    recording_history(project)
    with postgres_fleet(project, postgres_server, 8) as urls:
        env = {**os.environ, "NO_COLOR": "1"}
        command = [sys.executable, "-m", "migguard", "upgrade", "head", "--all", "--jobs", "3"]
        started = [
            subprocess.Popen(
                command, cwd=project.root, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
            )
            for _ in range(2)
        ]
        for run in started:
            out, err = run.communicate(timeout=180)
            assert run.returncode == EXIT_OK, out + err
        for url in urls:
            assert pg_runs(url) == [f"{rid}|1" for rid in REVISIONS]
            assert psql(url, "SELECT version_num FROM alembic_version").split() == [HEAD]


def test_a_failing_postgresql_target_leaves_the_others_upgraded_and_is_named(
    project: Project, postgres_server: PostgresServer
) -> None:
    recording_history(project)
    with postgres_fleet(project, postgres_server, 4) as urls:
        # pg02 already holds the table the first revision creates.
        psql(urls[2], "CREATE TABLE widget (id integer PRIMARY KEY)")
        result = project.run("upgrade", "head", "--all", "--jobs", "2")
        assert result.code == EXIT_PARTIAL, result.out + result.err
        for index, url in enumerate(urls):
            if index != 2:
                assert pg_runs(url) == [f"{rid}|1" for rid in REVISIONS]
        failed = next(line for line in result.out.splitlines() if line.startswith("pg02: "))
        assert failed.startswith("pg02: failed: ")
        assert 'relation "widget" already exists' in failed
        # The failed revision was rolled back whole: pg02 stays at base, without `ran`.
        assert psql(urls[2], "SELECT to_regclass('ran') IS NULL").strip() == "t"
        assert result.out.splitlines()[-1] == "4 target(s): 3 succeeded, 1 failed."


def test_targets_with_histories_of_their_own_run_with_one_command(project: Project) -> None:
    """A project with two independent histories: the application's (``migrations``, in
    ``alembic_version``) and an analytics one (``analytics``, in ``analytics_version``). One
    command upgrades each target through its own history, and ``current --all`` groups each
    against its own."""
    recording_history(project)
    analytics = project.root / "analytics" / "versions"
    analytics.mkdir(parents=True)
    (analytics / "an1_rev.py").write_text(
        revision_source(
            "an1", None, upgrade='op.create_table("event", sa.Column("id", sa.Integer()))'
        ),
        encoding="utf-8",
    )
    add_targets(
        project,
        {
            "app": {"url": "sqlite:///app.db"},
            "stats": {
                "url": "sqlite:///stats.db",
                "script_location": "analytics",
                "version_table": "analytics_version",
            },
        },
    )

    result = project.run("upgrade", "head", "--all")

    assert result.code == EXIT_OK, result.out + result.err
    assert version(project.root / "app.db") == [HEAD]
    with sqlite3.connect(project.root / "stats.db") as connection:
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
        rows = connection.execute("SELECT version_num FROM analytics_version").fetchall()
    connection.close()
    assert rows == [("an1",)]
    assert "event" in tables and "ran" not in tables and "alembic_version" not in tables
    current = project.run("current", "--all")
    assert current.code == EXIT_OK, current.err
    assert f"1 target(s) at {HEAD}" in current.out
    assert "1 target(s) at an1" in current.out
    assert "straggler" not in current.out

"""``downgrade`` and ``stamp`` over targets: the same selection, parallel workers, per-target
report and exit codes as ``upgrade``, on real SQLite files and PostgreSQL databases."""

from __future__ import annotations

import json
import sqlite3

from migguard.errors import EXIT_DATABASE, EXIT_OK, EXIT_PARTIAL
from tests.testing.fleet import HEAD, REVISIONS, add_targets, recording_history, sqlite_fleet
from tests.testing.fleet import version as version_of
from tests.testing.postgres import PostgresServer, fresh_database, psql
from tests.testing.project import Project

FIRST, SECOND, _ = REVISIONS


def test_downgrade_over_targets_undoes_revisions_on_each_and_reports_them(
    project: Project,
) -> None:
    recording_history(project)
    files = sqlite_fleet(project, 3, tags=["eu"])
    assert project.run("upgrade", "head", "--all").code == EXIT_OK
    result = project.run("downgrade", FIRST, "--tag", "eu", "--jobs", "2")
    assert result.code == EXIT_OK, result.err
    assert [version_of(path) for path in files] == [[FIRST]] * 3
    finished = sorted(line for line in result.out.splitlines()[:3])
    assert [line.split(" (")[0] for line in finished] == [
        f"db00{i}: downgraded {HEAD} -> {FIRST}" for i in range(3)
    ]
    assert all("(2 revision(s), " in line for line in finished)
    assert result.out.splitlines()[-1] == "3 target(s): 3 succeeded, 0 failed."

    again = json.loads(project.run("downgrade", FIRST, "--all", "--format", "json").out)
    assert {entry["outcome"] for entry in again["targets"]} == {"already at target"}


def test_stamp_over_targets_sets_each_version_table_without_running_revisions(
    project: Project,
) -> None:
    recording_history(project)
    files = sqlite_fleet(project, 4)
    # The first revision's tables exist already (built outside migguard), so it is stamped.
    for path in files[:2]:
        with sqlite3.connect(path) as connection:
            connection.execute("CREATE TABLE ran (rev VARCHAR(32))")
            connection.execute("CREATE TABLE widget (id INTEGER PRIMARY KEY)")
        connection.close()
    result = project.run("stamp", FIRST, "--target", "db000", "--target", "db001")
    assert result.code == EXIT_OK, result.err
    assert sorted(result.out.splitlines()[:2]) == [
        f"db000: stamped base -> {FIRST}",
        f"db001: stamped base -> {FIRST}",
    ]
    assert [version_of(path) for path in files[:2]] == [[FIRST], [FIRST]]
    assert not files[2].exists() and not files[3].exists()
    assert project.run("upgrade", "head", "--all").code == EXIT_OK
    with sqlite3.connect(files[0]) as connection:
        ran = [row[0] for row in connection.execute("SELECT rev FROM ran ORDER BY rev")]
    connection.close()
    assert ran == [SECOND, HEAD]

    report = json.loads(project.run("stamp", "head", "--all", "--format", "json").out)
    assert {entry["outcome"] for entry in report["targets"]} == {"already at target"}
    purged = project.run("stamp", "base", "--all", "--purge", "--jobs", "1")
    assert purged.code == EXIT_OK
    assert [version_of(path) for path in files] == [[]] * 4


def test_stamp_and_downgrade_exit_5_when_some_targets_fail_and_4_when_all_do(
    project: Project,
) -> None:
    recording_history(project)
    sqlite_fleet(project, 2)
    add_targets(project, {"gone": {"url": "sqlite:///no/such/folder/x.db"}})
    stamped = project.run("stamp", "head", "--all")
    assert stamped.code == EXIT_PARTIAL
    assert "gone: failed: cannot connect to sqlite:///" in stamped.out
    assert stamped.out.splitlines()[-1] == "3 target(s): 2 succeeded, 1 failed."
    assert project.run("downgrade", "base", "--target", "gone").code == EXIT_DATABASE


def test_fleet_options_of_downgrade_and_stamp_are_refused_without_targets(
    project: Project,
) -> None:
    recording_history(project)
    sqlite_fleet(project, 1)
    for command in (("downgrade", "base"), ("stamp", "head")):
        result = project.run(*command, "--format", "json")
        assert result.code == 2
        assert f"{command[0]} --format json reports targets" in result.err
        assert project.run(*command, "--all", "--sql").code == 2


def test_downgrade_over_postgresql_databases_runs_each_downgrade_once(
    project: Project, postgres_server: PostgresServer
) -> None:
    recording_history(project)
    with fresh_database(postgres_server) as one, fresh_database(postgres_server) as two:
        add_targets(project, {"pg1": {"url": one}, "pg2": {"url": two}})
        assert project.run("upgrade", "head", "--all").code == EXIT_OK
        result = project.run("downgrade", SECOND, "--all")
        assert result.code == EXIT_OK, result.out + result.err
        for url in (one, two):
            assert psql(url, "SELECT version_num FROM alembic_version").split() == [SECOND]
        stamped = project.run("stamp", "head", "--all", "--format", "json")
        report = json.loads(stamped.out)
        assert [entry["to"] for entry in report["targets"]] == [[HEAD], [HEAD]]
        assert [entry["outcome"] for entry in report["targets"]] == ["stamped", "stamped"]

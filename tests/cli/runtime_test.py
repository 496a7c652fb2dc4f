"""The seeds' walkthrough through the command line, on a SQLite file and on PostgreSQL."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from tests.testing.postgres import psql, sqlite3
from tests.testing.project import Project
from tests.testing.seeds import AGE, CUSTOMER, schema, seed_history, versions


@pytest.mark.slow
def test_first_day_upgrade_downgrade_and_back(project: Project, db_url: str) -> None:
    seed_history(project)
    url = ["--url", db_url]

    up = project.run(*url, "upgrade", "head")
    assert up.code == 0, up.err
    assert up.out.splitlines()[:2] == [
        f"upgrade <base> -> {CUSTOMER}, Add customer table",
        f"upgrade {CUSTOMER} -> {AGE}, Add age column",
    ]
    assert "Upgraded 2 revision(s)" in up.out
    assert schema(db_url)["customer"][-1] == "age"
    assert versions(db_url) == [AGE]
    assert project.run(*url, "current").out == f"{AGE} (head)\n"

    assert project.run(*url, "downgrade", "-1").code == 0
    assert "age" not in schema(db_url)["customer"]
    assert versions(db_url) == [CUSTOMER]

    assert project.run(*url, "upgrade", "+1").code == 0
    assert "age" in schema(db_url)["customer"]

    assert project.run(*url, "downgrade", "base").code == 0
    assert set(schema(db_url)) == {"alembic_version"}
    assert versions(db_url) == []
    assert project.run(*url, "current").out == ""

    assert project.run(*url, "upgrade", CUSTOMER[:4]).code == 0
    assert versions(db_url) == [CUSTOMER]
    assert project.run(*url, "upgrade", f"{CUSTOMER}+1").code == 0
    assert versions(db_url) == [AGE]
    again = project.run(*url, "upgrade", "head")
    assert again.code == 0
    assert again.out.startswith("Nothing to do:")

    history = project.run(*url, "history", "--indicate-current").out.splitlines()
    assert history[0] == f"{CUSTOMER} -> {AGE} (head) (current), Add age column"


def test_the_database_own_client_sees_the_schema(project: Project, db_url: str) -> None:
    seed_history(project)
    assert project.run("--url", db_url, "upgrade", "head").code == 0
    if db_url.startswith("sqlite"):
        described = sqlite3(db_url.removeprefix("sqlite:///"), ".schema customer")
        assert "age INTEGER NOT NULL" in described
        assert (
            sqlite3(db_url.removeprefix("sqlite:///"), "SELECT * FROM alembic_version;")
            == f"{AGE}\n"
        )
    else:
        columns = psql(
            db_url,
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_name = 'customer' ORDER BY ordinal_position",
        )
        assert columns.split()[-1] == "age"
        assert psql(db_url, "SELECT version_num FROM alembic_version").strip() == AGE


def test_dry_run_changes_nothing(project: Project, sqlite_url: str) -> None:
    seed_history(project)
    result = project.run("--url", sqlite_url, "upgrade", "head", "--dry-run")
    assert result.code == 0
    assert result.out.splitlines()[0] == f"would upgrade <base> -> {CUSTOMER}, Add customer table"
    assert "nothing was changed" in result.out
    assert "customer" not in schema(sqlite_url)


def test_quiet_prints_nothing(project: Project, sqlite_url: str) -> None:
    seed_history(project)
    result = project.run("--url", sqlite_url, "upgrade", "head", "-q")
    assert (result.code, result.out) == (0, "")


def test_stamp_sets_the_version_without_running(project: Project, db_url: str) -> None:
    seed_history(project)
    url = ["--url", db_url]
    result = project.run(*url, "stamp", "head")
    assert result.code == 0, result.err
    assert result.out.endswith(f": base -> {AGE}\n")
    assert versions(db_url) == [AGE]
    assert "customer" not in schema(db_url)
    assert project.run(*url, "stamp", "base").code == 0
    assert versions(db_url) == []


def test_current_json_and_verbose(project: Project, sqlite_url: str) -> None:
    seed_history(project)
    project.run("--url", sqlite_url, "upgrade", CUSTOMER)
    [record] = json.loads(project.run("--url", sqlite_url, "current", "--format", "json").out)
    assert record["revision"] == CUSTOMER
    assert record["is_head"] is False
    verbose = project.run("--url", sqlite_url, "current", "--verbose").out
    assert f"Database: {sqlite_url}" in verbose
    assert f"Rev: {CUSTOMER}" in verbose


def test_current_at_a_revision_the_code_lacks_says_what_upgrade_says(
    project: Project, sqlite_url: str
) -> None:
    seed_history(project)
    assert project.run("--url", sqlite_url, "upgrade", "head").code == 0
    with sa.create_engine(sqlite_url).begin() as connection:
        connection.exec_driver_sql("UPDATE alembic_version SET version_num = 'f00dfeed'")
    current = project.run("--url", sqlite_url, "current")
    upgrade = project.run("--url", sqlite_url, "upgrade", "head")
    assert current.code == upgrade.code == 4  # not 3: the history itself is not broken
    assert current.err == upgrade.err
    assert current.err.count("\n") == 1
    assert "is the code older than the database?" in current.err


def test_no_url_is_a_configuration_error(project: Project) -> None:
    seed_history(project)
    result = project.run("upgrade", "head")
    assert result.code == 2
    assert "no database URL" in result.err


@pytest.mark.parametrize("command", [["current"], ["upgrade", "head"]])
def test_unreachable_database_is_one_line_without_the_password(
    project: Project, command: list[str]
) -> None:
    seed_history(project)
    result = project.run("--url", "postgresql://app:s3cret@127.0.0.1:1/shop", *command)
    assert result.code == 4
    assert "s3cret" not in result.err
    assert result.err.startswith("migguard: error: cannot connect to postgresql")
    assert result.err.count("\n") == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("upgrade", "head", "--target", "asia"), "unknown target 'asia' (known: eu)"),
        (("current", "--tag", "staging"), "no target has the tag 'staging' (tags: prod)"),
        (
            ("--url", "sqlite:///one.db", "upgrade", "head", "--all"),
            "--url names one database; --target, --tag and --all name targets",
        ),
        (("upgrade", "head", "--shard", "1/2"), "--shard splits targets: use it with"),
        (("upgrade", "head", "--all", "--shard", "3/2"), "--shard takes i/n with 1 <= i <= n"),
        (("upgrade", "head", "--format", "json"), "upgrade --format json reports targets"),
        (("upgrade", "head", "--all", "--dry-run"), "--sql and --dry-run run on one database"),
    ],
    ids=["target", "tag", "url", "shard-alone", "shard-range", "json-alone", "dry-run"],
)
def test_fleet_options_used_wrongly_are_usage_errors(
    project: Project, args: tuple[str, ...], message: str
) -> None:
    seed_history(project)
    with (project.root / "migguard.toml").open("a", encoding="utf-8") as toml:
        toml.write('\n[targets.eu]\nurl = "sqlite:///eu.db"\ntags = ["prod"]\n')
    result = project.run(*args)
    assert result.code == 2
    assert message in result.err
    assert len(result.err.splitlines()) == 1
    assert not (project.root / "eu.db").exists()


def test_jobs_must_be_at_least_one(project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as raised:
        project.run("upgrade", "head", "--all", "--jobs", "0")
    assert raised.value.code == 2
    assert (
        "argument --jobs: must be a whole number of at least 1, got '0'" in capsys.readouterr().err
    )

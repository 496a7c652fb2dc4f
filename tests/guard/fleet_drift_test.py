"""``check --db`` over targets: the project's checks once, the drift check on each chosen
target (in worker processes), every drift finding naming its target, a line per target, and
exit 0 / 1 / 5 / 4."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator

import pytest

from migguard.errors import EXIT_DATABASE, EXIT_FINDINGS, EXIT_OK, EXIT_PARTIAL
from tests.testing.fleet import add_targets
from tests.testing.postgres import PostgresServer, fresh_database, psql
from tests.testing.project import Project
from tests.testing.shop import Shop, open_shop


@pytest.fixture
def shop(project: Project, monkeypatch: pytest.MonkeyPatch) -> Iterator[Shop]:
    with open_shop(project, monkeypatch) as opened:
        (project.root / "dbs").mkdir()
        yield opened


def test_each_target_is_compared_with_the_models_and_drift_names_its_target(
    shop: Shop,
) -> None:
    project = shop.project
    add_targets(
        project,
        {name: {"url": f"sqlite:///dbs/{name}.db", "tags": ["eu"]} for name in ("eu1", "eu2")},
    )
    add_targets(project, {"us": {"url": "sqlite:///dbs/us.db"}})
    assert project.run("upgrade", "head", "--all").code == EXIT_OK
    # Someone dropped a table by hand on eu2.
    with sqlite3.connect(project.root / "dbs" / "eu2.db") as connection:
        connection.execute("DROP TABLE purchase")
    connection.close()

    clean = project.run("check", "--db", "--select", "drift", "--tag", "eu", "--target", "us")
    assert clean.code == EXIT_FINDINGS, clean.err
    lines = clean.out.splitlines()
    assert lines[0].startswith(
        f"error [drift] target eu2: sqlite:///{project.root}/dbs/eu2.db at b2 differs from the "
        "models: 1 operation missing"
    )
    assert sorted(lines[-3:]) == [
        "eu1: clean at b2",
        "eu2: drifted at b2 (1 finding(s))",
        "us: clean at b2",
    ]
    assert project.run("check", "--db", "--select", "drift", "--target", "eu1").code == EXIT_OK

    report = json.loads(
        project.run("check", "--db", "--select", "drift", "--all-targets", "--format", "json").out
    )
    assert report["exit_code"] == EXIT_FINDINGS
    assert [(entry["target"], entry["outcome"]) for entry in report["targets"]] == [
        ("eu1", "clean"),
        ("eu2", "drifted"),
        ("us", "clean"),
    ]
    assert [finding["message"].split(":")[0] for finding in report["findings"]] == ["target eu2"]


def test_unreachable_targets_are_exit_5_when_some_are_checked_and_4_when_none_are(
    shop: Shop,
) -> None:
    project = shop.project
    add_targets(project, {"ok": {"url": "sqlite:///dbs/ok.db"}})
    add_targets(project, {"gone": {"url": "sqlite:///no/such/folder/x.db"}})
    assert project.run("upgrade", "head", "--target", "ok").code == EXIT_OK
    some = project.run("check", "--db", "--select", "drift", "--all-targets")
    assert some.code == EXIT_PARTIAL, some.out + some.err
    assert "gone: failed: cannot connect to sqlite:///" in some.out
    assert "ok: clean at b2" in some.out
    none = project.run("check", "--db", "--select", "drift", "--target", "gone")
    assert none.code == EXIT_DATABASE


def test_targets_without_db_and_all_targets_with_url_are_usage_errors(shop: Shop) -> None:
    project = shop.project
    add_targets(project, {"ok": {"url": "sqlite:///dbs/ok.db"}})
    result = project.run("check", "--target", "ok")
    assert (result.code, result.err) == (
        2,
        "migguard: error: --target, --tag and --all-targets choose databases: add --db\n",
    )
    assert project.run("--url", "sqlite:///x.db", "check", "--db", "--all-targets").code == 2


def test_postgresql_targets_are_checked_for_drift(
    shop: Shop, postgres_server: PostgresServer
) -> None:
    project = shop.project
    with fresh_database(postgres_server) as one, fresh_database(postgres_server) as two:
        add_targets(project, {"pg1": {"url": one}, "pg2": {"url": two}})
        assert project.run("upgrade", "head", "--target", "pg1").code == EXIT_OK
        assert project.run("upgrade", "a1", "--target", "pg2").code == EXIT_OK
        result = project.run("check", "--db", "--select", "drift", "--all-targets")
        assert result.code == EXIT_FINDINGS, result.out + result.err
        assert "pg1: clean at b2" in result.out
        assert "pg2: drifted at a1 (1 finding(s))" in result.out


def test_schema_targets_are_compared_within_their_schema(
    shop: Shop, postgres_server: PostgresServer
) -> None:
    project = shop.project
    with fresh_database(postgres_server) as url:
        psql(url, "CREATE SCHEMA acme; CREATE SCHEMA globex;")
        add_targets(project, {"tenants": {"url": url, "schemas": ["acme", "globex"]}})
        assert project.run("upgrade", "head", "--all").code == EXIT_OK
        psql(url, "DROP TABLE globex.purchase")
        result = project.run("check", "--db", "--select", "drift", "--target", "tenants")
        assert result.code == EXIT_FINDINGS, result.out + result.err
        assert "tenants.acme: clean at b2" in result.out
        assert "tenants.globex: drifted at b2 (1 finding(s))" in result.out
        assert "add table 'purchase'" in result.out
        # Each schema is its own target: the other tenants' schemas are not warned about.
        assert "warning" not in result.out

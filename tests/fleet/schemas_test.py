"""Schema-per-tenant on a real PostgreSQL: one history applied to each schema (a list or a
``SELECT``), the revisions' tables and the version table in that schema, each schema under
its own migration lock; two fleet runs at once run every revision of every schema once."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator

import pytest

from migguard.errors import EXIT_DATABASE, EXIT_OK, EXIT_PARTIAL
from migguard.runtime.engine import connect
from migguard.runtime.lock import migration_lock
from tests.testing.fleet import HEAD, REVISIONS, add_targets, recording_history
from tests.testing.postgres import PostgresServer, fresh_database, psql
from tests.testing.project import Project

ONCE_EACH = [f"{rid}|1" for rid in REVISIONS]


@pytest.fixture
def tenants_db(postgres_server: PostgresServer) -> Iterator[str]:
    with fresh_database(postgres_server) as url:
        yield url


def make_schemas(url: str, names: list[str]) -> None:
    psql(url, "".join(f'CREATE SCHEMA "{name}";' for name in names))


def counted(url: str, schema: str) -> list[str]:
    return psql(url, f'SELECT rev, count(*) FROM "{schema}".ran GROUP BY rev ORDER BY rev').split()


def at(url: str, schema: str) -> list[str]:
    return psql(url, f'SELECT version_num FROM "{schema}".alembic_version').split()


def test_each_listed_schema_gets_the_history_in_itself(project: Project, tenants_db: str) -> None:
    recording_history(project)
    make_schemas(tenants_db, ["acme", "globex", "Big Co"])
    add_targets(project, {"tenants": {"url": tenants_db, "schemas": ["acme", "globex", "Big Co"]}})
    result = project.run("upgrade", "head", "--all", "--jobs", "3")
    assert result.code == EXIT_OK, result.out + result.err
    for schema in ("acme", "globex", "Big Co"):
        assert counted(tenants_db, schema) == ONCE_EACH
        assert at(tenants_db, schema) == [HEAD]
    # Nothing landed in the default schema.
    tables = psql(
        tenants_db, "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"
    )
    assert tables.split() == []
    shown = project.run("current", "--target", "tenants")
    assert shown.out.splitlines()[:3] == [
        f"tenants.Big Co: {HEAD}",
        f"tenants.acme: {HEAD}",
        f"tenants.globex: {HEAD}",
    ]
    assert project.run("downgrade", REVISIONS[0], "--target", "tenants").code == EXIT_OK
    assert at(tenants_db, "globex") == [REVISIONS[0]]


def test_a_select_lists_the_schemas_when_the_command_runs(
    project: Project, tenants_db: str
) -> None:
    recording_history(project)
    make_schemas(tenants_db, ["tenant_a", "tenant_b", "other"])
    add_targets(
        project,
        {
            "tenants": {
                "url": tenants_db,
                "schemas": "SELECT nspname FROM pg_namespace WHERE nspname LIKE 'tenant%'",
                "tags": ["t"],
            }
        },
    )
    result = project.run("upgrade", "head", "--tag", "t", "--shard", "2/2")
    assert result.code == EXIT_OK, result.out + result.err
    assert at(tenants_db, "tenant_b") == [HEAD]
    # The shard held tenant_b only (tenant_a is the first of the two, other is no tenant).
    holding = psql(
        tenants_db,
        "SELECT DISTINCT schemaname FROM pg_tables WHERE schemaname NOT IN "
        "('pg_catalog', 'information_schema')",
    )
    assert holding.split() == ["tenant_b"]
    make_schemas(tenants_db, ["tenant_c"])
    assert project.run("upgrade", "head", "--all").code == EXIT_OK
    assert [at(tenants_db, s) for s in ("tenant_a", "tenant_b", "tenant_c")] == [[HEAD]] * 3

    add_targets(project, {"bad": {"url": tenants_db, "schemas": "SELECT nope FROM nowhere"}})
    failed = project.run("upgrade", "head", "--target", "bad")
    assert failed.code == EXIT_DATABASE
    assert failed.err.startswith(
        "migguard: error: cannot list the schemas of [targets.bad] on postgresql"
    )
    assert 'relation "nowhere" does not exist' in failed.err


def test_a_missing_schema_fails_alone_and_is_named(project: Project, tenants_db: str) -> None:
    recording_history(project)
    make_schemas(tenants_db, ["acme"])
    add_targets(project, {"tenants": {"url": tenants_db, "schemas": ["acme", "gone"]}})
    result = project.run("upgrade", "head", "--all")
    assert result.code == EXIT_PARTIAL
    assert at(tenants_db, "acme") == [HEAD]
    assert "tenants.gone: failed: " in result.out
    assert result.out.splitlines()[-1] == "2 target(s): 1 succeeded, 1 failed."


def test_each_schema_has_its_own_migration_lock(project: Project, tenants_db: str) -> None:
    recording_history(project)
    make_schemas(tenants_db, ["acme", "globex"])
    add_targets(project, {"tenants": {"url": tenants_db, "schemas": ["acme", "globex"]}})
    # Another run holds acme's lock (named after acme's version table) for the whole test.
    with connect(tenants_db) as connection, migration_lock(connection, "acme.alembic_version", 5):
        result = project.run("upgrade", "head", "--all", "--lock-timeout", "1")
        assert result.code == EXIT_PARTIAL, result.out + result.err
        assert at(tenants_db, "globex") == [HEAD]
        assert "tenants.acme: failed: another migguard run holds the migration lock" in result.out
    assert project.run("upgrade", "head", "--all").code == EXIT_OK
    assert counted(tenants_db, "acme") == ONCE_EACH


def test_two_fleet_runs_at_once_run_every_revision_of_every_schema_once(
    project: Project, tenants_db: str
) -> None:
    recording_history(project)
    schemas = [f"t{i:02d}" for i in range(12)]
    make_schemas(tenants_db, schemas)
    add_targets(project, {"tenants": {"url": tenants_db, "schemas": schemas}})
    env = {**os.environ, "NO_COLOR": "1"}
    command = [sys.executable, "-m", "migguard", "upgrade", "head", "--all", "--jobs", "3"]
    runs = [
        subprocess.Popen(
            command, cwd=project.root, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        for _ in range(2)
    ]
    for run in runs:
        out, err = run.communicate(timeout=180)
        assert run.returncode == EXIT_OK, out + err
    for schema in schemas:
        assert counted(tenants_db, schema) == ONCE_EACH
        assert at(tenants_db, schema) == [HEAD]


@pytest.mark.slow
def test_fifty_schemas_in_one_database_upgrade_with_four_jobs(
    project: Project, tenants_db: str
) -> None:
    recording_history(project)
    schemas = [f"tenant_{i:02d}" for i in range(50)]
    make_schemas(tenants_db, schemas)
    add_targets(
        project,
        {
            "tenants": {
                "url": tenants_db,
                "schemas": "SELECT nspname FROM pg_namespace WHERE nspname ~ '^tenant_[0-9]+$'",
            }
        },
    )
    result = project.run("upgrade", "head", "--all", "--jobs", "4")
    assert result.code == EXIT_OK, result.out + result.err
    assert result.out.splitlines()[-1] == "50 target(s): 50 succeeded, 0 failed."
    rows = psql(
        tenants_db,
        " UNION ALL ".join(f"SELECT rev FROM {schema}.ran" for schema in schemas),
    ).split()
    assert sorted(rows) == sorted(REVISIONS * 50)

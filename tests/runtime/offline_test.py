"""Offline mode: the SQL script, run by the database's own client, builds the same schema."""

from __future__ import annotations

import sqlalchemy as sa

from tests.testing.postgres import psql, sqlite3
from tests.testing.project import Project
from tests.testing.seeds import AGE, CUSTOMER, schema, seed_history, versions


def apply_script(url: str, script: str) -> None:
    """Run ``script`` with ``sqlite3`` or ``psql``."""
    if url.startswith("sqlite"):
        sqlite3(url.removeprefix("sqlite:///"), script)
    else:
        psql(url, script)


def test_offline_upgrade_matches_online(project: Project, db_url: str, sqlite_url: str) -> None:
    seed_history(project)
    offline = project.run("--url", db_url, "upgrade", "head", "--sql")
    assert offline.code == 0, offline.err
    script = offline.out
    assert f"-- upgrade <base> -> {CUSTOMER}, Add customer table" in script
    assert "CREATE TABLE alembic_version" in script
    assert script.count("BEGIN;") == script.count("COMMIT;") == 3
    apply_script(db_url, script)
    assert versions(db_url) == [AGE]
    offline_schema = schema(db_url)

    other = db_url if db_url.startswith("sqlite") else None
    if other is None:
        # Compare with an online upgrade of a second, fresh database of the same kind.
        fresh = _fresh_database(db_url)
        assert project.run("--url", fresh, "upgrade", "head").code == 0
        assert schema(fresh) == offline_schema
    else:
        assert (
            project.run("--url", sqlite_url.replace("test.db", "online.db"), "upgrade", "head").code
            == 0
        )
        assert schema(sqlite_url.replace("test.db", "online.db")) == offline_schema


def _fresh_database(pg_url: str) -> str:
    base, _, name = pg_url.rpartition("/")
    fresh = f"{name}_online"
    engine = sa.create_engine(f"{base}/postgres", isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{fresh}"')
    engine.dispose()
    return f"{base}/{fresh}"


def test_offline_ranges_and_downgrade(project: Project, sqlite_url: str) -> None:
    seed_history(project)
    url = ["--url", sqlite_url]
    second = project.run(*url, "upgrade", f"{CUSTOMER}:head", "--sql").out
    assert "CREATE TABLE alembic_version" not in second
    assert f"-- upgrade {CUSTOMER} -> {AGE}" in second
    assert "UPDATE alembic_version SET version_num='c2e7eea3f80e'" in second

    refused = project.run(*url, "downgrade", "base", "--sql")
    assert refused.code == 2
    assert "START:END" in refused.err
    down = project.run(*url, "downgrade", "head:base", "--sql").out
    assert down.index(f"-- downgrade {AGE}") < down.index(f"-- downgrade {CUSTOMER}")
    assert "DELETE FROM alembic_version" in down

    apply_script(sqlite_url, project.run(*url, "upgrade", "head", "--sql").out)
    apply_script(sqlite_url, down)
    assert set(schema(sqlite_url)) == {"alembic_version"}
    assert versions(sqlite_url) == []


def test_offline_stamp(project: Project, sqlite_url: str) -> None:
    seed_history(project)
    script = project.run("--url", sqlite_url, "stamp", "head", "--sql").out
    apply_script(sqlite_url, script)
    assert versions(sqlite_url) == [AGE]
    assert "customer" not in schema(sqlite_url)

"""Alembic's multidb layout, made by the real ``alembic init -t multidb`` and ``alembic
revision``: one history whose revisions hold an ``upgrade_<engine>()`` per database, run by
migguard once per database of ``databases`` with ``--all``, as Alembic's multidb env.py runs
them, and refused without a choice of database."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

from migguard.errors import EXIT_OK, EXIT_USAGE
from tests.testing.alembic_project import alembic_init, set_ini_option
from tests.testing.project import run_process

BODIES = {
    '    """Upgrade engine1 schema."""\n    pass': (
        '    """Upgrade engine1 schema."""\n'
        '    op.create_table("users", sa.Column("id", sa.Integer(), primary_key=True))'
    ),
    '    """Upgrade engine2 schema."""\n    pass': (
        '    """Upgrade engine2 schema."""\n'
        '    op.create_table("events", sa.Column("id", sa.Integer(), primary_key=True))'
    ),
    '    """Downgrade engine1 schema."""\n    pass': (
        '    """Downgrade engine1 schema."""\n    op.drop_table("users")'
    ),
    '    """Downgrade engine2 schema."""\n    pass': (
        '    """Downgrade engine2 schema."""\n    op.drop_table("events")'
    ),
}


def alembic(root: Path, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "alembic", *args], cwd=root, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def multidb_project(root: Path, prefix: str) -> str:
    """``alembic init -t multidb`` in ``root`` with SQLite files ``<prefix>1.db`` and
    ``<prefix>2.db`` for engine1 and engine2, and one revision made by ``alembic revision``
    that creates ``users`` in engine1 and ``events`` in engine2. Returns its id."""
    alembic_init(root, "multidb")
    point_at(root, prefix)
    alembic(root, "revision", "-m", "first")
    [script] = (root / "migrations" / "versions").glob("*.py")
    source = script.read_text(encoding="utf-8")
    for template, body in BODIES.items():
        assert template in source, "the multidb template changed"
        source = source.replace(template, body)
    script.write_text(source, encoding="utf-8")
    return script.name.split("_")[0]


def point_at(root: Path, prefix: str) -> None:
    for number in (1, 2):
        url = f"sqlite:///%(here)s/{prefix}{number}.db"
        set_ini_option(root / "alembic.ini", "sqlalchemy.url", url, section=f"engine{number}")


def schema(path: Path) -> list[tuple[str, str]]:
    with sqlite3.connect(path) as connection:
        rows = connection.execute("SELECT name, sql FROM sqlite_master ORDER BY name").fetchall()
    connection.close()
    return rows


def versions(path: Path) -> list[str]:
    with sqlite3.connect(path) as connection:
        rows = connection.execute("SELECT version_num FROM alembic_version").fetchall()
    connection.close()
    return [row[0] for row in rows]


def test_every_database_of_the_multidb_layout_runs_its_own_functions(tmp_path: Path) -> None:
    rid = multidb_project(tmp_path, "mg")

    done = run_process(["upgrade", "head", "--all"], tmp_path)

    assert done.returncode == EXIT_OK, done.stderr
    assert f"engine1: upgraded base -> {rid} (1 revision(s), " in done.stdout
    assert f"engine2: upgraded base -> {rid} (1 revision(s), " in done.stdout
    assert versions(tmp_path / "mg1.db") == versions(tmp_path / "mg2.db") == [rid]
    # The same project run by Alembic itself, into other files, builds the same databases.
    point_at(tmp_path, "al")
    alembic(tmp_path, "upgrade", "head")
    assert schema(tmp_path / "mg1.db") == schema(tmp_path / "al1.db")
    assert schema(tmp_path / "mg2.db") == schema(tmp_path / "al2.db")
    assert "users" in dict(schema(tmp_path / "mg1.db"))
    assert "events" in dict(schema(tmp_path / "mg2.db"))
    assert "events" not in dict(schema(tmp_path / "mg1.db"))
    point_at(tmp_path, "mg")
    current = run_process(["current", "--all"], tmp_path)
    assert current.returncode == EXIT_OK, current.stderr
    assert f"2 target(s) at {rid}" in current.stdout


def test_a_single_database_command_is_refused_in_one_line(tmp_path: Path) -> None:
    rid = multidb_project(tmp_path, "mg")

    done = run_process(["upgrade", "head"], tmp_path)

    assert done.returncode == EXIT_USAGE
    [line] = [line for line in done.stderr.splitlines() if line.startswith("migguard:")]
    assert line == (
        f"migguard: error: revision {rid}'s upgrade() takes an engine_name (Alembic's multidb "
        "layout): run it on the layout's databases with --all, --target NAME or --tag TAG"
    )
    # Refused before anything was written: no version table in the first engine's file.
    assert "alembic_version" not in dict(schema(tmp_path / "mg1.db"))
    one = run_process(["upgrade", "head", "--target", "engine2"], tmp_path)
    assert one.returncode == EXIT_OK, one.stderr
    assert "alembic_version" not in dict(schema(tmp_path / "mg1.db"))
    assert "events" in dict(schema(tmp_path / "mg2.db"))

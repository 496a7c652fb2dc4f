"""A fleet on disk: a project whose revisions record themselves in a ``ran`` table, and
``[targets.NAME]`` tables naming many databases (for tests/fleet/ and tests/cli/)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from tests.testing.project import Project

# Three revisions in a line; each writes its id into `ran`, so a count per id shows how often
# it ran on a database. The first also creates `widget`, which a database may already hold
# to make that revision fail there.
REVISIONS = ("f1a0000001", "f1a0000002", "f1a0000003")
HEAD = REVISIONS[-1]


def record(rid: str) -> str:
    """An upgrade() body inserting ``rid`` into ``ran``."""
    return f"op.execute(\"INSERT INTO ran (rev) VALUES ('{rid}')\")"


def recording_history(project: Project, revisions: Sequence[str] = REVISIONS) -> None:
    """Write a line of revisions into ``project``; each records its id in ``ran``."""
    first, *rest = revisions
    project.add(
        first,
        upgrade=(
            'op.create_table("ran", sa.Column("rev", sa.String(32)))\n'
            'op.create_table("widget", sa.Column("id", sa.Integer(), primary_key=True))\n'
            + record(first)
        ),
    )
    down = first
    for rid in rest:
        project.add(rid, down, upgrade=record(rid))
        down = rid


def add_targets(project: Project, targets: Mapping[str, Mapping[str, object]]) -> None:
    """Append ``[targets.NAME]`` tables (url, tags, ...) to the project's migguard.toml."""
    lines = []
    for name, keys in targets.items():
        lines.append(f"\n[targets.{name}]")
        for key, value in keys.items():
            shown = (
                "[" + ", ".join(f'"{item}"' for item in value) + "]"
                if isinstance(value, list | tuple)
                else f'"{value}"'
            )
            lines.append(f"{key} = {shown}")
    with (project.root / "migguard.toml").open("a", encoding="utf-8") as file:
        file.write("\n".join(lines) + "\n")


def sqlite_fleet(project: Project, count: int, tags: Iterable[str] = ()) -> list[Path]:
    """``count`` SQLite targets ``db000``... (files under ``dbs/``, not yet created, URLs
    relative to the configuration's folder); returns their files."""
    (project.root / "dbs").mkdir(exist_ok=True)
    names = [f"db{i:03d}" for i in range(count)]
    add_targets(
        project,
        {name: {"url": f"sqlite:///dbs/{name}.db", "tags": list(tags)} for name in names},
    )
    return [project.root / "dbs" / f"{name}.db" for name in names]


def runs(path: Path) -> dict[str, int]:
    """How often each revision ran on the SQLite file ``path`` (its ``ran`` rows counted)."""
    with sqlite3.connect(path) as connection:
        rows = connection.execute("SELECT rev, count(*) FROM ran GROUP BY rev").fetchall()
    connection.close()
    return dict(rows)


def version(path: Path) -> list[str]:
    """The SQLite file's version table rows."""
    with sqlite3.connect(path) as connection:
        rows = connection.execute("SELECT version_num FROM alembic_version").fetchall()
    connection.close()
    return [row[0] for row in rows]

"""The states a long SQLite replay stores on the way hold exactly the revisions of their step,
though they are copied while the worker commits later revisions."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from migguard.config.load import load_config
from migguard.guard.replay.build import build_schema
from migguard.guard.replay.outcome import BuiltSchema
from migguard.scripts.cache import read_cache_file
from migguard.scripts.directory import load_history
from tests.testing.project import Project

REVISIONS = 24


def stored_states(root: Path) -> dict[int, Path]:
    """Each stored state's database, by how many revisions it holds."""
    folder = root / ".migguard" / "replay" / "sqlite"
    states = {}
    for meta in folder.glob("*.meta"):
        record = json.loads(read_cache_file(meta) or b"{}")
        states[record["applied"]] = meta.with_suffix(".db")
    return states


@pytest.mark.parametrize("sync_each_revision", [False, True], ids=["wal", "rollback-journal"])
def test_states_stored_on_the_way_hold_exactly_their_revisions(
    project: Project, sync_each_revision: bool
) -> None:
    # Without write-ahead logging (sync_each_revision) the states are copied at once.
    if sync_each_revision:
        with (project.root / "migguard.toml").open("a", encoding="utf-8") as file:
            file.write("sync_each_revision = true\n")
    down = None
    for number in range(1, REVISIONS + 1):
        rid = f"r{number:02d}"
        table = f'op.create_table("t{number:02d}", sa.Column("id", sa.Integer))'
        project.add(rid, down, upgrade=table)
        down = rid
    config = load_config(cwd=project.root, environ={})
    built = build_schema(config, load_history(config))
    assert isinstance(built, BuiltSchema)
    states = stored_states(project.root)
    # A quarter, half and three quarters through, before the last revision, and the end.
    assert sorted(states) == [6, 12, 18, 23, 24]
    for applied, database in states.items():
        with sqlite3.connect(database) as reader:
            query = "SELECT name FROM sqlite_master WHERE type = 'table'"
            tables = {row[0] for row in reader.execute(query)}
            rows = list(reader.execute("SELECT version_num FROM alembic_version"))
        assert tables == {"alembic_version", *(f"t{n:02d}" for n in range(1, applied + 1))}
        assert rows == [(f"r{applied:02d}",)]

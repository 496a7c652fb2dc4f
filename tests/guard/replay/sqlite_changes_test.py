"""Which tables a SQLite replay must reflect again after some revisions ran."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from migguard.autogen.snapshot import reflect
from migguard.guard.replay.sqlite_changes import changed_tables, merged, schema_rows
from migguard.runtime.engine import connect

SCHEMA = [
    "CREATE TABLE author (id INTEGER PRIMARY KEY, name TEXT)",
    "CREATE TABLE book (id INTEGER PRIMARY KEY, author_id INTEGER REFERENCES author)",
    "CREATE TABLE shelf (id INTEGER PRIMARY KEY)",
    "CREATE INDEX ix_shelf ON shelf (id)",
]


def run(path: Path, *statements: str) -> None:
    with sqlite3.connect(path) as database:
        for statement in statements:
            database.execute(statement)


def test_changed_tables_and_those_referring_to_them_are_reflected_again(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite"
    run(path, *SCHEMA)
    url = f"sqlite:///{path}"
    with connect(url) as connection:
        rows_before = schema_rows(connection)
        before = reflect(connection)
    run(
        path,
        "ALTER TABLE author ADD COLUMN born INTEGER",
        "DROP INDEX ix_shelf",
        "CREATE TABLE lamp (id INTEGER PRIMARY KEY)",
    )
    with connect(url) as connection:
        rows_after = schema_rows(connection)
        names = changed_tables(rows_before, rows_after, before)
        again = reflect(connection, only=names)
        full = reflect(connection)
    # book refers to author without naming columns: its referred columns come from author.
    assert names == {"author", "book", "shelf", "lamp"}
    assert merged(before, again, names) == full


def test_a_dropped_table_leaves_the_snapshot(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite"
    run(path, *SCHEMA)
    url = f"sqlite:///{path}"
    with connect(url) as connection:
        rows_before = schema_rows(connection)
        before = reflect(connection)
    run(path, "DROP TABLE shelf")
    with connect(url) as connection:
        names = changed_tables(rows_before, schema_rows(connection), before)
        again = reflect(connection, only=names)
        full = reflect(connection)
    assert names == {"shelf"}
    assert merged(before, again, names) == full


def test_nothing_changed_reflects_nothing(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite"
    run(path, *SCHEMA)
    with connect(f"sqlite:///{path}") as connection:
        rows = schema_rows(connection)
        snapshot = reflect(connection)
        assert changed_tables(rows, rows, snapshot) == set()
        assert reflect(connection, only=set()).tables == ()

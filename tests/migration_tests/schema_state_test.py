"""What differs between two schema states, one line per object."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

from migguard.migration_tests.schema_state import differences, schema_state


def test_differences_name_what_is_left_missing_or_changed(tmp_path: Path) -> None:
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'db.sqlite'}")
    with engine.connect() as connection:
        connection.exec_driver_sql("CREATE TABLE kept (id INTEGER)")
        connection.exec_driver_sql("CREATE TABLE gone (id INTEGER)")
        connection.exec_driver_sql("CREATE TABLE alembic_version (version_num TEXT)")
        connection.commit()
        before = schema_state(connection, ("alembic_version",))
        connection.exec_driver_sql("DROP TABLE gone")
        connection.exec_driver_sql("ALTER TABLE kept ADD COLUMN name TEXT")
        connection.exec_driver_sql("CREATE TABLE extra (id INTEGER)")
        connection.commit()
        after = schema_state(connection, ("alembic_version",))
    engine.dispose()
    assert differences(before, after) == [
        "left behind: table 'extra'",
        "missing: table 'gone'",
        "changed: table 'kept'",
    ]
    assert differences(before, before) == []

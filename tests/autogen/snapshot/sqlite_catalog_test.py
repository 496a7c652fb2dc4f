"""SQLite's catalog read in bulk answers exactly what the per-table PRAGMA statements answer."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

from migguard.autogen.snapshot import reflect
from migguard.autogen.snapshot.sqlite_catalog import read_sqlite_catalog

# Tables and indexes of every shape SQLAlchemy's SQLite reflection parses: keys named and not,
# a foreign key without referred columns and one spelt in another case, composite keys,
# WITHOUT ROWID, a generated column, partial, expression and descending indexes, a view.
SCHEMA = [
    'CREATE TABLE "Parent" (id INTEGER PRIMARY KEY, code VARCHAR(10) UNIQUE, '
    "a INTEGER, b INTEGER, CONSTRAINT uq_parent_ab UNIQUE (a, b))",
    "CREATE TABLE child (id INTEGER NOT NULL, parent_id INTEGER REFERENCES parent, "
    "other_id INTEGER, a INTEGER, b INTEGER DEFAULT 0, "
    "total NUMERIC(8, 2) GENERATED ALWAYS AS (a * 2) STORED, "
    "CONSTRAINT pk_child PRIMARY KEY (id), "
    'CONSTRAINT fk_child_ab FOREIGN KEY (a, b) REFERENCES "Parent" (a, b) '
    "ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED, "
    "CONSTRAINT ck_child_b CHECK (b >= 0), CHECK (a <> 1))",
    "CREATE TABLE pair (x TEXT, y TEXT, PRIMARY KEY (x, y)) WITHOUT ROWID",
    "CREATE INDEX ix_child_a ON child (a DESC, b)",
    "CREATE UNIQUE INDEX ix_child_partial ON child (other_id) WHERE other_id IS NOT NULL",
    "CREATE INDEX ix_child_expr ON child (lower(a), b)",
    "CREATE VIEW v_child AS SELECT id, a FROM child",
]
TABLE_PRAGMAS = ("table_info", "table_xinfo", "index_list", "foreign_key_list")


def build(path: Path, schema: list[str] = SCHEMA) -> str:
    url = f"sqlite:///{path}"
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        for statement in schema:
            conn.exec_driver_sql(statement)
    engine.dispose()
    return url


def pragma(conn: sa.Connection, schema: str, name: str, table: str) -> list[tuple[object, ...]]:
    quoted = table.replace('"', '""')
    return [tuple(row) for row in conn.exec_driver_sql(f'PRAGMA {schema}.{name}("{quoted}")')]


def test_every_pragma_row_is_the_statements_row_in_the_statements_order(tmp_path: Path) -> None:
    build(tmp_path / "other.db", ["CREATE TABLE remote (id INTEGER PRIMARY KEY, n INT UNIQUE)"])
    engine = sa.create_engine(build(tmp_path / "main.db"))
    with engine.connect() as conn:
        conn.exec_driver_sql(f"ATTACH DATABASE '{tmp_path / 'other.db'}' AS other")
        for schema in ("main", "other"):
            catalog = read_sqlite_catalog(conn, None if schema == "main" else schema)
            query = f"SELECT type, name, sql FROM {schema}.sqlite_master"
            master = list(conn.exec_driver_sql(query))
            tables = [name for kind, name, _ in master if kind == "table"]
            indexes = [name for kind, name, _ in master if kind == "index"]
            assert tables and indexes
            for name in TABLE_PRAGMAS:
                assert set(catalog.pragmas[name]) == set(tables)
                for table in tables:
                    assert catalog.pragmas[name][table] == pragma(conn, schema, name, table)
            assert set(catalog.pragmas["index_info"]) == set(indexes)
            for index in indexes:
                assert catalog.pragmas["index_info"][index] == pragma(
                    conn, schema, "index_info", index
                )
            assert catalog.sql == {
                name: sql for kind, name, sql in master if kind in ("table", "view")
            }
    engine.dispose()


def test_a_schema_reflects_the_same_as_table_by_table(tmp_path: Path) -> None:
    """A temporary table makes the dialect look in ``temp`` too, so the catalog is not
    prefetched for the default schema: the reflection then asks table by table."""
    engine = sa.create_engine(build(tmp_path / "main.db"))
    with engine.connect() as conn:
        prefetched = reflect(conn)
        conn.exec_driver_sql("CREATE TEMPORARY TABLE scratch (id INTEGER)")
        table_by_table = reflect(conn)
    engine.dispose()
    assert prefetched == table_by_table
    assert [t.name for t in prefetched.tables] == ["Parent", "child", "pair"]
    child = prefetched.tables[1]
    assert {fk.name for fk in child.foreign_keys} == {None, "fk_child_ab"}
    assert {ix.name for ix in child.indexes} == {"ix_child_a", "ix_child_expr", "ix_child_partial"}


def test_the_dialect_is_left_as_it_was(tmp_path: Path) -> None:
    engine = sa.create_engine(build(tmp_path / "main.db"))
    with engine.connect() as conn:
        reflect(conn)
        assert "_get_table_pragma" not in vars(conn.dialect)
        assert "_get_table_sql" not in vars(conn.dialect)
        # The dialect's own readers answer again.
        assert sa.inspect(conn).get_columns("pair")[0]["name"] == "x"
    engine.dispose()

"""SQLite's catalog read for a whole schema in a few queries, for SQLAlchemy's reflection.

SQLAlchemy's SQLite dialect reflects table by table: for every table it runs a ``PRAGMA``
per kind of information (columns, indexes, foreign keys), one more per index, and reads the
table's stored ``CREATE TABLE`` once per kind of constraint, about a dozen statements per table
(6,000 for 500 tables, half the time of reflecting them). Every ``PRAGMA`` that returns rows is
also a table-valued function (https://www.sqlite.org/pragma.html#pragfunc): joined with
``sqlite_schema``, one query returns its rows for every table at once. While a schema is
reflected, the dialect's two catalog readers answer from those rows
(:func:`migguard.sqlalchemy_private.sqlite_catalog_answers`); SQLAlchemy's own parsing of them
is unchanged, so the reflected information is the same as table by table.

What is not prefetched, or might differ, is still asked of the database: a name spelt in
another case than the catalog's (a foreign key's ``REFERENCES Parent``), a name the schema does
not have, and, for the default schema, anything when the connection has temporary tables (the
dialect then looks in ``temp`` too).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

__all__ = ["SqliteCatalog", "prefetched_sqlite_catalog", "read_sqlite_catalog"]

# The pragmas SQLAlchemy's reflection runs per table, and the one it runs per index.
_TABLE_PRAGMAS = ("table_info", "table_xinfo", "index_list", "foreign_key_list")
_INDEX_PRAGMAS = ("index_info",)


class SqliteCatalog(NamedTuple):
    """One schema's catalog.

    Attributes:
        pragmas: ``{pragma: {table or index name: rows}}``, each row a tuple as the ``PRAGMA``
            statement returns it (the function's hidden columns left out), rows in the
            statement's order; every table (or index) of the schema has an entry, empty or not.
        sql: ``{table or view name: stored CREATE statement}``.
    """

    pragmas: Mapping[str, Mapping[str, Sequence[tuple[Any, ...]]]]
    sql: Mapping[str, str]


def read_sqlite_catalog(connection: Connection, schema: str | None) -> SqliteCatalog:
    """Read the catalog of ``schema`` (``None``: ``main``) in one query per pragma.

    Raises:
        sqlalchemy.exc.DBAPIError: the database's error (e.g. a schema it cannot parse).
    """
    name = schema or "main"
    master = f"{connection.dialect.identifier_preparer.quote_identifier(name)}.sqlite_master"
    kinds: dict[str, list[str]] = {"table": [], "index": []}
    sql: dict[str, str] = {}
    for kind, entry, text in connection.exec_driver_sql(f"SELECT type, name, sql FROM {master}"):
        kinds.setdefault(kind, []).append(entry)
        if kind in ("table", "view") and text is not None:
            sql[entry] = text
    pragmas: dict[str, dict[str, list[tuple[Any, ...]]]] = {}
    for pragma in (*_TABLE_PRAGMAS, *_INDEX_PRAGMAS):
        kind = "table" if pragma in _TABLE_PRAGMAS else "index"
        rows: dict[str, list[tuple[Any, ...]]] = {entry: [] for entry in kinds[kind]}
        # The function's hidden arguments (arg, schema) are not among p.*'s columns; sqlite_master
        # is the outer loop (the function needs its name), so each entry's rows keep their order.
        result = connection.exec_driver_sql(
            f"SELECT m.name, p.* FROM {master} AS m, pragma_{pragma}(m.name, ?) AS p "
            "WHERE m.type = ?",
            (name, kind),
        )
        for row in result:
            rows[row[0]].append(tuple(row[1:]))
        pragmas[pragma] = rows
    return SqliteCatalog(pragmas, sql)


@contextmanager
def prefetched_sqlite_catalog(connection: Connection, schema: str | None) -> Iterator[None]:
    """While the block runs, SQLAlchemy's reflection of ``schema`` on ``connection`` reads the
    catalog prefetched by :func:`read_sqlite_catalog` instead of asking table by table.

    Nothing changes when the connection is not SQLite's, when the default schema is asked for
    and the connection has temporary tables, or when the catalog cannot be read in bulk (the
    reflection then asks the database itself, as without this block).
    """
    import sqlalchemy as sa

    from migguard.sqlalchemy_private import sqlite_catalog_answers

    if connection.dialect.name != "sqlite":
        yield
        return
    try:
        if (
            schema is None
            and connection.exec_driver_sql("SELECT count(*) FROM sqlite_temp_master").scalar()
        ):
            # The dialect looks in temp after main for the default schema; leave that to it.
            catalog = None
        else:
            catalog = read_sqlite_catalog(connection, schema)
    except sa.exc.DBAPIError:
        catalog = None
    if catalog is None:
        yield
        return
    wanted = schema

    def pragma_rows(pragma: str, name: str, asked: str | None) -> Sequence[tuple[Any, ...]] | None:
        entries = catalog.pragmas.get(pragma)
        if asked != wanted or entries is None:
            return None
        return entries.get(name)

    def table_sql(name: str, asked: str | None) -> str | None:
        return catalog.sql.get(name) if asked == wanted else None

    with sqlite_catalog_answers(connection, pragma_rows, table_sql):
        yield

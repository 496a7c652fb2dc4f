"""Every use of SQLAlchemy's private API in migguard, in one place.

SQLAlchemy keeps no promise about names that start with an underscore; migguard needs a few of
them where the public API has no equivalent. Each function below wraps one, says why it is
needed, and was checked against SQLAlchemy 2.0 (the oldest version ``pyproject.toml`` allows)
and 2.1.9; a SQLAlchemy upgrade that renames one of them breaks this module only, and
``tests/sqlalchemy_private_test.py`` keeps the rest of the package from reaching for them
again. No function imports SQLAlchemy at module level, so importing this module stays cheap.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from sqlalchemy import Connection, Constraint, Enum, ForeignKey, Index, Table
    from sqlalchemy.engine.interfaces import Dialect
    from sqlalchemy.sql.compiler import DDLCompiler
    from sqlalchemy.sql.elements import BindParameter, TextClause
    from sqlalchemy.sql.type_api import TypeEngine

Item = TypeVar("Item")


def copy_schema_item(item: Item) -> Item:
    """An unattached copy of a ``Column``, ``Constraint``, ``Computed``, ``Identity`` or
    server default (``DefaultClause``), via ``SchemaItem._copy()``.

    Why private: SQLAlchemy's only public copy is ``Table.to_metadata``, which copies a whole
    table; operations attach a user's column or constraint to a scratch table and must leave
    the user's object unattached (a column belongs to at most one table). ``_copy`` is what
    ``to_metadata`` itself uses (SQLAlchemy 2.0, 2.1).

    Args:
        item: the schema item (any object with ``_copy``).

    Returns:
        A new object of the same class, attached to nothing.
    """
    # `Item` keeps the caller's class; no public SQLAlchemy type declares `_copy` to bound it.
    copied: Item = item._copy()  # type: ignore[attr-defined]
    return copied


def attach_index(index: Index, table: Table) -> None:
    """Attach an ``Index`` built without columns to ``table`` (``Index._set_parent``), so that
    ``DropIndex`` renders its schema-qualified name.

    Why private: an ``Index`` learns its table only from its columns; ``DROP INDEX`` needs the
    table (for the schema) without naming any column (SQLAlchemy 2.0, 2.1).
    """
    index._set_parent(table)


def index_on(name: str | None, *expressions: Any, table: Table, unique: bool, **kw: Any) -> Index:
    """An ``Index`` on ``table`` (``Index(..., _table=table)``) whose expressions may be SQL
    text rather than columns of the table.

    Why private: the public constructor finds the table through a column; an index made only
    of text expressions (``sa.text("lower(email)")``) has none (SQLAlchemy 2.0, 2.1).

    Args:
        name: the index name, None for the naming convention to name it.
        expressions: columns of ``table`` and SQL expressions.
        table: the table the index belongs to.
        unique: whether it is a UNIQUE index.
        kw: dialect keywords (``postgresql_where=...``).

    Returns:
        The ``Index``, attached to ``table``.
    """
    from sqlalchemy import Index

    return Index(name, *expressions, unique=unique, _table=table, **kw)


def type_variants(type_: TypeEngine[Any]) -> Mapping[str, TypeEngine[Any]]:
    """The per-dialect variants of a type (``with_variant``), dialect name -> type; empty for
    a type without any (``TypeEngine._variant_mapping``).

    Why private: SQLAlchemy exposes no public way to list a type's variants; autogenerate
    compares and renders them, and ``ensure_types`` finds an ENUM hidden in one
    (SQLAlchemy 2.0, 2.1).
    """
    variants: Mapping[str, TypeEngine[Any]] = getattr(type_, "_variant_mapping", None) or {}
    return variants


def enum_default_length(type_: Enum) -> int | None:
    """The length an ``Enum`` would have been given from its longest value
    (``Enum._default_length``); the type's ``length`` differs only when the model set one.

    Why private: rendering and comparing a model's ``Enum`` must tell an explicit ``length=``
    from the computed one (SQLAlchemy 2.0, 2.1). Returns ``type_.length`` when the attribute
    is missing, i.e. "not explicit".
    """
    length: int | None = getattr(type_, "_default_length", type_.length)
    return length


def enum_inherits_schema(type_: Enum) -> bool:
    """Whether an ``Enum`` was made with ``inherit_schema=True`` (``SchemaType._inherit_schema``).

    Why private: the flag is a constructor argument SQLAlchemy does not expose again, and a
    rendered model must keep it (SQLAlchemy 2.0, 2.1).
    """
    return bool(getattr(type_, "_inherit_schema", False))


def text_bind_parameters(clause: TextClause) -> Mapping[str, BindParameter[Any]]:
    """The bound parameters of a ``text()`` clause, by name (``TextClause._bindparams``).

    Why private: ``TextClause`` exposes its parameters only through compilation; writing
    ``op.execute(text(...))`` as Python must know whether values were bound to it
    (SQLAlchemy 2.0, 2.1).
    """
    binds: Mapping[str, BindParameter[Any]] = clause._bindparams
    return binds


def statementless_ddl_compiler(dialect: Dialect) -> DDLCompiler:
    """``dialect``'s DDL compiler bound to no statement, for rendering pieces of DDL (a column
    specification, a default, a constraint) one at a time.

    Why here: ``Dialect.ddl_compiler`` is annotated as needing a statement; the compiler
    builds without one (``None``) and its per-element methods never read it (SQLAlchemy 2.0,
    2.1), which is undocumented behaviour migguard relies on.
    """
    # The annotation demands a statement; None works at run time (see above).
    return dialect.ddl_compiler(dialect, None)  # type: ignore[arg-type]


def created_by(constraint: Constraint, ddl_compiler: DDLCompiler) -> bool:
    """Whether ``CREATE TABLE`` by ``ddl_compiler`` includes ``constraint``: a constraint made
    with a ``_create_rule`` (e.g. the CHECK of ``Boolean``/``Enum(create_constraint=True)``,
    only on databases without a native type) says so itself; any other always is included.

    Why private: SQLAlchemy decides this in its DDL compiler through the private
    ``Constraint._create_rule`` (SQLAlchemy 2.0, 2.1); autogenerate must see the table as the
    database will have it.
    """
    rule: Callable[[Any], bool] | None = getattr(constraint, "_create_rule", None)
    return rule is None or bool(rule(ddl_compiler))


def made_by_type(constraint: Constraint) -> bool:
    """Whether a type created ``constraint`` for itself (``Boolean``/``Enum`` with
    ``create_constraint=True``), marked by SQLAlchemy as ``_type_bound``.

    Why private: such a CHECK comes back with the column's type, so rendering or comparing it
    as a table constraint would make it twice (SQLAlchemy 2.0, 2.1).
    """
    return bool(getattr(constraint, "_type_bound", False))


def foreign_key_target(element: ForeignKey) -> tuple[str | None, str, str | None]:
    """(schema, table, column) a ``ForeignKey`` names, read from its target string without
    resolving it (SQLAlchemy 2.1: ``target_tokens``; 2.0: ``ForeignKey._column_tokens``).

    Why private: a key to a table the ``MetaData`` lacks cannot be resolved
    (``element.column`` raises); SQLAlchemy 2.0 parses the target only privately. The column
    is None when the string names only a table.
    """
    tokens = getattr(element, "target_tokens", None) or element._column_tokens
    return tokens[0], tokens[1], tokens[2]


def is_unnamed(name: object) -> bool:
    """Whether a constraint or index ``name`` is no name: None, or SQLAlchemy's placeholder for
    a name a naming convention has yet to give (``sqlalchemy.sql.base._NoneName``).

    Why private: the placeholder's class is private, and an unnamed item carries it instead of
    None (SQLAlchemy 2.0, 2.1).
    """
    from sqlalchemy.sql.base import _NoneName

    return name is None or isinstance(name, _NoneName)


@contextmanager
def sqlite_catalog_answers(
    connection: Connection,
    pragma_rows: Callable[[str, str, str | None], Sequence[tuple[Any, ...]] | None],
    table_sql: Callable[[str, str | None], str | None],
) -> Iterator[None]:
    """For the block, SQLite reflection on ``connection`` reads the catalog through the
    callbacks: ``pragma_rows(pragma, name, schema)`` gives the rows ``PRAGMA schema.pragma(name)``
    would, ``table_sql(name, schema)`` the stored ``CREATE`` statement of a table or view; either
    returns ``None`` to have the database asked as usual. Other connections of the same dialect
    are not affected.

    Why private: the SQLite dialect reads its catalog only through
    ``SQLiteDialect._get_table_pragma`` and ``SQLiteDialect._get_table_sql`` (SQLAlchemy 2.0,
    2.1), one table at a time; answering those two from rows read in bulk keeps SQLAlchemy's
    parsing of them. They are replaced on the dialect instance for the block and restored
    after; a dialect without them is left alone (the database is then asked).
    """
    dialect: Any = connection.dialect
    names = ("_get_table_pragma", "_get_table_sql")
    if not all(callable(getattr(dialect, name, None)) for name in names):
        yield
        return
    saved = {name: vars(dialect).get(name) for name in names}
    ask_pragma = dialect._get_table_pragma
    ask_sql = dialect._get_table_sql

    def get_table_pragma(conn: Any, pragma: str, table_name: str, schema: str | None = None) -> Any:
        rows = pragma_rows(pragma, table_name, schema) if conn is connection else None
        if rows is None:
            return ask_pragma(conn, pragma, table_name, schema=schema)
        return list(rows)

    def get_table_sql(conn: Any, table_name: str, schema: str | None = None, **kw: Any) -> Any:
        sql = table_sql(table_name, schema) if conn is connection else None
        return ask_sql(conn, table_name, schema=schema, **kw) if sql is None else sql

    dialect._get_table_pragma = get_table_pragma
    dialect._get_table_sql = get_table_sql
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                delattr(dialect, name)
            else:
                setattr(dialect, name, value)

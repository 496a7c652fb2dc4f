"""Table and column operations: create/drop/rename tables, add/drop/alter columns, comments."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import sqlalchemy as sa
from sqlalchemy import Column, MetaData, Table
from sqlalchemy.schema import (
    AddConstraint,
    CreateIndex,
    SchemaItem,
    SetColumnComment,
    SetTableComment,
)
from sqlalchemy.schema import (
    DropTableComment as DropTableCommentDDL,
)
from sqlalchemy.sql.elements import ClauseElement, TextClause

from migguard.ops import ddl
from migguard.ops.base import Operation, TableOperation
from migguard.ops.errors import IrreversibleError
from migguard.ops.mysql import alter_column_statements, is_mysql, with_mariadb_options
from migguard.ops.sqlite.catalog import can_drop_column
from migguard.sqlalchemy_private import copy_schema_item, created_by, statementless_ddl_compiler

if TYPE_CHECKING:
    from migguard.ops.executor import Executor
    from migguard.ops.sqlite.table_spec import TableSpec


@dataclass(frozen=True)
class CreateTable(Operation):
    """``CREATE TABLE`` from columns, constraints and indexes (``op.create_table``).

    ``kw`` holds further ``sqlalchemy.Table`` arguments (``prefixes``, ``info``, dialect
    keywords such as ``sqlite_autoincrement``, ``mysql_engine``, ``mysql_charset``; each
    ``mysql_`` keyword counts for the ``mariadb`` dialect name too, see
    ``mysql.with_mariadb_options``). The items are attached once to a private template
    table; a run under a naming convention copies it into a fresh ``MetaData`` carrying the
    convention, a run without one creates the template itself.
    """

    table_name: str
    items: tuple[SchemaItem, ...] = ()
    schema: str | None = None
    comment: str | None = None
    if_not_exists: bool | None = None
    kw: Mapping[str, Any] = field(default_factory=dict)
    template: Table = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        template = Table(
            self.table_name,
            MetaData(),
            *self.items,
            schema=self.schema,
            comment=self.comment,
            **with_mariadb_options(self.kw),
        )
        object.__setattr__(self, "template", template)

    def build(self, metadata: MetaData) -> Table:
        """A copy of the table in ``metadata``, with stubs for referenced tables."""
        table = self.template.to_metadata(metadata)
        ddl.stub_referents(table)
        return table

    def run(self, executor: Executor) -> Table:
        """Create named PostgreSQL ENUM types first (once, see ``ddl.ensure_types``), then the
        table, its comments (PostgreSQL) and its indexes. Returns the new ``Table`` (the
        template itself when the context has no naming convention)."""
        if executor.context.naming_convention:
            table = self.build(executor.metadata())
        else:
            # Without a naming convention a copy would be identical to the template.
            table = self.template
            ddl.stub_referents(table)
        ddl.ensure_types(executor, table.columns)
        executor.execute(sa.schema.CreateTable(table, if_not_exists=bool(self.if_not_exists)))
        ddl.emit_comments(executor, table)
        for index in sorted(table.indexes, key=lambda index: str(index.name)):
            executor.execute(CreateIndex(index, if_not_exists=bool(self.if_not_exists)))
        return table

    def reverse(self) -> DropTable:
        return DropTable(self.table_name, schema=self.schema, definition=self)


@dataclass(frozen=True)
class DropTable(Operation):
    """``DROP TABLE`` (``op.drop_table``); ``definition`` (a ``CreateTable``) makes it
    reversible.

    Named PostgreSQL ENUM types the table used are left in place, as Alembic does, so that
    downgrade scripts which drop the type themselves keep working; ``CreateTable`` reuses an
    existing type, so an upgrade after such a downgrade does not fail on it either.
    """

    table_name: str
    schema: str | None = None
    if_exists: bool | None = None
    kw: Mapping[str, Any] = field(default_factory=dict)
    definition: CreateTable | None = None

    def run(self, executor: Executor) -> None:
        table = Table(self.table_name, MetaData(), schema=self.schema, **self.kw)
        executor.execute(sa.schema.DropTable(table, if_exists=bool(self.if_exists)))

    def reverse(self) -> CreateTable:
        if self.definition is None:
            raise IrreversibleError(
                f"drop_table({self.table_name!r}) cannot be reversed without the table's "
                "definition (a CreateTable)"
            )
        return self.definition


@dataclass(frozen=True)
class RenameTable(Operation):
    """``ALTER TABLE old RENAME TO new`` (``op.rename_table``)."""

    old_table_name: str
    new_table_name: str
    schema: str | None = None

    def run(self, executor: Executor) -> None:
        executor.execute_ddl(
            ddl.rename_table_sql(
                executor.dialect, self.old_table_name, self.new_table_name, self.schema
            )
        )

    def reverse(self) -> RenameTable:
        return RenameTable(self.new_table_name, self.old_table_name, schema=self.schema)


def _sqlite_constant_default(column: Column[Any]) -> bool:
    """True when SQLite's ADD COLUMN accepts the column's default: no default, or a constant.

    https://www.sqlite.org/lang_altertable.html#altertabaddcol: the default may not be
    CURRENT_TIME/CURRENT_DATE/CURRENT_TIMESTAMP or an expression in parentheses.
    """
    default = column.server_default
    if default is None:
        return True
    arg = getattr(default, "arg", None)
    if isinstance(arg, str):
        return True
    if isinstance(arg, TextClause):
        sql = arg.text.strip().upper()
        return not sql.startswith("(") and not sql.startswith("CURRENT_")
    return not isinstance(arg, ClauseElement)


@dataclass(frozen=True)
class AddColumn(TableOperation):
    """``ALTER TABLE t ADD COLUMN`` (``op.add_column``).

    Constraints and indexes the column declares (``unique=True``, ``index=True``,
    ``ForeignKey``) are added after it. Its CHECK constraints go inside ``ADD COLUMN``: a
    ``CheckConstraint`` given to the column everywhere, and on SQLite also the CHECK a type adds
    to the table (``Boolean``/``Enum(create_constraint=True)``), since SQLite has no ``ADD
    CONSTRAINT`` but takes column CHECKs in ``ADD COLUMN`` and tests them against the rows
    already there (https://www.sqlite.org/lang_altertable.html#alter_table_add_column). A
    type's CHECK that the database does not need (a native boolean or enum) is left out, as
    ``CREATE TABLE`` leaves it out. On SQLite a column that ADD COLUMN cannot take as
    SQLAlchemy renders it (primary key, unique, foreign key, a non-constant default) is added
    by a move-and-copy rebuild instead. NOT NULL without a default is added in place: SQLite,
    like PostgreSQL, refuses it only when the table has rows.
    """

    table_name: str
    column: Column[Any]
    schema: str | None = None
    if_not_exists: bool | None = None
    insert_before: str | None = None
    insert_after: str | None = None
    # Declare the column's primary key / its one single-column foreign key inside ADD COLUMN
    # instead of a separate ADD CONSTRAINT (PostgreSQL then validates the key with the column).
    inline_primary_key: bool | None = None
    inline_references: bool | None = None

    def needs_rebuild(self, dialect_name: str) -> bool:
        column = self.column
        return dialect_name == "sqlite" and (
            column.primary_key
            or bool(column.unique)
            or bool(column.foreign_keys)
            or any(not isinstance(c, sa.CheckConstraint) for c in column.constraints)
            or not _sqlite_constant_default(column)
        )

    def run(self, executor: Executor) -> None:
        dialect = executor.dialect
        column = copy_schema_item(self.column)
        table = ddl.scratch_table(
            self.table_name, self.schema, column, metadata=executor.metadata()
        )
        ddl.ensure_types(executor, [column])
        sql = ddl.add_column_sql(dialect, column)
        if self.if_not_exists:
            sql = sql.replace(" ADD COLUMN ", " ADD COLUMN IF NOT EXISTS ", 1)
        inline: list[sa.Constraint] = []
        compiler = statementless_ddl_compiler(dialect)
        for check in column.constraints:
            if isinstance(check, sa.CheckConstraint):
                sql += f" {compiler.process(check)}"
        for constraint in table.constraints:
            if not created_by(constraint, compiler):
                inline.append(constraint)
            elif isinstance(constraint, sa.CheckConstraint) and dialect.name == "sqlite":
                # The scratch table holds this column alone: the CHECK is on it.
                sql += f" {compiler.process(constraint)}"
                inline.append(constraint)
        if self.inline_primary_key and column.primary_key:
            sql += " PRIMARY KEY"
            inline.append(table.primary_key)
        if self.inline_references and (references := ddl.inline_references(dialect, column)):
            sql += f" {references[1]}"
            inline.append(references[0])
        executor.execute_ddl(sql)
        for constraint in sorted(table.constraints, key=lambda c: str(c.name)):
            if isinstance(constraint, sa.PrimaryKeyConstraint) and not constraint.columns:
                continue
            if any(constraint is done for done in inline):
                continue
            executor.execute(AddConstraint(constraint))
        for index in sorted(table.indexes, key=lambda index: str(index.name)):
            executor.execute(CreateIndex(index))
        if column.comment is not None and dialect.supports_comments and not dialect.inline_comments:
            executor.execute(SetColumnComment(column))

    def reverse(self) -> DropColumn:
        return DropColumn(
            self.table_name, self.column.name, schema=self.schema, definition=self.column
        )

    def apply_to(self, spec: TableSpec) -> None:
        spec.add_column(self.column, self.insert_before, self.insert_after)


@dataclass(frozen=True)
class DropColumn(TableOperation):
    """``ALTER TABLE t DROP COLUMN c`` (``op.drop_column``).

    ``definition`` (the dropped ``Column``) makes it reversible.

    SQLite: ``op.drop_column`` uses the native DROP COLUMN (SQLite 3.35+) when SQLite allows it
    for the column, i.e. the column is not in a key, an index, a CHECK constraint, a generated
    column, a trigger or a view (https://www.sqlite.org/lang_altertable.html#altertabdropcol);
    otherwise it rebuilds the table (move-and-copy), dropping the indexes and constraints on
    the column as PostgreSQL does. Offline the schema cannot be inspected, so the native form
    is written. Inside ``batch_alter_table`` a drop always takes part in the rebuild.
    """

    table_name: str
    column_name: str
    schema: str | None = None
    kw: Mapping[str, Any] = field(default_factory=dict)
    definition: Column[Any] | None = None

    def needs_rebuild(self, dialect_name: str) -> bool:
        return dialect_name == "sqlite"

    def runs_as_batch(self, executor: Executor) -> bool:
        if not executor.is_sqlite or executor.offline or self._absent_on_sqlite(executor):
            return False
        return not can_drop_column(executor, self.table_name, self.schema, self.column_name)

    def run(self, executor: Executor) -> None:
        """``kw["if_exists"]`` (as in Alembic) adds ``IF EXISTS``; SQLite has no such clause,
        so there a missing column is skipped online and the plain statement written offline."""
        sql = ddl.drop_column_sql(executor.dialect, self.table_name, self.schema, self.column_name)
        if self.kw.get("if_exists"):
            if executor.is_sqlite:
                if self._absent_on_sqlite(executor):
                    return
            else:
                sql = sql.replace(" DROP COLUMN ", " DROP COLUMN IF EXISTS ", 1)
        executor.execute_ddl(sql)

    def _absent_on_sqlite(self, executor: Executor) -> bool:
        """Whether ``if_exists`` was asked and the column is missing (SQLite, online)."""
        if not self.kw.get("if_exists") or executor.offline:
            return False
        inspector = sa.inspect(executor.context.connection)
        inspector.clear_cache()
        columns = inspector.get_columns(self.table_name, schema=self.schema)
        return all(column["name"] != self.column_name for column in columns)

    def reverse(self) -> AddColumn:
        if self.definition is None:
            raise IrreversibleError(
                f"drop_column({self.table_name!r}, {self.column_name!r}) cannot be reversed "
                "without the column's definition"
            )
        return AddColumn(self.table_name, self.definition, schema=self.schema)

    def apply_to(self, spec: TableSpec) -> None:
        spec.drop_column(self.column_name)


@dataclass(frozen=True)
class AlterColumn(TableOperation):
    """Change a column's type, nullability, server default, comment or name
    (``op.alter_column``).

    ``False`` means "unchanged" for ``comment``, ``server_default`` and
    ``existing_server_default``; ``None`` for the others. ``kw`` may hold ``postgresql_using``
    (the USING expression of a type change). MySQL and MariaDB restate the whole column
    (``MODIFY``/``CHANGE``) and need ``existing_type`` for it (see
    ``mysql.alter_column_statements``, which says when). On SQLite a rename is done in place
    (RENAME COLUMN, SQLite 3.25+), a comment is ignored (SQLite keeps none), and type,
    nullability and default changes rebuild the table (https://www.sqlite.org/lang_altertable.html#otheralter).
    """

    table_name: str
    column_name: str
    nullable: bool | None = None
    comment: str | Literal[False] | None = False
    server_default: Any = False
    new_column_name: str | None = None
    type_: Any = None
    existing_type: Any = None
    existing_server_default: Any = False
    existing_nullable: bool | None = None
    existing_comment: str | None = None
    schema: str | None = None
    kw: Mapping[str, Any] = field(default_factory=dict)
    insert_before: str | None = None
    insert_after: str | None = None

    def needs_rebuild(self, dialect_name: str) -> bool:
        return dialect_name == "sqlite" and (
            self.insert_before is not None
            or self.insert_after is not None
            or self.type_ is not None
            or self.nullable is not None
            or self.server_default is not False
        )

    def run(self, executor: Executor) -> None:
        """Raises ``UsageError`` on MySQL/MariaDB when the column must be restated and its
        type is not known."""
        dialect = executor.dialect
        if is_mysql(dialect):
            for statement in alter_column_statements(dialect, self):
                executor.execute_ddl(statement)
            return
        name = self.column_name

        def alter(clause: str) -> None:
            executor.execute_ddl(
                ddl.alter_column_sql(dialect, self.table_name, self.schema, name, clause)
            )

        if self.type_ is not None:
            column = Column(name, sa.types.to_instance(self.type_))
            ddl.scratch_table(self.table_name, self.schema, column)
            ddl.ensure_types(executor, [column])
            clause = f"TYPE {ddl.type_sql(dialect, self.type_)}"
            using = self.kw.get("postgresql_using")
            if using is not None and executor.is_postgresql:
                clause += f" USING {ddl.text_sql(dialect, using)}"
            alter(clause)
        if self.nullable is not None:
            alter("DROP NOT NULL" if self.nullable else "SET NOT NULL")
        if self.server_default is not False:
            default = ddl.default_sql(
                dialect, self.server_default, self.type_ or self.existing_type
            )
            alter("DROP DEFAULT" if default is None else f"SET DEFAULT {default}")
        if self.comment is not False and dialect.supports_comments:
            column = Column(name, sa.types.NullType(), comment=self.comment)
            ddl.scratch_table(self.table_name, self.schema, column)
            executor.execute(SetColumnComment(column))
        if self.new_column_name is not None:
            executor.execute_ddl(
                ddl.rename_column_sql(
                    dialect, self.table_name, self.schema, name, self.new_column_name
                )
            )

    def reverse(self) -> AlterColumn:
        def need(what: str) -> IrreversibleError:
            return IrreversibleError(
                f"alter_column({self.table_name!r}, {self.column_name!r}) changes {what} but "
                f"gives no existing_{what}, so it cannot be reversed"
            )

        if self.type_ is not None and self.existing_type is None:
            raise need("type")
        if self.nullable is not None and self.existing_nullable is None:
            raise need("nullable")
        if self.server_default is not False and self.existing_server_default is False:
            raise need("server_default")
        changed_comment = self.comment is not False
        return AlterColumn(
            self.table_name,
            self.new_column_name or self.column_name,
            nullable=self.existing_nullable if self.nullable is not None else None,
            comment=self.existing_comment if changed_comment else False,
            server_default=(
                self.existing_server_default if self.server_default is not False else False
            ),
            new_column_name=self.column_name if self.new_column_name is not None else None,
            type_=self.existing_type if self.type_ is not None else None,
            existing_type=self.type_ if self.type_ is not None else self.existing_type,
            existing_server_default=(
                self.server_default
                if self.server_default is not False
                else self.existing_server_default
            ),
            existing_nullable=self.nullable
            if self.nullable is not None
            else self.existing_nullable,
            existing_comment=(self.comment if self.comment is not False else self.existing_comment),
            schema=self.schema,
            kw=self.kw,
        )

    def apply_to(self, spec: TableSpec) -> None:
        spec.alter_column(self)


@dataclass(frozen=True)
class CreateTableComment(TableOperation):
    """``COMMENT ON TABLE t IS '...'`` (``op.create_table_comment``); nothing on databases that
    keep no comments (SQLite)."""

    table_name: str
    comment: str | None
    existing_comment: str | None = None
    schema: str | None = None

    def run(self, executor: Executor) -> None:
        if executor.dialect.supports_comments:
            table = Table(self.table_name, MetaData(), schema=self.schema, comment=self.comment)
            executor.execute(SetTableComment(table))

    def reverse(self) -> Operation:
        if self.existing_comment is None:
            return DropTableComment(
                self.table_name, existing_comment=self.comment, schema=self.schema
            )
        return CreateTableComment(
            self.table_name,
            self.existing_comment,
            existing_comment=self.comment,
            schema=self.schema,
        )

    def apply_to(self, spec: TableSpec) -> None:
        spec.comment = self.comment


@dataclass(frozen=True)
class DropTableComment(TableOperation):
    """Remove a table's comment (``op.drop_table_comment``); ``existing_comment`` makes it
    reversible. Nothing happens on databases that keep no comments (SQLite)."""

    table_name: str
    existing_comment: str | None = None
    schema: str | None = None

    def run(self, executor: Executor) -> None:
        if executor.dialect.supports_comments:
            table = Table(self.table_name, MetaData(), schema=self.schema)
            executor.execute(DropTableCommentDDL(table))

    def reverse(self) -> CreateTableComment:
        if self.existing_comment is None:
            raise IrreversibleError(
                f"drop_table_comment({self.table_name!r}) cannot be reversed without "
                "existing_comment"
            )
        return CreateTableComment(self.table_name, self.existing_comment, schema=self.schema)

    def apply_to(self, spec: TableSpec) -> None:
        spec.comment = None

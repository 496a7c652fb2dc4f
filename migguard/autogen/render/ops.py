"""One ``Operation`` as ``op.*`` calls (or a ``batch_alter_table`` block).

Arguments follow the order Alembic users know, and only those that are set are written. Inside a
batch block the calls go to ``batch_op`` and leave out the table name and schema, which the
block carries. Tables, columns, data and batches are rendered here, indexes and constraints in
``migguard.autogen.render.keys``; ``statements`` dispatches on the operation's class.
"""

from __future__ import annotations

import functools

import sqlalchemy as sa
from sqlalchemy.engine import Dialect
from sqlalchemy.sql.elements import TextClause

from migguard.autogen.render import keys as render_keys
from migguard.autogen.render.code import Expr, Raw, RenderError, call, string
from migguard.autogen.render.schema import (
    column_expr,
    constraint_expr,
    index_element,
    table_constraints,
)
from migguard.autogen.render.scope import (
    Block,
    Kwargs,
    Scope,
    Statement,
    expr_list,
    option,
    schema_kw,
    table_arg,
)
from migguard.autogen.render.types import (
    kwargs_expr,
    name_expr,
    server_default_expr,
    sql_text,
    type_expr,
    value_expr,
)
from migguard.ops.base import Operation
from migguard.ops.constraints import (
    CreateCheckConstraint,
    CreateForeignKey,
    CreatePrimaryKey,
    CreateUniqueConstraint,
    DropConstraint,
)
from migguard.ops.data import BulkInsert, Execute
from migguard.ops.indexes import CreateIndex, DropIndex
from migguard.ops.schema import (
    AddColumn,
    AlterColumn,
    CreateTable,
    CreateTableComment,
    DropColumn,
    DropTable,
    DropTableComment,
    RenameTable,
)
from migguard.ops.sqlite.batch import BatchAlterTable
from migguard.sqlalchemy_private import text_bind_parameters


@functools.singledispatch
def statements(operation: Operation, scope: Scope) -> list[Statement]:
    """The statements writing ``operation`` (usually one call; ``CreateTable`` adds its
    ``op.create_index`` calls, ``BatchAlterTable`` is a ``Block``), by the renderer registered
    for its class or its nearest base class.

    Raises ``RenderError`` for an operation class without a renderer, or for parts of the
    operation that cannot be written (see ``render_types``)."""
    raise RenderError(f"migguard cannot write {type(operation).__name__} operations as Python")


statements.register(CreateIndex, render_keys.create_index)
statements.register(DropIndex, render_keys.drop_index)
statements.register(CreateUniqueConstraint, render_keys.create_unique)
statements.register(CreateForeignKey, render_keys.create_foreign_key)
statements.register(CreateCheckConstraint, render_keys.create_check)
statements.register(CreatePrimaryKey, render_keys.create_primary_key)
statements.register(DropConstraint, render_keys.drop_constraint)


@statements.register(CreateTable)
def _create_table(operation: CreateTable, scope: Scope) -> list[Statement]:
    table = operation.template
    dialect = scope.dialect
    args: list[Expr] = [string(operation.table_name)]
    args += [column_expr(column, dialect, standalone=False) for column in table.columns]
    args += [constraint_expr(c, dialect) for c in table_constraints(table)]
    kwargs = schema_kw(scope, operation.schema)
    if operation.comment is not None:
        kwargs.append(("comment", string(operation.comment)))
    kwargs += option("if_not_exists", operation.if_not_exists)
    kwargs += kwargs_expr(operation.kw.items(), dialect)
    result: list[Statement] = [call(scope.method("create_table"), *args, kwargs=kwargs)]
    for index in sorted(table.indexes, key=lambda index: str(index.name)):
        result.append(
            call(
                "op.create_index",
                name_expr(index.name),
                string(operation.table_name),
                expr_list(index_element(e, dialect) for e in index.expressions),
                kwargs=[
                    ("unique", Raw(repr(bool(index.unique)))),
                    *schema_kw(scope, operation.schema),
                    *kwargs_expr(index.dialect_kwargs.items(), dialect),
                ],
            )
        )
    return result


@statements.register(DropTable)
def _drop_table(operation: DropTable, scope: Scope) -> list[Statement]:
    kwargs = schema_kw(scope, operation.schema) + option("if_exists", operation.if_exists)
    kwargs += kwargs_expr(operation.kw.items(), scope.dialect)
    return [call(scope.method("drop_table"), string(operation.table_name), kwargs=kwargs)]


@statements.register(RenameTable)
def _rename_table(operation: RenameTable, scope: Scope) -> list[Statement]:
    old, new = string(operation.old_table_name), string(operation.new_table_name)
    return [call(scope.method("rename_table"), old, new, kwargs=schema_kw(scope, operation.schema))]


@statements.register(AddColumn)
def _add_column(operation: AddColumn, scope: Scope) -> list[Statement]:
    column = column_expr(operation.column, scope.dialect, standalone=True)
    kwargs = schema_kw(scope, operation.schema) + option("if_not_exists", operation.if_not_exists)
    if scope.batch:
        kwargs += option("insert_before", operation.insert_before)
        kwargs += option("insert_after", operation.insert_after)
    args = [*table_arg(scope, operation.table_name), column]
    return [call(scope.method("add_column"), *args, kwargs=kwargs)]


@statements.register(DropColumn)
def _drop_column(operation: DropColumn, scope: Scope) -> list[Statement]:
    args = [*table_arg(scope, operation.table_name), string(operation.column_name)]
    kwargs = schema_kw(scope, operation.schema) + kwargs_expr(operation.kw.items(), scope.dialect)
    return [call(scope.method("drop_column"), *args, kwargs=kwargs)]


def _alter_kwargs(operation: AlterColumn, dialect: Dialect) -> Kwargs:
    """The keyword arguments of ``alter_column`` that are set, in the usual order."""
    kwargs: Kwargs = []
    if operation.existing_type is not None:
        kwargs.append(("existing_type", type_expr(operation.existing_type, dialect)))
    kwargs += option("nullable", operation.nullable)
    if operation.type_ is not None:
        kwargs.append(("type_", type_expr(operation.type_, dialect)))
    if operation.server_default is not False:
        kwargs.append(("server_default", server_default_expr(operation.server_default, dialect)))
    if operation.existing_server_default is not False:
        existing = server_default_expr(operation.existing_server_default, dialect)
        kwargs.append(("existing_server_default", existing))
    kwargs += option("existing_nullable", operation.existing_nullable)
    if operation.comment is not False:
        kwargs.append(("comment", value_expr(operation.comment, dialect)))
    if operation.existing_comment is not None:
        kwargs.append(("existing_comment", string(operation.existing_comment)))
    if operation.new_column_name is not None:
        kwargs.append(("new_column_name", string(operation.new_column_name)))
    return kwargs


@statements.register(AlterColumn)
def _alter_column(operation: AlterColumn, scope: Scope) -> list[Statement]:
    args = [*table_arg(scope, operation.table_name), string(operation.column_name)]
    kwargs = _alter_kwargs(operation, scope.dialect)
    kwargs += kwargs_expr(operation.kw.items(), scope.dialect)
    if scope.batch:
        kwargs += option("insert_before", operation.insert_before)
        kwargs += option("insert_after", operation.insert_after)
    kwargs += schema_kw(scope, operation.schema)
    return [call(scope.method("alter_column"), *args, kwargs=kwargs)]


@statements.register(CreateTableComment)
def _create_table_comment(operation: CreateTableComment, scope: Scope) -> list[Statement]:
    args = [*table_arg(scope, operation.table_name), value_expr(operation.comment, scope.dialect)]
    kwargs = option("existing_comment", operation.existing_comment)
    kwargs += schema_kw(scope, operation.schema)
    return [call(scope.method("create_table_comment"), *args, kwargs=kwargs)]


@statements.register(DropTableComment)
def _drop_table_comment(operation: DropTableComment, scope: Scope) -> list[Statement]:
    kwargs = option("existing_comment", operation.existing_comment)
    kwargs += schema_kw(scope, operation.schema)
    args = table_arg(scope, operation.table_name)
    return [call(scope.method("drop_table_comment"), *args, kwargs=kwargs)]


@statements.register(Execute)
def _execute(operation: Execute, scope: Scope) -> list[Statement]:
    """``op.execute('SQL')``; a statement object is compiled for the dialect with literal
    values. Raises ``RenderError`` for ``text()`` with bound values."""
    sqltext = operation.sqltext
    binds = text_bind_parameters(sqltext).values() if isinstance(sqltext, TextClause) else ()
    if any(bind.value is not None for bind in binds):
        raise RenderError("op.execute(text(...)) with bound values cannot be written out")
    kwargs: Kwargs = []
    if operation.execution_options:
        options = value_expr(dict(operation.execution_options), scope.dialect)
        kwargs.append(("execution_options", options))
    sql = string(sql_text(sqltext, scope.dialect, include_table=True))
    return [call(scope.method("execute"), sql, kwargs=kwargs)]


@statements.register(BulkInsert)
def _bulk_insert(operation: BulkInsert, scope: Scope) -> list[Statement]:
    """``op.bulk_insert(sa.table('t', sa.column('c', type), ...), [rows])``."""
    dialect = scope.dialect
    columns = [
        call("sa.column", string(column.name), type_expr(column.type, dialect))
        if not isinstance(column.type, sa.types.NullType)
        else call("sa.column", string(column.name))
        for column in operation.table.columns
    ]
    table = call("sa.table", string(operation.table.name), *columns)
    rows = value_expr([dict(row) for row in operation.rows], dialect)
    kwargs = option("multiinsert", operation.multiinsert, True)
    return [call("op.bulk_insert", table, rows, kwargs=kwargs)]


@statements.register(BatchAlterTable)
def _batch(operation: BatchAlterTable, scope: Scope) -> list[Statement]:
    """A ``with op.batch_alter_table(...) as batch_op:`` block. Raises ``RenderError`` for
    ``copy_from``, ``table_args``, ``table_kwargs`` and ``reflect_args``, which hold
    SQLAlchemy objects a script cannot be given back."""
    if operation.copy_from is not None or operation.table_args or operation.table_kwargs:
        raise RenderError("batch_alter_table with copy_from/table_args cannot be written out")
    if operation.reflect_args:
        raise RenderError("batch_alter_table with reflect_args cannot be written out")
    schema = Raw("None") if operation.schema is None else string(operation.schema)
    kwargs: Kwargs = [("schema", schema)]
    kwargs += option("recreate", operation.recreate, "auto")
    if operation.naming_convention:
        convention = value_expr(dict(operation.naming_convention), scope.dialect)
        kwargs.append(("naming_convention", convention))
    head = call("op.batch_alter_table", string(operation.table_name), kwargs=kwargs)
    inner = Scope(scope.dialect, batch=True)
    body = tuple(s for op in operation.operations for s in statements(op, inner))
    return [Block(head, body)]

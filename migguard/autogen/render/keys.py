"""Index and constraint operations as ``op.*`` calls: ``create_index``, ``drop_index``,
``create_unique_constraint``, ``create_foreign_key``, ``create_check_constraint``,
``create_primary_key`` and ``drop_constraint``; ``migguard.autogen.render.ops.statements``
dispatches to them."""

from __future__ import annotations

from migguard.autogen.render.code import Raw, call, str_list, string
from migguard.autogen.render.schema import index_element
from migguard.autogen.render.scope import (
    Kwargs,
    Scope,
    Statement,
    expr_list,
    option,
    schema_kw,
    table_arg,
)
from migguard.autogen.render.types import kwargs_expr, name_expr, sql_text
from migguard.ops.constraints import (
    CreateCheckConstraint,
    CreateForeignKey,
    CreatePrimaryKey,
    CreateUniqueConstraint,
    DropConstraint,
)
from migguard.ops.indexes import CreateIndex, DropIndex


def create_index(operation: CreateIndex, scope: Scope) -> list[Statement]:
    columns = expr_list(index_element(c, scope.dialect) for c in operation.columns)
    args = [name_expr(operation.index_name), *table_arg(scope, operation.table_name), columns]
    kwargs: Kwargs = [("unique", Raw(repr(bool(operation.unique))))]
    kwargs += schema_kw(scope, operation.schema) + option("if_not_exists", operation.if_not_exists)
    kwargs += kwargs_expr(operation.kw.items(), scope.dialect)
    return [call(scope.method("create_index"), *args, kwargs=kwargs)]


def drop_index(operation: DropIndex, scope: Scope) -> list[Statement]:
    kwargs: Kwargs = []
    if operation.table_name is not None and not scope.batch:
        kwargs.append(("table_name", string(operation.table_name)))
    kwargs += schema_kw(scope, operation.schema) + option("if_exists", operation.if_exists)
    kwargs += kwargs_expr(operation.kw.items(), scope.dialect)
    return [call(scope.method("drop_index"), name_expr(operation.index_name), kwargs=kwargs)]


def create_unique(operation: CreateUniqueConstraint, scope: Scope) -> list[Statement]:
    args = [
        name_expr(operation.constraint_name),
        *table_arg(scope, operation.table_name),
        str_list(operation.columns),
    ]
    kwargs = schema_kw(scope, operation.schema) + kwargs_expr(operation.kw.items(), scope.dialect)
    return [call(scope.method("create_unique_constraint"), *args, kwargs=kwargs)]


def create_foreign_key(operation: CreateForeignKey, scope: Scope) -> list[Statement]:
    args = [
        name_expr(operation.constraint_name),
        *table_arg(scope, operation.source_table),
        string(operation.referent_table),
        str_list(operation.local_cols),
        str_list(operation.remote_cols),
    ]
    kwargs: Kwargs = []
    for name in ("onupdate", "ondelete", "deferrable", "initially", "match"):
        kwargs += option(name, getattr(operation, name))
    kwargs += schema_kw(scope, operation.source_schema, "source_schema")
    if operation.referent_schema is not None:
        kwargs.append(("referent_schema", string(operation.referent_schema)))
    kwargs += kwargs_expr(operation.dialect_kw.items(), scope.dialect)
    return [call(scope.method("create_foreign_key"), *args, kwargs=kwargs)]


def create_check(operation: CreateCheckConstraint, scope: Scope) -> list[Statement]:
    args = [
        name_expr(operation.constraint_name),
        *table_arg(scope, operation.table_name),
        string(sql_text(operation.condition, scope.dialect)),
    ]
    kwargs = schema_kw(scope, operation.schema) + kwargs_expr(operation.kw.items(), scope.dialect)
    return [call(scope.method("create_check_constraint"), *args, kwargs=kwargs)]


def create_primary_key(operation: CreatePrimaryKey, scope: Scope) -> list[Statement]:
    args = [
        name_expr(operation.constraint_name),
        *table_arg(scope, operation.table_name),
        str_list(operation.columns),
    ]
    kwargs = schema_kw(scope, operation.schema)
    return [call(scope.method("create_primary_key"), *args, kwargs=kwargs)]


def drop_constraint(operation: DropConstraint, scope: Scope) -> list[Statement]:
    args = [name_expr(operation.constraint_name), *table_arg(scope, operation.table_name)]
    kwargs = option("type_", operation.type_) + schema_kw(scope, operation.schema)
    kwargs += option("if_exists", operation.if_exists)
    return [call(scope.method("drop_constraint"), *args, kwargs=kwargs)]

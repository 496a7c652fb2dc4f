"""SQLAlchemy types, values, SQL expressions and names as Python source.

A type renders as a call of its class with only the constructor arguments that differ from
the defaults: ``sa.String(length=255)``, ``sa.Enum('a', 'b', name='status')``,
``postgresql.JSONB(astext_type=sa.Text())``. Classes come from ``sa`` (``import sqlalchemy as
sa``), from ``sa.types``, or from their dialect's module (``from sqlalchemy.dialects import
postgresql``). A type defined outside SQLAlchemy is imported from its module (``import
geoalchemy2.types``), except a user's ``TypeDecorator``, which renders as the type it stores on the
target dialect (``load_dialect_impl``) with a comment naming it: a migration must keep building
the same schema after the application's code moves on, and the database only ever sees the
stored type.
"""

from __future__ import annotations

import datetime
import decimal
import enum
import importlib
import inspect
from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Dialect
from sqlalchemy.sql.elements import ClauseElement, TextClause, conv
from sqlalchemy.sql.type_api import TypeEngine

from migguard.autogen.render.code import Call, Expr, Raw, RenderError, Seq, call, flat, string
from migguard.sqlalchemy_private import (
    enum_default_length,
    enum_inherits_schema,
    is_unnamed,
    type_variants,
)


def load_dialect(name: str) -> Dialect:
    """A dialect object for ``name`` (``"sqlite"``, ``"postgresql"``, ``"mariadb"``); the
    DB-API driver is not imported. Raises ``RenderError`` for a name SQLAlchemy does not know."""
    from sqlalchemy.dialects import registry
    from sqlalchemy.exc import NoSuchModuleError

    try:
        loaded = registry.load(name)
    except NoSuchModuleError:
        raise RenderError(f"unknown SQLAlchemy dialect {name!r}") from None
    # The registry gives a class, except for "mariadb", whose loader builds the dialect.
    return loaded() if isinstance(loaded, type) else loaded


def name_expr(name: object) -> Expr:
    """A constraint or index name: ``op.f('...')`` when a naming convention produced it (a
    ``conv``, which the convention must not rename again), a string otherwise, ``None`` when
    unnamed."""
    if is_unnamed(name):
        return Raw("None")
    if isinstance(name, conv):
        return call("op.f", string(name))
    return string(str(name))


def has_name(name: object) -> bool:
    """True when ``name`` names something (not None and not SQLAlchemy's "no name" marker)."""
    return not is_unnamed(name)


def sql_text(clause: object, dialect: Dialect, *, include_table: bool = False) -> str:
    """The SQL of a string, ``text()``, expression or statement; expressions are compiled
    for ``dialect`` with literal values and, unless ``include_table``, without table prefixes
    (``price > 0``). Raises ``RenderError`` when SQLAlchemy cannot compile ``clause`` so (e.g.
    a value of a column without a type)."""
    from sqlalchemy.exc import CompileError

    if isinstance(clause, str):
        return clause
    if isinstance(clause, TextClause):
        return clause.text
    if isinstance(clause, ClauseElement):
        kwargs = {"literal_binds": True, "include_table": include_table}
        try:
            return str(clause.compile(dialect=dialect, compile_kwargs=kwargs))
        except CompileError as error:
            raise RenderError(f"cannot write {clause} as {dialect.name} SQL: {error}") from None
    raise RenderError(f"cannot render {clause!r} as SQL")


def text_expr(clause: object, dialect: Dialect) -> Expr:
    """``sa.text('...')`` holding the SQL of ``clause``."""
    return call("sa.text", string(sql_text(clause, dialect)))


def value_expr(value: object, dialect: Dialect) -> Expr:
    """A keyword argument's value: literals (with ``datetime`` and ``decimal`` values), types,
    SQL (as ``sa.text``), lists and dicts.

    Raises ``RenderError`` for values with no source form (objects, functions)."""
    if isinstance(value, enum.Enum):
        raise RenderError(f"cannot render the enum member {value!r}")
    if value is None or isinstance(value, bool | int | float):
        return Raw(repr(value))
    if isinstance(value, str):
        return string(value)
    if isinstance(value, datetime.date | datetime.time | datetime.timedelta):
        tzinfo = getattr(value, "tzinfo", None)
        if tzinfo is not None and not isinstance(tzinfo, datetime.timezone):
            raise RenderError(f"cannot render {value!r}: only datetime.timezone offsets")
        return Raw(repr(value), imports=frozenset({"import datetime"}))
    if isinstance(value, decimal.Decimal):
        return call("decimal.Decimal", string(str(value)), imports=["import decimal"])
    if isinstance(value, TypeEngine) or (isinstance(value, type) and issubclass(value, TypeEngine)):
        return type_expr(value, dialect)
    if isinstance(value, ClauseElement):
        return text_expr(value, dialect)
    if isinstance(value, list | tuple):
        return Seq(tuple(value_expr(item, dialect) for item in value))
    if isinstance(value, dict):
        pairs = tuple((value_expr(k, dialect), value_expr(v, dialect)) for k, v in value.items())
        return Seq(pairs=pairs, is_dict=True)
    raise RenderError(f"cannot render {value!r} ({type(value).__name__}) as Python source")


def kwargs_expr(items: Iterable[tuple[str, Any]], dialect: Dialect) -> list[tuple[str, Expr]]:
    """``(name, value)`` pairs rendered with ``value_expr``, sorted by name."""
    return [(name, value_expr(value, dialect)) for name, value in sorted(items)]


def _from_sqlalchemy(cls: type) -> bool:
    """True for SQLAlchemy's own classes (some, like ``Interval``, are ``TypeDecorator``s)."""
    return cls.__module__.split(".")[0] == "sqlalchemy"


def _public_sqlalchemy_name(cls: type) -> tuple[str, frozenset[str]] | None:
    """How ``cls`` (a SQLAlchemy class) is reached from a script, or None if it is private."""
    name = cls.__name__
    parts = cls.__module__.split(".")
    if len(parts) > 2 and parts[1] == "dialects":
        module = importlib.import_module(f"sqlalchemy.dialects.{parts[2]}")
        if getattr(module, name, None) is cls:
            return f"{parts[2]}.{name}", frozenset({f"from sqlalchemy.dialects import {parts[2]}"})
    if getattr(sa, name, None) is cls:
        return f"sa.{name}", frozenset()
    if getattr(sa.types, name, None) is cls:
        return f"sa.types.{name}", frozenset()
    return None


def class_ref(cls: type) -> tuple[str, frozenset[str]]:
    """The dotted name a script calls to build an instance of ``cls`` and the imports it
    needs. A private SQLAlchemy class is named by its nearest public base class.

    Raises ``RenderError`` for a class that cannot be imported (defined in ``__main__`` or
    inside a function)."""
    if _from_sqlalchemy(cls):
        for base in cls.__mro__:
            found = _public_sqlalchemy_name(base)
            if found is not None:
                return found
        raise RenderError(f"{cls.__module__}.{cls.__qualname__} has no public SQLAlchemy name")
    if cls.__module__ == "__main__" or "<locals>" in cls.__qualname__:
        raise RenderError(
            f"type {cls.__qualname__} is defined in {cls.__module__!r}, which a revision "
            "script cannot import; move it into a module"
        )
    return f"{cls.__module__}.{cls.__qualname__}", frozenset({f"import {cls.__module__}"})


def _same(value: object, default: object) -> bool:
    if value is default:
        return True
    try:
        return type(value) is type(default) and bool(value == default)
    except Exception:  # comparing arbitrary objects: unequal when it cannot be decided
        return False


def constructor_args(obj: object) -> tuple[list[object], list[tuple[str, object]]]:
    """Positional and keyword arguments that rebuild ``obj``: the parameters of its class's
    ``__init__`` read back from attributes of the same name; required ones positionally, the
    others only when they differ from their default. When ``__init__`` passes ``**kw`` on, the
    parameters of the parents' constructors that receive them count too (MySQL's
    ``VARCHAR(length, **kw)`` takes ``charset``/``collation``/``unsigned`` so); ``*values``
    kept under that name (MySQL's ``SET``) are written positionally. Private (``_x``)
    parameters and those without a matching attribute are left out."""
    from migguard.autogen.snapshot.types import signature_defaults, values_parameter

    positional: list[object] = []
    keywords: list[tuple[str, object]] = []
    parameters = list(inspect.signature(type(obj).__init__).parameters.values())[1:]
    values = values_parameter(type(obj))
    if values is not None and isinstance(getattr(obj, values, None), tuple):
        positional.extend(getattr(obj, values))
    seen = set()
    for parameter in parameters:
        if parameter.kind in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD):
            continue
        seen.add(parameter.name)
        if parameter.name.startswith("_") or not hasattr(obj, parameter.name):
            continue
        value = getattr(obj, parameter.name)
        if parameter.default is parameter.empty:
            positional.append(value)
        elif not _same(value, parameter.default):
            keywords.append((parameter.name, value))
    if any(parameter.kind is parameter.VAR_KEYWORD for parameter in parameters):
        # Typed as a plain class: the stubs' object.__hash__ hides that classes hash.
        cls: type = type(obj)
        for name, default in signature_defaults(cls):
            if name in seen or not hasattr(obj, name):
                continue
            value = getattr(obj, name)
            if default is not inspect.Parameter.empty and not _same(value, default):
                keywords.append((name, value))
    return positional, keywords


def _enum_args(type_: sa.Enum) -> tuple[list[object], list[tuple[str, object]]]:
    """``Enum`` (and ``postgresql.ENUM``) arguments: the values, then the settings that
    differ from the defaults; values of a Python enum class are written out as strings."""
    keywords: list[tuple[str, object]] = [("name", type_.name)] if type_.name else []
    if type_.schema is not None:
        keywords.append(("schema", type_.schema))
    if not type_.native_enum:
        keywords.append(("native_enum", False))
    if type_.create_constraint:
        keywords.append(("create_constraint", True))
    if type_.length != enum_default_length(type_):
        keywords.append(("length", type_.length))
    if enum_inherits_schema(type_):
        keywords.append(("inherit_schema", True))
    if type_.validate_strings:
        keywords.append(("validate_strings", True))
    takes_create_type = "create_type" in inspect.signature(type(type_).__init__).parameters
    if takes_create_type and not getattr(type_, "create_type", True):
        keywords.append(("create_type", False))
    return list(type_.enums), keywords


def type_expr(type_: TypeEngine[Any] | type[TypeEngine[Any]], dialect: Dialect) -> Call:
    """A type as a constructor call (see the module docstring); variants made with
    ``with_variant`` follow as chained ``.with_variant(...)`` calls.

    Raises ``RenderError`` for types whose class or arguments cannot be written."""
    type_ = sa.types.to_instance(type_)
    if isinstance(type_, sa.TypeDecorator) and not _from_sqlalchemy(type(type_)):
        return _decorator_expr(type_, dialect)
    func, imports = class_ref(type(type_))
    if isinstance(type_, sa.Enum):
        positional, keywords = _enum_args(type_)
    else:
        positional, keywords = constructor_args(type_)
    expr = call(
        func,
        *(value_expr(value, dialect) for value in positional),
        kwargs=[(name, value_expr(value, dialect)) for name, value in keywords],
        imports=imports,
    )
    for variant_dialect, variant in type_variants(type_).items():
        variant_expr = type_expr(variant, dialect)
        expr = call(
            f"{flat(expr)}.with_variant",
            variant_expr,
            string(variant_dialect),
            imports=imports | frozenset(expr.imports),
        )
    return expr


def _decorator_expr(type_: sa.TypeDecorator[Any], dialect: Dialect) -> Call:
    impl = type_.load_dialect_impl(dialect)
    rendered = type_expr(impl, dialect)
    cls = type(type_)
    note = (
        f"{cls.__module__}.{cls.__qualname__} is a TypeDecorator: written as the type it "
        f"stores on {dialect.name}, {flat(rendered)}"
    )
    return rendered._replace(comments=(note, *rendered.comments))


def server_default_expr(value: object, dialect: Dialect) -> Expr:
    """A server default as ``sa.text('SQL')``: ``sa.text("'pending'")`` for a string
    (quoted by the dialect), ``sa.text('now()')`` for SQL text, and a SQLAlchemy expression
    (``sa.func.now()``) compiled for ``dialect``. ``None`` (no default) renders as ``None``.

    A string whose quoted form would look like a bound parameter to ``text()``
    (``':name'``) is left a plain string, which SQLAlchemy quotes the same way."""
    from migguard.ops.ddl import default_sql

    if isinstance(value, sa.DefaultClause):
        value = value.arg
    if value is None:
        return Raw("None")
    if isinstance(value, TextClause):
        return call("sa.text", string(value.text))
    if isinstance(value, str | ClauseElement):
        sql = default_sql(dialect, value)
        if sql is None:
            return Raw("None")
        if isinstance(value, str) and _looks_bound(sql):
            return string(value)
        return call("sa.text", string(sql))
    if isinstance(value, sa.FetchedValue):
        return call("sa.FetchedValue")
    raise RenderError(f"cannot render the server default {value!r}")


def _looks_bound(sql: str) -> bool:
    """True when ``text(sql)`` would take part of ``sql`` for a ``:name`` parameter."""
    import re

    return re.search(r"(?<![:\w\\]):\w", sql) is not None

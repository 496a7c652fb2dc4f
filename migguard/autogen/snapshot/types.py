"""SQLAlchemy types as data (``TypeSpec``) and back.

``type_spec`` describes a type by its class and the constructor arguments that differ from their
defaults, found by matching the class's ``__init__`` signature against the instance's
attributes (the same idea SQLAlchemy's own type ``repr`` rests on). ``build_type`` rebuilds the
type, importing its class only from SQLAlchemy's type modules: a snapshot never names code to
run.
"""

from __future__ import annotations

import functools
import importlib
import inspect
import re
from collections.abc import Hashable, Iterator
from typing import TYPE_CHECKING, Any

from migguard.autogen.snapshot.records import TypeSpec, Value
from migguard.sqlalchemy_private import enum_default_length, type_variants

if TYPE_CHECKING:
    from sqlalchemy.engine import Dialect
    from sqlalchemy.types import TypeEngine

__all__ = ["TypeNotAllowedError", "TypeSpec", "build_type", "canonical_type_sql", "type_spec"]

_ALLOWED_MODULES = frozenset({"sqlalchemy.sql.sqltypes", "sqlalchemy.types"})
_ALLOWED_PREFIX = "sqlalchemy.dialects."
_SCALARS = (bool, int, float, str, type(None))
# Enum keeps its options in attributes its ``__init__(*enums, **kw)`` signature does not name;
# these are the ones that shape the database type, with their defaults.
_ENUM_OPTIONS: tuple[tuple[str, Any], ...] = (
    ("schema", None),
    ("native_enum", True),
    ("create_constraint", False),
    ("validate_strings", False),
    ("create_type", True),
)


class TypeNotAllowedError(ValueError):
    """A ``TypeSpec`` names a class outside SQLAlchemy's type modules, or not a type."""


def type_spec(
    type_: TypeEngine[Any], dialect: Dialect, memo: dict[Hashable, TypeSpec] | None = None
) -> TypeSpec:
    """Describe ``type_`` as the database of ``dialect`` sees it.

    A variant (``with_variant``) is resolved for the dialect, and a ``TypeDecorator`` is replaced
    by the type it loads for the dialect (``load_dialect_impl``): a snapshot records the
    database-level type, not the Python-side wrapper. Constructor values that cannot be written
    as JSON (callables, Python enum classes) are left out; they affect Python behaviour, not DDL.

    Args:
        type_: the type (a column's).
        dialect: the database the description is for.
        memo: a dict kept across calls for the same ``dialect`` (a whole ``MetaData``): a type
            whose instance attributes are all plain scalars (``String(40)``, ``Integer()``) is
            described once per class and attributes, the description being a function of
            those alone; other types (variants, decorators, enums) are described every time.

    Returns a ``TypeSpec`` whose ``compiled`` is the type's DDL for ``dialect`` passed through
    ``canonical_type_sql``, or ``None`` when the dialect cannot render the type (``ARRAY`` on
    SQLite, an unrecognised reflected type).
    """
    key = _memo_key(type_) if memo is not None else None
    if key is not None:
        assert memo is not None
        known = memo.get(key)
        if known is None:
            known = memo[key] = type_spec(type_, dialect)
        return known
    type_ = database_type(type_, dialect)
    return TypeSpec(
        module=type(type_).__module__,
        name=type(type_).__name__,
        args=tuple(_constructor_args(type_, dialect)),
        compiled=_compiled(type_, dialect),
    )


def _memo_key(type_: TypeEngine[Any]) -> Hashable | None:
    """``(class, ((attribute, value type, value), ...))`` when every instance attribute of
    ``type_`` is a scalar (the value's type is part of the key: ``True == 1``), else ``None``."""
    try:
        attributes = vars(type_)
    except TypeError:
        return None
    items = []
    for name, value in attributes.items():
        if not isinstance(value, _SCALARS):
            return None
        items.append((name, type(value), value))
    return (type(type_), tuple(items))


def build_type(spec: TypeSpec) -> TypeEngine[Any]:
    """Rebuild the SQLAlchemy type ``spec`` describes (``compiled`` is not used).

    Raises ``TypeNotAllowedError`` when ``spec.module`` is not ``sqlalchemy.sql.sqltypes``,
    ``sqlalchemy.types`` or a module under ``sqlalchemy.dialects``, or when the name there is not
    a ``TypeEngine`` subclass; ``TypeError`` when the arguments do not fit the constructor.
    """
    from sqlalchemy.types import Enum, TypeEngine

    cls = _load_class(spec.module, spec.name)
    if not (isinstance(cls, type) and issubclass(cls, TypeEngine)):
        raise TypeNotAllowedError(f"{spec.module}.{spec.name} is not a SQLAlchemy type")
    kwargs = {key: _build_value(value) for key, value in spec.args}
    if issubclass(cls, Enum):
        labels = kwargs.pop("enums", ())
        return cls(*labels, **kwargs)
    values = values_parameter(cls)
    if values is not None and values in kwargs:
        return cls(*kwargs.pop(values), **kwargs)
    return cls(**kwargs)


def values_parameter(cls: type) -> str | None:
    """The name of the ``*values`` parameter of the type's constructor when the type keeps
    them under that name (MySQL's ``SET(*values)``), else None. Cached per class: reflection
    asks once per column."""
    return _values_parameter(cls)


@functools.cache
def _values_parameter(cls: type) -> str | None:
    try:
        # The class's own constructor, or the one it inherits (looked up on the class).
        init = next(vars(klass)["__init__"] for klass in cls.__mro__ if "__init__" in vars(klass))
        parameters = inspect.signature(init).parameters
    except (TypeError, ValueError):
        return None
    return next(
        (p.name for p in parameters.values() if p.kind is inspect.Parameter.VAR_POSITIONAL),
        None,
    )


def canonical_type_sql(sql: str, dialect_name: str) -> str:
    """``sql`` (a compiled type) with spellings the database treats as the same type replaced
    by the one it reports back. On PostgreSQL: ``FLOAT`` and ``FLOAT(25..53)`` are
    ``DOUBLE PRECISION``, ``FLOAT(1..24)`` is ``REAL`` (https://www.postgresql.org/docs/current/
    datatype-numeric.html#DATATYPE-FLOAT), ``DECIMAL`` is ``NUMERIC`` (same page, "The types
    decimal and numeric are equivalent") and a bare ``CHAR`` is ``CHAR(1)``
    (https://www.postgresql.org/docs/current/datatype-character.html); an array of any declared
    size or number of dimensions is ``T[]`` ("the current implementation ignores any supplied
    array size limits ... the declared number of dimensions", https://www.postgresql.org/docs/
    current/arrays.html#ARRAYS-DECLARATION). SQLite reports a column's declared type text as
    written, so nothing changes there."""
    if dialect_name != "postgresql":
        return sql
    sql = re.sub(r"(?:\[\d*\])+$", "[]", sql)
    float_match = re.fullmatch(r"FLOAT(?:\((\d+)\))?", sql)
    if float_match:
        bits = float_match.group(1)
        return "REAL" if bits is not None and int(bits) <= 24 else "DOUBLE PRECISION"
    if sql == "CHAR":
        return "CHAR(1)"
    return re.sub(r"^DECIMAL\b", "NUMERIC", sql)


def database_type(type_: TypeEngine[Any], dialect: Dialect) -> TypeEngine[Any]:
    """The type the database of ``dialect`` gets for ``type_``: the dialect's variant if any,
    and for a ``TypeDecorator`` defined outside SQLAlchemy, the type it loads."""
    from sqlalchemy.types import TypeDecorator

    for _ in range(20):  # decorators may wrap decorators; a cycle would be a bug in the model
        variant = type_variants(type_).get(dialect.name)
        if variant is not None:
            type_ = variant
        elif isinstance(type_, TypeDecorator) and not _allowed(type(type_).__module__):
            # SQLAlchemy's own decorators (Interval, PickleType) stay: they rebuild and
            # compile to the native type themselves; a user's decorator is replaced.
            type_ = type_.load_dialect_impl(dialect)
        else:
            break
    return type_


def _compiled(type_: TypeEngine[Any], dialect: Dialect) -> str | None:
    from sqlalchemy.exc import CompileError

    try:
        sql = type_.compile(dialect=dialect)
    except CompileError:
        return None
    return canonical_type_sql(sql, dialect.name)


def _constructor_args(type_: TypeEngine[Any], dialect: Dialect) -> Iterator[tuple[str, Value]]:
    from sqlalchemy.types import Enum

    if isinstance(type_, Enum):
        yield ("enums", tuple(type_.enums))
        yield ("name", type_.name)
        candidates: list[tuple[str, Any]] = list(_ENUM_OPTIONS)
        if type_.length != enum_default_length(type_):
            candidates.append(("length", None))
    else:
        # Typed as a plain class: the stubs' TypeEngine.__hash__ hides that classes hash.
        cls: type = type(type_)
        candidates = list(signature_defaults(cls))
        values = values_parameter(cls)
        if values is not None and isinstance(getattr(type_, values, None), tuple):
            yield (values, tuple(getattr(type_, values)))
    own = vars(type_)
    for key, default in candidates:
        if not hasattr(type_, key):
            continue
        value = getattr(type_, key)
        if key not in own and value is getattr(type(type_), key, None):
            continue  # a class-level default the constructor left alone
        if default is not inspect.Parameter.empty and _same(value, default):
            continue
        encoded = _encode(value, dialect)
        if encoded is not _UNREPRESENTABLE:
            yield (key, encoded)


@functools.cache
def signature_defaults(cls: type) -> tuple[tuple[str, Any], ...]:
    """``(parameter, default)`` of the constructors along the class's MRO, moving to the next
    class only while the current ``__init__`` passes ``**kw`` on; private parameters skipped.
    Cached per class: reflection asks once per column."""
    return tuple(_walk_signatures(cls))


def _walk_signatures(cls: type) -> Iterator[tuple[str, Any]]:
    from sqlalchemy.types import TypeEngine

    seen: set[str] = set()
    for klass in cls.__mro__:
        if klass is TypeEngine or klass is object:
            return
        if "__init__" not in vars(klass):
            continue
        try:
            parameters = inspect.signature(vars(klass)["__init__"]).parameters.values()
        except (TypeError, ValueError):
            return
        passes_on = False
        for parameter in list(parameters)[1:]:
            if parameter.kind is inspect.Parameter.VAR_KEYWORD:
                passes_on = True
            elif (
                parameter.kind in (parameter.POSITIONAL_OR_KEYWORD, parameter.KEYWORD_ONLY)
                and not parameter.name.startswith("_")
                and parameter.name not in seen
            ):
                seen.add(parameter.name)
                yield parameter.name, parameter.default
        if not passes_on:
            return


_UNREPRESENTABLE: Any = object()


def _encode(value: Any, dialect: Dialect) -> Any:
    from sqlalchemy.types import TypeEngine

    if isinstance(value, _SCALARS):
        return value
    if isinstance(value, type) and issubclass(value, TypeEngine):
        value = value()
    if isinstance(value, TypeEngine):
        return type_spec(value, dialect)
    if isinstance(value, list | tuple):
        items = tuple(_encode(item, dialect) for item in value)
        return _UNREPRESENTABLE if _UNREPRESENTABLE in items else items
    return _UNREPRESENTABLE


def _same(value: Any, default: Any) -> bool:
    if value is default:
        return True
    return isinstance(value, _SCALARS) and type(value) is type(default) and bool(value == default)


def _build_value(value: Value) -> Any:
    if isinstance(value, TypeSpec):
        return build_type(value)
    if isinstance(value, tuple):
        return tuple(_build_value(item) for item in value)
    return value


def _load_class(module_name: str, name: str) -> object:
    if not _allowed(module_name):
        raise TypeNotAllowedError(
            f"type {module_name}.{name} is outside SQLAlchemy's type modules; "
            "snapshots only rebuild SQLAlchemy's own types"
        )
    # A later SQLAlchemy may move a class to another module of the same package: look in the
    # recorded module first, then in its parents (``sqlalchemy.dialects.postgresql``).
    parts = module_name.split(".")
    for end in range(len(parts), 1, -1):
        candidate = ".".join(parts[:end])
        if not _allowed(candidate):
            break
        try:
            module = importlib.import_module(candidate)
        except ImportError:
            continue
        if hasattr(module, name):
            return getattr(module, name)
    raise TypeNotAllowedError(f"no type {name} in {module_name}")


def _allowed(module_name: str) -> bool:
    return module_name in _ALLOWED_MODULES or module_name.startswith(_ALLOWED_PREFIX)

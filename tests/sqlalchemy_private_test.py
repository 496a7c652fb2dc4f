"""SQLAlchemy's private API is reached through ``migguard/sqlalchemy_private.py`` only.

The names checked are every single-underscore attribute or constructor argument of
SQLAlchemy's public classes
(``sqlalchemy``, ``sqlalchemy.schema``, ``sqlalchemy.types``, ``sqlalchemy.sql.elements``),
found in migguard's source as an attribute (``x._copy()``), a ``getattr``/``hasattr`` name, a
keyword argument (``_table=``), or an import of a private name from ``sqlalchemy``. Attributes
of ``self``/``cls`` are migguard's own, and the named-tuple API (``_replace``, ``_fields``...)
is public.
"""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import sqlalchemy
import sqlalchemy.schema
import sqlalchemy.sql.elements
import sqlalchemy.types

import migguard
import migguard.sqlalchemy_private

# Documented public API of named tuples (and SQLAlchemy's ``Row``), underscore or not.
_NAMED_TUPLE_API = frozenset({"_replace", "_fields", "_make", "_asdict", "_field_defaults"})
_ACCESSORS = frozenset({"getattr", "hasattr", "setattr"})


def _init_parameters(cls: type) -> list[str]:
    try:
        return list(inspect.signature(cls.__init__).parameters)
    except (TypeError, ValueError):  # a C-level __init__ has no signature to read
        return []


def sqlalchemy_private_names() -> frozenset[str]:
    """The single-underscore attribute and constructor-argument names of SQLAlchemy's public
    classes."""
    names: set[str] = set()
    for module in (sqlalchemy, sqlalchemy.schema, sqlalchemy.types, sqlalchemy.sql.elements):
        for _, value in inspect.getmembers(module, inspect.isclass):
            if value.__module__.startswith("sqlalchemy"):
                names |= {
                    name
                    for name in dir(value)
                    if name.startswith("_") and not name.startswith("__")
                }
                names |= {
                    name
                    for name in _init_parameters(value)
                    if name.startswith("_") and not name.startswith("__")
                }
    for instance in _sample_objects():
        names |= {name for name in vars(instance) if name.startswith("_")}
    return frozenset(names - _NAMED_TUPLE_API)


def _sample_objects() -> list[object]:
    """SQLAlchemy objects of the kinds migguard handles, for the private attributes that
    exist on instances only (``Enum._default_length``)."""
    metadata = sqlalchemy.MetaData()
    table = sqlalchemy.Table(
        "t",
        metadata,
        sqlalchemy.Column("id", sqlalchemy.Integer, primary_key=True),
        sqlalchemy.Column("flag", sqlalchemy.Boolean(create_constraint=True)),
        sqlalchemy.Column("kind", sqlalchemy.Enum("a", "b", create_constraint=True)),
        sqlalchemy.Column("parent", sqlalchemy.ForeignKey("t.id")),
        sqlalchemy.CheckConstraint("id > 0"),
        sqlalchemy.UniqueConstraint("kind"),
        sqlalchemy.Index("ix_t_kind", "kind"),
    )
    return [
        table,
        *table.columns,
        *table.constraints,
        *table.indexes,
        *table.foreign_keys,
        *(column.type for column in table.columns),
        sqlalchemy.text("select :a"),
    ]


def private_uses(path: Path, private: frozenset[str]) -> list[str]:
    """``file:line: name`` for each use of a name of ``private`` in the module at ``path``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in private:
            owner = node.value
            if not (isinstance(owner, ast.Name) and owner.id in ("self", "cls")):
                found.append((node.lineno, node.attr))
        elif isinstance(node, ast.Call):
            function = node.func
            if isinstance(function, ast.Name) and function.id in _ACCESSORS:
                found += [
                    (arg.lineno, arg.value)
                    for arg in node.args[1:2]
                    if isinstance(arg, ast.Constant) and arg.value in private
                ]
            found += [(node.lineno, kw.arg) for kw in node.keywords if kw.arg in private]
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("sqlalchemy"):
            found += [
                (node.lineno, alias.name) for alias in node.names if alias.name.startswith("_")
            ]
    return [f"{path}:{line}: {name}" for line, name in sorted(found)]


def test_only_the_compatibility_module_touches_sqlalchemy_private_names() -> None:
    private = sqlalchemy_private_names()
    package = Path(migguard.__file__).parent
    allowed = Path(migguard.sqlalchemy_private.__file__)
    uses = [
        use
        for path in sorted(package.rglob("*.py"))
        if path != allowed
        for use in private_uses(path, private)
    ]
    assert not uses, "SQLAlchemy private names outside sqlalchemy_private.py:\n" + "\n".join(uses)


def test_the_check_sees_each_kind_of_use(tmp_path: Path) -> None:
    source = tmp_path / "sample.py"
    source.write_text(
        "from sqlalchemy.sql.base import _NoneName\n"
        "column._copy()\n"
        "getattr(type_, '_variant_mapping', None)\n"
        "Index('ix', _table=table)\n"
        "self._copy()\n"
        "config._replace(url=None)\n",
        encoding="utf-8",
    )
    uses = private_uses(source, sqlalchemy_private_names())
    assert [use.split(": ", 1)[1] for use in uses] == [
        "_NoneName",
        "_copy",
        "_variant_mapping",
        "_table",
    ]

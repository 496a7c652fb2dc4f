"""A snapshot saved as JSON and loaded back (the pre-commit check's cache).

JSON shape (``snapshot_to_json``), one object::

    {"format": 1, "sqlalchemy": "2.1.9", "dialect": "postgresql",
     "tables": [{"schema": null, "name": "users",
                 "columns": [{"name": "id", "type": TYPE, "nullable": false,
                              "server_default": null, "autoincrement": true,
                              "identity": [["always", false], ["start", 1], ...] | null,
                              "comment": null, "computed": null, "persisted": null}, ...],
                 "primary_key": {"name": "users_pkey", "columns": ["id"]} | null,
                 "foreign_keys": [{"name", "columns", "referred_schema", "referred_table",
                                   "referred_columns", "ondelete", "onupdate", "deferrable",
                                   "initially"}, ...],
                 "indexes": [{"name", "columns", "expressions", "unique",
                              "dialect_options": [[key, value], ...],
                              "sorting": [[element, ["desc"]], ...]}, ...],
                 "uniques": [{"name", "columns"}], "checks": [{"name", "sqltext"}],
                 "comment": null}, ...],
     "enums": [{"schema": null, "name": "status", "labels": ["new", "paid"]}],
     "schemas": ["audit"]}

    TYPE = {"module": "sqlalchemy.sql.sqltypes", "name": "String",
            "args": [["length", 255]], "compiled": "VARCHAR(255)"}

Every object has exactly its record's fields; tuples are arrays and key/value pairs are
two-element arrays. Inside ``args`` an object is always a nested TYPE (``ARRAY``'s
``item_type``). A snapshot written by another format version or another SQLAlchemy version
(compiled types may differ between them) fails to load with ``SnapshotVersionError``.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from dataclasses import fields
from typing import Any

from migguard.autogen.snapshot.records import (
    CheckInfo,
    ColumnInfo,
    EnumInfo,
    ForeignKeyInfo,
    IndexInfo,
    PrimaryKeyInfo,
    Snapshot,
    TableInfo,
    TypeSpec,
    UniqueInfo,
    Value,
)
from migguard.collector import collector_paused

__all__ = [
    "FORMAT_VERSION",
    "SnapshotFormatError",
    "SnapshotVersionError",
    "snapshot_from_json",
    "snapshot_to_json",
    "sqlalchemy_version",
]

FORMAT_VERSION = 2


class SnapshotFormatError(ValueError):
    """The text is not a snapshot this version of migguard wrote."""


class SnapshotVersionError(SnapshotFormatError):
    """The snapshot was written with another format or SQLAlchemy version: treat it as
    missing (a cache miss) and take a new one."""


def snapshot_to_json(snapshot: Snapshot) -> str:
    """``snapshot`` as one line of JSON (the shape in this module's docstring); equal
    snapshots give identical text, so the text can be hashed."""
    document = {
        "format": FORMAT_VERSION,
        "sqlalchemy": sqlalchemy_version(),
        "dialect": snapshot.dialect,
        "tables": snapshot.tables,
        "enums": snapshot.enums,
        "schemas": snapshot.schemas,
    }
    # The encoder writes tuples as arrays itself and asks _record for each record, so the
    # whole snapshot is walked once, in C, instead of copied into lists and dicts first.
    return json.dumps(document, ensure_ascii=False, separators=(",", ":"), default=_record)


def snapshot_from_json(text: str) -> Snapshot:
    """The snapshot ``text`` holds; equal to the one that was saved.

    Raises ``SnapshotVersionError`` when it was written by another format version or another
    SQLAlchemy version, and ``SnapshotFormatError`` when it is not a snapshot at all.
    """
    # A 500-table snapshot is about a hundred thousand acyclic objects: see collector_paused.
    with collector_paused():
        return _snapshot_from_json(text)


def _snapshot_from_json(text: str) -> Snapshot:
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise SnapshotFormatError(f"snapshot is not valid JSON: {error}") from error
    if not isinstance(document, dict) or "format" not in document:
        raise SnapshotFormatError("not a migguard snapshot (no format version)")
    if document["format"] != FORMAT_VERSION:
        raise SnapshotVersionError(
            f"snapshot format {document['format']!r} is not the supported {FORMAT_VERSION}"
        )
    if document.get("sqlalchemy") != sqlalchemy_version():
        raise SnapshotVersionError(
            f"snapshot taken with SQLAlchemy {document.get('sqlalchemy')}, "
            f"running {sqlalchemy_version()}"
        )
    try:
        return Snapshot(
            dialect=document["dialect"],
            tables=tuple(_table(table) for table in document["tables"]),
            enums=tuple(
                EnumInfo(e["schema"], e["name"], tuple(e["labels"])) for e in document["enums"]
            ),
            schemas=tuple(str(name) for name in document["schemas"]),
        )
    except (KeyError, TypeError, AttributeError, ValueError) as error:
        raise SnapshotFormatError(f"malformed snapshot: {type(error).__name__}: {error}") from error


@functools.cache
def sqlalchemy_version() -> str:
    """The installed SQLAlchemy's version: a snapshot's compiled types belong to it."""
    from importlib.metadata import version

    return version("sqlalchemy")


def _record(value: Any) -> dict[str, Any]:
    """A record (a snapshot dataclass) as a JSON object of its fields, in their order.

    Raises:
        TypeError: ``value`` is not a record (JSON cannot hold it).
    """
    kind = type(value)
    names = _FIELD_NAMES.get(kind)
    if names is None:
        if not hasattr(kind, "__dataclass_fields__"):
            raise TypeError(f"{kind.__name__} is not a snapshot record and cannot be saved as JSON")
        names = _FIELD_NAMES[kind] = tuple(f.name for f in fields(kind))
    return {name: getattr(value, name) for name in names}


# Each record class's field names, looked up once.
_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


def _table(data: Mapping[str, Any]) -> TableInfo:
    pk = data["primary_key"]
    return TableInfo(
        schema=data["schema"],
        name=data["name"],
        columns=tuple(_column(column) for column in data["columns"]),
        primary_key=PrimaryKeyInfo(pk["name"], tuple(pk["columns"])) if pk else None,
        foreign_keys=tuple(_foreign_key(fk) for fk in data["foreign_keys"]),
        indexes=tuple(_index(index) for index in data["indexes"]),
        uniques=tuple(
            UniqueInfo(u["name"], tuple(u["columns"]), _pairs(u["dialect_options"]))
            for u in data["uniques"]
        ),
        checks=tuple(CheckInfo(c["name"], c["sqltext"]) for c in data["checks"]),
        comment=data["comment"],
    )


def _column(data: Mapping[str, Any]) -> ColumnInfo:
    identity = data["identity"]
    return ColumnInfo(
        name=data["name"],
        type=_type(data["type"]),
        nullable=data["nullable"],
        server_default=data["server_default"],
        autoincrement=data["autoincrement"],
        identity=_pairs(identity) if identity is not None else None,
        comment=data["comment"],
        computed=data["computed"],
        persisted=data["persisted"],
    )


def _type(data: Mapping[str, Any]) -> TypeSpec:
    return TypeSpec(data["module"], data["name"], _pairs(data["args"]), data["compiled"])


def _foreign_key(data: Mapping[str, Any]) -> ForeignKeyInfo:
    return ForeignKeyInfo(
        name=data["name"],
        columns=tuple(data["columns"]),
        referred_schema=data["referred_schema"],
        referred_table=data["referred_table"],
        referred_columns=tuple(data["referred_columns"]),
        ondelete=data["ondelete"],
        onupdate=data["onupdate"],
        deferrable=data["deferrable"],
        initially=data["initially"],
    )


def _index(data: Mapping[str, Any]) -> IndexInfo:
    return IndexInfo(
        name=data["name"],
        columns=tuple(data["columns"]),
        expressions=tuple(data["expressions"]),
        unique=data["unique"],
        dialect_options=_pairs(data["dialect_options"]),
        sorting=tuple((key, tuple(flags)) for key, flags in data["sorting"]),
    )


def _pairs(data: list[list[Any]]) -> tuple[tuple[str, Value], ...]:
    return tuple((key, _value(value)) for key, value in data)


def _value(data: Any) -> Value:
    if isinstance(data, dict):
        return _type(data)
    if isinstance(data, list):
        return tuple(_value(item) for item in data)
    return data

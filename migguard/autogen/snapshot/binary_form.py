"""A snapshot as compact bytes and back: the form of the replay store.

Loading a 500-table snapshot from JSON builds a dict per record and looks every field up by
name; here each record is a plain tuple of its fields in declaration order, written with
:mod:`marshal` (which keeps tuples, lists, strings, ints, floats, bools and ``None`` apart and
loads them at C speed), so loading is one ``marshal.loads`` and one constructor call per record.

Layout::

    b"migguard-snapshot " FORMAT b" " SQLALCHEMY_VERSION b" " PYTHON b" " MARSHAL b"\\n"
    DIGEST (16 bytes, BLAKE2b of the payload)
    PAYLOAD (marshal of (dialect, types, columns, tables, enums, schemas))

* ``types``: every distinct ``TypeSpec`` once, as ``(module, name, args, compiled)``. Inside
  ``args`` (and other pair values) a ``TypeSpec`` is a *list* ``[module, name, args,
  compiled]``, every tuple a tuple: marshal keeps the two apart.
* ``columns``: every distinct ``ColumnInfo`` once (tables repeat a few shapes: ``id``,
  ``created_at``), as ``(name, type position, nullable, server_default, autoincrement,
  identity, comment, computed, persisted)``; loaded once, shared by the tables that have it
  (records are immutable).
* ``tables``: ``(schema, name, column positions, primary_key, foreign_keys, indexes, uniques,
  checks, comment)``, the other records as their fields in order.
* ``enums``: ``(schema, name, labels)``; ``schemas``: names.

Marshal's format belongs to one Python version, and compiled types to one SQLAlchemy version:
bytes written under others fail with ``SnapshotVersionError``. Damage (a truncated or altered
file) fails the digest check with ``SnapshotFormatError``: a payload is never loaded unless
it is byte for byte the one written. The digest is no defence against someone who can write
the cache file, and neither is JSON: they could as well edit the models.
"""

from __future__ import annotations

import hashlib
import marshal
import sys
from collections.abc import Callable
from functools import partial
from typing import Any

from migguard.autogen.snapshot.errors import SnapshotFormatError, SnapshotVersionError
from migguard.autogen.snapshot.records import (
    CheckInfo,
    ColumnInfo,
    EnumInfo,
    ForeignKeyInfo,
    IndexInfo,
    Pairs,
    PrimaryKeyInfo,
    Snapshot,
    TableInfo,
    TypeSpec,
    UniqueInfo,
    Value,
)
from migguard.collector import collector_paused

__all__ = ["BINARY_FORMAT", "snapshot_from_bytes", "snapshot_to_bytes"]

BINARY_FORMAT = 1
_MAGIC = b"migguard-snapshot "
_DIGEST_SIZE = 16


def snapshot_to_bytes(snapshot: Snapshot) -> bytes:
    """``snapshot`` in the layout of this module's docstring. The bytes are not meant for
    hashing or comparing: marshal may write shared objects by reference."""
    types = _Rows()
    columns = _Rows()
    tables = tuple(_dump_table(table, columns, types) for table in snapshot.tables)
    plain = (
        snapshot.dialect,
        tuple(types.rows),
        tuple(columns.rows),
        tables,
        tuple((e.schema, e.name, e.labels) for e in snapshot.enums),
        snapshot.schemas,
    )
    try:
        payload = marshal.dumps(plain)
    except ValueError:
        # Marshal takes exact built-in types only; names from models are often SQLAlchemy's
        # ``quoted_name`` (a ``str`` subclass), loaded back as the ``str`` they equal.
        payload = marshal.dumps(_exact(plain))
    return _header() + _digest(payload) + payload


def snapshot_from_bytes(data: bytes) -> Snapshot:
    """The snapshot ``data`` holds; equal to the one that was saved.

    Raises:
        SnapshotVersionError: written by another format version, Python version (marshal) or
            SQLAlchemy version: a cache miss, take a new snapshot.
        SnapshotFormatError: not a snapshot in this form, or damaged (the digest does not
            match the payload).
    """
    if not data.startswith(_MAGIC):
        raise SnapshotFormatError("not a migguard snapshot in binary form")
    header_end = data.find(b"\n")
    if header_end < 0:
        raise SnapshotFormatError("damaged snapshot: the header does not end")
    header = data[: header_end + 1]
    if header != _header():
        written = header[len(_MAGIC) : -1].decode("ascii", "replace")
        raise SnapshotVersionError(
            f"snapshot written as {written!r}, not the supported {_header_fields()!r}"
        )
    digest = data[header_end + 1 : header_end + 1 + _DIGEST_SIZE]
    payload = data[header_end + 1 + _DIGEST_SIZE :]
    if digest != _digest(payload):
        raise SnapshotFormatError("damaged snapshot: its digest does not match its contents")
    try:
        with collector_paused(
            long_lived=True
        ):  # tens of thousands of acyclic objects: see collector_paused
            return _load(payload)
    except (EOFError, ValueError, TypeError, IndexError) as error:
        # Only a payload written by another build of this module can get here (the digest
        # matched): still a miss, never a crash.
        raise SnapshotFormatError(f"malformed snapshot: {type(error).__name__}: {error}") from error


def _load(payload: bytes) -> Snapshot:
    dialect, types, column_rows, tables, enums, schemas = marshal.loads(payload)
    specs = [_load_type(spec) for spec in types]
    columns = [_load_column(column, specs) for column in column_rows]
    return Snapshot(
        dialect=dialect,
        tables=tuple(_load_table(table, columns) for table in tables),
        enums=tuple(EnumInfo(*enum) for enum in enums),
        schemas=tuple(schemas),
    )


def _header_fields() -> str:
    python = f"{sys.implementation.name}{sys.version_info[0]}.{sys.version_info[1]}"
    return f"{BINARY_FORMAT} {_sqlalchemy_version()} {python} {marshal.version}"


def _sqlalchemy_version() -> str:
    """The installed SQLAlchemy's version: a snapshot's compiled types belong to it."""
    from importlib.metadata import version

    return version("sqlalchemy")


def _header() -> bytes:
    return _MAGIC + _header_fields().encode("ascii") + b"\n"


def _digest(payload: bytes) -> bytes:
    return hashlib.blake2b(payload, digest_size=_DIGEST_SIZE).digest()


# --- writing -------------------------------------------------------------------------------------


class _Rows:
    """Distinct rows, each written once and referred to by position.

    Rows are told apart by their marshal bytes, not by ``==``: equal records may hold values
    that only compare equal (``1``, ``1.0`` and ``True``), and each must load back as written.
    A record met again as the same object (a loaded snapshot shares its column and type
    records between tables) is not dumped again.
    """

    def __init__(self) -> None:
        self.rows: list[tuple[Any, ...]] = []
        self._positions: dict[bytes, int] = {}
        # Records by id(): they are all alive (held by the snapshot) while it is written.
        self._seen: dict[int, int] = {}

    def position_of(self, record: object, dump: Callable[[], tuple[Any, ...]]) -> int:
        """The position of ``record``, whose row ``dump()`` makes."""
        position = self._seen.get(id(record))
        if position is None:
            position = self._seen[id(record)] = self._position(dump())
        return position

    def _position(self, row: tuple[Any, ...]) -> int:
        try:
            key = marshal.dumps(row)
        except ValueError:  # a ``quoted_name`` or other subclass: see snapshot_to_bytes
            row = _exact(row)
            key = marshal.dumps(row)
        position = self._positions.get(key)
        if position is None:
            position = self._positions[key] = len(self.rows)
            self.rows.append(row)
        return position


def _dump_table(table: TableInfo, columns: _Rows, types: _Rows) -> tuple[Any, ...]:
    pk = table.primary_key
    return (
        table.schema,
        table.name,
        tuple(
            columns.position_of(column, partial(_dump_column, column, types))
            for column in table.columns
        ),
        (pk.name, pk.columns) if pk is not None else None,
        tuple(
            (
                fk.name,
                fk.columns,
                fk.referred_schema,
                fk.referred_table,
                fk.referred_columns,
                fk.ondelete,
                fk.onupdate,
                fk.deferrable,
                fk.initially,
            )
            for fk in table.foreign_keys
        ),
        tuple(
            (
                index.name,
                index.columns,
                index.expressions,
                index.unique,
                _dump_pairs(index.dialect_options),
                index.sorting,
            )
            for index in table.indexes
        ),
        tuple(
            (unique.name, unique.columns, _dump_pairs(unique.dialect_options))
            for unique in table.uniques
        ),
        tuple((check.name, check.sqltext) for check in table.checks),
        table.comment,
    )


def _dump_column(column: ColumnInfo, types: _Rows) -> tuple[Any, ...]:
    return (
        column.name,
        types.position_of(column.type, partial(_dump_type, column.type)),
        column.nullable,
        column.server_default,
        column.autoincrement,
        _dump_pairs(column.identity) if column.identity is not None else None,
        column.comment,
        column.computed,
        column.persisted,
    )


def _dump_type(spec: TypeSpec) -> tuple[Any, ...]:
    return (spec.module, spec.name, _dump_pairs(spec.args), spec.compiled)


def _dump_pairs(pairs: Pairs) -> tuple[tuple[str, Any], ...]:
    return tuple((key, _dump_value(value)) for key, value in pairs)


def _dump_value(value: Value) -> Any:
    if isinstance(value, TypeSpec):
        return list(_dump_type(value))
    if isinstance(value, tuple):
        return tuple(_dump_value(item) for item in value)
    return value


def _exact(data: Any) -> Any:
    """``data`` with every ``str``, ``int`` and ``float`` of a subclass made the exact type
    (``bool`` stays ``bool``), tuples and lists rebuilt."""
    if isinstance(data, tuple):
        return tuple(_exact(item) for item in data)
    if isinstance(data, list):
        return [_exact(item) for item in data]
    if data is None or type(data) in (str, int, float, bool):
        return data
    if isinstance(data, str):
        return str.__str__(data)
    if isinstance(data, int):
        return int(data)
    if isinstance(data, float):
        return float(data)
    raise ValueError(f"a snapshot holds no {type(data).__name__}")


# --- reading -------------------------------------------------------------------------------------


def _load_table(data: tuple[Any, ...], columns: list[ColumnInfo]) -> TableInfo:
    schema, name, positions, pk, foreign_keys, indexes, uniques, checks, comment = data
    return TableInfo(
        schema,
        name,
        tuple(columns[position] for position in positions),
        PrimaryKeyInfo(*pk) if pk is not None else None,
        tuple(ForeignKeyInfo(*fk) for fk in foreign_keys),
        tuple(
            IndexInfo(name, columns, expressions, unique, _load_pairs(options), sorting)
            for name, columns, expressions, unique, options, sorting in indexes
        ),
        tuple(
            UniqueInfo(name, columns, _load_pairs(options)) for name, columns, options in uniques
        ),
        tuple(CheckInfo(*check) for check in checks),
        comment,
    )


def _load_column(data: tuple[Any, ...], specs: list[TypeSpec]) -> ColumnInfo:
    name, position, nullable, default, autoincrement, identity, comment, computed, persisted = data
    return ColumnInfo(
        name,
        specs[position],
        nullable,
        default,
        autoincrement,
        _load_pairs(identity) if identity is not None else None,
        comment,
        computed,
        persisted,
    )


def _load_type(data: tuple[Any, ...] | list[Any]) -> TypeSpec:
    module, name, args, compiled = data
    return TypeSpec(module, name, _load_pairs(args), compiled)


def _load_pairs(data: tuple[tuple[str, Any], ...]) -> Pairs:
    # Most pairs hold scalars only: those tuples are taken as they are.
    if all(not isinstance(value, tuple | list) for _, value in data):
        return data
    return tuple((key, _load_value(value)) for key, value in data)


def _load_value(data: Any) -> Value:
    if isinstance(data, list):
        return _load_type(data)
    if isinstance(data, tuple):
        return tuple(_load_value(item) for item in data)
    return data

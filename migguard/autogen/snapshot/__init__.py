"""Snapshots: a database (or the models) as plain data, saved as bytes and loaded back.

The bottom of autogenerate: the diff compares two snapshots, and nothing here knows of the diff
or the renderer. Modules:

* ``records``: the immutable records a snapshot is made of (no SQLAlchemy import).
* ``types``: SQLAlchemy types as data (``TypeSpec``) and back.
* ``reflect``, ``sqlite_sql``: reading a database through SQLAlchemy's multi-table reflection,
  and SQLite's stored ``CREATE INDEX`` statements.
* ``from_metadata``, ``metadata_indexes``: the same records computed from ``MetaData``, and
  the DDL names and SQL text the diff shares with them.
* ``binary_form``, ``errors``: a snapshot as compact bytes and back (the replay store's
  form), and why stored bytes cannot be loaded.
* ``models``: importing the user's ``MetaData`` from the configured import paths.

Importing this package imports no SQLAlchemy: a cached snapshot loads without it.
"""

from __future__ import annotations

from migguard.autogen.snapshot.binary_form import snapshot_from_bytes, snapshot_to_bytes
from migguard.autogen.snapshot.errors import SnapshotFormatError, SnapshotVersionError
from migguard.autogen.snapshot.from_metadata import named_schemas, snapshot_of_metadata
from migguard.autogen.snapshot.metadata_indexes import ddl_name, ddl_sql
from migguard.autogen.snapshot.models import (
    configured_models,
    has_models,
    load_callable,
    load_metadata,
)
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
from migguard.autogen.snapshot.reflect import database_schemas, reflect
from migguard.autogen.snapshot.sqlite_sql import strip_outer_parentheses
from migguard.autogen.snapshot.types import build_type, database_type

__all__ = [
    "CheckInfo",
    "ColumnInfo",
    "EnumInfo",
    "ForeignKeyInfo",
    "IndexInfo",
    "Pairs",
    "PrimaryKeyInfo",
    "Snapshot",
    "SnapshotFormatError",
    "SnapshotVersionError",
    "TableInfo",
    "TypeSpec",
    "UniqueInfo",
    "Value",
    "build_type",
    "configured_models",
    "database_schemas",
    "database_type",
    "ddl_name",
    "ddl_sql",
    "has_models",
    "load_callable",
    "load_metadata",
    "named_schemas",
    "reflect",
    "snapshot_from_bytes",
    "snapshot_of_metadata",
    "snapshot_to_bytes",
    "strip_outer_parentheses",
]

"""The schema of a scratch database, as plain data to compare: tables, enum types and
sequences, and what differs between two states."""

from __future__ import annotations

from typing import NamedTuple

from sqlalchemy import Connection

from migguard.autogen.snapshot.records import Snapshot

__all__ = ["SchemaState", "differences", "schema_state"]


class SchemaState(NamedTuple):
    """What a database holds.

    Attributes:
        snapshot: its tables and enum types, reflected (the version table left out).
        sequences: sequence names (PostgreSQL; empty elsewhere).
    """

    snapshot: Snapshot
    sequences: tuple[str, ...]

    def objects(self) -> set[str]:
        """Every object by kind and name: ``table 'a'``, ``enum type 's'``, ``sequence 'q'``."""
        found = {f"table {_name(table.schema, table.name)}" for table in self.snapshot.tables}
        found |= {f"enum type {_name(enum.schema, enum.name)}" for enum in self.snapshot.enums}
        return found | {f"sequence {name!r}" for name in self.sequences}


def schema_state(connection: Connection, version_tables: tuple[str, ...]) -> SchemaState:
    """Reflect ``connection``'s default schema, leaving out the version table(s)."""
    from sqlalchemy import inspect

    from migguard.autogen.snapshot.reflect import reflect

    snapshot = reflect(connection, exclude=version_tables)
    sequences: tuple[str, ...] = ()
    if connection.dialect.name == "postgresql":
        sequences = tuple(sorted(inspect(connection).get_sequence_names()))
    connection.rollback()
    return SchemaState(snapshot, sequences)


def differences(expected: SchemaState, found: SchemaState) -> list[str]:
    """One line per object that ``found`` has and ``expected`` lacks, lacks, or has in
    another form: ``"left behind: table 'audit'"``, ``"missing: ..."``, ``"changed: ..."``."""
    lines = [f"left behind: {name}" for name in sorted(found.objects() - expected.objects())]
    lines += [f"missing: {name}" for name in sorted(expected.objects() - found.objects())]
    before = {(table.schema, table.name): table for table in expected.snapshot.tables}
    for table in found.snapshot.tables:
        old = before.get((table.schema, table.name))
        if old is not None and old != table:
            lines.append(f"changed: table {_name(table.schema, table.name)}")
    before_enums = {(enum.schema, enum.name): enum for enum in expected.snapshot.enums}
    for enum in found.snapshot.enums:
        old_enum = before_enums.get((enum.schema, enum.name))
        if old_enum is not None and old_enum != enum:
            lines.append(f"changed: enum type {_name(enum.schema, enum.name)}")
    return lines


def _name(schema: str | None, name: str) -> str:
    return repr(f"{schema}.{name}" if schema else name)

"""Named schemas in the diff: which are compared, and creating the ones the models need.

Every schema the models name is compared, besides those asked for (``CompareOptions.schemas``:
the default one, or every schema of the database with ``include_schemas``). A schema the models
name that the database lacks is created before anything else (``CREATE SCHEMA``,
https://www.postgresql.org/docs/current/sql-createschema.html) and dropped after everything
else on the way down; a schema is never dropped because the models stop naming it, since it may
hold what the models do not describe. The operations layer has no schema operation, so the
diff writes the SQL itself: a ``SchemaChange`` is an ``Execute`` (``op.execute("CREATE SCHEMA
app")``, which Alembic runs as well) that knows its reverse.

On SQLite a schema is an attached database (https://www.sqlite.org/lang_attach.html), which a
migration cannot create; a model table in a schema the database has not attached is reported as
a warning and left out of the comparison.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple

from migguard.autogen.diff.options import excluded
from migguard.autogen.snapshot import Snapshot
from migguard.ops.data import Execute

if TYPE_CHECKING:
    from sqlalchemy.engine import Dialect

__all__ = ["SchemaChange", "SchemaPlan", "plan_schemas", "uncompared_warning"]

_SHOWN_SCHEMAS = 5


@dataclass(frozen=True)
class SchemaChange(Execute):
    """Schema ``schema_name`` created (``created``) or dropped; ``sqltext`` is the statement,
    ``quoted`` the name as the statement spells it."""

    schema_name: str = ""
    quoted: str = ""
    created: bool = True

    def reverse(self) -> SchemaChange:
        verb = "DROP" if self.created else "CREATE"
        return SchemaChange(
            f"{verb} SCHEMA {self.quoted}",
            schema_name=self.schema_name,
            quoted=self.quoted,
            created=not self.created,
        )


class SchemaPlan(NamedTuple):
    """``compared``: the schemas to compare (``None``: the default one); ``creates``: the
    schemas to create first; ``warnings``: one line per model table left out."""

    compared: frozenset[str | None]
    creates: list[SchemaChange]
    warnings: list[str]


def uncompared_warning(schemas: Collection[str]) -> str | None:
    """The finding for ``schemas`` of the database that hold tables but are not compared
    (the models name none of their tables and ``include_schemas`` is off): a table dropped
    from the models there would otherwise go unreported. ``None`` when there are none."""
    if not schemas:
        return None
    names = sorted(schemas)
    shown = ", ".join(f"'{name}'" for name in names[:_SHOWN_SCHEMAS])
    more = f" and {len(names) - _SHOWN_SCHEMAS} more" if len(names) > _SHOWN_SCHEMAS else ""
    verbs = ("hold", "are") if len(names) > 1 else ("holds", "is")
    return (
        f"schema{'s' if len(names) > 1 else ''} {shown}{more} of the database {verbs[0]} "
        f"tables the models do not name and {verbs[1]} not compared: env.py's "
        "include_schemas=True compares every schema; exclude_tables = ['<schema>.*'] "
        "silences this"
    )


def plan_schemas(
    model: Snapshot,
    reflected: Snapshot,
    asked: Collection[str | None],
    dialect: Dialect,
    exclude_tables: Sequence[str] = (),
) -> SchemaPlan:
    """The schemas to compare and create: ``asked`` (``None`` for the default schema) and every
    schema a table or enum type of ``model`` is in, the default one included. ``reflected``
    must have been reflected with the model's schemas among those asked for, so that its
    ``schemas`` say which of them exist. Tables ``reflected`` holds in schemas left out (and
    not matched by ``exclude_tables``) give one warning (``uncompared_warning``)."""
    missing = sorted(set(model.schemas) - set(reflected.schemas))
    named = {table.schema for table in model.tables} | {enum.schema for enum in model.enums}
    compared = frozenset(asked) | frozenset(model.schemas) | named
    if dialect.name == "sqlite":
        warnings = [
            f"table '{table.schema}.{table.name}' is in schema '{table.schema}', which this "
            "SQLite database does not have (on SQLite a schema is an attached database): "
            "not compared"
            for table in model.tables
            if table.schema in missing
        ]
        return SchemaPlan(compared - frozenset(missing), [], warnings)
    quote = dialect.identifier_preparer.quote_schema
    creates = [
        SchemaChange(f"CREATE SCHEMA {quote(name)}", schema_name=name, quoted=quote(name))
        for name in missing
    ]
    outside = {
        table.schema
        for table in reflected.tables
        if table.schema is not None
        and table.schema not in compared
        and not excluded(exclude_tables, table.schema, table.name)
    }
    warning = uncompared_warning(outside)
    return SchemaPlan(compared, creates, [warning] if warning else [])

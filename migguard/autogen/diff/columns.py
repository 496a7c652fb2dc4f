"""The columns of one table both sides have: added, dropped, renamed and altered columns, and
the rename hints for a dropped column that looks like an added one."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NamedTuple

from migguard.autogen.diff import mysql
from migguard.autogen.diff.build import (
    model_column,
    model_type,
    reflected_type,
    server_default_value,
)
from migguard.autogen.diff.build_tables import dropped_column
from migguard.autogen.diff.casts import CastAlterColumn, using_cast, with_using
from migguard.autogen.diff.context import Context, TablePair, qualified, same_expression
from migguard.autogen.diff.identity import IdentityChange, identity_change
from migguard.autogen.diff.options import Note
from migguard.autogen.diff.sql import (
    defaults_equal,
    is_serial_default,
    types_equal,
)
from migguard.autogen.snapshot import ColumnInfo
from migguard.ops.schema import AddColumn, AlterColumn, DropColumn

if TYPE_CHECKING:
    from migguard.autogen.diff.options import CompareOptions
    from migguard.ops.base import Operation

__all__ = ["ColumnChanges", "compare_columns", "same_shape"]


class ColumnChanges(NamedTuple):
    """``adds``: added columns, each rename hint as a Note followed by its add and drop;
    ``alters``: one ``AlterColumn`` per changed or renamed column, one with a written cast
    (PostgreSQL) after a Note asking to review it, then its ``IdentityChange`` (PostgreSQL);
    a column whose generation expression changed as a Note, its drop and its add;
    ``drops``: the rest."""

    adds: list[Operation | Note]
    alters: list[Operation | Note]
    drops: list[Operation]


def same_shape(model: ColumnInfo, reflected: ColumnInfo, dialect_name: str) -> bool:
    """Whether a dropped column could be an added one renamed: same type and nullability."""
    return model.nullable == reflected.nullable and types_equal(
        model.type, reflected.type, dialect_name
    )


def compare_columns(ctx: Context, pair: TablePair) -> ColumnChanges:
    """Compare the columns of ``pair`` (filters applied, renames taken into account)."""
    model_names = [c.name for c in pair.model.columns if _included(ctx, pair, c.name)]
    reflected_names = [c.name for c in pair.reflected.columns if _included(ctx, pair, c.name)]
    added = [name for name in model_names if name not in reflected_names]
    dropped = [name for name in reflected_names if name not in model_names]
    hints = _hints(ctx, pair, added, dropped)
    adds: list[Operation | Note] = []
    for name in added:
        if name in hints.values():
            continue
        adds.append(_add(ctx, pair, name))
    for old, new in hints.items():
        adds += [_hint_note(ctx, pair, old, new), _add(ctx, pair, new), _drop(ctx, pair, old)]
    alters: list[Operation | Note] = []
    for name in model_names:
        if name not in reflected_names:
            continue
        change = _generation_change(ctx, pair, name)
        if change is not None:
            alters += _regenerate(ctx, pair, name, change)
            continue
        alter = _alter(ctx, pair, name)
        if isinstance(alter, CastAlterColumn):
            alters.append(_cast_note(pair, alter))
        if alter is not None:
            alters.append(alter)
        identity = _identity(pair, name)
        if identity is not None:
            alters.append(identity)
    drops: list[Operation] = [_drop(ctx, pair, name) for name in dropped if name not in hints]
    return ColumnChanges(adds, alters, drops)


def _included(ctx: Context, pair: TablePair, name: str) -> bool:
    if not ctx.filtering:
        return True
    model = pair.model_column(name)
    reflected = None
    if pair.reflected.column(name) is not None:
        reflected = ctx.reflected_table(pair.reflected).c[name]
    return ctx.include("column", name, model, reflected)


def _model(pair: TablePair, name: str) -> Any:
    column = pair.model_column(name)
    assert column is not None, f"{pair.model.name}.{name} is in the models' snapshot"
    return column


def _old_name(pair: TablePair, name: str) -> str:
    for old, new in pair.column_renames.items():
        if new == name:
            return old
    return name


def _add(ctx: Context, pair: TablePair, name: str) -> AddColumn:
    info = pair.model.column(name)
    assert info is not None
    column = model_column(_model(pair, name), info, ctx.dialect)
    return AddColumn(pair.model.name, column, schema=pair.model.schema)


def _drop(ctx: Context, pair: TablePair, name: str) -> DropColumn:
    definition = dropped_column(pair.reflected, name, ctx.dialect)
    return DropColumn(pair.model.name, name, schema=pair.model.schema, definition=definition)


def _hints(ctx: Context, pair: TablePair, added: list[str], dropped: list[str]) -> dict[str, str]:
    """``{dropped: added}`` for each dropped column with exactly one added column of the same
    shape, that added column matching no other dropped one."""

    def shapes(name: str, others: list[str], model_side: bool) -> list[str]:
        found = []
        for other in others:
            model_name, reflected_name = (name, other) if model_side else (other, name)
            model = pair.model.column(model_name)
            reflected = pair.reflected.column(reflected_name)
            if model and reflected and same_shape(model, reflected, ctx.dialect.name):
                found.append(other)
        return found

    hints = {}
    for old in dropped:
        candidates = shapes(old, added, model_side=False)
        if len(candidates) == 1 and shapes(candidates[0], dropped, model_side=True) == [old]:
            hints[old] = candidates[0]
    return hints


def _hint_note(ctx: Context, pair: TablePair, old: str, new: str) -> Note:
    table = qualified(pair.model.schema, pair.model.name)
    schema = f", schema={pair.model.schema!r}" if pair.model.schema else ""
    ctx.warnings.append(
        f"possible rename: column '{table}.{old}' -> '{table}.{new}' (same type and "
        f"nullability); written as add + drop, which loses the data; "
        f"--rename {table}.{old}:{table}.{new} renames instead"
    )
    return Note(
        f"Rename hint: '{table}.{old}' is dropped and '{table}.{new}' added with the same type "
        f"and nullability. If it was renamed, replace the two operations below with "
        f"op.alter_column({pair.model.name!r}, {old!r}, new_column_name={new!r}{schema}) to "
        f"keep its data."
    )


def _database_says_equal(options: CompareOptions, model: ColumnInfo, reflected: ColumnInfo) -> bool:
    """Whether the database holds two differently written constant defaults equal. Only
    constants are asked about: a function call may be volatile (``now()``)."""
    ours, theirs, type_sql = model.server_default, reflected.server_default, reflected.type.compiled
    if options.same_default is None or ours is None or theirs is None or type_sql is None:
        return False
    if "(" in ours or "(" in theirs:
        return False
    return options.same_default(ours, theirs, type_sql)


def _alter(ctx: Context, pair: TablePair, name: str) -> AlterColumn | None:
    """One ``AlterColumn`` for everything that differs in column ``name`` (and its rename)."""
    model = pair.model.column(name)
    reflected = pair.reflected.column(name)
    assert model is not None and reflected is not None
    options, dialect = ctx.options, ctx.dialect
    old_name = _old_name(pair, name)
    changes: dict[str, Any] = {}
    if model.nullable != reflected.nullable:
        changes["nullable"] = model.nullable
    if options.compare_type and not types_equal(model.type, reflected.type, dialect.name):
        changes["type_"] = model_type(_model(pair, name).type, dialect)
    if (
        options.compare_server_default
        and not defaults_equal(model, reflected, dialect.name)
        and not _database_says_equal(options, model, reflected)
    ):
        changes["server_default"] = _model_default(pair, name)
    if model.comment != reflected.comment:
        changes["comment"] = model.comment
    if old_name != name:
        changes["new_column_name"] = name
    if not changes:
        return None
    alter = AlterColumn(
        pair.model.name,
        old_name,
        schema=pair.model.schema,
        existing_type=reflected_type(reflected.type),
        existing_nullable=reflected.nullable,
        existing_server_default=server_default_value(reflected),
        existing_comment=reflected.comment,
        **changes,
    )
    if "type_" not in changes or dialect.name != "postgresql":
        return alter
    return with_using(alter, *_casts(ctx, pair, name, old_name))


def _casts(
    ctx: Context, pair: TablePair, name: str, old_name: str
) -> tuple[str | None, str | None]:
    """The ``USING`` expressions of a PostgreSQL type change of column ``name`` (``old_name``
    before a rename): upgrade's and downgrade's (see ``casts``)."""
    import sqlalchemy as sa

    model = pair.model.column(name)
    reflected = pair.reflected.column(name)
    assert model is not None and reflected is not None
    quote = ctx.dialect.identifier_preparer.quote

    def native(type_: Any) -> bool:
        return isinstance(type_, sa.Enum) and bool(type_.native_enum) and type_.name is not None

    new_native = native(model_type(_model(pair, name).type, ctx.dialect))
    old_native = native(reflected_type(reflected.type))
    up = using_cast(
        quote(old_name), reflected.type.compiled, model.type.compiled, new_is_enum=new_native
    )
    down = using_cast(
        quote(name), model.type.compiled, reflected.type.compiled, new_is_enum=old_native
    )
    return up, down


def _generation_change(ctx: Context, pair: TablePair, name: str) -> str | None:
    """How column ``name``'s generation changed, as a warning says it (``"generation
    expression"``, ``"storage (STORED -> VIRTUAL)"``), or ``None`` when it did
    not, or when the database cannot tell whether the expression changed (then a warning)."""
    model = pair.model.column(name)
    reflected = pair.reflected.column(name)
    assert model is not None and reflected is not None
    if model.computed is None and reflected.computed is None:
        return None
    if model.computed is None or reflected.computed is None:
        return "generation expression"
    same = same_expression(ctx, pair, model.computed, reflected.computed)
    if same is None:
        table = qualified(pair.model.schema, pair.model.name)
        ctx.warnings.append(
            f"generated column '{table}.{name}': cannot tell whether its expression changed "
            f"(models: {model.computed}; database: {reflected.computed}); compare them by hand"
        )
    elif not same:
        return "generation expression"
    kinds = {True: "STORED", False: "VIRTUAL", None: None}
    old, new = kinds[reflected.persisted], kinds[model.persisted]
    if old and new and old != new:
        return f"storage ({old} -> {new})"
    if mysql.is_mysql(ctx.dialect.name) and not types_equal(
        model.type, reflected.type, ctx.dialect.name
    ):
        # MODIFY restates a column whole, its GENERATED clause included, which an
        # alter_column does not carry (https://mariadb.com/kb/en/generated-columns/).
        return "type"
    return None


def _regenerate(ctx: Context, pair: TablePair, name: str, change: str) -> list[Operation | Note]:
    """Drop and add column ``name``, whose generation (``change``, see ``_generation_change``)
    changed: neither SQLite nor
    PostgreSQL before 17 can change it in place
    (https://www.postgresql.org/docs/current/sql-altertable.html, ``SET EXPRESSION``;
    https://www.sqlite.org/gencol.html). A generated column's values are computed again from
    the other columns; a column that stops or starts being generated loses its values."""
    table = qualified(pair.model.schema, pair.model.name)
    old_name = _old_name(pair, name)
    ctx.warnings.append(
        f"{change} of column '{table}.{name}' changed: written as drop + add "
        f"(the database cannot alter it in place)"
    )
    note = Note(
        f"The database cannot change the {change} of '{table}.{name}' in "
        f"place: the column is dropped and added again. Generated values are computed anew; "
        f"values of a column that was not generated are lost."
    )
    drop = _drop(ctx, pair, name)
    if old_name != name:
        # Renamed too: the database still knows the column by its old name.
        assert drop.definition is not None
        drop.definition.name = drop.definition.key = old_name
        drop = DropColumn(
            pair.model.name, old_name, schema=pair.model.schema, definition=drop.definition
        )
    return [note, drop, _add(ctx, pair, name)]


def _identity(pair: TablePair, name: str) -> IdentityChange | None:
    """The change of column ``name``'s identity options (PostgreSQL; SQLite has no identity
    columns and reports none), or ``None`` when they agree."""
    model = pair.model.column(name)
    reflected = pair.reflected.column(name)
    assert model is not None and reflected is not None
    if model.identity == reflected.identity:
        return None
    serial = reflected.server_default if is_serial_default(reflected) else None
    return identity_change(
        pair.model.name,
        name,
        pair.model.schema,
        reflected.identity,
        model.identity,
        serial_default=serial if reflected.identity is None else None,
    )


def _cast_note(pair: TablePair, alter: CastAlterColumn) -> Note:
    table = qualified(pair.model.schema, pair.model.name)
    using = alter.kw.get("postgresql_using")
    back = alter.reverse_using
    return Note(
        f"Review the cast: PostgreSQL converts '{table}.{alter.column_name}' to the new type "
        f"only with an explicit USING, written as the plain cast "
        f"({using or 'none needed'}; the downgrade: {back or 'none needed'}). Replace it if "
        f"the rows need another conversion."
    )


def _model_default(pair: TablePair, name: str) -> Any:
    """The model column's server default as ``alter_column`` takes it (``None``: none)."""
    import sqlalchemy as sa

    default = _model(pair, name).server_default
    return default.arg if isinstance(default, sa.DefaultClause) else None

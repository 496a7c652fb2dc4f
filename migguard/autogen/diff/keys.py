"""Keys, indexes and the comment of one table both sides have.

Matching rules:

* Indexes by name (every index has one); a changed index (columns, expressions, uniqueness,
  ordering, options such as a partial-index predicate) is dropped and created again.
* Unique constraints and foreign keys by name when both sides name them, otherwise by
  definition (an unnamed model constraint is the one the database named itself). A unique
  constraint whose columns or options (``postgresql_nulls_not_distinct``) changed is dropped
  and created again. A foreign key's
  definition is its columns, referenced table and columns, ``ON DELETE``/``ON UPDATE``,
  ``DEFERRABLE``/``INITIALLY``.
* Check constraints by name, and a pair by condition: equal once normalised
  (``migguard.autogen.diff.sql.normalise_sql``), else on PostgreSQL, which rewrites conditions
  (``total >= 0`` comes back as ``total >= 0::numeric``, ``x IN (1, 2)`` as
  ``x = ANY (ARRAY[1, 2])``), as the database itself parses both (``CompareOptions.same_check``);
  a changed condition is dropped and created again, and one nothing can judge is a warning. An
  unnamed model check is the database check with its condition (or, undecided, PostgreSQL's own
  ``<table>_<column>_check`` naming); one the database lacks is created as ``<table>_check``. A
  database check the models do not have is dropped; without a name (SQLite) by the table
  rebuild when it is the table's only unnamed check, else it is a warning.
* MySQL/MariaDB: a UNIQUE constraint is a unique index, and the index InnoDB adds for a
  foreign key is not the models' business (``migguard.autogen.diff.mysql``).
* The primary key by its columns (its name is not compared: renaming a primary key that
  foreign keys rely on is not something to do behind the user's back).

A constraint added to an existing table without a name gets the one PostgreSQL would choose
(``<table>_<columns>_key``, ``_fkey``, ``<table>_pkey``), on SQLite too, so its downgrade can drop
it by name. A SQLite unique constraint or foreign key without a name is dropped (or replaced) in
the table rebuild SQLite needs for any constraint change anyway: ``DropUnnamedConstraint``, written
as ``batch_op.drop_constraint`` inside a ``batch_alter_table`` given ``UNNAMED_CONVENTION``, which
names the constraint for the length of the rebuild (``fk_<table>_<columns>_<referred table>``,
``uq_<table>_<columns>``). A check without a name is dropped the same way when it is the
table's only one (``ck_<table>``: a check has no columns to tell two apart by). A primary key
without a name is replaced the same way (``ReplacePrimaryKey``). Elsewhere a constraint without a
name cannot be dropped by name; the diff says so in a warning.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, NamedTuple

import sqlalchemy as sa

from migguard.autogen.diff import mysql
from migguard.autogen.diff.build import convention_names
from migguard.autogen.diff.build_tables import (
    check_op,
    drop_constraint,
    drop_index,
    foreign_key_op,
    index_op,
    mentions_column,
    primary_key_op,
    unique_op,
)
from migguard.autogen.diff.context import (
    Context,
    TablePair,
    find_constraint,
    qualified,
    same_expression,
)
from migguard.autogen.diff.match import fk_signature, index_signature, match
from migguard.ops.constraints import CreateConstraint, CreatePrimaryKey, DropConstraint
from migguard.ops.schema import CreateTableComment, DropTableComment
from migguard.ops.sqlite.batch import BatchAlterTable

if TYPE_CHECKING:
    from migguard.ops.base import Operation
    from migguard.ops.executor import Executor

__all__ = [
    "UNNAMED_CHECK_CONVENTION",
    "UNNAMED_CONVENTION",
    "DropUnnamedConstraint",
    "KeyChanges",
    "ReplacePrimaryKey",
    "compare_keys",
]

_MAX_NAME = 63

# Names a SQLite rebuild gives the unnamed constraints of the table being rebuilt (SQLAlchemy's
# naming-convention tokens), so that one of them can be dropped by name.
UNNAMED_CONVENTION: Mapping[str, str] = {
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
}
# The name a SQLite rebuild gives the table's unnamed check, when it has one only (a check
# has no columns to tell two apart by).
UNNAMED_CHECK_CONVENTION: Mapping[str, str] = {"ck": "ck_%(table_name)s"}


@dataclass(frozen=True)
class ReplacePrimaryKey(CreatePrimaryKey):
    """A new primary key for a SQLite table whose current one has no name: in the rebuild
    SQLite needs anyway, the new key replaces the old (``previous``: its columns,
    ``previous_name``: its name, usually none), and the reverse puts the old one back.
    Rendered as ``batch_op.create_primary_key``."""

    previous: tuple[str, ...] = ()
    previous_name: str | None = None

    # Undoing a replacement replaces the key back; the base class's reverse (a drop) does not
    # apply, so this override narrows nothing of it on purpose.
    def reverse(self) -> ReplacePrimaryKey:  # type: ignore[override]
        return ReplacePrimaryKey(
            self.previous_name,
            self.table_name,
            self.previous,
            schema=self.schema,
            previous=self.columns,
            previous_name=self.constraint_name,
        )


@dataclass(frozen=True)
class DropUnnamedConstraint(DropConstraint):
    """Drop a SQLite unique constraint or foreign key that has no name, by the name
    ``naming_convention`` gives it in the rebuild (``constraint_name``). Run on its own, it is a
    one-operation ``batch_alter_table`` carrying the convention; ``render.group_batches`` puts
    the convention on the block it joins. The reverse creates the constraint without a name
    again, as it was."""

    naming_convention: Mapping[str, str] = field(default_factory=lambda: dict(UNNAMED_CONVENTION))

    def reverse(self) -> CreateConstraint:
        # Every concrete CreateConstraint is a frozen dataclass; the abstract base the
        # annotation names is not one.
        return replace(super().reverse(), constraint_name=None)  # type: ignore[type-var]

    def runs_as_batch(self, executor: Executor) -> bool:
        # ``run`` builds the batch itself: the executor's own one-operation batch would not
        # carry the naming convention that finds the constraint.
        return False

    def run(self, executor: Executor) -> None:
        if executor.dialect.name != "sqlite":
            super().run(executor)
            return
        batch = BatchAlterTable(
            self.table_name,
            (self,),
            schema=self.schema,
            naming_convention=self.naming_convention,
        )
        batch.run(executor)


def _unnamed_drop(
    create: Any, convention: Mapping[str, str] = UNNAMED_CONVENTION
) -> DropUnnamedConstraint:
    """``DropUnnamedConstraint`` of ``create`` (named as ``convention`` names it)."""
    drop = drop_constraint(create)
    return DropUnnamedConstraint(
        drop.constraint_name,
        drop.table_name,
        type_=drop.type_,
        schema=drop.schema,
        definition=drop.definition,
        naming_convention=dict(convention),
    )


class KeyChanges(NamedTuple):
    """Operations by when they must run: foreign keys dropped before anything else and created
    after everything else; other drops before the table's column changes, creates after."""

    fk_drops: list[Operation]
    before: list[Operation]
    after: list[Operation]
    fk_creates: list[Operation]


def compare_keys(ctx: Context, pair: TablePair) -> KeyChanges:
    """Compare indexes, keys, checks and the comment of ``pair``."""
    changes = KeyChanges([], [], [], [])
    if mysql.is_mysql(ctx.dialect.name):
        pair = replace(pair, reflected=mysql.comparable_table(pair.model, pair.reflected))
    names = convention_names(pair.table, ctx.dialect)
    _primary_key(ctx, pair, names, changes)
    _uniques(ctx, pair, names, changes)
    _checks(ctx, pair, names, changes)
    _indexes(ctx, pair, names, changes)
    _foreign_keys(ctx, pair, names, changes)
    _comment(pair, changes)
    return changes


def _default_name(table: str, columns: Sequence[str], suffix: str) -> str | None:
    name = "_".join([table, *columns, suffix])
    return name if len(name) <= _MAX_NAME else None


def _old(ctx: Context, pair: TablePair, record: Any) -> Any:
    return ctx.before_renames(pair.key, record)


def _keep(ctx: Context, pair: TablePair, type_: str, kind: type, record: Any, side: str) -> bool:
    """``include_object`` for one record of one side (``"model"`` or ``"reflected"``)."""
    if not ctx.filtering:
        return True
    columns = tuple(getattr(record, "columns", ()))
    if side == "model":
        found = find_constraint(pair.table, kind, columns, record.name, ctx.dialect)
        return ctx.include(type_, record.name, found, None)
    table = ctx.reflected_table(pair.reflected)
    found = find_constraint(table, kind, columns, record.name, ctx.dialect)
    return ctx.include(type_, record.name, None, found)


def _filtered(
    ctx: Context, pair: TablePair, type_: str, kind: type, attr: str
) -> tuple[list[Any], list[Any]]:
    model = [r for r in getattr(pair.model, attr) if _keep(ctx, pair, type_, kind, r, "model")]
    reflected = [
        r for r in getattr(pair.reflected, attr) if _keep(ctx, pair, type_, kind, r, "reflected")
    ]
    return model, reflected


def _cannot_drop(ctx: Context, pair: TablePair, what: str, columns: Sequence[str]) -> None:
    if len(columns) == 1 and columns[0] in pair.dropped_columns:
        return  # goes with its column, whose definition carries it (``dropped_column``)
    table = qualified(pair.model.schema, pair.model.name)
    ctx.warnings.append(
        f"{what} on '{table}' ({', '.join(columns)}) is not in the models but has no name in "
        "the database, so it cannot be dropped by name: drop it by hand (batch_alter_table "
        "with a naming_convention on SQLite)"
    )


def _rebuilds(ctx: Context, pair: TablePair, columns: Sequence[str]) -> bool:
    """True when a constraint without a name on ``columns`` is dropped in a SQLite rebuild
    (not when it goes with its dropped column)."""
    if len(columns) == 1 and columns[0] in pair.dropped_columns:
        return False
    return ctx.dialect.name == "sqlite"


# --- kinds ----------------------------------------------------------------------------------------


def _primary_key(ctx: Context, pair: TablePair, names: Any, out: KeyChanges) -> None:
    model, reflected = pair.model.primary_key, pair.reflected.primary_key
    model_columns = model.columns if model else ()
    reflected_columns = reflected.columns if reflected else ()
    if model_columns == reflected_columns:
        return
    table = pair.model
    if model is not None and model.name is None:
        model = replace(model, name=_default_name(table.name, (), "pkey"))
    if reflected is not None and reflected.name is None:
        if model is None:
            _cannot_drop(ctx, pair, "the primary key", reflected_columns)
            return
        old = _old(ctx, pair, reflected).columns
        out.after.append(
            ReplacePrimaryKey(
                primary_key_op(table, model, names).constraint_name,
                table.name,
                model.columns,
                schema=table.schema,
                previous=old,
            )
        )
        return
    if reflected is not None:
        out.before.append(drop_constraint(primary_key_op(table, _old(ctx, pair, reflected))))
    if model is not None:
        out.after.append(primary_key_op(table, model, names))


def _uniques(ctx: Context, pair: TablePair, names: Any, out: KeyChanges) -> None:
    model, reflected = _filtered(ctx, pair, "unique_constraint", sa.UniqueConstraint, "uniques")
    matched = match(model, reflected, lambda u: u.columns)
    changed = [
        (m, r)
        for m, r in matched.pairs
        if (m.columns, m.dialect_options) != (r.columns, r.dialect_options)
    ]
    gone = matched.reflected_only + [r for _, r in changed]
    new = matched.model_only + [m for m, _ in changed]
    _replace_keys(ctx, pair, names, gone, new, _UNIQUE, out.before, out.after)


def _looks_generated(table: str, name: str) -> bool:
    """PostgreSQL's name for an unnamed check: ``<table>[_<column>]_check[<n>]``."""
    return re.fullmatch(rf"{re.escape(table)}(?:_\w+)?_check\d*", name) is not None


def _checks(ctx: Context, pair: TablePair, names: Any, out: KeyChanges) -> None:
    model = {c.name: c for c in pair.model.checks if c.name is not None}
    unnamed = [c for c in pair.model.checks if c.name is None]
    left = []
    for check in pair.reflected.checks:
        name = check.name
        wanted = model.get(name) if name is not None else None
        if name is None or wanted is None:
            left.append(check)
            continue
        same = same_expression(ctx, pair, wanted.sqltext, check.sqltext)
        if same is None:
            ctx.warnings.append(_undecided(pair, name, wanted.sqltext, check.sqltext))
        if same is False:
            out.before.append(drop_constraint(check_op(pair.model, check)))
            out.after.append(check_op(pair.model, wanted, names))
    reflected_names = {c.name for c in pair.reflected.checks}
    for name, check in model.items():
        if name not in reflected_names:
            out.after.append(check_op(pair.model, check, names))
    _unnamed_checks(ctx, pair, unnamed, names, out)
    for check in left:
        if unnamed and _stands_for_unnamed(ctx, pair, check, unnamed):
            continue
        if check.name is None and any(
            mentions_column(check.sqltext, c) for c in pair.dropped_columns
        ):
            continue  # goes with its dropped column, whose definition carries it
        if check.name is None and _sole_unnamed_check(ctx, pair):
            old = replace(check, name=f"ck_{pair.model.name}")
            out.before.append(_unnamed_drop(check_op(pair.model, old), UNNAMED_CHECK_CONVENTION))
            continue
        if check.name is None:
            _cannot_drop_check(ctx, pair, check)
            continue
        out.before.append(drop_constraint(check_op(pair.model, check)))


def _unnamed_checks(
    ctx: Context, pair: TablePair, unnamed: Sequence[Any], names: Any, out: KeyChanges
) -> None:
    """Create each unnamed model check no database check has the condition of, under the name
    PostgreSQL would give it (``<table>_check``, numbered when taken)."""
    taken = {c.name for c in (*pair.model.checks, *pair.reflected.checks)}
    for check in unnamed:
        verdicts = [
            same_expression(ctx, pair, check.sqltext, r.sqltext) for r in pair.reflected.checks
        ]
        if True in verdicts:
            continue
        if None in verdicts:
            table = qualified(pair.model.schema, pair.model.name)
            ctx.warnings.append(
                f"an unnamed check constraint on '{table}' ({check.sqltext}): cannot tell "
                "whether the database has it; compare by hand"
            )
            continue
        base = _default_name(pair.model.name, (), "check") or "check"
        name = next(
            f"{base}{n or ''}" for n in range(len(taken) + 1) if f"{base}{n or ''}" not in taken
        )
        taken.add(name)
        out.after.append(check_op(pair.model, replace(check, name=name), names))


def _stands_for_unnamed(ctx: Context, pair: TablePair, check: Any, unnamed: Sequence[Any]) -> bool:
    """Whether a database check no model check is named after is one of the models' unnamed
    checks: the same condition, or (when the database cannot tell) PostgreSQL's own name."""
    verdicts = [same_expression(ctx, pair, c.sqltext, check.sqltext) for c in unnamed]
    if True in verdicts:
        return True
    undecided = None in verdicts
    return undecided and check.name is not None and _looks_generated(pair.model.name, check.name)


def _sole_unnamed_check(ctx: Context, pair: TablePair) -> bool:
    """True on SQLite when the table has one check without a name: the rebuild can name it
    (``UNNAMED_CHECK_CONVENTION``) and leave it out."""
    unnamed = [c for c in pair.reflected.checks if c.name is None]
    return ctx.dialect.name == "sqlite" and len(unnamed) == 1


def _undecided(pair: TablePair, name: str, ours: str, theirs: str) -> str:
    table = qualified(pair.model.schema, pair.model.name)
    return (
        f"check constraint '{name}' on '{table}': cannot tell whether its condition changed "
        f"(models: {ours}; database: {theirs}); compare them by hand"
    )


def _cannot_drop_check(ctx: Context, pair: TablePair, check: Any) -> None:
    table = qualified(pair.model.schema, pair.model.name)
    ctx.warnings.append(
        f"a check constraint on '{table}' ({check.sqltext}) is not in the models but has no "
        "name in the database, so it cannot be dropped by name: drop it by hand (name it in "
        "a batch_alter_table rebuild on SQLite)"
    )


def _indexes(ctx: Context, pair: TablePair, names: Any, out: KeyChanges) -> None:
    model, reflected = _filtered(ctx, pair, "index", sa.Index, "indexes")
    dialect = ctx.dialect
    by_name = {index.name: index for index in reflected}
    wanted = {index.name for index in model}
    for index in model:
        found = by_name.get(index.name)
        if found is not None and index_signature(found, dialect.name) == index_signature(
            index, dialect.name
        ):
            continue
        if found is not None:
            out.before.append(drop_index(pair.model, _old(ctx, pair, found), dialect))
        out.after.append(index_op(pair.model, index, dialect, names))
    for index in reflected:
        if index.name not in wanted:
            out.before.append(drop_index(pair.model, _old(ctx, pair, index), dialect))


def _foreign_keys(ctx: Context, pair: TablePair, names: Any, out: KeyChanges) -> None:
    model, reflected = _filtered(
        ctx, pair, "foreign_key_constraint", sa.ForeignKeyConstraint, "foreign_keys"
    )
    matched = match(model, reflected, fk_signature)
    changed = [(m, r) for m, r in matched.pairs if fk_signature(m) != fk_signature(r)]
    gone = matched.reflected_only + [r for _, r in changed]
    new = matched.model_only + [m for m, _ in changed]
    _replace_keys(ctx, pair, names, gone, new, _FOREIGN_KEY, out.fk_drops, out.fk_creates)


class _KeyKind(NamedTuple):
    """How ``_replace_keys`` treats one kind of keyed constraint: ``build`` makes its create
    operation from a record (``names``: the naming convention's); ``rebuild_name`` names an
    unnamed one for its drop in a SQLite rebuild; ``words`` says what it is in a finding;
    ``suffix`` ends the name PostgreSQL gives an unnamed one."""

    build: Callable[..., CreateConstraint]
    rebuild_name: Callable[[str, Any], str]
    words: str
    suffix: str


_UNIQUE = _KeyKind(
    unique_op, lambda table, u: f"uq_{table}_{'_'.join(u.columns)}", "a unique constraint", "key"
)
_FOREIGN_KEY = _KeyKind(
    foreign_key_op,
    lambda table, fk: f"fk_{table}_{'_'.join(fk.columns)}_{fk.referred_table}",
    "a foreign key",
    "fkey",
)


def _replace_keys(
    ctx: Context,
    pair: TablePair,
    names: Any,
    gone: Sequence[Any],
    new: Sequence[Any],
    kind: _KeyKind,
    drops: list[Operation],
    creates: list[Operation],
) -> None:
    """Drop the reflected constraints ``gone`` into ``drops`` (an unnamed one through the table
    rebuild where SQLite needs it, else a finding) and create the model's ``new`` ones into
    ``creates`` (an unnamed one named as PostgreSQL would name it, so the downgrade can drop
    it)."""
    table = pair.model.name
    for record in gone:
        if record.name is None and _rebuilds(ctx, pair, record.columns):
            old = replace(_old(ctx, pair, record), name=kind.rebuild_name(table, record))
            drops.append(_unnamed_drop(kind.build(pair.model, old)))
        elif record.name is None:
            _cannot_drop(ctx, pair, kind.words, record.columns)
        else:
            drops.append(drop_constraint(kind.build(pair.model, _old(ctx, pair, record))))
    for record in new:
        if record.name is None:
            record = replace(record, name=_default_name(table, record.columns, kind.suffix))
        creates.append(kind.build(pair.model, record, names))


def _comment(pair: TablePair, out: KeyChanges) -> None:
    model, reflected = pair.model.comment, pair.reflected.comment
    if model == reflected:
        return
    table, schema = pair.model.name, pair.model.schema
    if model is None:
        out.after.append(DropTableComment(table, existing_comment=reflected, schema=schema))
    else:
        out.after.append(
            CreateTableComment(table, model, existing_comment=reflected, schema=schema)
        )

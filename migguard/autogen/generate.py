"""Autogenerate's entry points: compare the models with a database, write the revision.

Library code: each function returns what it found or wrote; :mod:`migguard.cli.autogen`
prints it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple, NoReturn

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from migguard.autogen.diff import DiffResult, Item, compare, excluded
from migguard.autogen.diff.schemas import uncompared_warning
from migguard.autogen.settings import autogenerate_settings, compare_options, included_schemas
from migguard.autogen.snapshot import (
    configured_models,
    database_schemas,
    named_schemas,
    reflect,
)
from migguard.config import Config
from migguard.errors import UsageError

if TYPE_CHECKING:
    from migguard.scripts.directory import History


class Generated(NamedTuple):
    """A written revision and what it holds.

    Attributes:
        diff: the detected changes.
        path: the new script, or ``None`` when env.py's ``process_revision_directives``
            asked for none (Alembic's recipe for skipping empty revisions).
    """

    diff: DiffResult
    path: Path | None


def parse_renames(pairs: Sequence[str]) -> tuple[tuple[str, str], ...]:
    """``--rename old:new`` values as pairs (``table.old:table.new`` for columns).

    Raises:
        UsageError: a value is not ``OLD:NEW``.
    """
    renames = []
    for pair in pairs:
        old, colon, new = pair.partition(":")
        if not colon or not old.strip() or not new.strip():
            raise UsageError(
                f"--rename {pair!r}: expected OLD:NEW (a table) or TABLE.OLD:TABLE.NEW (a column)"
            )
        renames.append((old.strip(), new.strip()))
    return tuple(renames)


def _compare_live(
    config: Config, connection: Connection, renames: Sequence[tuple[str, str]]
) -> DiffResult:
    from migguard.runtime.migrate import version_table_names

    metadata = configured_models(config)
    available = database_schemas(connection)
    schemas = included_schemas(config, available)
    options = replace(compare_options(config, renames), schemas=schemas)
    version_tables = version_table_names(config)
    named = named_schemas(metadata, connection.dialect)
    snapshot = reflect(connection, schemas=(*schemas, *named), exclude=version_tables)
    others = [name for name in available if name not in schemas and name not in named]
    ignored = (*version_tables, *options.exclude_tables)
    outside = _schemas_with_tables(connection, others, ignored)
    connection.rollback()
    if connection.dialect.name == "postgresql":
        options = replace(
            options,
            same_default=same_default_asker(connection),
            same_check=same_check_asker(connection),
        )
    result = compare(metadata, snapshot, connection.dialect, options)
    warning = uncompared_warning(outside)
    return result._replace(warnings=[*result.warnings, warning]) if warning else result


def _schemas_with_tables(
    connection: Connection, schemas: Sequence[str], exclude_tables: Sequence[str]
) -> list[str]:
    """Those of ``schemas`` holding a table that ``exclude_tables`` does not match (one
    catalog query per schema)."""
    inspector = sa.inspect(connection)
    return [
        schema
        for schema in schemas
        if any(
            not excluded(exclude_tables, schema, name)
            for name in inspector.get_table_names(schema=schema)
        )
    ]


def same_default_asker(connection: Connection) -> Callable[[str, str, str], bool]:
    """Ask PostgreSQL whether two constant defaults are the same value of the column's type
    (it stores typed literals in canonical form: ``'false'`` is kept as ``false``)."""

    def same(ours: str, theirs: str, type_sql: str) -> bool:
        query = (
            f"SELECT CAST({ours} AS {type_sql}) IS NOT DISTINCT FROM CAST({theirs} AS {type_sql})"
        )
        try:
            equal = bool(connection.exec_driver_sql(query).scalar())
        except sa.exc.DBAPIError:
            equal = False
        connection.rollback()
        return equal

    return same


def same_check_asker(
    connection: Connection,
) -> Callable[[str, str, Mapping[str, str]], bool | None]:
    """Ask PostgreSQL whether two check conditions are the same once it has parsed them.

    PostgreSQL stores a check as a parsed tree and prints it back in its own words (casts,
    ``= ANY (ARRAY[...])`` for ``IN``), see
    https://www.postgresql.org/docs/current/functions-info.html (``pg_get_constraintdef``). Both
    conditions are put through the same parser and printer, as the output of ``EXPLAIN
    (VERBOSE)`` over a row of ``columns`` (name -> type SQL, all null; the subquery is kept
    apart with ``OFFSET 0`` so nothing is folded into constants), and the two prints compared.
    ``EXPLAIN`` without ``ANALYZE`` runs nothing and is allowed in a read-only transaction.

    Returns a function ``(models' condition, database's condition, columns) -> bool | None``:
    ``None`` when the database cannot parse one of them (a column or type it does not know).
    """

    def printed(condition: str, columns: Mapping[str, str]) -> str | None:
        quote = connection.dialect.identifier_preparer.quote
        row = ", ".join(f"NULL::{type_sql} AS {quote(name)}" for name, type_sql in columns.items())
        query = (
            f"EXPLAIN (VERBOSE, COSTS OFF) SELECT ({condition}) FROM (SELECT {row} OFFSET 0) AS t"
        )
        try:
            lines = [str(line).strip() for line in connection.exec_driver_sql(query).scalars()]
        except sa.exc.DBAPIError:
            return None
        finally:
            connection.rollback()
        return next((line for line in lines if line.startswith("Output:")), None)

    def same(ours: str, theirs: str, columns: Mapping[str, str]) -> bool | None:
        mine, database = printed(ours, columns), printed(theirs, columns)
        if mine is None or database is None:
            return None
        return mine == database

    return same


def diff_database(
    config: Config, renames: Sequence[tuple[str, str]] = ()
) -> tuple[DiffResult, str]:
    """What the database lacks compared with the models.

    Returns:
        The diff, and the dialect's name.

    Raises:
        ConfigError (no URL, models cannot be imported), DatabaseError.
    """
    from migguard.runtime.engine import connect
    from migguard.runtime.migrate import database_url

    with connect(database_url(config), read_only=True) as connection:
        return _compare_live(config, connection, renames), connection.dialect.name


def _refuse_start(
    history: History, current: Sequence[str], wanted: Sequence[str], head: str
) -> NoReturn:
    """Say why the database is not where the new revision starts, and what fixes it.

    Raises:
        UnknownDatabaseRevisionError: the database is at a revision this code does not have
            (the code is older than the database): what ``upgrade`` says too.
        UsageError: the database is behind ``head`` (upgrade first) or past it.
    """
    from migguard.runtime.plan import applied, check_known

    check_known(history.graph, current)
    at = ", ".join(current) or "base"
    there = ", ".join(wanted) or "base"
    if set(wanted) <= applied(history.graph, current):
        raise UsageError(
            f"the database is at {at}, past {there}: a revision on {there} would not start "
            f"from the database's schema; use --head {at}, or downgrade to {there} first"
        )
    raise UsageError(
        f"the database is at {at}, not at {there}: run `migguard upgrade {head}` first, so "
        "that the new revision starts from the schema the history builds"
    )


def autogenerate_revision(
    config: Config,
    history: History,
    message: str,
    *,
    head: str = "head",
    renames: Sequence[tuple[str, str]] = (),
    rev_id: str | None = None,
    branch_labels: Sequence[str] = (),
    depends_on: Sequence[str] = (),
    version_path: Path | None = None,
    splice: bool = False,
) -> Generated:
    """Compare the database (which must be at ``head``) with the models and write the
    revision that turns one into the other.

    An Alembic project's ``process_revision_directives`` (from ``config.env_py``) sees the
    revision first and may change its id, message, head, labels, dependencies, folder or
    operations, or ask for no revision (:attr:`Generated.path` is then ``None``). With
    ``[autogenerate] safe = true`` and a PostgreSQL database, changes to existing tables are
    written with their safe recipes (:mod:`migguard.autogen.render.safe`).

    Raises:
        UsageError: the database is not at ``head`` (the revision would be written against
            a schema the history does not build); plus everything :func:`create_revision`
            and :func:`diff_database` raise.
        ConfigError: the ``[autogenerate]`` table has an unknown key or a wrong value.
        UnknownDatabaseRevisionError: the database is at a revision the history lacks.
    """
    # The writing side (renderer, script writer, runtime) is imported here, not with the
    # module: the guard's checks use this module's comparison helpers only.
    from migguard.autogen.render import render_downgrade, render_operations
    from migguard.graph import resolve
    from migguard.runtime.engine import connect
    from migguard.runtime.migrate import database_url, version_table
    from migguard.scripts.create import create_revision

    safe = autogenerate_settings(config).safe
    with connect(database_url(config), read_only=True) as connection:
        current = version_table(config).read(connection)
        connection.rollback()
        wanted = resolve(history.graph, head) if len(history.graph) else ()
        if set(current) != set(wanted):
            _refuse_start(history, current, wanted, head)
        diff = _compare_live(config, connection, renames)
        dialect = connection.dialect.name
    planned = _Request(
        message,
        head,
        rev_id,
        tuple(branch_labels),
        tuple(depends_on),
        version_path,
        splice,
        list(diff.items),
    )
    request = _ask_env_py(config, planned, current)
    if request is None:
        return Generated(diff, None)
    upgrade = render_operations(request.items, dialect_name=dialect, safe=safe)
    downgrade = render_downgrade(request.items, dialect_name=dialect, safe=safe)
    imports = tuple(sorted({*upgrade.imports, *downgrade.imports}))
    path = create_revision(
        config,
        history,
        request.message,
        head=request.head if len(history.graph) else "base",
        splice=request.splice,
        branch_labels=request.branch_labels,
        depends_on=request.depends_on,
        rev_id=request.rev_id,
        version_path=request.version_path,
        upgrades=upgrade.body,
        downgrades=downgrade.body,
        imports=imports,
    )
    return Generated(diff, path)


class _Request(NamedTuple):
    """What the revision about to be written holds (env.py's hook may change it)."""

    message: str
    head: str
    rev_id: str | None
    branch_labels: tuple[str, ...]
    depends_on: tuple[str, ...]
    version_path: Path | None
    splice: bool
    items: list[Item]


def _ask_env_py(config: Config, request: _Request, current: Sequence[str]) -> _Request | None:
    """Let env.py's ``process_revision_directives`` see and change the revision; ``None``
    when it asks for no revision.

    Raises:
        UsageError: the hook left more than one revision.
    """
    hook = config.env_py.get("process_revision_directives") if config.env_py else None
    if not callable(hook) or config.env_py is None:
        return request
    from migguard.alembic_compat.config import alembic_config_for, ini_of
    from migguard.alembic_compat.env_directives import (
        DowngradeOps,
        MigrationScript,
        UpgradeOps,
        ask_revision_directives,
    )

    script = MigrationScript(
        request.rev_id,
        request.message,
        UpgradeOps(request.items),
        DowngradeOps(list(reversed(request.items))),
        head=request.head,
        splice=request.splice,
        branch_label=list(request.branch_labels) or None,
        version_path=str(request.version_path) if request.version_path else None,
        depends_on=list(request.depends_on) or None,
    )
    answer = ask_revision_directives(
        hook,
        script,
        config=alembic_config_for(ini_of(config), ini_section=config.ini_section),
        opts=dict(config.env_py.calls[0]) if config.env_py.calls else {},
        current=current,
    )
    if answer is None:
        return None
    return _Request(
        answer.message,
        answer.head,
        answer.rev_id,
        _names(answer.branch_label),
        _names(answer.depends_on),
        Path(answer.version_path) if answer.version_path else None,
        answer.splice,
        list(answer.upgrade_ops.ops),
    )


def _names(value: str | Sequence[str] | None) -> tuple[str, ...]:
    """A label or dependency setting (one name, several, or none) as a tuple."""
    if value is None:
        return ()
    return (value,) if isinstance(value, str) else tuple(value)

"""The named targets of the configuration: ``[targets.NAME]`` tables
(``[tool.migguard.targets.NAME]`` in ``pyproject.toml``), each a database (or, with schemas,
several schemas of one) the fleet commands may run on.

Keys (schema: :data:`migguard.config.schema.TARGET`):

- where the databases are, exactly one of: ``url`` (``${VAR}`` expanded as the top-level
  ``url``; a relative SQLite path is taken from the configuration file's folder);
  ``from_file`` (a file listing targets, relative to the configuration file's folder) or
  ``from_command`` (a program and its arguments, run without a shell from that folder, which
  prints such a list; ``timeout`` seconds, default 30): see :mod:`migguard.fleet.sources`.
  Listed targets are named ``NAME.LINE_NAME`` and carry the table's tags and the line's.
- ``tags`` (an array of strings, for ``--tag``);
- ``version_table_schema``: the schema holding the version table;
- ``script_location`` and ``version_table``: a history of its own (projects with several
  independent histories): the revisions of ``script_location``'s ``versions`` folder
  (relative to the configuration file's folder), recorded in ``version_table``;
- ``engine_name``: Alembic's multidb layout: the name passed to each revision's
  ``upgrade()``/``downgrade()``. An ``alembic.ini`` whose ``[alembic]`` section lists
  ``databases`` makes one such target per name (see
  :func:`migguard.config.alembic_ini.read_alembic_ini`);
- PostgreSQL schema-per-tenant, at most one of: ``schema`` (the revisions run with this
  schema as the ``search_path`` and the version table in it) or ``schemas`` (a list, or a
  ``SELECT`` returning one schema name per row): one target ``NAME.SCHEMA`` per schema, each
  as with ``schema``. A ``SELECT`` runs when a command chooses the target (see
  :mod:`migguard.fleet.schemas`).

The tables are checked here, when a command names targets, so a mistake in them never stops a
single-database command.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType
from typing import NamedTuple

from migguard.config import Config
from migguard.config.schema import TARGET, check_table
from migguard.config.urls import expand_env, mask_password, resolve_sqlite_url
from migguard.errors import ConfigError

__all__ = ["Target", "for_target", "read_targets"]

_SOURCES = ("url", "from_file", "from_command")


class Target(NamedTuple):
    """One database, or one schema of one.

    Attributes:
        name: the ``NAME`` of ``[targets.NAME]``; ``NAME.X`` for a target listed by a file or
            a command or fanned out over schemas.
        url: the URL to open: ``${VAR}`` expanded, a relative SQLite path made absolute. Holds
            the password: show :attr:`shown_url` instead.
        tags: the target's tags.
        version_table_schema: the schema of its version table, or ``None`` for the
            configuration's.
        schema: the PostgreSQL schema its revisions run in (the session's ``search_path``),
            or ``None``.
        group: the ``NAME`` of the table it comes from, when that table made several targets
            (``--target NAME`` chooses them all); else ``None``.
        schemas_query: a ``SELECT`` listing the schemas this target fans out into, not yet
            run (see :func:`migguard.fleet.schemas.expand_schemas`); else ``None``.
        engine_name: the multidb engine name its revision functions are called with, or
            ``None`` (called with no arguments).
        script_location: the migration environment of its own history (absolute), or
            ``None`` for the project's.
        version_table: its version table's name, or ``None`` for the project's.
    """

    name: str
    url: str
    tags: tuple[str, ...] = ()
    version_table_schema: str | None = None
    schema: str | None = None
    group: str | None = None
    schemas_query: str | None = None
    engine_name: str | None = None
    script_location: Path | None = None
    version_table: str | None = None

    @property
    def shown_url(self) -> str:
        """The URL for output, its password masked."""
        return mask_password(self.url)

    def __repr__(self) -> str:
        # A Target may end up in a traceback or a log: never with its password.
        return (
            f"Target(name={self.name!r}, url={self.shown_url!r}, tags={self.tags!r}, "
            f"version_table_schema={self.version_table_schema!r}, schema={self.schema!r}, "
            f"group={self.group!r}, schemas_query={self.schemas_query!r}, "
            f"engine_name={self.engine_name!r}, script_location={self.script_location!r}, "
            f"version_table={self.version_table!r})"
        )

    def in_schema(self, schema: str) -> Target:
        """This target fanned out to ``schema``: named ``GROUP.SCHEMA``, the version table and
        the revisions' ``search_path`` in that schema."""
        group = self.group or self.name
        return self._replace(
            name=f"{self.name}.{schema}",
            version_table_schema=schema,
            schema=schema,
            group=group,
            schemas_query=None,
        )


def read_targets(config: Config, environ: Mapping[str, str] | None = None) -> tuple[Target, ...]:
    """Check and resolve the configuration's ``[targets.NAME]`` tables, reading their
    ``from_file`` lists and running their ``from_command`` programs.

    Args:
        config: the configuration (its ``targets`` table as read, ``origins`` for messages,
            ``root`` for relative paths and the commands' folder).
        environ: the variables for ``${VAR}`` expansion; defaults to ``os.environ``.

    Returns:
        Every target, sorted by name (empty when none is configured); a target whose
        ``schemas`` is a ``SELECT`` is one target with ``schemas_query`` set.

    Raises:
        ConfigError: a target is not a table, has an unknown key, a value of the wrong type,
            not exactly one of ``url``/``from_file``/``from_command``, both ``schema`` and
            ``schemas``, a ``${VAR}`` that is not set, a list that cannot be read or a command
            that fails, or two targets share a name; one line naming the file and the table
            (``/r/migguard.toml [targets.eu]``), never a URL's password.
    """
    env = os.environ if environ is None else environ
    found: dict[str, Target] = {}
    for name, table in sorted(config.targets.items()):
        for target in _table_targets(config, name, table, env):
            if target.name in found:
                raise ConfigError(
                    f"two targets are named {target.name!r} ({_where(config, name)} and "
                    f"{_where(config, found[target.name].group or target.name)})"
                )
            found[target.name] = target
    return tuple(found[name] for name in sorted(found))


def _table_targets(
    config: Config, name: str, table: object, env: Mapping[str, str]
) -> list[Target]:
    """The targets of one ``[targets.NAME]`` table."""
    from migguard.fleet.sources import COMMAND_TIMEOUT, read_command, read_file

    where = _where(config, name)
    if not isinstance(table, Mapping):
        raise ConfigError(f"{where} must be a table (with at least 'url'), got a value")
    values = check_table(table, TARGET, where)
    given = [key for key in _SOURCES if key in values]
    if not given:
        raise ConfigError(f"missing required key 'url' in {where} (or from_file, from_command)")
    if len(given) > 1:
        raise ConfigError(f"{where} takes one of url, from_file, from_command, not {given}")
    if "schema" in values and "schemas" in values:
        raise ConfigError(f"{where} takes schema or schemas, not both")
    tags_value = values.get("tags")
    tags = tuple(str(tag) for tag in tags_value) if isinstance(tags_value, list) else ()
    schema = values.get("version_table_schema")
    engine_name = values.get("engine_name")
    location = values.get("script_location")
    version_table = values.get("version_table")
    base = Target(
        name=name,
        url="",
        tags=tags,
        version_table_schema=schema if isinstance(schema, str) and schema else None,
        engine_name=engine_name if isinstance(engine_name, str) and engine_name else None,
        script_location=config.root / location if isinstance(location, str) and location else None,
        version_table=version_table if isinstance(version_table, str) and version_table else None,
    )
    url = values.get("url")
    if isinstance(url, str):
        listed = [(base, url, f"'url' in {where}")]
    else:
        file = values.get("from_file")
        command = values.get("from_command")
        if isinstance(file, str):
            lines = read_file(config.root / Path(file), where)
        else:
            timeout = values.get("timeout")
            seconds = float(timeout) if isinstance(timeout, int) else COMMAND_TIMEOUT
            argv = list(command) if isinstance(command, list) else []
            lines = read_command([str(arg) for arg in argv], config.root, seconds, where)
        listed = [
            (
                base._replace(name=f"{name}.{line.name}", tags=(*tags, *line.tags), group=name),
                line.url,
                f"line {line.line} of the list of {where}",
            )
            for line in lines
        ]
    targets = []
    for target, written, used_in in listed:
        if not written:
            raise ConfigError(f"missing required key 'url' in {where}")
        expanded = expand_env(written, env, where=used_in)
        if not expanded:
            raise ConfigError(f"the url of {used_in} is empty once expanded")
        targets.append(target._replace(url=resolve_sqlite_url(expanded, config.root)))
    return [fanned for target in targets for fanned in _fan_out(target, values, where)]


def _fan_out(target: Target, values: Mapping[str, object], where: str) -> list[Target]:
    """``target`` as ``schema`` / ``schemas`` make it: itself, one per listed schema, or one
    with a ``SELECT`` to run later."""
    schema = values.get("schema")
    schemas = values.get("schemas")
    if isinstance(schema, str):
        if not schema:
            raise ConfigError(f"key 'schema' in {where} is empty")
        return [target._replace(schema=schema, version_table_schema=schema)]
    if isinstance(schemas, str):
        if not schemas.strip():
            raise ConfigError(f"key 'schemas' in {where} is empty")
        return [target._replace(schemas_query=schemas)]
    if isinstance(schemas, list):
        names = [str(item) for item in schemas]
        if any(not item for item in names) or len(set(names)) != len(names):
            raise ConfigError(f"key 'schemas' in {where} holds an empty or repeated name")
        return [target.in_schema(item) for item in names]
    return [target]


def for_target(config: Config, target: Target) -> Config:
    """The configuration one target runs with: its URL (with ``search_path`` set to its
    schema, when it has one, and ``*.*`` added to ``exclude_tables`` so comparisons stay in
    that schema), its version table (schema, name), its own history's folders and its multidb
    engine name; every other setting shared.

    Args:
        config: the project's configuration.
        target: the target.

    Returns:
        A copy of ``config``.

    Raises:
        ConfigError: the target has a schema but is not a PostgreSQL database.
    """
    from migguard.fleet.schemas import with_search_path

    sources = MappingProxyType(
        {**config.sources, "url": f"[targets.{target.group or target.name}]"}
    )
    url = target.url if target.schema is None else with_search_path(target.url, target.schema)
    changed = config._replace(url=url, sources=sources, engine_name=target.engine_name)
    if target.schema is not None:
        # A schema target is that one schema: its tables reflect as the default schema's, and
        # the tables of other schemas (the other tenants, shared ones) are not its own, so
        # a comparison (the drift check) leaves every schema-qualified table alone.
        changed = changed._replace(exclude_tables=(*config.exclude_tables, "*.*"))
    if target.version_table_schema is not None:
        changed = changed._replace(version_table_schema=target.version_table_schema)
    if target.version_table is not None:
        changed = changed._replace(version_table=target.version_table)
    if target.script_location is not None:
        changed = changed._replace(
            script_location=target.script_location,
            version_locations=(target.script_location / "versions",),
        )
    return changed


def _where(config: Config, name: str) -> str:
    """``/r/migguard.toml [targets.NAME]`` (or ``[tool.migguard.targets.NAME]``)."""
    table = config.origins.get("targets", "the configuration [targets]")
    return f"{table[:-1]}.{name}]" if table.endswith("]") else f"{table} [targets.{name}]"

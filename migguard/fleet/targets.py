"""The named targets of the configuration: ``[targets.NAME]`` tables
(``[tool.migguard.targets.NAME]`` in ``pyproject.toml``), each a database the fleet commands
may run on.

Keys (schema: :data:`migguard.config.schema.TARGET`): ``url`` (required; ``${VAR}`` expanded as
the top-level ``url``; a relative SQLite path is taken from the configuration file's folder),
``tags`` (an array of strings, for ``--tag``), ``version_table_schema`` (the schema holding
this target's version table, for schema-per-tenant layouts) and ``engine_name`` (Alembic's
multidb layout: the name passed to each revision's ``upgrade()``/``downgrade()``; an
``alembic.ini`` whose ``[alembic]`` section lists ``databases`` makes one such target per
name, see :func:`migguard.config.alembic_ini.read_alembic_ini`). The tables are checked here, when a
command names targets, so a mistake in them never stops a single-database command.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from types import MappingProxyType
from typing import NamedTuple

from migguard.config import Config
from migguard.config.schema import TARGET, check_table
from migguard.config.urls import expand_env, mask_password, resolve_sqlite_url
from migguard.errors import ConfigError

__all__ = ["Target", "for_target", "read_targets"]


class Target(NamedTuple):
    """One named database.

    Attributes:
        name: the ``NAME`` of ``[targets.NAME]``.
        url: the URL to open: ``${VAR}`` expanded, a relative SQLite path made absolute. Holds
            the password: show :attr:`shown_url` instead.
        tags: the target's tags, as written.
        version_table_schema: the schema of its version table, or ``None`` for the
            configuration's.
        engine_name: the multidb engine name its revision functions are called with, or
            ``None`` (called with no arguments).
    """

    name: str
    url: str
    tags: tuple[str, ...] = ()
    version_table_schema: str | None = None
    engine_name: str | None = None

    @property
    def shown_url(self) -> str:
        """The URL for output, its password masked."""
        return mask_password(self.url)

    def __repr__(self) -> str:
        # A Target may end up in a traceback or a log: never with its password.
        return (
            f"Target(name={self.name!r}, url={self.shown_url!r}, tags={self.tags!r}, "
            f"version_table_schema={self.version_table_schema!r}, "
            f"engine_name={self.engine_name!r})"
        )


def read_targets(config: Config, environ: Mapping[str, str] | None = None) -> tuple[Target, ...]:
    """Check and resolve the configuration's ``[targets.NAME]`` tables.

    Args:
        config: the configuration (its ``targets`` table as read, ``origins`` for messages,
            ``root`` for relative SQLite paths).
        environ: the variables for ``${VAR}`` expansion; defaults to ``os.environ``.

    Returns:
        Every target, sorted by name (empty when none is configured).

    Raises:
        ConfigError: a target is not a table, has an unknown key, a value of the wrong type,
            no ``url``, or a ``${VAR}`` that is not set; one line naming the file and the table
            (``/r/migguard.toml [targets.eu]``), never the URL.
    """
    env = os.environ if environ is None else environ
    found = []
    for name, table in sorted(config.targets.items()):
        where = _where(config, name)
        if not isinstance(table, Mapping):
            raise ConfigError(f"{where} must be a table (with at least 'url'), got a value")
        values = check_table(table, TARGET, where)
        url = values.get("url")
        if not isinstance(url, str) or not url:
            raise ConfigError(f"missing required key 'url' in {where}")
        expanded = expand_env(url, env, where=f"'url' in {where}")
        if not expanded:
            raise ConfigError(f"key 'url' in {where} is empty once expanded")
        tags = values.get("tags")
        schema = values.get("version_table_schema")
        engine_name = values.get("engine_name")
        found.append(
            Target(
                name=name,
                url=resolve_sqlite_url(expanded, config.root),
                tags=tuple(str(tag) for tag in tags) if isinstance(tags, list) else (),
                version_table_schema=schema if isinstance(schema, str) and schema else None,
                engine_name=engine_name if isinstance(engine_name, str) and engine_name else None,
            )
        )
    return tuple(found)


def for_target(config: Config, target: Target) -> Config:
    """The configuration one target runs with: its URL, its version table schema when it
    sets one, and its multidb engine name; every other setting shared.

    Args:
        config: the project's configuration.
        target: the target.

    Returns:
        A copy of ``config``.
    """
    sources = MappingProxyType({**config.sources, "url": f"[targets.{target.name}]"})
    changed = config._replace(url=target.url, sources=sources, engine_name=target.engine_name)
    if target.version_table_schema is not None:
        changed = changed._replace(version_table_schema=target.version_table_schema)
    return changed


def _where(config: Config, name: str) -> str:
    """``/r/migguard.toml [targets.NAME]`` (or ``[tool.migguard.targets.NAME]``)."""
    table = config.origins.get("targets", "the configuration [targets]")
    return f"{table[:-1]}.{name}]" if table.endswith("]") else f"{table} [targets.{name}]"

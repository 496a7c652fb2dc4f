"""Alembic's ``Config`` as an Alembic project's ``env.py`` and revision scripts use it.

``env.py`` reads ``context.config`` (``get_main_option("sqlalchemy.url")``,
``get_section(config.config_ini_section)``, ``config_file_name`` for logging, ``attributes``
for a connection an application handed over); scripts reach the same object through
``op.get_context().config``. This class gives that surface over the project's ``alembic.ini``
with the behaviour Alembic documents (https://alembic.sqlalchemy.org/en/latest/api/config.html):
values are read through :class:`configparser.ConfigParser`, so ``%(here)s`` is the ini file's
folder and ``%(name)s`` refers to other keys of the section or to ``config_args``; a literal
percent sign is written ``%%``.

A class with state, because the documented API mutates it (``set_main_option`` from env.py,
``attributes`` shared between the application and env.py).
"""

from __future__ import annotations

import argparse
import configparser
import sys
from collections.abc import Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from migguard.errors import ConfigError

if TYPE_CHECKING:
    from migguard.config import Config as MigguardConfig

__all__ = [
    "AlembicConfig",
    "active_config",
    "alembic_config_for",
    "config_active",
    "ini_of",
    "project_config_active",
]

_UNSET: Any = object()


class AlembicConfig:
    """The configuration object Alembic hands to ``env.py`` as ``context.config``.

    Args:
        file_: the ini file (``alembic.ini``), or ``None`` for a configuration without a file
            (then only ``set_main_option`` fills it).
        ini_section: the section holding the environment's settings (Alembic's ``--name``).
        output_buffer: where :meth:`print_stdout` writes; defaults to ``stdout``.
        stdout: the default output stream.
        cmd_opts: the command-line options (an ``argparse.Namespace``); one without ``-x``
            values is made when ``None``.
        config_args: extra interpolation values for the ini file (``here`` is always set).
        attributes: the initial contents of :attr:`attributes`.
    """

    def __init__(
        self,
        file_: str | Path | None = None,
        ini_section: str = "alembic",
        output_buffer: TextIO | None = None,
        stdout: TextIO = sys.stdout,
        cmd_opts: argparse.Namespace | None = None,
        config_args: Mapping[str, Any] | None = None,
        attributes: Mapping[str, Any] | None = None,
    ) -> None:
        self.config_file_name: str | None = None if file_ is None else str(file_)
        self.config_ini_section = ini_section
        self.output_buffer = output_buffer
        self.stdout = stdout
        self.cmd_opts = cmd_opts if cmd_opts is not None else command_options()
        self.config_args: dict[str, Any] = dict(config_args or {})
        self._attributes: dict[str, Any] = dict(attributes or {})
        self._parser: configparser.ConfigParser | None = None

    @property
    def attributes(self) -> dict[str, Any]:
        """A dictionary for passing objects (a connection, an engine) between the code that
        starts a run and ``env.py``; never read from or written to a file."""
        return self._attributes

    @property
    def file_config(self) -> configparser.ConfigParser:
        """The parsed ini file (read on first use).

        Raises:
            ConfigError: the file cannot be read or parsed.
        """
        if self._parser is None:
            self._parser = self._read()
        return self._parser

    def print_stdout(self, text: str, *args: Any) -> None:
        """Write ``text`` (``%``-formatted with ``args`` when given) and a newline to the
        output buffer, as Alembic's commands report."""
        stream = self.output_buffer if self.output_buffer is not None else self.stdout
        stream.write((text % args if args else text) + "\n")

    def get_section(self, name: str, default: Any = None) -> Any:
        """All keys of section ``name`` (interpolated, defaults such as ``here`` included) as
        a dict, or ``default`` when the file has no such section."""
        if not self.file_config.has_section(name):
            return default
        return dict(self.file_config.items(name))

    def get_section_option(self, section: str, name: str, default: Any = None) -> Any:
        """The interpolated value of ``name`` in ``section``, or ``default`` when unset.

        Raises:
            ConfigError: the section does not exist (Alembic raises its CommandError here),
                or the value cannot be interpolated.
        """
        if not self.file_config.has_section(section):
            where = self.config_file_name or "the configuration"
            raise ConfigError(f"no config section {section!r} in {where}")
        if not self.file_config.has_option(section, name):
            return default
        try:
            return self.file_config.get(section, name)
        except configparser.Error as exc:
            raise ConfigError(
                f"bad value for {name!r} in [{section}]: {' '.join(str(exc).split())}"
            ) from exc

    def get_main_option(self, name: str, default: Any = None) -> Any:
        """``get_section_option`` on the environment's own section (``config_ini_section``)."""
        return self.get_section_option(self.config_ini_section, name, default)

    def get_alembic_option(self, name: str, default: Any = None) -> Any:
        """An Alembic setting (``script_location``, ``version_locations``...). Alembic 1.16
        also reads ``[tool.alembic]`` in pyproject.toml here; this one reads the ini file's
        section, where older projects keep them."""
        return self.get_main_option(name, default)

    def set_main_option(self, name: str, value: str) -> None:
        """Set ``name`` in the environment's section, in memory only. ``value`` is
        interpolated when read, so a literal ``%`` must be written ``%%``."""
        self.set_section_option(self.config_ini_section, name, value)

    def remove_main_option(self, name: str) -> None:
        """Remove ``name`` from the environment's section, in memory only."""
        self.file_config.remove_option(self.config_ini_section, name)

    def set_section_option(self, section: str, name: str, value: str) -> None:
        """Set ``name`` in ``section`` (created when missing), in memory only; ``%`` must be
        written ``%%`` as for :meth:`set_main_option`."""
        if not self.file_config.has_section(section):
            self.file_config.add_section(section)
        self.file_config.set(section, name, value)

    def _read(self) -> configparser.ConfigParser:
        """Parse the file with ``here`` (the file's folder, or the current one) as a default."""
        path = Path(self.config_file_name) if self.config_file_name else None
        here = path.absolute().parent if path is not None else Path.cwd()
        self.config_args["here"] = here.as_posix()
        parser = configparser.ConfigParser(self.config_args)
        if path is not None and path.is_file():
            try:
                with path.open(encoding="utf-8") as handle:
                    parser.read_file(handle)
            except (configparser.Error, UnicodeDecodeError, OSError) as exc:
                raise ConfigError(f"cannot read {path}: {' '.join(str(exc).split())}") from exc
        if not parser.has_section(self.config_ini_section):
            parser.add_section(self.config_ini_section)
        return parser

    def __repr__(self) -> str:
        # Never the values: the URL in them holds a password.
        return f"<AlembicConfig {self.config_file_name!r} [{self.config_ini_section}]>"


def command_options(
    x_arguments: Sequence[str] = (),
    *,
    sql: bool = False,
    config_file: str | None = None,
    ini_section: str = "alembic",
) -> argparse.Namespace:
    """The ``cmd_opts`` namespace env.py files read (``cmd_opts.x``, ``cmd_opts.sql``...).

    Args:
        x_arguments: the ``-x`` values, each ``key=value`` or a bare word.
        sql: the run writes SQL (``--sql``).
        config_file: the configuration file's path.
        ini_section: the section read (``-n NAME``), as ``cmd_opts.name``.

    Returns:
        A namespace with Alembic's option names: ``x`` (a list, or ``None`` without ``-x``
        values, as Alembic's parser leaves it), ``sql``, ``config``, ``name``, ``raiseerr``,
        ``autogenerate``, ``tag``.
    """
    return argparse.Namespace(
        x=list(x_arguments) or None,
        sql=sql,
        config=config_file,
        name=ini_section,
        raiseerr=False,
        autogenerate=False,
        tag=None,
    )


def alembic_config_for(
    config_file: Path | None,
    *,
    x_arguments: Sequence[str] = (),
    sql: bool = False,
    ini_section: str = "alembic",
) -> AlembicConfig:
    """Alembic's Config for a migguard project: its ``alembic.ini`` when the configuration
    came from one, else an empty in-memory section (scripts reading options get ``None``).

    Args:
        config_file: the configuration file migguard read; only an ``.ini`` file is handed
            to Alembic's Config (TOML files are not its format).
        x_arguments: ``-x`` values for ``cmd_opts.x``.
        sql: the run writes SQL.
        ini_section: the section holding the environment's settings (``-n NAME``).

    Returns:
        A new :class:`AlembicConfig`.
    """
    ini = config_file if config_file is not None and config_file.suffix != ".toml" else None
    name = None if ini is None else str(ini)
    options = command_options(x_arguments, sql=sql, config_file=name, ini_section=ini_section)
    return AlembicConfig(name, ini_section=ini_section, cmd_opts=options)


_ACTIVE: ContextVar[AlembicConfig | None] = ContextVar("migguard_alembic_config", default=None)


def active_config() -> AlembicConfig | None:
    """The Config of the run in progress (see :func:`config_active`), or ``None``."""
    return _ACTIVE.get()


@contextmanager
def config_active(config: AlembicConfig) -> Any:
    """Make ``config`` the one ``op.get_context().config`` returns while the block runs.

    A context variable rather than a constructor argument: the execution contexts are built
    deep inside the runner, which knows nothing of configuration files.
    """
    token = _ACTIVE.set(config)
    try:
        yield config
    finally:
        _ACTIVE.reset(token)


@contextmanager
def project_config_active(config: MigguardConfig, *, sql: bool = False) -> Any:
    """:func:`config_active` with a new Config for migguard configuration ``config`` (its
    ``alembic.ini`` when it has one), for the scripts of one run.

    Args:
        config: migguard's configuration.
        sql: the run writes SQL (``cmd_opts.sql``).
    """
    project = alembic_config_for(ini_of(config), sql=sql, ini_section=config.ini_section)
    with config_active(project) as active:
        yield active


def ini_of(config: MigguardConfig) -> Path | None:
    """The configuration file when it is an ini file, else an ``alembic.ini`` beside it or
    in ``script_location`` (where Flask-Migrate keeps it)."""
    if config.path is not None and config.path.suffix != ".toml":
        return config.path
    for candidate in (config.root / "alembic.ini", config.script_location / "alembic.ini"):
        if candidate.is_file():
            return candidate
    return None

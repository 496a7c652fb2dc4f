"""Where configuration comes from: finding the config file and reading it into raw values.

The readers only parse; merging, checking keys and types and resolving paths is
``migguard.config.load``'s job. Every file (or table) read is one :class:`RawConfig` layer
whose ``values`` use the TOML key names, so ``alembic.ini`` and ``[tool.alembic]`` values
arrive already renamed and converted (see ``migguard.config.alembic_ini`` and
``migguard.config.tool_alembic``).
A project's layers all come from one folder, lowest first: ``[tool.alembic]``, ``alembic.ini``,
then migguard's own ``migguard.toml`` or ``[tool.migguard]``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from types import MappingProxyType
from typing import NamedTuple

from migguard.config.alembic_ini import SECTION as INI_SECTION
from migguard.config.alembic_ini import read_alembic_ini
from migguard.config.tool_alembic import read_tool_alembic
from migguard.errors import ConfigError

__all__ = [
    "ALEMBIC_INI",
    "INI_SECTION",
    "MIGGUARD_TOML",
    "PYPROJECT_TOML",
    "RawConfig",
    "discover_config",
    "folder_layers",
    "read_config_file",
    "read_migguard_toml",
    "read_pyproject",
    "toml_type_name",
]

MIGGUARD_TOML = "migguard.toml"
PYPROJECT_TOML = "pyproject.toml"
ALEMBIC_INI = "alembic.ini"
# The folder `flask db init` creates by default, holding its alembic.ini and env.py.
FLASK_MIGRATE_FOLDER = "migrations"

_INI_SECTION_LINE = re.compile(r"^[ \t]*\[alembic\][ \t]*$", re.MULTILINE)


class RawConfig(NamedTuple):
    """The unchecked settings read from one configuration file.

    Attributes:
        path: the absolute path of the file.
        section: the table or section read (``"tool.migguard"``, ``"alembic"``), or ``None``
            for the top level of a TOML file.
        strict: whether unknown keys are errors (TOML files) or ignored (``alembic.ini``).
        values: key -> value as read, keyed by migguard's TOML key names.
    """

    path: Path
    section: str | None
    strict: bool
    values: Mapping[str, object] = MappingProxyType({})

    @property
    def label(self) -> str:
        """Short name used as a value's source, e.g. ``"pyproject.toml [tool.migguard]"``."""
        return _describe(self.path.name, self.section)

    @property
    def where(self) -> str:
        """Full location used in error messages, e.g. ``"/repo/pyproject.toml [tool.migguard]"``."""
        return _describe(str(self.path), self.section)


def discover_config(start: Path, ini_section: str = INI_SECTION) -> tuple[RawConfig, ...]:
    """Find and read the configuration for a command run in ``start``.

    Looks in ``start`` and then each parent folder, and stops at the first folder holding any
    of ``migguard.toml``, ``alembic.ini``, or a ``pyproject.toml`` with a ``[tool.migguard]``
    or ``[tool.alembic]`` table. Only that folder's files are read (see :func:`folder_layers`).
    A folder with none of them but Flask-Migrate's ``migrations/alembic.ini`` and
    ``migrations/env.py`` uses that ``alembic.ini``, with ``migrations`` as ``script_location``.

    Args:
        start: the folder to start in (made absolute if relative).
        ini_section: the section of ``alembic.ini`` to read (Alembic's ``-n NAME``).

    Returns:
        The layers of that folder, lowest first; empty when no folder up to the filesystem
        root has any.

    Raises:
        ConfigError: a candidate file exists but cannot be read or parsed.
    """
    for folder in _folders_upward(start):
        layers = folder_layers(folder, ini_section=ini_section) or _flask_migrate_layers(
            folder, ini_section
        )
        if layers:
            return layers
    return ()


def _flask_migrate_layers(folder: Path, ini_section: str) -> tuple[RawConfig, ...]:
    """The layout ``flask db init`` makes, when ``folder`` has no configuration of its own:
    ``migrations/alembic.ini`` beside ``migrations/env.py``, with no ``script_location`` (the
    ``flask`` command passes the folder). That folder is then the ``script_location``."""
    environment = folder / FLASK_MIGRATE_FOLDER
    ini_path = environment / ALEMBIC_INI
    if not (ini_path.is_file() and (environment / "env.py").is_file()):
        return ()
    layer = _read_ini(ini_path, ini_section)
    if "script_location" in layer.values:
        return (layer,)
    return (layer._replace(values={**layer.values, "script_location": str(environment)}),)


def folder_layers(
    folder: Path, *, own: RawConfig | None = None, ini_section: str = INI_SECTION
) -> tuple[RawConfig, ...]:
    """Read the configuration layers of one folder, lowest first.

    The Alembic settings are the base: ``[tool.alembic]`` of ``pyproject.toml``, then
    ``alembic.ini`` above it (Alembic reads the INI file first too). migguard's own file is
    the top layer: ``migguard.toml``, or else the ``[tool.migguard]`` table of
    ``pyproject.toml``. A key set in a higher layer replaces the same key below it.

    Args:
        folder: the absolute folder.
        own: migguard's own layer when it is given rather than discovered (``-c FILE``).
        ini_section: the section of ``alembic.ini`` to read (Alembic's ``-n NAME``).

    Returns:
        The layers found (empty when the folder has none).

    Raises:
        ConfigError: a file exists but cannot be read or parsed.
    """
    tool_migguard, tool_alembic = _pyproject_tables(folder / PYPROJECT_TOML)
    layers = [] if tool_alembic is None else [tool_alembic]
    ini_path = folder / ALEMBIC_INI
    if ini_path.is_file():
        layers.append(_read_ini(ini_path, ini_section))
    if own is None:
        toml_path = folder / MIGGUARD_TOML
        own = read_migguard_toml(toml_path) if toml_path.is_file() else tool_migguard
    if own is not None:
        layers.append(own)
    return tuple(layers)


def read_config_file(path: Path, ini_section: str = INI_SECTION) -> tuple[RawConfig, ...]:
    """Read the configuration named with the CLI's ``-c/--config``, lowest layer first.

    An INI file (``.ini``/``.cfg``, or any name whose content has an ``[alembic]`` section
    line) is an Alembic configuration: it is read from its ``[alembic]`` section, over the
    ``[tool.alembic]`` table of the ``pyproject.toml`` beside it, as Alembic pairs them;
    migguard's own files beside it are not read (the user chose this file over them). Any
    other file is migguard's own (``pyproject.toml`` from its ``[tool.migguard]`` table, other
    ``.toml`` files from their top level) and adds to the Alembic settings of its folder
    (``alembic.ini`` and ``[tool.alembic]``), as a discovered one does.

    Args:
        path: the file to read; relative paths are taken from the current folder.
        ini_section: the section of an INI file to read (Alembic's ``-n NAME``).

    Returns:
        The layers read.

    Raises:
        ConfigError: the file is missing, is a folder, cannot be parsed, or is a
            ``pyproject.toml`` with neither ``[tool.migguard]`` nor ``[tool.alembic]``.
    """
    path = Path(os.path.abspath(path.expanduser()))
    if path.is_dir():
        raise ConfigError(f"config file {path} is a folder, not a file")
    if not path.is_file():
        raise ConfigError(f"config file {path} does not exist")
    folder = path.parent
    if path.name == PYPROJECT_TOML:
        layers = folder_layers(folder, own=read_pyproject(path), ini_section=ini_section)
        if not layers:
            raise ConfigError(f"no [tool.migguard] or [tool.alembic] table in {path}")
        return layers
    if _is_ini(path):
        tool_alembic = _pyproject_tables(folder / PYPROJECT_TOML)[1]
        ini = _read_ini(path, ini_section)
        return (ini,) if tool_alembic is None else (tool_alembic, ini)
    return folder_layers(folder, own=read_migguard_toml(path), ini_section=ini_section)


def read_migguard_toml(path: Path) -> RawConfig:
    """Read the top-level keys of a TOML file such as ``migguard.toml``.

    Args:
        path: absolute path of the file.

    Returns:
        The settings read, with unknown keys still present (checked later).

    Raises:
        ConfigError: the file cannot be read or is not valid TOML.
    """
    return RawConfig(path, None, strict=True, values=_load_toml(path))


def read_pyproject(path: Path) -> RawConfig | None:
    """Read the ``[tool.migguard]`` table of a ``pyproject.toml``.

    Args:
        path: absolute path of the file.

    Returns:
        The settings read, or ``None`` when the file has no ``[tool.migguard]`` table.

    Raises:
        ConfigError: the file cannot be read, is not valid TOML, or ``tool``/``tool.migguard``
            is not a table.
    """
    return _pyproject_tables(path)[0]


def _pyproject_tables(path: Path) -> tuple[RawConfig | None, RawConfig | None]:
    """The ``[tool.migguard]`` and ``[tool.alembic]`` layers of a ``pyproject.toml``; ``None``
    for a table (or a file) that is not there."""
    if not path.is_file():
        return None, None
    document = _load_toml(path)
    tool = document.get("tool")
    if tool is None:
        return None, None
    if not isinstance(tool, dict):
        raise ConfigError(f"key 'tool' in {path} must be a table, got {toml_type_name(tool)}")
    tables: list[RawConfig | None] = []
    for name in ("migguard", "alembic"):
        table = tool.get(name)
        if table is not None and not isinstance(table, dict):
            raise ConfigError(
                f"key 'tool.{name}' in {path} must be a table, got {toml_type_name(table)}"
            )
        if table is None:
            tables.append(None)
        elif name == "migguard":
            tables.append(RawConfig(path, "tool.migguard", strict=True, values=table))
        else:
            values = read_tool_alembic(table, path)
            tables.append(RawConfig(path, "tool.alembic", strict=False, values=values))
    return tables[0], tables[1]


def toml_type_name(value: object) -> str:
    """Name a parsed TOML value's type in TOML's own terms (``"string"``, ``"array"``, ...).

    Args:
        value: a value produced by ``tomllib``.

    Returns:
        The TOML type name; the Python type name for anything ``tomllib`` does not produce.
    """
    import datetime  # only on the error path

    # bool before int: bool is a subclass of int.
    for python_type, name in (
        (bool, "boolean"),
        (int, "integer"),
        (float, "float"),
        (str, "string"),
        (list, "array"),
        (dict, "table"),
        (datetime.datetime, "datetime"),
        (datetime.date, "date"),
        (datetime.time, "time"),
    ):
        if isinstance(value, python_type):
            return name
    return type(value).__name__


def _read_ini(path: Path, section: str) -> RawConfig:
    """Read a section of an Alembic INI file as a layer."""
    return RawConfig(path, section, strict=False, values=read_alembic_ini(path, section))


def _folders_upward(start: Path) -> Iterator[Path]:
    """Yield ``start`` (absolute) and then each of its parents up to the filesystem root."""
    folder = Path(os.path.abspath(start))
    yield folder
    yield from folder.parents


def _load_toml(path: Path) -> dict[str, object]:
    """Parse a TOML file, turning every failure into a ConfigError naming the file."""
    import tomllib  # not needed at all for an alembic.ini project

    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"invalid TOML in {path}: {exc}") from exc
    except UnicodeDecodeError as exc:
        raise ConfigError(f"invalid TOML in {path}: not UTF-8 text ({exc.reason})") from exc
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror}") from exc


def _is_ini(path: Path) -> bool:
    """Decide whether an explicitly named config file is INI (else TOML)."""
    suffix = path.suffix.lower()
    if suffix == ".toml":
        return False
    if suffix in {".ini", ".cfg"}:
        return True
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror}") from exc
    return _INI_SECTION_LINE.search(text) is not None


def _describe(name: str, section: str | None) -> str:
    """Join a file name and a section into ``"name [section]"``."""
    return name if section is None else f"{name} [{section}]"

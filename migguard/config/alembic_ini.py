"""Reading the ``[alembic]`` and ``[post_write_hooks]`` sections of an ``alembic.ini`` into
migguard's key names.

Only the keys migguard understands are read; ``alembic.ini`` holds many others (logging,
``output_encoding``) and those are ignored rather than rejected. Values are converted
to the shapes the TOML files use, so the checks in ``migguard.config.schema`` apply to both.
"""

from __future__ import annotations

import configparser
import os
import re
from collections.abc import Callable
from pathlib import Path

from migguard.errors import ConfigError

__all__ = ["INI_KEYS", "parse_bool", "read_alembic_ini", "split_version_locations"]

SECTION = "alembic"
HOOKS_SECTION = "post_write_hooks"

# alembic.ini key -> migguard key, for the plain string settings.
INI_KEYS: dict[str, str] = {
    "script_location": "script_location",
    "sqlalchemy.url": "url",
    "file_template": "file_template",
    "timezone": "timezone",
    "version_table": "version_table",
    "version_table_schema": "version_table_schema",
}

_SEPARATORS: dict[str, str] = {
    "os": os.pathsep,
    ":": ":",
    ";": ";",
    "space": " ",
    "newline": "\n",
}
_SEPARATOR_KEYS = ("path_separator", "version_path_separator")
# prepend_sys_path follows only the newer key; without it Alembic also splits on colons.
_PATH_KEY = ("path_separator",)
_LEGACY_SPLIT = re.compile(r"[\s,]+")
_LEGACY_SYS_PATH_SPLIT = re.compile(r"[\s,:]+")
_TRUE = frozenset({"true", "yes", "on", "1"})
_FALSE = frozenset({"false", "no", "off", "0"})


def read_alembic_ini(path: Path, section_name: str = SECTION) -> dict[str, object]:
    """Read the settings migguard uses from the ``[alembic]`` section of an INI file (or the
    section Alembic's ``-n NAME`` names).

    ``%(here)s`` expands to the file's folder and ``%%`` to ``%``, as in Alembic. Empty values
    count as unset and are left out.

    Args:
        path: absolute path of the INI file.
        section_name: the section to read.

    Returns:
        migguard key -> value: strings, plus ``version_locations``, ``prepend_sys_path`` and
        ``metadata`` (split on commas and whitespace) as lists of strings,
        ``recursive_version_locations`` as a bool, ``truncate_slug_length`` as an int and
        ``post_write_hooks`` as a list of ``{"name": ..., key: value}`` dicts.

    Raises:
        ConfigError: the file cannot be read or parsed, has no such section, or a value
            cannot be interpolated or converted.
    """
    parser = _load_parser(path, section_name)
    section = parser[section_name]
    get = _getter(section, path, section_name)
    values: dict[str, object] = {}
    for ini_key, key in INI_KEYS.items():
        text = get(ini_key)
        if text is not None:
            values[key] = text
    locations = get("version_locations")
    if locations is not None:
        values["version_locations"] = split_version_locations(
            locations, _separator(get, path, section_name)
        )
    prepend = get("prepend_sys_path")
    if prepend is not None:
        values["prepend_sys_path"] = _split_sys_path(
            prepend, _separator(get, path, section_name, _PATH_KEY)
        )
    metadata = get("metadata")
    if metadata is not None:
        # An import path holds a colon (``app.models:Base.metadata``), so this list is split
        # the way Alembic splits its other name lists (``hooks``), never on path_separator.
        values["metadata"] = [name for name in _LEGACY_SPLIT.split(metadata) if name]
    recursive = get("recursive_version_locations")
    if recursive is not None:
        values["recursive_version_locations"] = parse_bool(
            recursive, where=f"key 'recursive_version_locations' in {path} [{section_name}]"
        )
    slug_length = get("truncate_slug_length")
    if slug_length is not None:
        values["truncate_slug_length"] = _parse_int(
            slug_length, where=f"key 'truncate_slug_length' in {path} [{section_name}]"
        )
    databases = get("databases")
    if databases is not None:
        values["targets"] = _multidb_targets(parser, databases, path)
    if parser.has_section(HOOKS_SECTION):
        hooks = _post_write_hooks(parser[HOOKS_SECTION], path)
        if hooks:
            values["post_write_hooks"] = hooks
    return values


def _multidb_targets(
    parser: configparser.ConfigParser, databases: str, path: Path
) -> dict[str, dict[str, str]]:
    """The targets of Alembic's multidb layout: one per name of ``databases`` (split on commas
    and whitespace), its ``sqlalchemy.url`` from the section of that name. A missing section
    or URL is left for :func:`migguard.fleet.targets.read_targets` to name, when a command
    uses the targets, so it never stops a command that does not."""
    targets: dict[str, dict[str, str]] = {}
    for name in _LEGACY_SPLIT.split(databases):
        if not name:
            continue
        table = {"engine_name": name}
        if parser.has_section(name):
            url = _getter(parser[name], path, name)("sqlalchemy.url")
            if url is not None:
                table["url"] = url
        targets[name] = table
    return targets


def _post_write_hooks(section: configparser.SectionProxy, path: Path) -> list[dict[str, str]]:
    """The hooks the ``[post_write_hooks]`` section names in ``hooks``, in that order.

    Each hook's keys are written ``NAME.key`` (``ruff.type = exec``); the result holds one
    ``{"name": NAME, key: value, ...}`` per hook, the shape the TOML files use.
    """
    get = _getter(section, path, HOOKS_SECTION)
    names = get("hooks")
    if names is None:
        return []
    hooks: list[dict[str, str]] = []
    for name in _LEGACY_SPLIT.split(names):
        if not name:
            continue
        hook = {"name": name}
        prefix = f"{name.lower()}."  # configparser lower-cases keys
        for key in section:
            if key.startswith(prefix):
                value = get(key)
                if value is not None:
                    hook[key.removeprefix(prefix)] = value
        hooks.append(hook)
    return hooks


def split_version_locations(value: str, separator: str | None) -> list[str]:
    """Split an ``alembic.ini`` ``version_locations`` value into its entries.

    Args:
        value: the raw value.
        separator: the character to split on, or ``None`` for the legacy rule (split on runs
            of spaces and/or commas, which also covers newlines).

    Returns:
        The non-empty entries, stripped of surrounding whitespace.
    """
    if separator is None:
        parts = _LEGACY_SPLIT.split(value)
    elif separator == " ":
        parts = value.split()
    else:
        parts = value.split(separator)
    return [part.strip() for part in parts if part.strip()]


def parse_bool(value: str, *, where: str) -> bool:
    """Parse an INI boolean (true/false, yes/no, on/off, 1/0; any case).

    Args:
        value: the raw text.
        where: the key, file and section, for the error message
            (``"key 'k' in /r/alembic.ini [alembic]"``).

    Returns:
        The boolean.

    Raises:
        ConfigError: the text is not one of the accepted words.
    """
    word = value.strip().lower()
    if word in _TRUE:
        return True
    if word in _FALSE:
        return False
    raise ConfigError(f"{where} must be true or false (or yes/no, on/off, 1/0), got {value!r}")


def _parse_int(value: str, *, where: str) -> int:
    """Parse an INI integer, raising ConfigError naming ``where`` when it is not one."""
    try:
        return int(value.strip())
    except ValueError:
        raise ConfigError(f"{where} must be an integer, got {value!r}") from None


def _split_sys_path(value: str, separator: str | None) -> list[str]:
    """Split ``prepend_sys_path``: on ``separator``, or (legacy rule, no ``path_separator``)
    on runs of spaces, commas and colons."""
    if separator is None:
        return [part for part in _LEGACY_SYS_PATH_SPLIT.split(value) if part]
    return split_version_locations(value, separator)


def _separator(
    get: Callable[[str], str | None],
    path: Path,
    section_name: str,
    keys: tuple[str, ...] = _SEPARATOR_KEYS,
) -> str | None:
    """The list separator the file asks for, or ``None`` for the legacy rule.

    ``path_separator`` (newer Alembic) wins over ``version_path_separator`` (older, read for
    ``version_locations`` only).
    """
    for key in keys:
        name = get(key)
        if name is None:
            continue
        if name not in _SEPARATORS:
            choices = ", ".join(repr(choice) for choice in _SEPARATORS)
            raise ConfigError(
                f"key '{key}' in {path} [{section_name}] must be one of {choices}, got {name!r}"
            )
        return _SEPARATORS[name]
    return None


def _load_parser(path: Path, section_name: str) -> configparser.ConfigParser:
    """Parse the INI file with ``here`` set; it must have section ``section_name``."""
    # "%" in a folder name would otherwise start an interpolation.
    here = str(path.parent).replace("%", "%%")
    parser = configparser.ConfigParser(defaults={"here": here})
    try:
        with path.open(encoding="utf-8") as handle:
            parser.read_file(handle)
    except configparser.Error as exc:
        raise ConfigError(f"invalid INI file {path}: {_one_line(exc)}") from exc
    except UnicodeDecodeError as exc:
        raise ConfigError(f"invalid INI file {path}: not UTF-8 text ({exc.reason})") from exc
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror}") from exc
    if not parser.has_section(section_name):
        raise ConfigError(f"no [{section_name}] section in {path}")
    return parser


def _getter(
    section: configparser.SectionProxy, path: Path, name: str = SECTION
) -> Callable[[str], str | None]:
    """Build a lookup that interpolates one key of section ``name`` and maps empty values to
    ``None``."""

    def get(key: str) -> str | None:
        try:
            value = section.get(key)
        except configparser.Error as exc:
            raise ConfigError(
                f"bad value for '{key}' in {path} [{name}]: {_one_line(exc)}"
            ) from exc
        if value is None or not value.strip():
            return None
        return value.strip()

    return get


def _one_line(exc: Exception) -> str:
    """configparser messages span lines (with tabs); fold them so errors stay one line."""
    return " ".join(str(exc).split())

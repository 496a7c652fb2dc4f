"""Loading the configuration into a :class:`~migguard.config.model.Config`.

``load_config`` finds the configuration files (or reads the one given), merges them key by key
(Alembic's ``[tool.alembic]`` and ``alembic.ini`` below, migguard's own file on top), checks
them, resolves relative paths against their folder, and picks the database URL from ``--url``,
the ``MIGGUARD_URL`` environment variable or the files, in that order. ``connect_url`` gives the
URL to open: a relative SQLite path in the file's URL is taken from the file's folder, like
every other path in it; one in ``--url`` or ``MIGGUARD_URL`` from the current folder, where
the user typed it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType
from typing import NamedTuple

from migguard.config.model import DEFAULT, Config, setting_keys
from migguard.config.paths import resolve_location, resolve_path
from migguard.config.schema import check_values, table_where
from migguard.config.sources import INI_SECTION, RawConfig, discover_config, read_config_file
from migguard.config.urls import expand_env, resolve_sqlite_url
from migguard.errors import ConfigError

__all__ = ["URL_ENV_VAR", "URL_OPTION", "connect_url", "load_config"]

URL_ENV_VAR = "MIGGUARD_URL"
URL_OPTION = "--url"

_DEFAULTS = Config._field_defaults
# Keys holding tables of their own, checked where they are used (migguard.config.schema).
_TABLES = frozenset(
    {"check", "post_merge", "pytest", "autogenerate", "targets", "post_write_hooks"}
)


def load_config(
    config_path: Path | None = None,
    *,
    cwd: Path | None = None,
    url: str | None = None,
    environ: Mapping[str, str] | None = None,
    ini_section: str = INI_SECTION,
) -> Config:
    """Find, read, merge, check and resolve the configuration.

    Args:
        config_path: a file named with ``-c/--config`` (see
            :func:`migguard.config.sources.read_config_file` for what is read with it); when
            ``None`` the configuration is discovered from ``cwd`` upward: the first folder
            holding ``migguard.toml``, ``alembic.ini``, or a ``pyproject.toml`` with
            ``[tool.migguard]`` or ``[tool.alembic]``, and only that folder's files.
        cwd: where discovery starts; defaults to the current folder.
        url: the ``--url`` option; wins over ``MIGGUARD_URL`` and the files. Empty means unset.
        environ: environment for ``MIGGUARD_URL`` and ``${VAR}`` expansion; defaults to
            ``os.environ``.
        ini_section: the section of ``alembic.ini`` read (``-n NAME``, as Alembic's).

    Returns:
        The resolved :class:`Config`. Layers merge key by key: ``[tool.alembic]``, then
        ``alembic.ini``, then ``migguard.toml`` (or ``[tool.migguard]``); the higher wins.

    Raises:
        ConfigError: no configuration found, a file is missing or invalid, a key is unknown
            or of the wrong type, ``script_location`` is missing, a package named in a
            ``pkg:path`` location cannot be found, or a ``${VAR}`` is not set.
    """
    env = os.environ if environ is None else environ
    start = Path.cwd() if cwd is None else cwd
    layers = (
        read_config_file(config_path, ini_section)
        if config_path is not None
        else _discover(start, ini_section)
    )
    values: dict[str, object] = {}
    origin: dict[str, RawConfig] = {}
    for layer in layers:
        checked = check_values(layer)
        values.update(checked)
        origin.update(dict.fromkeys(checked, layer))
    return _build(_Merged(layers, values, origin), url, env)._replace(ini_section=ini_section)


class _Merged(NamedTuple):
    """Checked values of every layer merged, and the layer each value came from."""

    layers: tuple[RawConfig, ...]
    values: dict[str, object]
    origin: dict[str, RawConfig]

    def layer(self, key: str) -> RawConfig:
        """The layer ``key`` came from (the top one when the key is unset)."""
        return self.origin.get(key, self.layers[-1])

    @property
    def where(self) -> str:
        """Every file read, for messages about a key none of them sets."""
        return " and ".join(layer.where for layer in self.layers)


def _discover(start: Path, ini_section: str) -> tuple[RawConfig, ...]:
    """Discover the configuration from ``start`` upward or raise a ConfigError saying how."""
    layers = discover_config(start, ini_section)
    if not layers:
        raise ConfigError(
            f"no migguard configuration found in {os.path.abspath(start)} or any parent folder "
            "(looked for migguard.toml, [tool.migguard] or [tool.alembic] in pyproject.toml, "
            "alembic.ini); run `migguard init migrations` to create one"
        )
    return layers


def _build(merged: _Merged, url: str | None, environ: Mapping[str, str]) -> Config:
    """Turn merged values into a Config: resolve paths, pick and expand URLs, fill sources."""
    top = merged.layers[-1]
    root = top.path.parent
    values = merged.values
    if "script_location" not in values:
        raise ConfigError(f"missing required key 'script_location' in {merged.where}")
    _check_slug_length(values, merged)
    script_location = _location(values["script_location"], root, "script_location", merged)
    sources = {
        key: merged.origin[key].label if key in values else DEFAULT for key in setting_keys()
    }
    origins = {
        key: table_where(merged.origin[key], key) if key in _TABLES else merged.origin[key].where
        for key in values
    }
    chosen_url, sources["url"] = _choose_url(
        url, environ, values.get("url"), merged.layer("url").label
    )
    return Config(
        path=top.path,
        root=root,
        script_location=script_location,
        version_locations=_version_locations(values, script_location, root, merged),
        recursive_version_locations=values.get("recursive_version_locations") is True,
        url=_expand(chosen_url, environ, _url_where(sources["url"], merged)),
        metadata=_strings(values, "metadata"),
        prepend_sys_path=tuple(
            resolve_path(entry, root) for entry in _strings(values, "prepend_sys_path")
        ),
        files=tuple(dict.fromkeys(layer.path for layer in merged.layers)),
        file_template=_text(values, "file_template", _DEFAULTS["file_template"]),
        timezone=_optional_text(values, "timezone"),
        truncate_slug_length=_integer(
            values, "truncate_slug_length", _DEFAULTS["truncate_slug_length"]
        ),
        version_table=_text(values, "version_table", _DEFAULTS["version_table"]),
        version_table_schema=_optional_text(values, "version_table_schema"),
        sync_each_revision=values.get("sync_each_revision") is True,
        exclude_tables=_strings(values, "exclude_tables"),
        compare_type=values.get("compare_type", True) is True,
        compare_server_default=values.get("compare_server_default", True) is True,
        include_object=_optional_text(values, "include_object"),
        check_url=_expand(values.get("check_url"), environ, _where("check_url", merged)),
        base_branch=_optional_text(values, "base_branch"),
        heads_file=_optional_path(values.get("heads_file"), root),
        log=_optional_path(values.get("log"), root),
        check=_table(values, "check"),
        post_merge=_table(values, "post_merge"),
        pytest=_table(values, "pytest"),
        autogenerate=_table(values, "autogenerate"),
        targets=_table(values, "targets"),
        post_write_hooks=_tables(values, "post_write_hooks"),
        sources=MappingProxyType(sources),
        origins=MappingProxyType(origins),
    )


def connect_url(config: Config) -> str | None:
    """The URL to open: ``config.url`` with a relative SQLite path made absolute.

    A URL from the configuration file takes it from the file's folder (for ``alembic.ini``
    that is ``%(here)s``), so commands and git hooks (which git runs at the repository's top)
    open the same file wherever they run; one from ``--url`` or ``MIGGUARD_URL`` from the
    current folder, where the user typed it.

    Args:
        config: the configuration.

    Returns:
        The URL (see :func:`migguard.config.urls.resolve_sqlite_url`), or ``None`` when none is set.
    """
    if not config.url:
        return None
    source = config.sources.get("url", DEFAULT)
    from_user = source == URL_OPTION or source.startswith("env ")
    return resolve_sqlite_url(config.url, os.getcwd() if from_user else config.root)


def _choose_url(
    option: str | None, environ: Mapping[str, str], file_value: object, label: str
) -> tuple[str | None, str]:
    """Pick the URL by precedence: ``--url`` > ``MIGGUARD_URL`` > file. Returns (url, source)."""
    if option:
        return option, URL_OPTION
    from_env = environ.get(URL_ENV_VAR)
    if from_env:
        return from_env, f"env {URL_ENV_VAR}"
    if isinstance(file_value, str):
        return file_value, label
    return None, DEFAULT


def _expand(value: object, environ: Mapping[str, str], where: str) -> str | None:
    """``${VAR}``-expand an optional URL; an expansion to empty text counts as unset."""
    if not isinstance(value, str):
        return None
    return expand_env(value, environ, where=where) or None


def _url_where(source: str, merged: _Merged) -> str:
    """Describe where the chosen URL came from, for expansion errors."""
    if source == URL_OPTION:
        return f"the {URL_OPTION} option"
    if source.startswith("env "):
        return f"environment variable {URL_ENV_VAR}"
    return _where("url", merged)


def _where(key: str, merged: _Merged) -> str:
    """Name a key in its file the way the user wrote it (``sqlalchemy.url`` in alembic.ini)."""
    layer = merged.layer(key)
    # TOML layers are strict except [tool.alembic], which never holds the URL.
    written = "sqlalchemy.url" if key == "url" and not layer.strict else key
    return f"'{written}' in {layer.where}"


def _check_slug_length(values: Mapping[str, object], merged: _Merged) -> None:
    """Raise ConfigError unless ``truncate_slug_length`` (when set) is at least 1."""
    length = values.get("truncate_slug_length")
    if isinstance(length, int) and length < 1:
        raise ConfigError(
            f"key 'truncate_slug_length' in {merged.layer('truncate_slug_length').where} "
            f"must be at least 1, got {length}"
        )


def _version_locations(
    values: Mapping[str, object], script_location: Path, root: Path, merged: _Merged
) -> tuple[Path, ...]:
    """Resolve ``version_locations``; the default is ``<script_location>/versions``."""
    entries = values.get("version_locations")
    if not isinstance(entries, list):
        return (script_location / "versions",)
    return tuple(_location(entry, root, "version_locations", merged) for entry in entries)


def _location(value: object, root: Path, key: str, merged: _Merged) -> Path:
    """Resolve a folder setting (plain path or ``package:path``)."""
    return resolve_location(str(value), root, where=_where(key, merged))


def _optional_path(value: object, root: Path) -> Path | None:
    """Resolve an optional file setting, or ``None`` when unset."""
    return resolve_path(value, root) if isinstance(value, str) else None


def _text(values: Mapping[str, object], key: str, default: str) -> str:
    """A checked string setting, or ``default`` when unset."""
    value = values.get(key)
    return value if isinstance(value, str) else default


def _optional_text(values: Mapping[str, object], key: str) -> str | None:
    """A checked string setting, or ``None`` when unset."""
    value = values.get(key)
    return value if isinstance(value, str) else None


def _integer(values: Mapping[str, object], key: str, default: int) -> int:
    """A checked integer setting, or ``default`` when unset."""
    value = values.get(key)
    return value if isinstance(value, int) else default


def _strings(values: Mapping[str, object], key: str) -> tuple[str, ...]:
    """A checked string-or-array-of-strings setting as a tuple (empty when unset)."""
    value = values.get(key)
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list):
        return tuple(str(item) for item in value)
    return ()


def _table(values: Mapping[str, object], key: str) -> Mapping[str, object]:
    """A checked table setting as a read-only mapping (empty when unset)."""
    value = values.get(key)
    return MappingProxyType(dict(value) if isinstance(value, dict) else {})


def _tables(values: Mapping[str, object], key: str) -> tuple[Mapping[str, object], ...]:
    """A checked array-of-tables setting as read-only mappings (empty when unset)."""
    value = values.get(key)
    items = value if isinstance(value, list) else []
    return tuple(MappingProxyType(dict(item)) for item in items)

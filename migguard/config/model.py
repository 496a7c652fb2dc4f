"""The resolved configuration: :class:`Config`, the record every command reads.

Loading it is ``migguard.config.load``'s job; this module only holds its shape and how it is
shown (``migguard config``), so the record can be imported without the loaders.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, NamedTuple

from migguard.config.urls import mask_password

if TYPE_CHECKING:
    from migguard.alembic_compat.env_run import EnvSettings

__all__ = ["DEFAULT", "Config", "setting_keys"]

DEFAULT = "default"

_MASKED_KEYS = frozenset({"url", "check_url"})
# Fields that describe where the configuration lives rather than a setting.
_NOT_KEYS = frozenset(
    {"path", "root", "files", "sources", "origins", "env_py", "ini_section", "engine_name"}
)


class Config(NamedTuple):
    """Every setting migguard uses, resolved: paths absolute, URLs ``${VAR}``-expanded (and
    otherwise as written, for messages: :func:`connect_url` gives the one to open).

    ``path`` is the top file read (migguard's own when there is one) and ``files`` every
    file merged, lowest first. ``sources`` maps each setting's key to where its value came
    from: a file label such as ``"migguard.toml"``, ``"alembic.ini [alembic]"`` or
    ``"pyproject.toml [tool.alembic]"``, ``"env MIGGUARD_URL"``, ``"--url"`` or ``"default"``.
    ``origins`` maps each key set in a file to that file and table, as messages name them
    (``"/r/migguard.toml"``, ``"/r/pyproject.toml [tool.migguard.check]"`` for a table).
    ``prepend_sys_path`` holds the folders Alembic's key of that name puts first on
    ``sys.path``.

    Immutable; a NamedTuple rather than a dataclass because ``migguard heads`` loads it on
    every commit and the dataclasses module costs more to import than the rest of the
    configuration code.
    """

    path: Path | None
    root: Path
    script_location: Path
    version_locations: tuple[Path, ...]
    recursive_version_locations: bool = False
    url: str | None = None
    metadata: tuple[str, ...] = ()
    prepend_sys_path: tuple[Path, ...] = ()
    files: tuple[Path, ...] = ()
    file_template: str = "%(rev)s_%(slug)s"
    timezone: str | None = None
    truncate_slug_length: int = 40
    version_table: str = "alembic_version"
    version_table_schema: str | None = None
    sync_each_revision: bool = False
    exclude_tables: tuple[str, ...] = ()
    compare_type: bool = True
    compare_server_default: bool = True
    include_object: str | None = None
    check_url: str | None = None
    base_branch: str | None = None
    heads_file: Path | None = None
    log: Path | None = None
    check: Mapping[str, object] = MappingProxyType({})
    post_merge: Mapping[str, object] = MappingProxyType({})
    pytest: Mapping[str, object] = MappingProxyType({})
    autogenerate: Mapping[str, object] = MappingProxyType({})
    # [targets.NAME] tables as written (URLs not expanded); migguard.fleet.targets reads them.
    targets: Mapping[str, object] = MappingProxyType({})
    post_write_hooks: tuple[Mapping[str, object], ...] = ()
    sources: Mapping[str, str] = MappingProxyType({})
    # Each key set in a file -> where, for messages: the file and its table, e.g.
    # "/r/pyproject.toml [tool.migguard]", or "/r/migguard.toml [check]" for a table's key.
    origins: Mapping[str, str] = MappingProxyType({})
    # What the project's env.py passed to context.configure() (models and hooks as objects),
    # once read (migguard.alembic_compat.env_settings); None when not read.
    env_py: EnvSettings | None = None
    # The alembic.ini section read (Alembic's -n NAME), which env.py's Config reads too.
    ini_section: str = "alembic"
    # Alembic's multidb layout: the engine whose revision functions run, passed to each
    # revision's upgrade()/downgrade() as ``engine_name`` (set per target, never in a file).
    engine_name: str | None = None

    def __repr__(self) -> str:
        # The URLs hold passwords and a Config may end up in a traceback or a log.
        shown = ", ".join(
            f"{name}={_masked(getattr(self, name))!r}"
            for name in self._fields
            if name not in _MASKED_KEYS
        )
        return f"Config({shown})"

    def display_items(self) -> list[tuple[str, str, str]]:
        """List every setting for ``migguard config``.

        Returns:
            ``(key, value as text, source)`` for each setting in field order. Passwords in
            ``url`` and ``check_url``, also as the keys of a table or of a table inside it
            (``[pytest] url``, ``[targets.NAME] url``), are masked; unset values are empty
            text.
        """
        items: list[tuple[str, str, str]] = []
        for key in setting_keys():
            value = _masked(getattr(self, key))
            text = _as_text(value)
            if key in _MASKED_KEYS and value is not None:
                text = mask_password(text)
            if not text and self.env_py is not None:
                text = self.env_py.display(key)
            items.append((key, text, self.sources.get(key, DEFAULT)))
        return items


def setting_keys() -> tuple[str, ...]:
    """Return the names of the settings of a :class:`Config`, in field order."""
    return tuple(name for name in Config._fields if name not in _NOT_KEYS)


def _masked(value: object) -> object:
    """``value`` with the password of every ``url``/``check_url`` key masked, in a table and in
    the tables nested in it; any other value as it is."""
    if not isinstance(value, Mapping):
        return value
    return {
        name: mask_password(str(item)) if name in _MASKED_KEYS else _masked(item)
        for name, item in value.items()
    }


def _as_text(value: object) -> str:
    """Render a setting's value for display."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, tuple):
        return ", ".join(_nested_text(item) for item in value)
    if isinstance(value, Mapping):
        return ", ".join(f"{key}={_nested_text(item)}" for key, item in value.items())
    return str(value)


def _nested_text(value: object) -> str:
    """Render a value inside a table, bracing sub-tables so nesting stays readable."""
    if isinstance(value, Mapping):
        return "{" + _as_text(value) + "}"
    return _as_text(value)

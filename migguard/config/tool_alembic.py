"""Reading the ``[tool.alembic]`` table of a ``pyproject.toml`` (Alembic 1.16 and later).

``alembic init -t pyproject`` keeps the environment's settings there and leaves only the
database URL and logging in ``alembic.ini``. Values are TOML-typed already; like Alembic,
``%(here)s`` in a string stands for the file's folder and ``%%`` for ``%``. Only the keys
migguard uses are read; the others (``output_encoding``, ``sourceless``, ...) are ignored
rather than rejected, since the table belongs to Alembic.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from migguard.errors import ConfigError

__all__ = ["TOOL_ALEMBIC_KEYS", "read_tool_alembic"]

# Keys of [tool.alembic] that mean the same as migguard's key of the same name. `metadata`
# is migguard's own, accepted here for projects that keep every setting in one table.
TOOL_ALEMBIC_KEYS = frozenset(
    {
        "script_location",
        "version_locations",
        "recursive_version_locations",
        "prepend_sys_path",
        "file_template",
        "timezone",
        "truncate_slug_length",
        "post_write_hooks",
        "metadata",
    }
)


def read_tool_alembic(table: Mapping[str, object], path: Path) -> dict[str, object]:
    """The settings migguard uses from a ``[tool.alembic]`` table, ``%(here)s`` expanded.

    Args:
        table: the parsed table.
        path: the absolute path of the ``pyproject.toml`` holding it (``here`` is its folder).

    Returns:
        key -> value for the keys of :data:`TOOL_ALEMBIC_KEYS` present; strings (also inside
        arrays and inside the tables of ``post_write_hooks``) interpolated, other values as
        parsed. Types are checked later, with the other sources.

    Raises:
        ConfigError: a string names an unknown ``%(token)s`` or holds a lone ``%``.
    """
    tokens = {"here": path.parent.as_posix()}
    values: dict[str, object] = {}
    for key, value in table.items():
        if key in TOOL_ALEMBIC_KEYS:
            values[key] = _interpolate(value, tokens, f"'{key}' in {path} [tool.alembic]")
    return values


def _interpolate(value: object, tokens: Mapping[str, str], where: str) -> object:
    """Expand ``%(here)s`` and ``%%`` in a string, or in the strings inside arrays/tables."""
    if isinstance(value, str):
        try:
            return value % tokens
        except KeyError as exc:
            raise ConfigError(
                f"{where} names unknown token {exc}; only %(here)s is known"
            ) from None
        except (TypeError, ValueError) as exc:
            raise ConfigError(f"{where}: bad '%' in the value ({exc}); write %% for %") from None
    if isinstance(value, list):
        return [_interpolate(item, tokens, where) for item in value]
    if isinstance(value, dict):
        return {key: _interpolate(item, tokens, where) for key, item in value.items()}
    return value

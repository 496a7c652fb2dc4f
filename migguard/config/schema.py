"""The declared schema of every configuration table, and the one checker for all of them.

Each table migguard reads is declared here once, key by key with its kind: the top level of
migguard's own file (``migguard.toml``, ``[tool.migguard]``), ``[check]``, ``[post_merge]``,
``[autogenerate]``, each ``[targets.NAME]`` and each entry of ``post_write_hooks``.
:func:`check_table` checks any of them the same way, with one message style:

- ``unknown key 'KEY' in WHERE (did you mean 'CLOSE'?)``, or ``(known: a, b, c)`` when no
  known key is close;
- ``key 'KEY' in WHERE must be EXPECTED, got ACTUAL``;

where ``WHERE`` names the file and the table (``/r/pyproject.toml [tool.migguard.check]``,
``/r/migguard.toml [post_write_hooks] hook 'ruff'``); :func:`table_where` builds it. Values
are never shown: a URL may hold a password.

The top level is checked when the configuration loads; the other tables where their values
are used (the guard's settings, the post-write hooks), so a mistake there only stops the
commands that read them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Literal, NamedTuple

from migguard.config.sources import RawConfig, toml_type_name
from migguard.errors import ConfigError

__all__ = [
    "AUTOGENERATE",
    "CHECK",
    "LINT",
    "POST_MERGE",
    "POST_WRITE_HOOK",
    "PYTEST",
    "TARGET",
    "TOP_LEVEL",
    "Kind",
    "Table",
    "check_table",
    "check_values",
    "table_where",
]

Kind = Literal["string", "strings", "string or strings", "boolean", "integer", "table", "tables"]


class Table(NamedTuple):
    """One configuration table's schema.

    Attributes:
        name: the table's name under migguard's own table (``"check"``), ``""`` for the top
            level.
        keys: every key the table accepts -> its kind.
    """

    name: str
    keys: Mapping[str, Kind]


def _is_str_list(value: object) -> bool:
    return isinstance(value, list) and all(isinstance(item, str) for item in value)


def _is_int(value: object) -> bool:
    # TOML booleans arrive as Python bools, which are ints too.
    return isinstance(value, int) and not isinstance(value, bool)


# kind -> (test, expected-type text for error messages)
_KINDS: Mapping[Kind, tuple[Callable[[object], bool], str]] = MappingProxyType(
    {
        "string": (lambda value: isinstance(value, str), "a string"),
        "strings": (_is_str_list, "an array of strings"),
        "string or strings": (
            lambda value: isinstance(value, str) or _is_str_list(value),
            "a string or an array of strings",
        ),
        "boolean": (lambda value: isinstance(value, bool), "a boolean"),
        "integer": (_is_int, "an integer"),
        "table": (lambda value: isinstance(value, dict), "a table"),
        "tables": (
            lambda value: isinstance(value, list) and all(isinstance(item, dict) for item in value),
            "an array of tables",
        ),
    }
)

TOP_LEVEL = Table(
    "",
    MappingProxyType(
        {
            "script_location": "string",
            "version_locations": "strings",
            "recursive_version_locations": "boolean",
            "url": "string",
            "metadata": "string or strings",
            "prepend_sys_path": "strings",
            "file_template": "string",
            "timezone": "string",
            "truncate_slug_length": "integer",
            "version_table": "string",
            "version_table_schema": "string",
            "sync_each_revision": "boolean",
            "exclude_tables": "strings",
            "compare_type": "boolean",
            "compare_server_default": "boolean",
            "include_object": "string",
            "check_url": "string",
            "base_branch": "string",
            "heads_file": "string",
            "log": "string",
            "check": "table",
            "post_merge": "table",
            "pytest": "table",
            "autogenerate": "table",
            "targets": "table",
            "post_write_hooks": "tables",
        }
    ),
)

# The guard: which checks run by default (migguard.guard.settings gives the meaning).
CHECK = Table(
    "check",
    MappingProxyType(
        {"select": "strings", "ignore": "strings", "branch_heads": "strings", "lint": "table"}
    ),
)

# The guard's lint check (migguard.lint.settings gives the meaning).
LINT = Table(
    "check.lint",
    MappingProxyType({"dialect": "string", "ignore": "strings", "severity": "table"}),
)

# The post-merge and post-rewrite hooks.
POST_MERGE = Table(
    "post_merge",
    MappingProxyType(
        {"upgrade": "boolean", "targets": "strings", "tags": "strings", "jobs": "integer"}
    ),
)

# The pytest plugin (migguard.migration_tests.settings gives the meaning).
PYTEST = Table("pytest", MappingProxyType({"tests": "strings", "url": "string"}))

# What `migguard revision --autogenerate` writes (migguard.autogen.settings gives the meaning).
AUTOGENERATE = Table("autogenerate", MappingProxyType({"safe": "boolean"}))

# One named database of `[targets.NAME]` (migguard.fleet.targets gives the meaning).
TARGET = Table(
    "targets",
    MappingProxyType(
        {
            "url": "string",
            "from_file": "string",
            "from_command": "strings",
            "timeout": "integer",
            "tags": "strings",
            "version_table_schema": "string",
            "schema": "string",
            "schemas": "string or strings",
            "engine_name": "string",
            "script_location": "string",
            "version_table": "string",
        }
    ),
)

# One post-write hook (migguard.scripts.post_write): every key any hook type takes; which
# target key a type needs is that module's rule.
POST_WRITE_HOOK = Table(
    "post_write_hooks",
    MappingProxyType(
        {
            "name": "string",
            "type": "string",
            "executable": "string",
            "entrypoint": "string",
            "module": "string",
            "options": "string",
            "cwd": "string",
        }
    ),
)


def check_table(
    values: Mapping[str, object], table: Table, where: str, *, strict: bool = True
) -> dict[str, object]:
    """Check the keys and value types of one table against its schema.

    Args:
        values: the table as read.
        table: its schema.
        where: the file and table, for messages (see :func:`table_where`).
        strict: whether an unknown key is an error; when ``False`` (``alembic.ini`` and
            ``[tool.alembic]``, which belong to Alembic) unknown keys are left out.

    Returns:
        key -> value for the known keys, each of the kind ``table`` declares.

    Raises:
        ConfigError: a key is unknown (when ``strict``) or a value has the wrong type; the
            message names the key and ``where``.
    """
    checked: dict[str, object] = {}
    for key, value in values.items():
        kind = table.keys.get(key)
        if kind is None:
            if strict:
                raise ConfigError(_unknown_key_message(key, table, where))
            continue
        test, expected = _KINDS[kind]
        if not test(value):
            raise ConfigError(
                f"key '{key}' in {where} must be {expected}, got {_describe(kind, value)}"
            )
        checked[key] = value
    return checked


def check_values(raw: RawConfig) -> dict[str, object]:
    """Check the top level of one configuration source (see :data:`TOP_LEVEL`).

    Empty strings and empty arrays count as unset and are left out, so the default applies.

    Args:
        raw: the values as read from a file.

    Returns:
        key -> value for the keys that are set, each of the kind :data:`TOP_LEVEL` declares.

    Raises:
        ConfigError: as :func:`check_table`; unknown keys only for migguard's own (strict)
            sources.
    """
    checked = check_table(raw.values, TOP_LEVEL, raw.where, strict=raw.strict)
    return {key: value for key, value in checked.items() if value not in ("", [])}


def table_where(raw: RawConfig, table: str) -> str:
    """Name a table of a configuration source the way the user wrote it.

    Args:
        raw: the source holding the table.
        table: the table's key (``"check"``).

    Returns:
        ``"/r/migguard.toml [check]"``, ``"/r/pyproject.toml [tool.migguard.check]"`` or, for
        an INI file, whose tables are sections of their own, ``"/r/alembic.ini
        [post_write_hooks]"``.
    """
    if raw.section is not None and raw.section.startswith("tool."):
        return f"{raw.path} [{raw.section}.{table}]"
    return f"{raw.path} [{table}]"


def _describe(kind: Kind, value: object) -> str:
    """Name a wrong value's type; for arrays, name the offending item type too."""
    if isinstance(value, list):
        expected = dict if kind == "tables" else str
        wrong = [item for item in value if not isinstance(item, expected)]
        if wrong:
            return f"an array containing {toml_type_name(wrong[0])}"
    return toml_type_name(value)


def _unknown_key_message(key: str, table: Table, where: str) -> str:
    """The unknown-key message: the closest known key, or every known key when none is close."""
    import difflib  # error path only

    close = difflib.get_close_matches(key, table.keys, n=1)
    hint = f"did you mean '{close[0]}'?" if close else f"known: {', '.join(table.keys)}"
    return f"unknown key '{key}' in {where} ({hint})"

"""Checking raw configuration values: known keys, value types and empty values.

Kept apart from ``migguard.config.load`` so the schema sits in one small place; the result is a dict
of values whose Python types are guaranteed, ready to be resolved into a ``Config``.
"""

from __future__ import annotations

from collections.abc import Callable

from migguard.config.sources import RawConfig, toml_type_name
from migguard.errors import ConfigError

__all__ = ["KEYS", "check_values"]


def _is_str_list(value: object) -> bool:
    return isinstance(value, list) and all(isinstance(item, str) for item in value)


def _is_int(value: object) -> bool:
    # TOML booleans arrive as Python bools, which are ints too.
    return isinstance(value, int) and not isinstance(value, bool)


# kind -> (test, expected-type text for error messages)
_KINDS: dict[str, tuple[Callable[[object], bool], str]] = {
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

# Every key a migguard TOML table accepts -> its kind (a key of ``_KINDS``).
KEYS: dict[str, str] = {
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
    "post_write_hooks": "tables",
}


def check_values(raw: RawConfig) -> dict[str, object]:
    """Validate the keys and value types of one configuration source.

    Empty strings and empty arrays count as unset and are left out, so the default applies.

    Args:
        raw: the values as read from a file.

    Returns:
        key -> value for the keys that are set, each of the type ``KEYS`` names.

    Raises:
        ConfigError: a key is unknown (only for TOML sources; ``alembic.ini`` keys migguard
            does not use are ignored) or a value has the wrong type.
    """
    checked: dict[str, object] = {}
    for key, value in raw.values.items():
        if key not in KEYS:
            if raw.strict:
                raise ConfigError(_unknown_key_message(key, raw.where))
            continue
        _check_type(key, value, raw.where)
        if value in ("", []):
            continue
        checked[key] = value
    return checked


def _check_type(key: str, value: object, where: str) -> None:
    """Raise ConfigError naming key, file, expected and actual type if ``value`` is wrong."""
    test, expected = _KINDS[KEYS[key]]
    if not test(value):
        raise ConfigError(f"key '{key}' in {where} must be {expected}, got {_describe(key, value)}")


def _describe(key: str, value: object) -> str:
    """Name a wrong value's type; for arrays, name the offending item type too.

    The value itself is left out: it may be a URL with a password.
    """
    if isinstance(value, list):
        expected = dict if KEYS.get(key) == "tables" else str
        wrong = [item for item in value if not isinstance(item, expected)]
        if wrong:
            return f"an array containing {toml_type_name(wrong[0])}"
    return toml_type_name(value)


def _unknown_key_message(key: str, where: str) -> str:
    """Build the unknown-key message, suggesting the closest known key when there is one."""
    message = f"unknown key '{key}' in {where}"
    import difflib  # error path only

    close = difflib.get_close_matches(key, KEYS, n=1)
    if close:
        message += f" (did you mean '{close[0]}'?)"
    return message

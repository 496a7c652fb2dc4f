"""The guard's own configuration tables: ``[tool.migguard.check]`` and
``[tool.migguard.post_merge]`` (``[check]`` / ``[post_merge]`` in ``migguard.toml``).

The top-level configuration keeps these tables as raw mappings; they are checked here, where
their keys are used, so a typo is named when a guard command runs.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple

from migguard.config import Config
from migguard.errors import ConfigError
from migguard.guard.findings import CODES

__all__ = [
    "CheckSettings",
    "PostMergeSettings",
    "check_settings",
    "parse_codes",
    "post_merge_settings",
]


class CheckSettings(NamedTuple):
    """``[check]``: which checks run by default.

    Attributes:
        select: the codes to run (default: every code; ``drift`` runs only with ``--db``).
        ignore: codes never to run (wins over ``select``).
        branch_heads: branch labels that may each have a head of their own; the ``heads``
            check then allows one head per such label plus one other.
    """

    select: tuple[str, ...] = CODES
    ignore: tuple[str, ...] = ()
    branch_heads: tuple[str, ...] = ()


class PostMergeSettings(NamedTuple):
    """``[post_merge]``: what the post-merge and post-rewrite hooks do.

    Attributes:
        upgrade: run ``upgrade head`` when new revisions arrive (the staging opt-in; the
            ``MIGGUARD_POST_MERGE_UPGRADE=1`` environment variable turns it on too).
    """

    upgrade: bool = False


def check_settings(config: Config) -> CheckSettings:
    """The ``[check]`` table of ``config``, checked.

    Raises:
        ConfigError: an unknown key, a value of the wrong type, or an unknown check code.
    """
    table = config.check
    _known_keys(table, CheckSettings._fields, config, "check")
    select = _codes(table, "select", config) or CODES
    ignore = _codes(table, "ignore", config)
    return CheckSettings(select, ignore, _strings(table, "branch_heads", config, "check"))


def post_merge_settings(config: Config) -> PostMergeSettings:
    """The ``[post_merge]`` table of ``config``, checked.

    Raises:
        ConfigError: an unknown key or a value of the wrong type.
    """
    table = config.post_merge
    _known_keys(table, PostMergeSettings._fields, config, "post_merge")
    upgrade = table.get("upgrade", False)
    if not isinstance(upgrade, bool):
        raise ConfigError(f"key 'post_merge.upgrade' in {_where(config)} must be a boolean")
    return PostMergeSettings(upgrade)


def parse_codes(text: str, option: str) -> tuple[str, ...]:
    """Codes from a comma-separated command-line value such as ``--select sync,heads``.

    Raises:
        ConfigError: a code is unknown (the message lists the known codes).
    """
    codes = tuple(code.strip() for code in text.split(",") if code.strip())
    for code in codes:
        _require_code(code, f"{option} {text!r}")
    return codes


def _known_keys(
    table: Mapping[str, object], keys: tuple[str, ...], config: Config, name: str
) -> None:
    for key in table:
        if key not in keys:
            raise ConfigError(
                f"unknown key '{name}.{key}' in {_where(config)} (known: {', '.join(keys)})"
            )


def _strings(table: Mapping[str, object], key: str, config: Config, name: str) -> tuple[str, ...]:
    value = table.get(key, [])
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ConfigError(f"key '{name}.{key}' in {_where(config)} must be an array of strings")
    return tuple(value)


def _codes(table: Mapping[str, object], key: str, config: Config) -> tuple[str, ...]:
    codes = _strings(table, key, config, "check")
    for code in codes:
        _require_code(code, f"key 'check.{key}' in {_where(config)}")
    return codes


def _require_code(code: str, where: str) -> None:
    if code not in CODES:
        raise ConfigError(f"unknown check code {code!r} in {where} (known: {', '.join(CODES)})")


def _where(config: Config) -> str:
    return config.path.name if config.path else "the configuration"

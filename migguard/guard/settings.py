"""The guard's own configuration tables: ``[tool.migguard.check]`` and
``[tool.migguard.post_merge]`` (``[check]`` / ``[post_merge]`` in ``migguard.toml``).

The top-level configuration keeps these tables as raw mappings; they are checked here, against
their schemas in ``migguard.config.schema``, where their keys are used, so a typo is named when
a guard command runs.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple

from migguard.config import Config
from migguard.config.schema import CHECK, POST_MERGE, check_table
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
        targets: names of ``[targets.NAME]`` to upgrade instead of the single ``url``.
        tags: tags of targets to upgrade too (a target carrying any of them).
        jobs: the most targets upgraded at once (at least 1; default 4).
    """

    upgrade: bool = False
    targets: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    jobs: int = 4

    @property
    def fleet(self) -> bool:
        """Whether the hook upgrades configured targets rather than the single ``url``."""
        return bool(self.targets or self.tags)


def check_settings(config: Config) -> CheckSettings:
    """The ``[check]`` table of ``config``, checked against its schema
    (:data:`migguard.config.schema.CHECK`).

    Raises:
        ConfigError: an unknown key, a value of the wrong type, or an unknown check code.
    """
    where = _where(config, "check")
    table = check_table(config.check, CHECK, where)
    select = _codes(table, "select", where) or CODES
    ignore = _codes(table, "ignore", where)
    return CheckSettings(select, ignore, _strings(table, "branch_heads"))


def post_merge_settings(config: Config) -> PostMergeSettings:
    """The ``[post_merge]`` table of ``config``, checked against its schema
    (:data:`migguard.config.schema.POST_MERGE`).

    Raises:
        ConfigError: an unknown key, a value of the wrong type, or ``jobs`` below 1.
    """
    where = _where(config, "post_merge")
    table = check_table(config.post_merge, POST_MERGE, where)
    jobs = table.get("jobs", 4)
    if not isinstance(jobs, int) or jobs < 1:
        raise ConfigError(f"key 'jobs' in {where} must be at least 1, got {jobs!r}")
    return PostMergeSettings(
        table.get("upgrade") is True, _strings(table, "targets"), _strings(table, "tags"), jobs
    )


def parse_codes(text: str, option: str) -> tuple[str, ...]:
    """Codes from a comma-separated command-line value such as ``--select sync,heads``.

    Raises:
        ConfigError: a code is unknown (the message lists the known codes).
    """
    codes = tuple(code.strip() for code in text.split(",") if code.strip())
    for code in codes:
        _require_code(code, f"{option} {text!r}")
    return codes


def _strings(table: Mapping[str, object], key: str) -> tuple[str, ...]:
    """A checked array of strings as a tuple (empty when unset)."""
    value = table.get(key)
    return tuple(str(item) for item in value) if isinstance(value, list) else ()


def _codes(table: Mapping[str, object], key: str, where: str) -> tuple[str, ...]:
    codes = _strings(table, key)
    for code in codes:
        _require_code(code, f"key '{key}' in {where}")
    return codes


def _require_code(code: str, where: str) -> None:
    if code not in CODES:
        raise ConfigError(f"unknown check code {code!r} in {where} (known: {', '.join(CODES)})")


def _where(config: Config, table: str) -> str:
    """The file and table ``table`` was read from, for messages."""
    return config.origins.get(table, f"the configuration [{table}]")

"""``[check.lint]``: the lint's dialect, the rules it ignores, and severity overrides.

```toml
[tool.migguard.check.lint]
dialect = "postgresql"                   # default: the dialect of the configured url
ignore = ["missing-lock-timeout"]        # listed as suppressed, never reported
severity = { drop-column = "error" }     # error | warning | info
```
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple, cast

from migguard.config import Config
from migguard.config.schema import LINT, check_table
from migguard.errors import ConfigError
from migguard.lint.rule import RuleSeverity
from migguard.lint.rules import RULE_IDS

__all__ = ["LintSettings", "dialect_of_url", "lint_settings"]

_SEVERITIES = ("error", "warning", "info")
# URL scheme (before any "+driver") -> the lint's dialect name.
_SCHEMES = {"postgresql": "postgresql", "postgres": "postgresql", "sqlite": "sqlite"}
_SCHEMES |= {"mysql": "mysql", "mariadb": "mysql"}


class LintSettings(NamedTuple):
    """The lint's settings.

    Attributes:
        dialect: ``postgresql``, ``sqlite`` or ``mysql``: the rules of that database apply.
        ignore: rule ids whose findings are suppressed (``squawk:<rule>`` for squawk's).
        severity: rule id -> its severity instead of the rule's default.
    """

    dialect: str = "postgresql"
    ignore: frozenset[str] = frozenset()
    severity: Mapping[str, RuleSeverity] = {}


def dialect_of_url(url: str | None) -> str | None:
    """The lint dialect a database URL names (``postgresql+psycopg://...`` -> ``postgresql``),
    or ``None`` for no URL or a database the lint has no rules for."""
    if not url or "://" not in url:
        return None
    scheme = url.split("://", 1)[0].split("+", 1)[0].lower()
    return _SCHEMES.get(scheme)


def lint_settings(config: Config) -> LintSettings:
    """``[check.lint]`` of ``config``, checked.

    The dialect defaults to the configured ``url``'s (then ``check_url``'s), else PostgreSQL,
    the database whose locks the rules are about.

    Raises:
        ConfigError: an unknown key, a value of the wrong type, an unknown dialect, rule id
            or severity (the message names the file and table).
    """
    where = config.origins.get("check", "the configuration [check]").replace(
        "check]", "check.lint]"
    )
    raw = config.check.get("lint", {})
    table = check_table(cast(Mapping[str, object], raw), LINT, where)
    dialect = str(
        table.get("dialect")
        or dialect_of_url(config.url)
        or dialect_of_url(config.check_url)
        or "postgresql"
    )
    if dialect not in ("postgresql", "sqlite", "mysql"):
        raise ConfigError(
            f"key 'dialect' in {where} must be postgresql, sqlite or mysql, got {dialect!r}"
        )
    ignore = frozenset(str(rule) for rule in cast(list[str], table.get("ignore", [])))
    severity: dict[str, RuleSeverity] = {}
    for rule, value in cast(Mapping[str, object], table.get("severity", {})).items():
        if value not in _SEVERITIES:
            raise ConfigError(
                f"severity of rule '{rule}' in {where} must be error, warning or info"
            )
        severity[rule] = cast(RuleSeverity, value)
    for rule in (*ignore, *severity):
        _require_rule(rule, where)
    return LintSettings(dialect, ignore, severity)


def _require_rule(rule: str, where: str) -> None:
    if rule not in RULE_IDS and not rule.startswith("squawk:"):
        raise ConfigError(
            f"unknown lint rule {rule!r} in {where} (known: {', '.join(sorted(RULE_IDS))}, "
            "or squawk:<rule>)"
        )

"""``[pytest]`` (``[tool.migguard.pytest]``): which built-in tests run, and on which server.

```toml
[tool.migguard.pytest]
tests = ["single-head", "upgrade", "models-match"]  # default: every test but downgrade-defined
url = "postgresql://localhost/postgres"             # scratch databases go there; default SQLite
```
"""

from __future__ import annotations

from typing import NamedTuple, cast

from migguard.config import Config
from migguard.config.schema import PYTEST, check_table
from migguard.errors import ConfigError

__all__ = ["BUILTIN_TESTS", "DEFAULT_TESTS", "PytestSettings", "parse_tests", "pytest_settings"]

# Every built-in test, in the order they run.
BUILTIN_TESTS = (
    "single-head",
    "upgrade",
    "models-match",
    "up-down-consistency",
    "downgrade-leaves-no-trace",
    "downgrade-defined",
)
# Many projects ship revisions without a downgrade: that test is opt-in.
DEFAULT_TESTS = BUILTIN_TESTS[:-1]


class PytestSettings(NamedTuple):
    """The plugin's settings.

    Attributes:
        tests: the built-in tests to collect (see :data:`BUILTIN_TESTS`).
        url: a server URL (PostgreSQL) where each test gets a scratch database, or ``None``
            for SQLite files.
    """

    tests: tuple[str, ...] = DEFAULT_TESTS
    url: str | None = None


def pytest_settings(config: Config) -> PytestSettings:
    """The ``[pytest]`` table of ``config``, checked.

    Raises:
        ConfigError: an unknown key, a value of the wrong type, or an unknown test name.
    """
    where = config.origins.get("pytest", "the configuration [pytest]")
    table = check_table(config.pytest, PYTEST, where)
    tests = tuple(cast(list[str], table.get("tests", DEFAULT_TESTS)))
    _require_known(tests, f"key 'tests' in {where}")
    url = table.get("url")
    return PytestSettings(tests, str(url) if url else None)


def parse_tests(text: str) -> tuple[str, ...]:
    """Test names from ``--migguard-tests a,b``.

    Raises:
        ConfigError: an unknown name.
    """
    tests = tuple(name.strip() for name in text.split(",") if name.strip())
    _require_known(tests, f"--migguard-tests {text!r}")
    return tests


def _require_known(tests: tuple[str, ...], where: str) -> None:
    for name in tests:
        if name not in BUILTIN_TESTS:
            raise ConfigError(
                f"unknown built-in test {name!r} in {where} (known: {', '.join(BUILTIN_TESTS)})"
            )

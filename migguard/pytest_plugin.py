"""The pytest plugin (entry point ``pytest11``): migration tests without a ``conftest.py``.

``pytest --migguard`` adds the built-in tests of :mod:`migguard.migration_tests.builtin` for
the project found from pytest's rootdir (migguard's configuration or an Alembic project), as
items ``migguard::single-head``, ``migguard::upgrade``, ...; ``[tool.migguard.pytest] tests``
or ``--migguard-tests`` selects them. Each runs on a fresh scratch database: a SQLite file, or
a database created on the server of ``--migguard-url`` / ``[pytest] url`` and dropped after.
The ``migguard_runner`` fixture gives data-migration tests a scratch database of their own
(see :class:`migguard.migration_tests.runner.MigrationRunner`).

This module is imported by every pytest run in an environment where migguard is installed, so
it imports nothing heavy until a migration test or fixture is used.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from migguard.migration_tests.runner import MigrationRunner
    from migguard.migration_tests.suite import Suite

_SUITE = pytest.StashKey["Suite"]()


def pytest_addoption(parser: pytest.Parser) -> None:
    """``--migguard``, ``--migguard-url``, ``--migguard-tests``."""
    group = parser.getgroup("migguard", "migration tests (migguard)")
    group.addoption(
        "--migguard",
        action="store_true",
        help="run migguard's built-in migration tests on the project found from the rootdir",
    )
    group.addoption(
        "--migguard-url",
        metavar="URL",
        help="a PostgreSQL server where each migration test gets a scratch database "
        "(default: [tool.migguard.pytest] url, else SQLite files)",
    )
    group.addoption(
        "--migguard-tests",
        metavar="NAMES",
        help="comma-separated built-in tests to run (default: [tool.migguard.pytest] tests)",
    )


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(
    session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
) -> None:
    """Put the built-in tests first, before ``-k`` and ``-m`` select among the items."""
    if not config.getoption("migguard"):
        return
    suite = _suite(config)
    collector = MigrationTests.from_parent(
        session, name="migguard", nodeid="migguard", path=suite.config.path or config.rootpath
    )
    added = collector.collect()
    # Reported as any collector's result, so "collected N items" counts them.
    result: list[pytest.Item | pytest.Collector] = [*added]
    config.hook.pytest_collectreport(
        report=pytest.CollectReport(collector.nodeid, "passed", None, result)
    )
    items[:0] = added


class MigrationTests(pytest.Collector):
    """The node the built-in tests hang from (``migguard::<test>``)."""

    def collect(self) -> list[pytest.Item]:
        suite = _suite(self.config)
        return [BuiltinTest.from_parent(self, name=name) for name in suite.settings.tests]


class BuiltinTest(pytest.Item):
    """One built-in test; its failure is the test's message, without a traceback."""

    def runtest(self) -> None:
        from migguard.migration_tests.builtin import BUILTIN
        from migguard.migration_tests.outcome import MigrationTestSkipped

        try:
            BUILTIN[self.name](_suite(self.config))
        except MigrationTestSkipped as exc:
            pytest.skip(str(exc))

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> Any:
        from migguard.errors import MigguardError
        from migguard.migration_tests.outcome import MigrationTestFailure

        if isinstance(excinfo.value, MigrationTestFailure | MigguardError):
            return f"migguard {self.name}: {excinfo.value}"
        return super().repr_failure(excinfo, style)

    def reportinfo(self) -> tuple[Path, int | None, str]:
        config = _suite(self.config).config
        return (config.path or Path(self.config.rootpath), None, f"migguard: {self.name}")


@pytest.fixture
def migguard_runner(request: pytest.FixtureRequest) -> Iterator[MigrationRunner]:
    """A :class:`~migguard.migration_tests.runner.MigrationRunner` on a fresh scratch
    database of the project (empty: at base), removed after the test."""
    from migguard.migration_tests.runner import MigrationRunner

    suite = _suite(request.config)
    with suite.scratch() as config:
        runner = MigrationRunner(suite, config)
        try:
            yield runner
        finally:
            runner.close()


def _suite(config: pytest.Config) -> Suite:
    """The project under test, loaded once per session.

    Raises:
        pytest.UsageError: no configuration, an invalid one, or a history that cannot load
            (one line, as the command line says it).
    """
    suite = config.stash.get(_SUITE, None)
    if suite is None:
        from migguard.errors import MigguardError
        from migguard.migration_tests.settings import parse_tests
        from migguard.migration_tests.suite import load_suite

        try:
            tests_option = config.getoption("migguard_tests")
            tests = parse_tests(tests_option) if tests_option else None
            suite = load_suite(config.rootpath, config.getoption("migguard_url"), tests)
        except MigguardError as exc:
            raise pytest.UsageError(f"migguard: {exc}") from None
        config.stash[_SUITE] = suite
    return suite

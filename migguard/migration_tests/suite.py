"""The project under test and its scratch databases.

The project is found from pytest's rootdir the way the command line finds it (migguard's
configuration, or an Alembic project with its env.py read offline). Every test gets a fresh,
empty scratch database: a SQLite file in a temporary folder, or a database created on the
server of ``--migguard-url`` (``[pytest] url``) and dropped afterwards, so tests running in
parallel (pytest-xdist) never share one. The configured database is never contacted.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import NamedTuple

from migguard.config import Config
from migguard.config.load import load_config
from migguard.migration_tests.settings import PytestSettings, pytest_settings
from migguard.scripts.directory import History, load_history

__all__ = ["Suite", "load_suite"]


class Suite(NamedTuple):
    """The project the built-in tests run on.

    Attributes:
        config: its configuration, with an Alembic project's env.py settings.
        history: its loaded history.
        settings: the ``[pytest]`` table, with the command line's options applied.
    """

    config: Config
    history: History
    settings: PytestSettings

    @contextmanager
    def scratch(self) -> Iterator[Config]:
        """A fresh, empty scratch database for one test; yields the configuration pointing
        at it (every other setting kept), and removes the database afterwards.

        Raises:
            DatabaseError: the server of ``settings.url`` cannot be reached, or refuses to
                create or drop the database.
        """
        from migguard.runtime.scratch import postgresql_scratch, sqlite_scratch

        server = self.settings.url
        if server is None:
            with sqlite_scratch() as path:
                yield self._at(f"sqlite:///{path}")
            return
        with postgresql_scratch(server, ()) as scratch:
            yield self._at(scratch.url)

    def _at(self, url: str) -> Config:
        return self.config._replace(url=url, sources={**self.config.sources, "url": "pytest"})


def load_suite(rootdir: Path, url: str | None, tests: tuple[str, ...] | None) -> Suite:
    """The project found from ``rootdir``.

    Args:
        rootdir: pytest's rootdir (the configuration is searched from there upward).
        url: ``--migguard-url``, which wins over ``[pytest] url``.
        tests: ``--migguard-tests``, which wins over ``[pytest] tests``.

    Raises:
        ConfigError: no configuration, or an invalid one.
        HistoryError: the history cannot be loaded.
    """
    from migguard.alembic_compat.env_settings import with_env_py

    config = load_config(cwd=rootdir)
    sys.path[:0] = [str(path) for path in config.prepend_sys_path if str(path) not in sys.path]
    config = with_env_py(config)
    settings = pytest_settings(config)
    if url:
        settings = settings._replace(url=url)
    if tests is not None:
        settings = settings._replace(tests=tests)
    return Suite(config, load_history(config), settings)

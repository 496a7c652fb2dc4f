"""A throwaway PostgreSQL server for the benchmarks, from the test fixture's helpers."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any


@contextmanager
def throwaway_server(
    error: type[Exception], configure: Callable[[Path], None] | None = None
) -> Iterator[Any]:
    """Start a server from the machine's binaries (as an unprivileged user when run as root),
    yield its ``tests.testing.postgres.PostgresServer``, then stop and remove it.

    Args:
        error: the exception type to raise (the calling script's own).
        configure: called with the new cluster's data folder before it starts (e.g. to edit
            ``postgresql.conf``).

    Raises:
        error: psycopg is missing, or the server cannot be created or started.
    """
    import pytest

    from tests.testing import postgres as pgf

    try:
        import psycopg  # noqa: F401 - the driver the benchmarks' URLs name
    except ImportError as exc:
        raise error("psycopg is not installed: pip install -e '.[test]'") from exc
    try:
        user = pgf.server_user()
        server = pgf.PostgresServer(
            pgf.find_server_bin_dir(), pgf.make_base_dir(user), pgf.free_port(), user
        )
    except (pytest.skip.Exception, pytest.fail.Exception) as exc:
        raise error(f"no PostgreSQL server: {exc}") from None
    try:
        try:
            pgf.init_cluster(server)
            if configure is not None:
                configure(server.data_dir)
            pgf.start_cluster(server)
        except (pytest.skip.Exception, pytest.fail.Exception) as exc:
            raise error(f"PostgreSQL server did not start: {exc}") from None
        yield server
    finally:
        pgf.stop_cluster(server)
        shutil.rmtree(server.base_dir, ignore_errors=True)


def postgres_version(binary: Path | None) -> str:
    """What ``postgres --version`` prints for the server binary ``binary``.

    Returns:
        e.g. ``postgres (PostgreSQL) 15.18``; "PostgreSQL not found" when ``binary`` is None,
        "PostgreSQL (unknown version)" when it prints nothing.
    """
    if binary is None:
        return "PostgreSQL not found"
    done = subprocess.run([str(binary), "--version"], capture_output=True, text=True, check=False)
    return done.stdout.strip() or "PostgreSQL (unknown version)"

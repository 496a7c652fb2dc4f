"""A real, throwaway MariaDB server for the test suite, plus a helper that runs the database's
own command-line client (``mariadb``).

Fixtures:

* ``mariadb_server`` (session) -> :class:`MariaDBServer`, started from the machine's binaries
  (``mariadb-install-db`` and ``mariadbd``, Debian package ``mariadb-server``). Under
  pytest-xdist each worker starts its own server, as with ``postgres_server``.
* ``mariadb_url`` (function) -> ``mysql+pymysql://migguard:<password>@127.0.0.1:<port>/<fresh
  database>``: the user has a password, so every test on it also exercises credential masking
  (:data:`PASSWORD` must never appear in any output).

When the server cannot be had, tests that need it are skipped, or fail when ``CI`` is set: in CI
``.ci/run`` installs the binaries (without starting the system service).
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

import pytest

from tests.testing import postgres

INSTALL_TIMEOUT = 120.0
START_TIMEOUT = 60.0
STOP_TIMEOUT = 30.0
CLIENT_TIMEOUT = 60.0
HOST = "127.0.0.1"
# The account the tests connect with; root stays reachable only through the server's socket.
USER = "migguard"
PASSWORD = "mg-secret-5f1c9e"
# Debian's package creates ``mysql``; elsewhere, as root, a system user made for the purpose.
SERVER_USERS = ("mysql", "migguard-mariadb")
PACKAGE_HINT = "Debian package mariadb-server"


@dataclass(frozen=True)
class MariaDBServer:
    """A running server: its binaries, its folder, its TCP port, and the process."""

    mariadbd: Path
    base_dir: Path
    port: int
    run_as: str | None
    process: subprocess.Popen[bytes]

    @property
    def data_dir(self) -> Path:
        return self.base_dir / "data"

    @property
    def run_dir(self) -> Path:
        """Socket, pid file, logs and temporary files: the server user writes there."""
        return self.base_dir / "run"

    @property
    def socket(self) -> Path:
        return self.run_dir / "mysqld.sock"

    @property
    def log_file(self) -> Path:
        return self.run_dir / "error.log"

    def url(self, dbname: str) -> str:
        """The SQLAlchemy URL (PyMySQL driver) of database ``dbname``, as user :data:`USER`."""
        return f"mysql+pymysql://{USER}:{PASSWORD}@{HOST}:{self.port}/{dbname}"


def unavailable(what: str, hint: str = PACKAGE_HINT) -> NoReturn:
    """Skip the test because ``what`` is missing or broken (fail it under ``CI``)."""
    postgres.unavailable(what, hint)


# --- binaries and user -------------------------------------------------------------------------


def find_binary(*names: str) -> Path | None:
    """The first of ``names`` found on PATH or in /usr/sbin, /usr/bin (``mariadbd`` lives in
    /usr/sbin, which a non-root PATH often lacks); ``None`` if none is found."""
    for name in names:
        found = shutil.which(name) or shutil.which(name, path="/usr/sbin:/usr/bin")
        if found:
            return Path(found)
    return None


def server_user() -> str | None:
    """Who the server runs as: ``None`` (ourselves) unless we are root, which mariadbd refuses
    without ``--user``; then Debian's ``mysql`` user, or a system user created for it."""
    if os.geteuid() != 0:
        return None
    for name in SERVER_USERS:
        with contextlib.suppress(KeyError):
            return pwd.getpwnam(name).pw_name
    fallback = SERVER_USERS[-1]
    # Exit code 9 means "already exists": another worker created it meanwhile.
    done = subprocess.run(
        ["useradd", "--system", "--no-create-home", fallback],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    if done.returncode not in (0, 9):
        unavailable(f"cannot create user {fallback} to run MariaDB: {done.stderr.strip()}")
    return fallback


def make_base_dir(user: str | None) -> Path:
    """A fresh 0755 folder under /tmp with empty ``data`` and ``run`` folders owned by ``user``
    (short path: a unix socket path must stay under 108 bytes)."""
    base = Path(tempfile.mkdtemp(prefix="migguard-mariadb-", dir="/tmp"))
    base.chmod(0o755)
    (base / "data").mkdir(mode=0o700)
    (base / "run").mkdir(mode=0o755)
    postgres.give_to(user, base / "data", base / "run")
    return base


# --- starting and stopping ---------------------------------------------------------------------


def install_system_tables(base_dir: Path, user: str | None) -> None:
    """``mariadb-install-db`` into ``base_dir/data``: root without a password (reachable only
    through the socket), no test database, no host name lookups."""
    install_db = find_binary("mariadb-install-db", "mysql_install_db")
    if install_db is None:
        unavailable("MariaDB binary mariadb-install-db not found on PATH or /usr/sbin")
    command = [
        str(install_db),
        "--no-defaults",
        f"--datadir={base_dir / 'data'}",
        "--auth-root-authentication-method=normal",
        "--skip-test-db",
        "--skip-name-resolve",
    ]
    if user is not None:
        command.append(f"--user={user}")
    try:
        done = subprocess.run(
            command,
            cwd=base_dir,
            capture_output=True,
            text=True,
            timeout=INSTALL_TIMEOUT,
            check=False,
        )
    except (subprocess.TimeoutExpired, OSError) as error:
        unavailable(f"MariaDB mariadb-install-db could not run: {error}")
    if done.returncode != 0:
        unavailable(f"MariaDB mariadb-install-db failed ({done.returncode}): {done.stdout}")


def server_command(mariadbd: Path, base_dir: Path, port: int, user: str | None) -> list[str]:
    """The ``mariadbd`` command line: TCP on 127.0.0.1:``port`` plus a socket in the run
    folder, no binary log, durability off (the data is thrown away), utf8mb4 by default."""
    run = base_dir / "run"
    command = [
        str(mariadbd),
        # No my.cnf: the system's configuration (port 3306, /run/mysqld) must not apply.
        "--no-defaults",
        f"--datadir={base_dir / 'data'}",
        f"--socket={run / 'mysqld.sock'}",
        f"--pid-file={run / 'mysqld.pid'}",
        f"--log-error={run / 'error.log'}",
        f"--tmpdir={run}",
        f"--port={port}",
        f"--bind-address={HOST}",
        "--skip-networking=0",
        "--skip-name-resolve",
        "--skip-log-bin",
        "--innodb-buffer-pool-size=64M",
        "--innodb-flush-log-at-trx-commit=0",
        "--innodb-doublewrite=0",
        "--sync-frm=0",
        "--character-set-server=utf8mb4",
        "--collation-server=utf8mb4_general_ci",
        "--max-connections=500",
    ]
    if user is not None:
        command.append(f"--user={user}")
    return command


def connect(server: MariaDBServer, **options: Any) -> Any:
    """A PyMySQL connection to ``server`` as root through its socket (autocommit)."""
    try:
        import pymysql
    except ImportError:
        unavailable("Python package PyMySQL not installed", "pip install -e '.[test]'")
    return pymysql.connect(unix_socket=str(server.socket), user="root", autocommit=True, **options)


def wait_until_ready(server: MariaDBServer) -> None:
    """Poll the socket until the server answers; skip/fail with its log if it exits or does
    not answer within :data:`START_TIMEOUT`."""
    deadline = time.monotonic() + START_TIMEOUT
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            break
        try:
            connect(server, connect_timeout=2).close()
            return
        except Exception as error:  # not listening yet: any connection error means "wait"
            last_error = error
            time.sleep(0.1)
    tail = postgres.log_tail(server.log_file)
    unavailable(f"MariaDB server did not start: {last_error}\nserver log:\n{tail}")


def create_test_user(server: MariaDBServer) -> None:
    """The account the tests use: :data:`USER` with :data:`PASSWORD`, every privilege, from any
    host (the tests connect over TCP)."""
    with contextlib.closing(connect(server)) as conn, conn.cursor() as cursor:
        cursor.execute(f"CREATE USER '{USER}'@'%' IDENTIFIED BY '{PASSWORD}'")
        cursor.execute(f"GRANT ALL PRIVILEGES ON *.* TO '{USER}'@'%' WITH GRANT OPTION")


def stop_server(server: MariaDBServer) -> None:
    """Kill the server at once; its data is thrown away anyway."""
    with contextlib.suppress(OSError):
        server.process.kill()
    with contextlib.suppress(subprocess.TimeoutExpired):
        server.process.wait(timeout=STOP_TIMEOUT)


@pytest.fixture(scope="session")
def mariadb_server() -> Iterator[MariaDBServer]:
    """Yields a running throwaway MariaDB server for the whole session (one per xdist worker);
    kills it and removes its folder afterwards. Skips (fails under ``CI``) when it cannot be
    started."""
    mariadbd = find_binary("mariadbd", "mysqld")
    if mariadbd is None:
        unavailable("MariaDB server binary mariadbd not found on PATH or /usr/sbin")
    user = server_user()
    base_dir = make_base_dir(user)
    server: MariaDBServer | None = None
    try:
        install_system_tables(base_dir, user)
        port = postgres.free_port()
        with open(base_dir / "run" / "stdout.log", "wb") as output:
            # cwd: the server user may not be allowed into the caller's folder (e.g. /root).
            process = subprocess.Popen(
                server_command(mariadbd, base_dir, port, user),
                cwd=base_dir,
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT,
            )
        server = MariaDBServer(mariadbd, base_dir, port, user, process)
        wait_until_ready(server)
        create_test_user(server)
        yield server
    finally:
        if server is not None:
            stop_server(server)
        shutil.rmtree(base_dir, ignore_errors=True)


# --- databases ---------------------------------------------------------------------------------


def quote_identifier(name: str) -> str:
    """``name`` as a MySQL identifier in backquotes."""
    return "`" + name.replace("`", "``") + "`"


def create_database(server: MariaDBServer, dbname: str) -> None:
    """``CREATE DATABASE dbname`` on ``server``."""
    with contextlib.closing(connect(server)) as conn, conn.cursor() as cursor:
        cursor.execute(f"CREATE DATABASE {quote_identifier(dbname)}")


def drop_database(server: MariaDBServer, dbname: str) -> None:
    """Drop ``dbname``, first killing the sessions still using it (an open transaction there
    would make DROP DATABASE wait for its metadata lock)."""
    with contextlib.closing(connect(server)) as conn, conn.cursor() as cursor:
        cursor.execute(
            "SELECT id FROM information_schema.processlist WHERE db = %s AND id <> CONNECTION_ID()",
            (dbname,),
        )
        for (session_id,) in cursor.fetchall():
            # The session may have ended between the query and the KILL.
            with contextlib.suppress(Exception):
                cursor.execute(f"KILL {int(session_id)}")
        cursor.execute(f"DROP DATABASE IF EXISTS {quote_identifier(dbname)}")


@contextlib.contextmanager
def fresh_database(server: MariaDBServer) -> Iterator[str]:
    """A new, empty database on ``server`` for the block; yields its URL and drops it
    afterwards."""
    dbname = f"test_{uuid.uuid4().hex[:16]}"
    create_database(server, dbname)
    try:
        yield server.url(dbname)
    finally:
        drop_database(server, dbname)


@pytest.fixture
def mariadb_url(mariadb_server: MariaDBServer) -> Iterator[str]:
    """Yields the SQLAlchemy URL of a new, empty database on the session's MariaDB server; the
    database is dropped afterwards."""
    with fresh_database(mariadb_server) as url:
        yield url


# --- the database's own client -----------------------------------------------------------------


def mariadb_client(url: str, sql_text: str) -> str:
    """Run ``sql_text`` with the real ``mariadb`` client against the database at ``url`` (a
    SQLAlchemy URL). Returns stdout: rows only, tab-separated (``--batch
    --skip-column-names``). Stops at the first error, raising
    :class:`tests.testing.postgres.CommandFailed` with stderr. The password travels in the
    ``MYSQL_PWD`` environment variable, never on the command line."""
    from sqlalchemy.engine import make_url

    binary = find_binary("mariadb", "mysql")
    if binary is None:
        unavailable("MariaDB client mariadb not found on PATH", "Debian package mariadb-client")
    parsed = make_url(url)
    command = [
        str(binary),
        "--no-defaults",
        "--batch",
        "--skip-column-names",
        f"--host={parsed.host or HOST}",
        f"--port={parsed.port or 3306}",
        f"--user={parsed.username or USER}",
        parsed.database or "",
    ]
    environment = {**os.environ, "MYSQL_PWD": parsed.password or ""}
    done = subprocess.run(
        command,
        input=sql_text,
        capture_output=True,
        text=True,
        timeout=CLIENT_TIMEOUT,
        check=False,
        env=environment,
    )
    if done.returncode != 0:
        raise postgres.CommandFailed(f"mariadb exited {done.returncode}: {done.stderr}")
    return done.stdout

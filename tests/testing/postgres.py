"""A real, throwaway PostgreSQL server for the test suite, plus helpers that run the databases'
own command-line clients (``psql``, ``sqlite3``).

Fixtures:

* ``postgres_server`` (session) -> :class:`PostgresServer`, started from the machine's binaries.
* ``pg_url`` (function) -> ``postgresql+psycopg://postgres@127.0.0.1:<port>/<fresh db>``.
* ``sqlite_url`` (function) -> ``sqlite:///<tmp_path>/test.db``.
* ``db_url`` (function, params ``sqlite``/``postgresql``) -> the URL of either kind.

When the server cannot be had, tests that need it are skipped, or fail when ``CI`` is set: in CI
``.ci/run`` installs the binaries, so a missing server there is a broken pipeline, not a choice.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import re
import shlex
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

import pytest

INITDB_TIMEOUT = 60.0
START_TIMEOUT = 30.0
STOP_TIMEOUT = 30.0
CLIENT_TIMEOUT = 60.0
# Created only when running as root on a machine without Debian's ``postgres`` user.
FALLBACK_USER = "migguard-pg"
SUPERUSER = "postgres"
HOST = "127.0.0.1"


class CommandFailed(RuntimeError):
    """A client binary (``psql``, ``sqlite3``) exited non-zero; the message holds its stderr."""


@dataclass(frozen=True)
class PostgresServer:
    """A running server: where its binaries live, where it listens, and who runs it."""

    bin_dir: Path
    base_dir: Path
    port: int
    run_as: str | None

    @property
    def data_dir(self) -> Path:
        return self.base_dir / "data"

    @property
    def socket_dir(self) -> Path:
        return self.base_dir / "socket"

    @property
    def log_file(self) -> Path:
        # In the socket folder because the server user may write there, not in base_dir.
        return self.socket_dir / "server.log"

    def url(self, dbname: str = "postgres") -> str:
        """The SQLAlchemy URL (psycopg 3 driver) of database ``dbname`` on this server."""
        return f"postgresql+psycopg://{SUPERUSER}@{HOST}:{self.port}/{dbname}"


# The server of this session, so ``psql("dbname", ...)`` knows where to connect.
_current_server: PostgresServer | None = None


# --- skipping or failing -----------------------------------------------------------------------


def unavailable(what: str, hint: str = "Debian package postgresql") -> NoReturn:
    """Skip the test because ``what`` is missing or broken, or fail it when running in CI
    (``CI`` set); ``hint`` says what provides it."""
    message = f"{what}\n.ci/run should have installed it ({hint})"
    if os.environ.get("CI"):
        pytest.fail(f"CI: {message}", pytrace=False)
    pytest.skip(message)


# --- finding binaries --------------------------------------------------------------------------


def _version_key(path: Path) -> tuple[int, ...]:
    """``/usr/lib/postgresql/15/bin`` -> ``(15,)``; so 15 sorts above 9.6."""
    return tuple(int(part) for part in re.findall(r"\d+", path.parent.name))


def find_pg_binary(name: str, prefer: Path | None = None) -> Path | None:
    """Where binary ``name`` is: in ``prefer`` (a bin folder), on PATH, else under
    ``/usr/lib/postgresql/<version>/bin`` with the highest version; ``None`` if nowhere."""
    if prefer is not None and (prefer / name).is_file():
        return prefer / name
    on_path = shutil.which(name)
    if on_path:
        return Path(on_path)
    candidates = [d for d in Path("/usr/lib/postgresql").glob("*/bin") if (d / name).is_file()]
    if not candidates:
        return None
    return max(candidates, key=_version_key) / name


def find_server_bin_dir() -> Path:
    """The folder holding ``initdb``, ``pg_ctl`` and ``postgres`` (symlinks resolved, so
    ``/usr/local/bin/initdb`` leads to the versioned folder); skips or fails if missing."""
    initdb = find_pg_binary("initdb")
    if initdb is None:
        unavailable("PostgreSQL server binaries (initdb) not found on PATH or /usr/lib/postgresql")
    bin_dir = initdb.resolve().parent
    for name in ("pg_ctl", "postgres"):
        if not (bin_dir / name).is_file():
            unavailable(f"PostgreSQL binary {name} not found next to {initdb.resolve()}")
    return bin_dir


# --- running as an unprivileged user -----------------------------------------------------------


def server_user() -> str | None:
    """Who must run initdb/pg_ctl: ``None`` (ourselves) unless we are root, which PostgreSQL
    refuses; then Debian's ``postgres`` user, or a system user created for the purpose."""
    if os.geteuid() != 0:
        return None
    for name in (SUPERUSER, FALLBACK_USER):
        with contextlib.suppress(KeyError):
            return pwd.getpwnam(name).pw_name
    # Exit code 9 means "already exists": another session created it meanwhile.
    done = subprocess.run(
        ["useradd", "--system", "--no-create-home", FALLBACK_USER],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    if done.returncode not in (0, 9):
        unavailable(f"cannot create user {FALLBACK_USER} to run PostgreSQL: {done.stderr.strip()}")
    return FALLBACK_USER


def as_user(user: str | None, command: Sequence[str]) -> list[str]:
    """``command`` wrapped so it runs as ``user`` (unchanged when ``user`` is ``None``), with
    whichever of runuser, setpriv, su this machine has."""
    if user is None:
        return list(command)
    if shutil.which("runuser"):
        return ["runuser", "-u", user, "--", *command]
    if shutil.which("setpriv"):
        entry = pwd.getpwnam(user)
        ids = [f"--reuid={entry.pw_uid}", f"--regid={entry.pw_gid}", "--init-groups"]
        return ["setpriv", *ids, "--", *command]
    return ["su", "-s", "/bin/sh", user, "-c", shlex.join(command)]


def give_to(user: str | None, *paths: Path) -> None:
    """Make ``user`` (if any) the owner of ``paths``, so the server can write there."""
    if user is None:
        return
    entry = pwd.getpwnam(user)
    for path in paths:
        os.chown(path, entry.pw_uid, entry.pw_gid)


# --- starting and stopping ---------------------------------------------------------------------


def free_port() -> int:
    """A TCP port on 127.0.0.1 nobody listens on right now (the OS picks it for port 0)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def run_step(
    what: str, command: Sequence[str], cwd: Path, timeout: float, log: Path | None = None
) -> None:
    """Run one server-management ``command``; on failure or timeout, skip/fail naming ``what``
    and quoting the end of the server ``log`` if one is given."""
    try:
        # cwd: the server user may not be allowed into the caller's folder (e.g. /root).
        done = subprocess.run(
            command, cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired:
        problem = f"timed out after {timeout:.0f} s: {shlex.join(command)}"
    except OSError as error:
        problem = f"could not run: {error}"
    else:
        if done.returncode == 0:
            return
        problem = f"failed ({done.returncode}): {(done.stderr or done.stdout).strip()}"
    tail = log_tail(log) if log else ""
    unavailable(f"PostgreSQL {what} {problem}" + (f"\nserver log:\n{tail}" if tail else ""))


def make_base_dir(user: str | None) -> Path:
    """A fresh folder under /tmp with empty ``data`` (0700) and ``socket`` folders owned by
    ``user``; the folder itself is 0755 so that user can reach them."""
    base = Path(tempfile.mkdtemp(prefix="migguard-pg-", dir="/tmp"))
    base.chmod(0o755)
    (base / "data").mkdir(mode=0o700)
    (base / "socket").mkdir(mode=0o755)
    give_to(user, base / "data", base / "socket")
    return base


def init_cluster(server: PostgresServer) -> None:
    """``initdb`` the data folder: trust auth, superuser ``postgres``, UTF8, no fsync."""
    command = [
        str(server.bin_dir / "initdb"),
        "-D",
        str(server.data_dir),
        "--auth=trust",
        "-U",
        SUPERUSER,
        "--encoding=UTF8",
        # No locale: the C locale accepts UTF8 on any machine, whatever locales exist.
        "--no-locale",
        "--no-sync",
    ]
    run_step("initdb", as_user(server.run_as, command), server.base_dir, INITDB_TIMEOUT)


def start_cluster(server: PostgresServer) -> None:
    """``pg_ctl start`` and wait until the server accepts connections."""
    options = (
        f"-k {server.socket_dir} -c listen_addresses={HOST} -p {server.port}"
        " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    )
    command = [
        str(server.bin_dir / "pg_ctl"),
        "-w",
        "-t",
        str(int(START_TIMEOUT - 5)),
        "-D",
        str(server.data_dir),
        # A log file: without it the server keeps our stdout pipe open and run() never returns.
        "-l",
        str(server.log_file),
        "-o",
        options,
        "start",
    ]
    # pg_ctl gives up a little before our timeout, so its message (and the log) gets reported.
    run_step(
        "start", as_user(server.run_as, command), server.base_dir, START_TIMEOUT, server.log_file
    )


def stop_cluster(server: PostgresServer) -> None:
    """Stop the server at once (``-m immediate``); its data is thrown away anyway."""
    command = [str(server.bin_dir / "pg_ctl"), "-D", str(server.data_dir), "-m", "immediate"]
    with contextlib.suppress(subprocess.TimeoutExpired, OSError):
        subprocess.run(
            as_user(server.run_as, [*command, "stop"]),
            cwd=server.base_dir,
            capture_output=True,
            timeout=STOP_TIMEOUT,
            check=False,
        )


def log_tail(log: Path, lines: int = 20) -> str:
    """The last ``lines`` of a server log, for failure messages ("" if there is none)."""
    try:
        text = log.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""
    return "\n".join(text.splitlines()[-lines:])


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """Yields a running throwaway PostgreSQL server for the whole session; stops it and
    removes its folder afterwards. Skips (fails under ``CI``) when it cannot be started."""
    global _current_server
    bin_dir = find_server_bin_dir()
    user = server_user()
    server = PostgresServer(bin_dir, make_base_dir(user), free_port(), user)
    try:
        init_cluster(server)
        start_cluster(server)
        _current_server = server
        yield server
    finally:
        _current_server = None
        stop_cluster(server)
        shutil.rmtree(server.base_dir, ignore_errors=True)


# --- databases ---------------------------------------------------------------------------------


def admin_execute(server: PostgresServer, statement: str, dbname: str) -> None:
    """Run ``statement`` with ``dbname`` quoted into it as an identifier, in autocommit (CREATE
    and DROP DATABASE cannot run inside a transaction), connected to database ``postgres``."""
    try:
        import psycopg
        from psycopg import sql
    except ImportError:
        unavailable("Python package psycopg not installed", "pip install -e '.[test]'")
    query = sql.SQL(statement).format(sql.Identifier(dbname))
    conninfo = {"host": HOST, "port": server.port, "user": SUPERUSER, "dbname": "postgres"}
    with psycopg.connect(**conninfo, autocommit=True, connect_timeout=10) as conn:
        conn.execute(query)


@pytest.fixture
def pg_url(postgres_server: PostgresServer) -> Iterator[str]:
    """Yields the SQLAlchemy URL of a new, empty database on the session's server; the
    database is dropped afterwards, even if connections to it are still open."""
    with fresh_database(postgres_server) as url:
        yield url


@contextlib.contextmanager
def fresh_database(server: PostgresServer) -> Iterator[str]:
    """A new, empty database on ``server`` for the block; yields its URL and drops it
    afterwards, even if connections to it are still open."""
    dbname = f"test_{uuid.uuid4().hex[:16]}"
    admin_execute(server, "CREATE DATABASE {}", dbname)
    try:
        yield server.url(dbname)
    finally:
        admin_execute(server, "DROP DATABASE IF EXISTS {} WITH (FORCE)", dbname)


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """The SQLAlchemy URL of a not-yet-existing SQLite file, ``<tmp_path>/test.db``."""
    return f"sqlite:///{tmp_path / 'test.db'}"


DB_URL_FIXTURES = {"sqlite": "sqlite_url", "postgresql": "pg_url"}


@pytest.fixture(params=list(DB_URL_FIXTURES), ids=list(DB_URL_FIXTURES))
def db_url(request: pytest.FixtureRequest) -> str:
    """The URL of a fresh database, once per backend: a test using it runs as ``[sqlite]``
    and ``[postgresql]``."""
    return str(request.getfixturevalue(DB_URL_FIXTURES[request.param]))


# --- the databases' own clients ----------------------------------------------------------------


def run_client(command: Sequence[str], sql_text: str) -> str:
    """Feed ``sql_text`` to client ``command`` on stdin; its stdout, or :class:`CommandFailed`
    carrying stderr when it exits non-zero."""
    done = subprocess.run(
        command, input=sql_text, capture_output=True, text=True, timeout=CLIENT_TIMEOUT, check=False
    )
    if done.returncode != 0:
        raise CommandFailed(f"{shlex.join(command)} exited {done.returncode}: {done.stderr}")
    return done.stdout


def psql_target(url_or_dbname: str) -> tuple[str, int, str, str]:
    """``(host, port, user, dbname)`` from a SQLAlchemy URL, or from a bare database name on
    the session's server."""
    from sqlalchemy.engine import make_url

    if "://" in url_or_dbname:
        url = make_url(url_or_dbname)
        return url.host or HOST, url.port or 5432, url.username or SUPERUSER, url.database or ""
    if _current_server is None:
        raise RuntimeError("psql(dbname, ...) needs the postgres_server fixture to be running")
    return HOST, _current_server.port, SUPERUSER, url_or_dbname


def psql(url_or_dbname: str, sql_text: str) -> str:
    """Run ``sql_text`` with the real ``psql`` against a database (SQLAlchemy URL or a database
    name on the session's server). Returns stdout: rows only, columns separated by ``|``
    (``-A -t``). Stops at the first error and raises :class:`CommandFailed` with stderr."""
    prefer = _current_server.bin_dir if _current_server else None
    binary = find_pg_binary("psql", prefer)
    if binary is None:
        unavailable(
            "PostgreSQL client psql not found on PATH or /usr/lib/postgresql",
            "Debian package postgresql-client",
        )
    host, port, user, dbname = psql_target(url_or_dbname)
    # -X: ignore ~/.psqlrc, whose settings would change the output.
    flags = ["-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1"]
    target = ["-h", host, "-p", str(port), "-U", user, "-d", dbname]
    return run_client([str(binary), *flags, *target, "-f", "-"], sql_text)


def sqlite3(path: str | Path, sql_text: str) -> str:
    """Run ``sql_text`` with the real ``sqlite3`` against the file ``path`` (or a
    ``sqlite:///`` URL). Returns stdout (``|``-separated rows); stops at the first error and
    raises :class:`CommandFailed` with stderr."""
    binary = shutil.which("sqlite3")
    if binary is None:
        unavailable("SQLite client sqlite3 not found on PATH", "Debian package sqlite3")
    text = str(path)
    if text.startswith("sqlite:///"):
        text = text.removeprefix("sqlite:///")
    return run_client([binary, "-batch", "-bail", text], sql_text)

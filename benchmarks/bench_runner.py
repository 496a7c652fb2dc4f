"""Time whole ``migguard`` and ``alembic`` processes running a generated history on a database.

Usage::

    python benchmarks/bench_runner.py [--sizes 1000 5000] [--runs 5] [--large-runs 3]
        [--downgrade-bodies light ddl] [--skip-sqlite] [--skip-postgres] [--skip-mariadb]
        [--keep DIR] [--json PATH]

Cases, each on SQLite, on PostgreSQL and on MariaDB (throwaway servers started from the
machine's binaries with the helpers of ``tests/testing/postgres.py`` and
``tests/testing/mariadb.py``):

* ``upgrade head`` of the first size's history on a fresh, empty database;
* ``current`` at the second size, on a database already at head;
* ``downgrade base`` at the second size, on a fresh copy (SQLite: a file copy; PostgreSQL:
  ``CREATE DATABASE ... TEMPLATE``) of a database that the same tool upgraded to head, untimed;
  once with light revision bodies (each ``upgrade()``/``downgrade()`` runs ``SELECT 1``: the
  tools' own graph, plan and per-revision work, which the issue's target is about) and once
  with the real DDL of the other cases (where the database's own work dominates; for
  information). Not on MariaDB, which has no database templates to copy a database at head
  from.

The tools are interleaved (the one going first alternates), each case gets one untimed warm-up
run per tool, and every run is checked: both tools must leave the same ``alembic_version``
rows and the same tables (with the same columns) behind. Times are wall clock around the whole
subprocess; the table shows medians and the ratio migguard/Alembic against the target.
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple, Protocol

# The sibling scripts, and the repository root for tests/testing/postgres.py.
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench_common import (
    TOOLS,
    BenchError,
    child_env,
    find_executables,
    format_ratio,
    machine_facts,
    median_or_none,
    median_ratio,
    median_s,
    progress,
    run,
    save_json,
    tool_versions,
)
from generate_history import DEFAULT_SEED, generate, heads_of
from pg_server import postgres_version, throwaway_server

# The targets, by case and revision bodies: migguard's time at most this fraction of
# Alembic's. The downgrade target is about the tools' graph and plan overhead, so it applies to
# light bodies; with real DDL the database's own work dominates and the row is for information.
TARGETS = {
    ("upgrade head", "ddl"): 0.8,
    ("current", "ddl"): 1 / 20,
    ("downgrade base", "light"): 1 / 10,
}
TARGET_TEXT = {
    ("upgrade head", "ddl"): "≤ 0.8",
    ("current", "ddl"): "≤ 1/20",
    ("downgrade base", "light"): "≤ 1/10",
}
BODIES_TEXT = {"ddl": "DDL", "light": "light (SELECT 1)"}
# Enough for Alembic's single-transaction downgrade of the largest history (see allow_many_locks).
MAX_LOCKS_PER_TRANSACTION = 1024


class DbState(NamedTuple):
    """What a run leaves behind: the version table's rows and every table with its columns."""

    versions: tuple[str, ...]
    tables: tuple[tuple[str, tuple[str, ...]], ...]

    def summary(self) -> str:
        """A short description for mismatch messages."""
        return f"versions {list(self.versions)}, {len(self.tables)} tables"


class Backend(Protocol):
    """Makes, copies, inspects and drops databases of one kind."""

    name: str

    def fresh(self, label: str) -> str:
        """The URL of a new, empty database."""

    def clone(self, url: str, label: str) -> str:
        """The URL of a new database holding a copy of ``url``'s."""

    def drop(self, url: str) -> None:
        """Remove the database."""

    def state(self, url: str) -> DbState:
        """The database's version rows and tables."""


class SqliteBackend:
    """SQLite files in a folder."""

    name = "SQLite"

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._numbers = itertools.count()

    def _path(self, url: str) -> Path:
        return Path(url.removeprefix("sqlite:///"))

    def fresh(self, label: str) -> str:
        """A path where no file exists yet (the tool creates it)."""
        path = self.folder / f"{label}-{next(self._numbers)}.db"
        path.unlink(missing_ok=True)
        return f"sqlite:///{path}"

    def clone(self, url: str, label: str) -> str:
        """A file copy of the database."""
        copy = self.fresh(label)
        shutil.copyfile(self._path(url), self._path(copy))
        return copy

    def drop(self, url: str) -> None:
        """Delete the file."""
        self._path(url).unlink(missing_ok=True)

    def state(self, url: str) -> DbState:
        """Read the file with the standard library's sqlite3."""
        connection = sqlite3.connect(self._path(url))
        try:
            names = [
                row[0]
                for row in connection.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'table' "
                    "AND name NOT LIKE 'sqlite_%' ORDER BY name"
                )
            ]
            tables = tuple(
                (
                    name,
                    tuple(sorted(r[1] for r in connection.execute(f'PRAGMA table_info("{name}")'))),
                )
                for name in names
            )
            versions: tuple[str, ...] = ()
            if "alembic_version" in names:
                rows = connection.execute("SELECT version_num FROM alembic_version")
                versions = tuple(sorted(r[0] for r in rows))
        finally:
            connection.close()
        return DbState(versions, tables)


class PostgresBackend:
    """Databases on a running PostgreSQL server, managed over one autocommit connection."""

    name = "PostgreSQL"

    def __init__(self, server: Any, admin: Any) -> None:
        self.server = server
        self.admin = admin
        self._numbers = itertools.count()

    def _dbname(self, url: str) -> str:
        return url.rsplit("/", 1)[1]

    def _execute(self, statement: str, *names: str) -> None:
        from psycopg import sql

        self.admin.execute(sql.SQL(statement).format(*(sql.Identifier(n) for n in names)))

    def fresh(self, label: str) -> str:
        """``CREATE DATABASE`` with a new name."""
        name = f"bench_{label.replace('-', '_')}_{next(self._numbers)}"
        self._execute("CREATE DATABASE {}", name)
        return str(self.server.url(name))

    def clone(self, url: str, label: str) -> str:
        """``CREATE DATABASE ... TEMPLATE`` the source (nobody may be connected to it)."""
        name = f"bench_{label.replace('-', '_')}_{next(self._numbers)}"
        self._execute("CREATE DATABASE {} TEMPLATE {}", name, self._dbname(url))
        return str(self.server.url(name))

    def drop(self, url: str) -> None:
        """``DROP DATABASE ... WITH (FORCE)``."""
        self._execute("DROP DATABASE IF EXISTS {} WITH (FORCE)", self._dbname(url))

    def state(self, url: str) -> DbState:
        """Read the catalog of the database's ``public`` schema."""
        import psycopg

        conninfo = {"host": "127.0.0.1", "port": self.server.port, "user": "postgres"}
        with psycopg.connect(**conninfo, dbname=self._dbname(url), autocommit=True) as conn:
            columns: dict[str, list[str]] = {}
            for table, column in conn.execute(
                "SELECT table_name, column_name FROM information_schema.columns "
                "WHERE table_schema = 'public'"
            ):
                columns.setdefault(table, []).append(column)
            versions: tuple[str, ...] = ()
            if "alembic_version" in columns:
                rows = conn.execute("SELECT version_num FROM alembic_version").fetchall()
                versions = tuple(sorted(r[0] for r in rows))
        tables = tuple((name, tuple(sorted(cols))) for name, cols in sorted(columns.items()))
        return DbState(versions, tables)


class MariaDBBackend:
    """Databases on a running MariaDB server, managed over one root connection."""

    name = "MariaDB"

    def __init__(self, server: Any) -> None:
        self.server = server
        self._numbers = itertools.count()

    def _dbname(self, url: str) -> str:
        return url.rsplit("/", 1)[1]

    def fresh(self, label: str) -> str:
        """``CREATE DATABASE`` with a new name."""
        from tests.testing import mariadb

        name = f"bench_{label.replace('-', '_')}_{next(self._numbers)}"
        mariadb.create_database(self.server, name)
        return str(self.server.url(name))

    def clone(self, url: str, label: str) -> str:
        """MariaDB cannot copy a database in one statement.

        Raises:
            BenchError: always.
        """
        raise BenchError("MariaDB has no database templates: the downgrade case is not run")

    def drop(self, url: str) -> None:
        """``DROP DATABASE``, after ending the sessions still in it."""
        from tests.testing import mariadb

        mariadb.drop_database(self.server, self._dbname(url))

    def state(self, url: str) -> DbState:
        """Read the database's ``information_schema``."""
        from tests.testing import mariadb

        name = self._dbname(url)
        columns: dict[str, list[str]] = {}
        with contextlib.closing(mariadb.connect(self.server)) as conn, conn.cursor() as cursor:
            cursor.execute(
                "SELECT table_name, column_name FROM information_schema.columns "
                "WHERE table_schema = %s",
                (name,),
            )
            for table, column in cursor.fetchall():
                columns.setdefault(table, []).append(column)
            versions: tuple[str, ...] = ()
            if "alembic_version" in columns:
                cursor.execute(
                    f"SELECT version_num FROM {mariadb.quote_identifier(name)}.alembic_version"
                )
                versions = tuple(sorted(r[0] for r in cursor.fetchall()))
        tables = tuple((table, tuple(sorted(cols))) for table, cols in sorted(columns.items()))
        return DbState(versions, tables)


@dataclass
class Row:
    """The timings of one case on one database (seconds, one entry per run)."""

    case: str
    size: int
    database: str
    bodies: str = "ddl"
    migguard: list[float] = field(default_factory=list)
    alembic: list[float] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    failed: str | None = None

    @property
    def ratio(self) -> float | None:
        """migguard's median divided by Alembic's (None when a tool has no timing)."""
        return median_ratio(self.migguard, self.alembic)

    @property
    def target(self) -> float | None:
        """The issue's target for this case and these bodies (None: for information)."""
        return TARGETS.get((self.case, self.bodies))

    @property
    def met(self) -> bool:
        """Whether the case ran and the ratio is within its target."""
        ratio, target = self.ratio, self.target
        return self.failed is None and ratio is not None and target is not None and ratio <= target


@dataclass
class Case:
    """One thing to time: the command, and how each run gets (and gives back) its database."""

    name: str
    argv: tuple[str, ...]
    size: int
    folder: Path
    prepare: Callable[[str], str]
    finish: Callable[[str], None]
    expected_versions: tuple[str, ...]
    bodies: str = "ddl"


def command(exes: dict[str, Path], tool: str, url: str, argv: Sequence[str]) -> list[str]:
    """The command line of ``tool`` on database ``url``: ``migguard --url URL ...`` or
    ``alembic -x url=URL ...`` (the generated ``env.py`` reads ``-x url``)."""
    if tool == "migguard":
        return [str(exes[tool]), "--url", url, *argv]
    return [str(exes[tool]), "-x", f"url={url}", *argv]


def check_state(
    row: Row, tool: str, got: DbState, reference: DbState, expected: Sequence[str]
) -> None:
    """Record a problem in ``row`` when ``got`` is not the reference state or its versions
    are not ``expected``."""
    if got.versions != tuple(expected):
        row.problems.append(
            f"{tool}: alembic_version {list(got.versions)}, expected {list(expected)}"
        )
    if got != reference:
        extra = sorted(set(got.tables) ^ set(reference.tables))[:3]
        row.problems.append(
            f"{tool}: left {got.summary()}, Alembic's reference {reference.summary()}; "
            f"first differences {[name for name, _ in extra]}"
        )


def one_run(
    case: Case,
    backend: Backend,
    exes: dict[str, Path],
    tool: str,
    env: dict[str, str],
    capture: bool = False,
) -> tuple[float, DbState, str]:
    """Prepare a database, run the case's command once, read the state, clean up."""
    url = case.prepare(tool)
    try:
        argv = command(exes, tool, url, case.argv)
        start = time.perf_counter()
        output = run(argv, case.folder, env, capture=capture)
        seconds = time.perf_counter() - start
        state = backend.state(url)
    finally:
        case.finish(url)
    return seconds, state, output


def measure(case: Case, backend: Backend, exes: dict[str, Path], runs: int) -> Row:
    """One untimed warm-up per tool (Alembic's is the reference state), then ``runs`` timed
    rounds with the tools alternating which goes first; every run's state is checked."""
    row = Row(case.name, case.size, backend.name, case.bodies)
    try:
        _measure_into(row, case, backend, exes, runs)
    except BenchError as exc:
        row.failed = short_error(exc)
    progress(row_line(row))
    return row


def _measure_into(row: Row, case: Case, backend: Backend, exes: dict[str, Path], runs: int) -> None:
    """The body of :func:`measure`; a failed command raises BenchError."""
    env = child_env()
    warm: dict[str, DbState] = {}
    for tool in reversed(TOOLS):
        _, warm[tool], output = one_run(case, backend, exes, tool, env, capture=True)
        if case.name == "current" and case.expected_versions[0] not in output:
            row.problems.append(f"{tool} current printed {output.strip()!r}")
    reference = warm["alembic"]
    check_state(row, "migguard", warm["migguard"], reference, case.expected_versions)
    for round_no in range(runs):
        for tool in TOOLS if round_no % 2 == 0 else reversed(TOOLS):
            seconds, state, _ = one_run(case, backend, exes, tool, env)
            getattr(row, tool).append(seconds)
            check_state(row, tool, state, reference, case.expected_versions)


def short_error(exc: BaseException) -> str:
    """The first line of an error (the failed command, cut at 400 characters) and the
    exception line of a traceback in it (else its last line)."""
    lines = [line.strip() for line in str(exc).strip().splitlines() if line.strip()]
    if not lines:
        return type(exc).__name__
    first = lines[0] if len(lines[0]) <= 400 else lines[0][:397] + "..."
    if len(lines) == 1:
        return first
    raised = [line for line in lines[1:] if re.match(r"[\w.]+(Error|Exception)\b.*:", line)]
    return f"{first} ... {(raised or lines)[-1][:300]}"


def row_line(row: Row) -> str:
    """The progress line of a finished measurement."""
    return (
        f"  {row.case} ({row.size}, {BODIES_TEXT[row.bodies]}, {row.database}): "
        f"migguard {secs(row.migguard)} s, "
        f"alembic {secs(row.alembic)} s, ratio {ratio_text(row.ratio)}"
        + (f", {len(row.problems)} PROBLEMS" if row.problems else "")
        + (f", FAILED: {row.failed}" if row.failed else "")
    )


def secs(times: Sequence[float]) -> str:
    """The median of ``times`` in seconds with three decimals ("n/a" without timings)."""
    return median_s(times, digits=3, missing="n/a")


def ratio_text(ratio: float | None) -> str:
    """The shared ratio format (``1/27 (0.037)``) at most 0.5, three decimals above (so a
    ratio just over a 0.8 target does not print as 0.80), or "n/a"."""
    return "n/a" if ratio is None else format_ratio(ratio, digits=3)


def upgraded_heads(
    backend: Backend, folder: Path, exes: dict[str, Path], head: str
) -> dict[str, str]:
    """For each tool, a database that the tool itself upgraded to head (untimed); both must
    end in the same state.

    Raises:
        BenchError: a tool did not reach ``head``, or the two databases differ.
    """
    env = child_env()
    urls: dict[str, str] = {}
    states: dict[str, DbState] = {}
    for tool in TOOLS:
        urls[tool] = backend.fresh(f"head-{tool}")
        started = time.perf_counter()
        run(command(exes, tool, urls[tool], ["upgrade", "head"]), folder, env)
        progress(
            f"  {tool} upgraded {backend.name} to head in {time.perf_counter() - started:.1f} s "
            "(untimed)"
        )
        states[tool] = backend.state(urls[tool])
    if states["alembic"].versions != (head,) or states["migguard"] != states["alembic"]:
        raise BenchError(
            f"{backend.name} after upgrade head: migguard {states['migguard'].summary()}, "
            f"alembic {states['alembic'].summary()}; expected versions ['{head}'] and equal tables"
        )
    return urls


Histories = dict[tuple[int, str], tuple[Path, str]]
CASE_ORDER = ("upgrade head", "current", "downgrade base")
BODIES_ORDER = ("light", "ddl")


def bench_backend(
    backend: Backend,
    histories: Histories,
    sizes: tuple[int, int],
    exes: dict[str, Path],
    runs: tuple[int, int],
    downgrade_bodies: Sequence[str],
) -> list[Row]:
    """Every case on one kind of database, in the table's order."""
    small, large = sizes
    folder, head = histories[(small, "ddl")]
    upgrade = Case(
        "upgrade head", ("upgrade", "head"), small, folder,
        prepare=lambda tool: backend.fresh(f"up-{tool}"), finish=backend.drop,
        expected_versions=(head,),
    )  # fmt: skip
    rows = [measure(upgrade, backend, exes, runs[0])]
    ddl_cases = ["current"] + (["downgrade base"] if "ddl" in downgrade_bodies else [])
    rows += at_head_cases(backend, histories[(large, "ddl")], large, "ddl", exes, runs, ddl_cases)
    if "light" in downgrade_bodies:
        light = histories[(large, "light")]
        rows += at_head_cases(backend, light, large, "light", exes, runs, ["downgrade base"])
    rows.sort(key=lambda row: (CASE_ORDER.index(row.case), BODIES_ORDER.index(row.bodies)))
    return rows


def at_head_cases(
    backend: Backend,
    history: tuple[Path, str],
    size: int,
    bodies: str,
    exes: dict[str, Path],
    runs: tuple[int, int],
    cases: Sequence[str],
) -> list[Row]:
    """``cases`` (``current``, ``downgrade base``) of ``history`` on databases that each tool
    upgraded to head itself (untimed); the databases are dropped afterwards."""
    folder, head = history
    try:
        at_head = upgraded_heads(backend, folder, exes, head)
    except BenchError as exc:
        reason = f"preparing the database at head: {short_error(exc)}"
        failed = [Row(name, size, backend.name, bodies, failed=reason) for name in cases]
        for row in failed:
            progress(row_line(row))
        return failed
    rows: list[Row] = []
    try:
        for name in cases:
            if name == "current":
                case = Case(
                    "current", ("current",), size, folder,
                    prepare=lambda tool: at_head[tool], finish=lambda url: None,
                    expected_versions=(head,), bodies=bodies,
                )  # fmt: skip
            else:
                case = Case(
                    "downgrade base", ("downgrade", "base"), size, folder,
                    prepare=lambda tool: backend.clone(at_head[tool], f"down-{bodies}-{tool}"),
                    finish=backend.drop, expected_versions=(), bodies=bodies,
                )  # fmt: skip
            rows.append(measure(case, backend, exes, runs[1]))
    finally:
        for url in at_head.values():
            backend.drop(url)
    return rows


@contextmanager
def postgres_backend() -> Iterator[PostgresBackend]:
    """A throwaway PostgreSQL server (the test fixture's helpers) and an admin connection;
    stopped and removed afterwards.

    Raises:
        BenchError: the server cannot be started or psycopg is missing.
    """
    import psycopg

    from tests.testing import postgres as pgf

    with throwaway_server(BenchError, configure=allow_many_locks) as server:
        conninfo = {"host": pgf.HOST, "port": server.port, "user": pgf.SUPERUSER}
        with psycopg.connect(**conninfo, dbname="postgres", autocommit=True) as admin:
            yield PostgresBackend(server, admin)


@contextmanager
def mariadb_backend() -> Iterator[MariaDBBackend]:
    """A throwaway MariaDB server (the test fixture's helpers); stopped and removed
    afterwards.

    Raises:
        BenchError: the server cannot be started or PyMySQL is missing.
    """
    import pytest

    from tests.testing import mariadb

    try:
        with mariadb.running_server() as server:
            yield MariaDBBackend(server)
    except (pytest.skip.Exception, pytest.fail.Exception) as exc:
        raise BenchError(f"no MariaDB server: {exc}") from None


def allow_many_locks(data_dir: Path) -> None:
    """Raise ``max_locks_per_transaction`` (64 by default) in the new cluster's configuration.

    Alembic's generated env runs a whole ``downgrade base`` in one transaction on PostgreSQL,
    which locks every table, index and sequence it drops: some 8,000 objects at 5,000
    revisions, more than the default lock table holds ("out of shared memory").
    """
    with (data_dir / "postgresql.conf").open("a", encoding="utf-8") as conf:
        conf.write(f"\nmax_locks_per_transaction = {MAX_LOCKS_PER_TRANSACTION}\n")


def markdown(rows: Sequence[Row], facts: dict[str, str], runs: tuple[int, int]) -> str:
    """The results as a Markdown table followed by the machine facts and any problems."""
    lines = [
        "| case | revisions | revision bodies | database | migguard median (s) "
        "| Alembic median (s) | ratio migguard/Alembic | target |",
        "|---|---:|---|---|---:|---:|---:|---|",
    ]
    for row in rows:
        if row.target is None:
            target = "for information" + (": **failed**" if row.failed else "")
        else:
            verdict = "**failed**" if row.failed else "met" if row.met else "**missed**"
            target = f"{TARGET_TEXT[(row.case, row.bodies)]}: {verdict}"
        lines.append(
            f"| `{row.case}` | {row.size:,} | {BODIES_TEXT[row.bodies]} | {row.database} "
            f"| {secs(row.migguard)} | {secs(row.alembic)} | {ratio_text(row.ratio)} "
            f"| {target} |"
        )
    lines.append("")
    lines.append(
        f"Medians of {runs[0]} runs (upgrade) and {runs[1]} runs (current, downgrade), whole "
        "processes, tools interleaved, after one warm-up run each. "
        f"Python {facts['python']} ({facts['implementation']}), {facts['cpu_count']} CPUs, "
        f"{facts['platform']}; {facts['migguard']} (commit {facts['commit']}), {facts['alembic']}, "
        f"SQLAlchemy {facts['sqlalchemy']}; SQLite {facts['sqlite']}; {facts['postgresql']}"
        + (
            " (local, fsync=off, synchronous_commit=off, "
            f"max_locks_per_transaction={MAX_LOCKS_PER_TRANSACTION})"
            if "skipped" not in facts["postgresql"]
            else ""
        )
        + f"; {facts['mariadb']}."
    )
    failures = [
        f"- {row.case} ({BODIES_TEXT[row.bodies]}) {row.database}: {row.failed}"
        for row in rows
        if row.failed
    ]
    if failures:
        lines += ["", "Failed cases:", *failures]
    problems = [
        f"- {row.case} ({BODIES_TEXT[row.bodies]}) {row.database}: {p}"
        for row in rows
        for p in row.problems
    ]
    if problems:
        lines += ["", "Sanity-check problems:", *problems]
    return "\n".join(lines)


def all_facts(exes: dict[str, Path], with_postgres: bool, with_mariadb: bool) -> dict[str, str]:
    """The machine facts, what each tool's ``--version`` prints, the SQLAlchemy, SQLite,
    ``postgres`` and ``mariadbd`` versions and the source commit.

    Raises:
        BenchError: a tool's ``--version`` failed.
    """
    import sqlalchemy

    from tests.testing import postgres as pgf

    postgres = "PostgreSQL skipped"
    if with_postgres:
        postgres = postgres_version(pgf.find_pg_binary("postgres"))
    maria = "MariaDB skipped"
    if with_mariadb:
        maria = mariadb_version()
    return {
        **machine_facts(),
        **tool_versions(exes),
        "sqlalchemy": sqlalchemy.__version__,
        "sqlite": sqlite3.sqlite_version,
        "postgresql": postgres,
        "mariadb": maria,
        "commit": source_commit(),
    }


def mariadb_version() -> str:
    """What ``mariadbd --version`` prints, or "MariaDB not found"."""
    from tests.testing import mariadb

    binary = mariadb.find_binary("mariadbd", "mysqld")
    if binary is None:
        return "MariaDB not found"
    done = subprocess.run([str(binary), "--version"], capture_output=True, text=True, check=False)
    return done.stdout.strip() or "MariaDB (unknown version)"


def source_commit() -> str:
    """The repository's HEAD (short), with ``+changes`` when the work tree differs from it;
    "unknown" outside a git checkout."""
    root = Path(__file__).resolve().parent.parent
    git = ["git", "-C", str(root)]
    head = subprocess.run([*git, "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    if head.returncode != 0:
        return "unknown"
    dirty = subprocess.run(
        [*git, "status", "--porcelain", "--untracked-files=no"], capture_output=True, text=True
    )
    return head.stdout.strip() + ("+changes" if dirty.stdout.strip() else "")


def results_json(
    rows: Sequence[Row], facts: dict[str, str], runs: tuple[int, int]
) -> dict[str, Any]:
    """Every measurement (seconds) with the medians and the machine facts, for ``--json``."""
    return {
        "runs": {"upgrade": runs[0], "current_downgrade": runs[1]},
        "machine": facts,
        "results": [
            {
                "case": row.case,
                "bodies": row.bodies,
                "revisions": row.size,
                "database": row.database,
                "migguard": row.migguard,
                "alembic": row.alembic,
                "migguard_median_s": median_or_none(row.migguard),
                "alembic_median_s": median_or_none(row.alembic),
                "ratio": row.ratio,
                "target": row.target,
                "met": row.met,
                "failed": row.failed,
                "problems": row.problems,
            }
            for row in rows
        ],
    }


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sizes", type=int, nargs=2, default=[1000, 5000], metavar=("UPGRADE", "OTHERS"),
        help="revisions for the upgrade case, and for current/downgrade (default 1000 5000)",
    )  # fmt: skip
    parser.add_argument("--runs", type=int, default=5, help="timed runs per case (default 5)")
    parser.add_argument(
        "--large-runs", type=int, metavar="N",
        help="timed runs of the current/downgrade cases (default: --runs)",
    )  # fmt: skip
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="generator seed")
    parser.add_argument(
        "--downgrade-bodies", nargs="+", choices=BODIES_ORDER, default=list(BODIES_ORDER),
        metavar="BODIES",
        help="revision bodies of the downgrade base case: light, ddl or both (default both)",
    )  # fmt: skip
    parser.add_argument("--skip-sqlite", action="store_true", help="no SQLite cases")
    parser.add_argument("--skip-postgres", action="store_true", help="no PostgreSQL cases")
    parser.add_argument("--skip-mariadb", action="store_true", help="no MariaDB cases")
    parser.add_argument(
        "--keep", type=Path, metavar="DIR", help="generate into DIR/<size> and keep it"
    )
    parser.add_argument("--json", type=Path, metavar="PATH", help="also save the numbers here")
    args = parser.parse_args(argv)
    if args.large_runs is None:
        args.large_runs = args.runs
    if min(args.runs, args.large_runs, *args.sizes) < 1:
        parser.error("--runs, --large-runs and --sizes must be positive")
    return args


def make_histories(
    base: Path, sizes: Sequence[int], seed: int, light_size: int | None
) -> Histories:
    """Generate each size once with DDL bodies under ``base/<size>``, and ``light_size`` (when
    given) with light bodies under ``base/<size>-light``; returns each one's folder and head."""
    wanted = [(size, "ddl") for size in dict.fromkeys(sizes)]
    if light_size is not None:
        wanted.append((light_size, "light"))
    histories: Histories = {}
    for size, bodies in wanted:
        folder = base / (str(size) if bodies == "ddl" else f"{size}-{bodies}")
        if folder.exists():
            raise BenchError(f"{folder} already exists; pick another --keep folder")
        folder.mkdir(parents=True)
        heads = heads_of(generate(size, folder, seed=seed, bodies=bodies))
        if len(heads) != 1:
            raise BenchError(f"generated history has heads {heads}, expected exactly one")
        histories[(size, bodies)] = (folder, heads[0])
        progress(f"{size} revisions ({BODIES_TEXT[bodies]}) in {folder}, head {heads[0]}")
    return histories


def bench_all(args: argparse.Namespace, exes: dict[str, Path]) -> list[Row]:
    """Every case on SQLite, PostgreSQL and MariaDB, each unless skipped."""
    sizes = (args.sizes[0], args.sizes[1])
    runs = (args.runs, args.large_runs)
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="migguard-bench-") as scratch:
        base = args.keep if args.keep is not None else Path(scratch)
        light_size = sizes[1] if "light" in args.downgrade_bodies else None
        histories = make_histories(base, sizes, args.seed, light_size)
        databases = base / "databases"
        databases.mkdir(exist_ok=True)
        bodies = args.downgrade_bodies
        if not args.skip_sqlite:
            progress("SQLite")
            sqlite = SqliteBackend(databases)
            rows += bench_backend(sqlite, histories, sizes, exes, runs, bodies)
        if not args.skip_postgres:
            with postgres_backend() as backend:
                progress(f"PostgreSQL on port {backend.server.port}")
                rows += bench_backend(backend, histories, sizes, exes, runs, bodies)
        if not args.skip_mariadb:
            with mariadb_backend() as maria:
                progress(f"MariaDB on port {maria.server.port}")
                rows += bench_backend(maria, histories, sizes, exes, runs, ())
    return rows


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark and print the table; exit 1 when a case failed or a sanity check
    found a difference."""
    args = parse_args(argv)
    try:
        exes = find_executables()
        facts = all_facts(exes, not args.skip_postgres, not args.skip_mariadb)
        rows = bench_all(args, exes)
    except BenchError as exc:
        print(f"bench_runner: error: {exc}", file=sys.stderr)
        return 1
    runs = (args.runs, args.large_runs)
    print(markdown(rows, facts, runs))
    if args.json is not None:
        save_json(args.json, results_json(rows, facts, runs))
    return 1 if any(row.problems or row.failed for row in rows) else 0


if __name__ == "__main__":
    sys.exit(main())

"""Time autogenerate's compare, migguard against Alembic, on a large schema already in sync.

Usage::

    python benchmarks/bench_compare.py [--tables 2000] [--runs 5] [--skip-postgres]
        [--profile] [--json PATH]

The schema: ``--tables`` tables of 10 columns of mixed types, 2 indexes and 1 foreign key each
(to a previous table; the first table refers to itself), created with ``metadata.create_all``
on a SQLite file and on a throwaway PostgreSQL server (started from the machine's binaries with
the helpers of ``tests/testing/postgres.py``).

Both tools run in this process, on the same database, each with a fresh connection per run:

* migguard: ``migguard.autogen.snapshot.reflect(connection)`` then
  ``migguard.autogen.diff.compare(metadata, snapshot, connection.dialect)`` (default options:
  types and server defaults compared);
* Alembic: ``alembic.autogenerate.compare_metadata(MigrationContext.configure(connection),
  metadata)`` (default options: types compared, server defaults not).

Each tool gets one untimed warm-up run; the timed runs are interleaved, the one going first
alternating. Both must find no differences (what they found is printed otherwise, and the exit
status is 1). The Markdown table shows the medians and the ratio migguard/Alembic; the issue's
target is at most 0.5 on PostgreSQL. When migguard misses it (or with ``--profile``), one
migguard run on PostgreSQL is profiled with cProfile and the top functions are printed.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import pstats
import random
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.pool import NullPool

# The repository root, for tests/testing/postgres.py.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_common import (
    BenchError,
    machine_facts,
    median_or_none,
    median_ratio,
    median_s,
    package_version,
    progress,
    save_json,
)
from pg_server import postgres_version, throwaway_server

TARGET = 0.5  # migguard's median at most this fraction of Alembic's, on PostgreSQL
BATCH = 100  # tables per create_all transaction (PostgreSQL's lock table is finite)
SEED = 20240501
PROFILE_LINES = 25


@dataclass
class Row:
    """The timings on one database (seconds, one entry per run) and the sanity check."""

    database: str
    tables: int
    migguard: list[float] = field(default_factory=list)
    alembic: list[float] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def ratio(self) -> float | None:
        """migguard's median divided by Alembic's (None without timings)."""
        return median_ratio(self.migguard, self.alembic)

    @property
    def met(self) -> bool | None:
        """Whether the target holds (None: no target on this database)."""
        if self.database != "PostgreSQL" or self.ratio is None:
            return None
        return self.ratio <= TARGET


# --- the schema --------------------------------------------------------------------------------


def build_metadata(count: int, seed: int = SEED) -> sa.MetaData:
    """``count`` tables ``t0000``...: 10 columns, 2 indexes, 1 foreign key each."""
    rng = random.Random(seed)
    metadata = sa.MetaData()
    for number in range(count):
        name = f"t{number:04d}"
        target = f"t{rng.randrange(number):04d}" if number else name
        sa.Table(
            name,
            metadata,
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("parent_id", sa.Integer, sa.ForeignKey(f"{target}.id"), nullable=True),
            sa.Column("code", sa.String(40), nullable=False),
            sa.Column("note", sa.Text),
            sa.Column("amount", sa.Numeric(12, 2), nullable=False, server_default=sa.text("0")),
            sa.Column("ratio", sa.Float),
            sa.Column("active", sa.Boolean, nullable=False, server_default=sa.false()),
            sa.Column("born", sa.Date),
            sa.Column("created_at", sa.DateTime, server_default=sa.func.now()),
            sa.Column("counter", sa.BigInteger),
            sa.Index(f"ix_{name}_code", "code"),
            sa.Index(f"ux_{name}_parent_counter", "parent_id", "counter", unique=True),
        )
    return metadata


def create_schema(engine: sa.Engine, metadata: sa.MetaData) -> None:
    """``create_all`` in batches of ``BATCH`` tables, referenced tables first."""
    tables = metadata.sorted_tables
    for start in range(0, len(tables), BATCH):
        with engine.begin() as connection:
            metadata.create_all(connection, tables=tables[start : start + BATCH], checkfirst=False)


# --- the two tools -----------------------------------------------------------------------------


def migguard_compare(connection: sa.Connection, metadata: sa.MetaData) -> list[Any]:
    """migguard's reflect + compare: the operations (and notes) it found."""
    from migguard.autogen.diff import compare
    from migguard.autogen.snapshot import reflect

    snapshot = reflect(connection)
    return compare(metadata, snapshot, connection.dialect).items


def alembic_compare(connection: sa.Connection, metadata: sa.MetaData) -> list[Any]:
    """Alembic's compare_metadata: the differences it found."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    return list(compare_metadata(MigrationContext.configure(connection), metadata))


TOOLS: dict[str, Callable[[sa.Connection, sa.MetaData], list[Any]]] = {
    "migguard": migguard_compare,
    "alembic": alembic_compare,
}


def migguard_line(item: Any) -> str:
    """One migguard item in words (``add table 't0001'``)."""
    from migguard.autogen.diff import describe
    from migguard.ops.base import Operation

    return describe(item) if isinstance(item, Operation) else type(item).__name__


def alembic_line(diff: Any) -> str:
    """One Alembic difference, shortened: its kind and the names it carries."""
    if isinstance(diff, list):  # the modify_* differences of one column
        return "; ".join(alembic_line(part) for part in diff)
    kind, *rest = diff
    names = [str(getattr(x, "name", x)) for x in rest if x is not None and not isinstance(x, dict)]
    return f"{kind} {' '.join(names)}"[:200]


LINES: dict[str, Callable[[Any], str]] = {"migguard": migguard_line, "alembic": alembic_line}


def timed(engine: sa.Engine, tool: str, metadata: sa.MetaData) -> tuple[float, list[Any]]:
    """One run of ``tool`` on a fresh connection: seconds, and the differences found."""
    gc.collect()
    start = time.perf_counter()
    with engine.connect() as connection:
        found = TOOLS[tool](connection, metadata)
    return time.perf_counter() - start, found


def check(row: Row, tool: str, found: list[Any]) -> None:
    """Record (once per tool) what ``tool`` found on a database that should be in sync."""
    if found and not any(p.startswith(f"{tool}:") for p in row.problems):
        shown = "\n    ".join(LINES[tool](item) for item in found[:20])
        more = f"\n    ... and {len(found) - 20} more" if len(found) > 20 else ""
        row.problems.append(f"{tool}: {len(found)} differences\n    {shown}{more}")


def bench_database(
    name: str, url: str, metadata: sa.MetaData, runs: int, tables: int
) -> tuple[Row, sa.Engine]:
    """Warm-up, then ``runs`` interleaved timed runs of both tools on ``url``."""
    engine = sa.create_engine(url, poolclass=NullPool)
    row = Row(name, tables)
    for tool in TOOLS:
        check(row, tool, timed(engine, tool, metadata)[1])
    for number in range(runs):
        order = list(TOOLS) if number % 2 == 0 else list(reversed(TOOLS))
        for tool in order:
            seconds, found = timed(engine, tool, metadata)
            getattr(row, tool).append(seconds)
            check(row, tool, found)
        progress(f"{name} run {number + 1}/{runs}: " + ", ".join(
            f"{tool} {getattr(row, tool)[-1]:.2f} s" for tool in TOOLS
        ))  # fmt: skip
    return row, engine


def profile_migguard(engine: sa.Engine, metadata: sa.MetaData) -> str:
    """cProfile of one migguard run: top functions by cumulative and by own time."""
    profiler = cProfile.Profile()
    with engine.connect() as connection:
        profiler.enable()
        migguard_compare(connection, metadata)
        profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out).strip_dirs()
    stats.sort_stats("cumulative").print_stats(PROFILE_LINES)
    stats.sort_stats("tottime").print_stats(PROFILE_LINES)
    return out.getvalue()


# --- databases ---------------------------------------------------------------------------------


@contextmanager
def postgres_database() -> Iterator[tuple[str, str]]:
    """A throwaway server (the test fixture's helpers) with one new database: its URL and the
    server's version; stopped and removed afterwards.

    Raises:
        BenchError: the server cannot be started or psycopg is missing.
    """
    from tests.testing import postgres as pgf

    with throwaway_server(BenchError) as server:
        pgf.admin_execute(server, "CREATE DATABASE {}", "bench_compare")
        yield server.url("bench_compare"), postgres_version(server.bin_dir / "postgres")


# --- report ------------------------------------------------------------------------------------


def all_facts(postgres: str) -> dict[str, str]:
    """The machine facts with the migguard, Alembic, SQLAlchemy, SQLite and ``postgres``
    versions."""
    return {
        **machine_facts(),
        "migguard": package_version("migguard"),
        "alembic": package_version("alembic"),
        "sqlalchemy": sa.__version__,
        "sqlite": sqlite3.sqlite_version,
        "postgresql": postgres,
    }


def markdown(rows: Sequence[Row], facts: dict[str, str], runs: int) -> str:
    """The results as a Markdown table, the machine facts, and any sanity-check problems."""
    lines = [
        "| database | tables | migguard median (s) | Alembic median (s) | ratio "
        "migguard/Alembic | target |",
        "|---|---:|---:|---:|---:|---|",
    ]
    for row in rows:
        ratio = f"{row.ratio:.2f}" if row.ratio is not None else "-"
        target = "-" if row.met is None else f"≤ {TARGET}: {'met' if row.met else '**missed**'}"
        lines.append(
            f"| {row.database} | {row.tables:,} | {median_s(row.migguard)} "
            f"| {median_s(row.alembic)} | {ratio} | {target} |"
        )
    lines += [
        "",
        f"Medians of {runs} runs in one process, tools interleaved, fresh connection per run, "
        "after one warm-up run each; 10 columns, 2 indexes, 1 foreign key per table, in sync. "
        f"Python {facts['python']}, {facts['cpu_count']} CPUs, {facts['platform']}; migguard "
        f"{facts['migguard']}, Alembic {facts['alembic']}, SQLAlchemy {facts['sqlalchemy']}; "
        f"SQLite {facts['sqlite']}; {facts['postgresql']} (local, fsync=off).",
    ]
    problems = [f"- {row.database}: {p}" for row in rows for p in row.problems]
    if problems:
        lines += ["", "Sanity-check problems (the schema is in sync; both should find nothing):"]
        lines += problems
    return "\n".join(lines)


def results_json(rows: Sequence[Row], machine: dict[str, str], runs: int) -> dict[str, Any]:
    """Every timing (seconds), the medians and the machine facts, for ``--json``."""
    return {
        "runs": runs,
        "target": TARGET,
        "machine": machine,
        "results": [
            {
                "database": row.database,
                "tables": row.tables,
                "migguard": row.migguard,
                "alembic": row.alembic,
                "migguard_median_s": median_or_none(row.migguard),
                "alembic_median_s": median_or_none(row.alembic),
                "ratio": row.ratio,
                "met": row.met,
                "problems": row.problems,
            }
            for row in rows
        ],
    }


# --- main --------------------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tables", type=int, default=2000, help="tables (default 2000)")
    parser.add_argument("--runs", type=int, default=5, help="timed runs per tool (default 5)")
    parser.add_argument("--skip-postgres", action="store_true", help="SQLite only")
    parser.add_argument(
        "--profile", action="store_true", help="profile one migguard run on PostgreSQL anyway"
    )
    parser.add_argument("--json", type=Path, metavar="PATH", help="also save the numbers here")
    args = parser.parse_args(argv)
    if args.tables < 1 or args.runs < 1:
        parser.error("--tables and --runs must be positive")
    return args


def run_one(
    name: str, url: str, metadata: sa.MetaData, args: argparse.Namespace
) -> tuple[Row, sa.Engine]:
    """Create the schema on ``url`` and time both tools there."""
    progress(f"{name}: creating {args.tables} tables")
    setup = sa.create_engine(url, poolclass=NullPool)
    try:
        create_schema(setup, metadata)
    finally:
        setup.dispose()
    return bench_database(name, url, metadata, args.runs, args.tables)


def run_all(args: argparse.Namespace) -> tuple[list[Row], str, str | None]:
    """SQLite, then PostgreSQL unless skipped: the rows, the server's version, and a profile
    when one was taken."""
    metadata = build_metadata(args.tables)
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="migguard-bench-compare-") as scratch:
        row, engine = run_one("SQLite", f"sqlite:///{scratch}/bench.db", metadata, args)
        engine.dispose()
        rows.append(row)
    if args.skip_postgres:
        return rows, "PostgreSQL skipped", None
    with postgres_database() as (url, version):
        row, engine = run_one("PostgreSQL", url, metadata, args)
        rows.append(row)
        profile = None
        if args.profile or not row.met:
            progress("PostgreSQL: profiling one migguard run")
            profile = profile_migguard(engine, metadata)
        engine.dispose()
    return rows, version, profile


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark and print the table; exit 1 when a tool found differences."""
    args = parse_args(argv)
    try:
        rows, postgres, profile = run_all(args)
    except BenchError as exc:
        print(f"bench_compare: error: {exc}", file=sys.stderr)
        return 1
    machine = all_facts(postgres)
    print(markdown(rows, machine, args.runs))
    if profile:
        print("\nProfile of one migguard run on PostgreSQL (cProfile):\n")
        print(profile)
    if args.json is not None:
        save_json(args.json, results_json(rows, machine, args.runs))
    return 1 if any(row.problems for row in rows) else 0


if __name__ == "__main__":
    sys.exit(main())

"""Time ``migguard upgrade head --all --jobs N`` on a fleet of databases against a shell loop of
``migguard upgrade head``, one whole process per database, one database after another.

``python benchmarks/bench_fleet.py [--backend sqlite|postgresql] [--databases N]
[--revisions 50] [--jobs 4] [--runs 3] [--keep DIR] [--json PATH]`` generates a
``--revisions`` history with :mod:`generate_history` (DDL bodies), names ``--databases``
databases (default 200 SQLite files, or 50 databases on a throwaway PostgreSQL server started
from the machine's binaries with the test fixture's helpers) as ``[targets.NAME]`` in a
``migguard.toml`` next to its ``alembic.ini``, and times (wall clock, whole processes, medians
of ``--runs``, the two ways interleaved, fresh databases for every run): the loop, and the
fleet command. Each run is checked: every database ends at the history's head. Prints a
Markdown table and the machine facts; the issue's target is fleet <= 1/3 of the loop.
"""

from __future__ import annotations

import argparse
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

# The sibling scripts, and the repository root for tests/testing/postgres.py.
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench_common import (
    BenchError,
    child_env,
    find_executables,
    machine_facts,
    median_s,
    progress,
    run,
    save_json,
)
from generate_history import DEFAULT_SEED, generate, heads_of

VERSION_ROWS = "SELECT version_num FROM alembic_version"


class SqliteFleet:
    """``count`` SQLite files ``dbs/dbNNN.db``, named as targets in ``project/migguard.toml``."""

    name = "SQLite databases"

    def __init__(self, project: Path, count: int) -> None:
        names = [f"db{i:03d}" for i in range(count)]
        text = "".join(f'[targets.{name}]\nurl = "sqlite:///dbs/{name}.db"\n\n' for name in names)
        (project / "migguard.toml").write_text(text, encoding="utf-8")
        self.files = [project / "dbs" / f"{name}.db" for name in names]
        self.urls = [f"sqlite:///{path}" for path in self.files]

    def fresh(self) -> None:
        """Remove every database, so each run starts from empty files."""
        folder = self.files[0].parent
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir()

    def check(self, head: str) -> None:
        """Every database is at ``head``, or BenchError."""
        for path in self.files:
            with sqlite3.connect(path) as connection:
                rows = [
                    row[0] for row in connection.execute("SELECT version_num FROM alembic_version")
                ]
            connection.close()
            if rows != [head]:
                raise BenchError(f"{path} is at {rows}, not {head}")


class PostgresFleet:
    """``count`` databases ``fleet_NNN`` on a PostgreSQL server, named as targets in
    ``project/migguard.toml``; ``admin`` is an autocommit psycopg connection to the server."""

    name = "PostgreSQL databases"

    def __init__(self, project: Path, count: int, server: Any, admin: Any) -> None:
        self.admin = admin
        self.names = [f"fleet_{i:03d}" for i in range(count)]
        self.urls = [server.url(name) for name in self.names]
        text = "".join(
            f'[targets.{name}]\nurl = "{url}"\n\n'
            for name, url in zip(self.names, self.urls, strict=True)
        )
        (project / "migguard.toml").write_text(text, encoding="utf-8")
        self.server = server

    def fresh(self) -> None:
        """Drop and create every database, so each run starts from empty ones."""
        for name in self.names:
            self.admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            self.admin.execute(f"CREATE DATABASE {name}")

    def check(self, head: str) -> None:
        """Every database is at ``head``, or BenchError."""
        import psycopg

        for name in self.names:
            with psycopg.connect(
                host="127.0.0.1", port=self.server.port, user="postgres", dbname=name
            ) as connection:
                rows = [
                    row[0] for row in connection.execute("SELECT version_num FROM alembic_version")
                ]
            if rows != [head]:
                raise BenchError(f"{name} is at {rows}, not {head}")


def measure(
    fleet: SqliteFleet | PostgresFleet, project: Path, head: str, args: argparse.Namespace
) -> tuple[list[float], list[float]]:
    """The loop's and the fleet command's wall times, ``args.runs`` of each, interleaved."""
    migguard = find_executables()["migguard"]
    env = child_env()
    loop_times: list[float] = []
    fleet_times: list[float] = []
    for number in range(args.runs):
        for way in ("loop", "fleet") if number % 2 == 0 else ("fleet", "loop"):
            fleet.fresh()
            started = time.perf_counter()
            if way == "loop":
                for url in fleet.urls:
                    run([str(migguard), "--url", url, "upgrade", "head", "-q"], project, env)
            else:
                command = [str(migguard), "upgrade", "head", "--all", "--jobs", str(args.jobs)]
                run([*command, "-q"], project, env)
            seconds = time.perf_counter() - started
            fleet.check(head)
            (loop_times if way == "loop" else fleet_times).append(seconds)
            progress(f"run {number + 1}/{args.runs} {way}: {seconds:.2f} s")
    return loop_times, fleet_times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--databases", type=int, help="default 200 (SQLite), 50 (PostgreSQL)")
    parser.add_argument("--revisions", type=int, default=50)
    parser.add_argument("--jobs", type=int, default=4)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--keep", type=Path, help="build the project here and keep it")
    parser.add_argument("--json", type=Path, help="also save every timing here")
    args = parser.parse_args()
    count = args.databases or (200 if args.backend == "sqlite" else 50)

    project = args.keep or Path(tempfile.mkdtemp(prefix="bench-fleet-"))
    planned = generate(args.revisions, project, DEFAULT_SEED)
    (head,) = heads_of(planned)
    facts = machine_facts()
    if args.backend == "sqlite":
        fleet: SqliteFleet | PostgresFleet = SqliteFleet(project, count)
        loop_times, fleet_times = measure(fleet, project, head, args)
    else:
        import psycopg
        from pg_server import postgres_version, throwaway_server

        from tests.testing import postgres as pgf

        facts["postgresql"] = postgres_version(pgf.find_pg_binary("postgres"))
        with throwaway_server(BenchError) as server:
            conninfo = {"host": pgf.HOST, "port": server.port, "user": pgf.SUPERUSER}
            with psycopg.connect(**conninfo, dbname="postgres", autocommit=True) as admin:
                fleet = PostgresFleet(project, count, server, admin)
                loop_times, fleet_times = measure(fleet, project, head, args)
    ratio = statistics.median(fleet_times) / statistics.median(loop_times)
    print(f"{count} {fleet.name} x {args.revisions} revisions, median of {args.runs}\n")
    print("| way | seconds |")
    print("| --- | --- |")
    print(f"| loop of `migguard upgrade head`, one process per database | {median_s(loop_times)} |")
    print(f"| `migguard upgrade head --all --jobs {args.jobs}` | {median_s(fleet_times)} |")
    print(f"\nfleet / loop = {ratio:.2f} (target: at most 0.33)\n")
    for key, value in facts.items():
        print(f"- {key}: {value}")
    if args.json:
        save_json(args.json, {"loop": loop_times, "fleet": fleet_times, "facts": facts})
    if args.keep is None:
        shutil.rmtree(project, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Time ``migguard upgrade head --all --jobs N`` on a fleet of SQLite databases against a shell
loop of ``migguard upgrade head``, one whole process per database, one database after another.

``python benchmarks/bench_fleet.py [--databases 200] [--revisions 50] [--jobs 4] [--runs 3]
[--keep DIR] [--json PATH]`` generates a ``--revisions`` history with
:mod:`generate_history` (DDL bodies), names ``--databases`` SQLite files as ``[targets.NAME]``
in a ``migguard.toml`` next to its ``alembic.ini``, and times (wall clock, whole processes,
medians of ``--runs``, the two ways interleaved, fresh databases for every run): the loop, and
the fleet command. Each run is checked: every database ends at the history's head. Prints a
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

sys.path.insert(0, str(Path(__file__).resolve().parent))

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


def write_targets(project: Path, count: int) -> list[Path]:
    """Name ``count`` SQLite files ``dbs/dbNNN.db`` as targets in ``project/migguard.toml``."""
    names = [f"db{i:03d}" for i in range(count)]
    text = "".join(f'[targets.{name}]\nurl = "sqlite:///dbs/{name}.db"\n\n' for name in names)
    (project / "migguard.toml").write_text(text, encoding="utf-8")
    return [project / "dbs" / f"{name}.db" for name in names]


def fresh(files: list[Path]) -> None:
    """Remove every database, so each run starts from empty files."""
    folder = files[0].parent
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir()


def check(files: list[Path], head: str) -> None:
    """Every database is at ``head``, or BenchError."""
    for path in files:
        with sqlite3.connect(path) as connection:
            rows = [row[0] for row in connection.execute("SELECT version_num FROM alembic_version")]
        connection.close()
        if rows != [head]:
            raise BenchError(f"{path} is at {rows}, not {head}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--databases", type=int, default=200)
    parser.add_argument("--revisions", type=int, default=50)
    parser.add_argument("--jobs", type=int, default=4)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--keep", type=Path, help="build the project here and keep it")
    parser.add_argument("--json", type=Path, help="also save every timing here")
    args = parser.parse_args()

    migguard = find_executables()["migguard"]
    env = child_env()
    project = args.keep or Path(tempfile.mkdtemp(prefix="bench-fleet-"))
    planned = generate(args.revisions, project, DEFAULT_SEED)
    (head,) = heads_of(planned)
    files = write_targets(project, args.databases)
    loop_times: list[float] = []
    fleet_times: list[float] = []
    for number in range(args.runs):
        for way in ("loop", "fleet") if number % 2 == 0 else ("fleet", "loop"):
            fresh(files)
            started = time.perf_counter()
            if way == "loop":
                for path in files:
                    loop = [str(migguard), "--url", f"sqlite:///{path}", "upgrade", "head", "-q"]
                    run(loop, project, env)
            else:
                fleet = [str(migguard), "upgrade", "head", "--all", "--jobs", str(args.jobs), "-q"]
                run(fleet, project, env)
            seconds = time.perf_counter() - started
            check(files, head)
            (loop_times if way == "loop" else fleet_times).append(seconds)
            progress(f"run {number + 1}/{args.runs} {way}: {seconds:.2f} s")
    ratio = statistics.median(fleet_times) / statistics.median(loop_times)
    print(
        f"{args.databases} SQLite databases x {args.revisions} revisions, median of {args.runs}\n"
    )
    print("| way | seconds |")
    print("| --- | --- |")
    print(f"| loop of `migguard upgrade head`, one process per database | {median_s(loop_times)} |")
    print(f"| `migguard upgrade head --all --jobs {args.jobs}` | {median_s(fleet_times)} |")
    print(f"\nfleet / loop = {ratio:.2f} (target: at most 0.33)\n")
    for key, value in machine_facts().items():
        print(f"- {key}: {value}")
    if args.json:
        save_json(args.json, {"loop": loop_times, "fleet": fleet_times, "facts": machine_facts()})
    if args.keep is None:
        shutil.rmtree(project, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

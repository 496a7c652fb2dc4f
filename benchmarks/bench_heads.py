"""Time whole ``migguard`` and ``alembic`` processes reading a generated history.

Usage::

    python benchmarks/bench_heads.py [--sizes 1000 10000] [--runs 7] [--keep DIR] [--json PATH]

For each size a history is generated (see ``generate_history.py``); then ``heads`` and
``history`` of both tools are run in that folder, interleaved, after one untimed warm-up of
each (which lets Alembic write its ``__pycache__`` and migguard its ``.migguard/`` header
cache). A cold migguard ``heads`` (``.migguard/`` deleted before every run) is timed for
information. Times are wall clock around the whole subprocess; the table shows medians.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_common import (
    TOOLS,
    BenchError,
    child_env,
    find_executables,
    format_ratio,
    interleaved,
    machine_facts,
    median_ms,
    progress,
    run,
    save_json,
    tool_versions,
)
from generate_history import DEFAULT_SEED, generate, heads_of

CACHE_DIR = ".migguard"


@dataclass
class Row:
    """The timings of one command at one size (seconds, one entry per run)."""

    size: int
    command: str
    migguard: list[float]
    alembic: list[float]

    @property
    def ratio(self) -> float:
        """migguard's median divided by Alembic's."""
        return statistics.median(self.migguard) / statistics.median(self.alembic)


def head_ids(output: str) -> list[str]:
    """The first word of each non-empty line of a ``heads`` output."""
    return [line.split()[0] for line in output.splitlines() if line.strip()]


def check_heads(exes: dict[str, Path], cwd: Path, env: dict[str, str], expected: str) -> None:
    """Both tools must print exactly the one generated head.

    Raises:
        BenchError: they do not.
    """
    for tool, exe in exes.items():
        heads = head_ids(run([str(exe), "heads"], cwd, env, capture=True))
        if heads != [expected]:
            raise BenchError(f"{tool} heads printed {heads}, expected [{expected!r}]")


def bench_size(size: int, folder: Path, exes: dict[str, Path], runs: int, seed: int) -> list[Row]:
    """Generate a ``size``-revision history in ``folder`` and time every command there."""
    planned = generate(size, folder, seed=seed)
    expected = heads_of(planned)
    if len(expected) != 1:
        raise BenchError(f"generated history has heads {expected}, expected exactly one")
    env = child_env()
    check_heads(exes, folder, env, expected[0])
    rows: list[Row] = []
    for command in ("heads", "history"):
        times = interleaved({t: [str(exes[t]), command] for t in TOOLS}, folder, env, runs)
        rows.append(Row(size, command, times["migguard"], times["alembic"]))
        progress(row_line(rows[-1]))
    cold = interleaved(
        {"migguard": [str(exes["migguard"]), "heads"]},
        folder,
        env,
        runs,
        prepare={"migguard": lambda: shutil.rmtree(folder / CACHE_DIR, ignore_errors=True)},
    )
    rows.append(Row(size, "heads (migguard cold cache)", cold["migguard"], rows[0].alembic))
    progress(row_line(rows[-1]))
    return rows


def row_line(row: Row) -> str:
    """The progress line of a finished measurement."""
    return (
        f"  {row.size:>6} {row.command}: migguard {median_ms(row.migguard)} ms, "
        f"alembic {median_ms(row.alembic)} ms"
    )


def all_facts(exes: dict[str, Path]) -> dict[str, str]:
    """The machine facts with what each tool's ``--version`` prints, for the footnote.

    Raises:
        BenchError: a tool's ``--version`` failed.
    """
    return {**machine_facts(), **tool_versions(exes)}


def markdown(rows: Sequence[Row], facts: dict[str, str], runs: int) -> str:
    """The results as a Markdown table followed by the machine facts."""
    lines = [
        "| revisions | command | migguard median (ms) | alembic median (ms) "
        "| ratio (migguard/alembic) |",
        "|---:|---|---:|---:|---:|",
    ]
    for row in rows:
        lines.append(
            f"| {row.size:,} | `{row.command}` | {median_ms(row.migguard)} "
            f"| {median_ms(row.alembic)} | {format_ratio(row.ratio)} |"
        )
    lines.append("")
    lines.append(
        f"Medians of {runs} runs, whole processes, warm caches unless noted (the cold row "
        "compares to Alembic's warm `heads`). "
        f"Python {facts['python']} ({facts['implementation']}), {facts['cpu_count']} CPUs, "
        f"{facts['platform']}; {facts['migguard']}, {facts['alembic']}."
    )
    return "\n".join(lines)


def results_json(rows: Sequence[Row], facts: dict[str, str], runs: int) -> dict[str, Any]:
    """Every measurement (seconds) with the medians and the machine facts, for ``--json``."""
    return {
        "runs": runs,
        "machine": facts,
        "results": [
            {
                **asdict(row),
                "migguard_median_ms": statistics.median(row.migguard) * 1000,
                "alembic_median_ms": statistics.median(row.alembic) * 1000,
                "ratio": row.ratio,
            }
            for row in rows
        ],
    }


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000], help="history sizes")
    parser.add_argument("--runs", type=int, default=7, help="timed runs per command")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="generator seed")
    parser.add_argument(
        "--keep", type=Path, metavar="DIR", help="generate into DIR/<size> and keep it"
    )
    parser.add_argument("--json", type=Path, metavar="PATH", help="also save the numbers here")
    args = parser.parse_args(argv)
    if args.runs < 1 or any(size < 1 for size in args.sizes):
        parser.error("--runs and --sizes must be positive")
    return args


def bench_all(args: argparse.Namespace, exes: dict[str, Path]) -> list[Row]:
    """Every size, in a temporary folder (or under ``--keep``)."""
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="migguard-bench-") as scratch:
        base = args.keep if args.keep is not None else Path(scratch)
        for size in args.sizes:
            folder = base / str(size)
            if folder.exists():
                raise BenchError(f"{folder} already exists; pick another --keep folder")
            folder.mkdir(parents=True)
            progress(f"{size} revisions in {folder}")
            rows.extend(bench_size(size, folder, exes, args.runs, args.seed))
    return rows


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark and print the table."""
    args = parse_args(argv)
    try:
        exes = find_executables()
        facts = all_facts(exes)
        rows = bench_all(args, exes)
    except BenchError as exc:
        print(f"bench_heads: error: {exc}", file=sys.stderr)
        return 1
    print(markdown(rows, facts, args.runs))
    if args.json is not None:
        save_json(args.json, results_json(rows, facts, args.runs))
    return 0


if __name__ == "__main__":
    sys.exit(main())

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
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from generate_history import DEFAULT_SEED, generate, heads_of

TOOLS = ("migguard", "alembic")
CACHE_DIR = ".migguard"


class BenchError(Exception):
    """A setup problem or a failed sanity check; the message says which."""


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


def find_executables() -> dict[str, Path]:
    """``migguard`` and ``alembic`` from the folder of ``sys.executable`` (the same venv).

    Raises:
        BenchError: either is missing there.
    """
    folder = Path(sys.executable).parent
    found: dict[str, Path] = {}
    for tool in TOOLS:
        path = shutil.which(tool, path=str(folder))
        if path is None:
            hint = "pip install -e '.[bench]'" if tool == "alembic" else "pip install -e ."
            raise BenchError(f"no `{tool}` executable in {folder} (install it there: {hint})")
        found[tool] = Path(path)
    return found


def child_env() -> dict[str, str]:
    """The environment for the timed processes: bytecode writing allowed (Alembic's
    ``.pyc`` cache is part of its normal warm state), no colours."""
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.pop("MIGGUARD_DEBUG", None)
    env["NO_COLOR"] = "1"
    return env


def run(argv: Sequence[str], cwd: Path, env: dict[str, str], capture: bool = False) -> str:
    """Run one command to completion; returns stdout when ``capture``.

    Raises:
        BenchError: the command failed.
    """
    result = subprocess.run(
        argv,
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE if capture else subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise BenchError(f"`{' '.join(argv)}` failed ({result.returncode}): {result.stderr}")
    return result.stdout or ""


def timed(argv: Sequence[str], cwd: Path, env: dict[str, str]) -> float:
    """Wall-clock seconds of one whole process, output discarded."""
    start = time.perf_counter()
    run(argv, cwd, env)
    return time.perf_counter() - start


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


def interleaved(
    commands: dict[str, list[str]],
    cwd: Path,
    env: dict[str, str],
    runs: int,
    before: Callable[[], None] | None = None,
) -> dict[str, list[float]]:
    """Time each command ``runs`` times, alternating which goes first in each round, after
    one untimed warm-up of each; ``before`` runs (untimed) before every timed run."""
    for argv in commands.values():
        run(argv, cwd, env)
    times: dict[str, list[float]] = {name: [] for name in commands}
    order = list(commands)
    for round_no in range(runs):
        for name in order if round_no % 2 == 0 else reversed(order):
            if before is not None:
                before()
            times[name].append(timed(commands[name], cwd, env))
    return times


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
        progress(rows[-1])
    cold = interleaved(
        {"migguard": [str(exes["migguard"]), "heads"]},
        folder,
        env,
        runs,
        before=lambda: shutil.rmtree(folder / CACHE_DIR, ignore_errors=True),
    )
    rows.append(Row(size, "heads (migguard cold cache)", cold["migguard"], rows[0].alembic))
    progress(rows[-1])
    return rows


def progress(row: Row) -> None:
    """One line on stderr as each measurement finishes."""
    print(
        f"  {row.size:>6} {row.command}: migguard {ms(row.migguard)} ms, "
        f"alembic {ms(row.alembic)} ms",
        file=sys.stderr,
    )


def ms(times: Sequence[float]) -> str:
    """The median of ``times`` in milliseconds, for the table."""
    return f"{statistics.median(times) * 1000:.0f}"


def format_ratio(ratio: float) -> str:
    """``1/27 (0.037)`` when migguard takes at most half Alembic's time, else the plain
    decimal (``0.68``, ``1.30``)."""
    if ratio <= 0.5:
        return f"1/{1 / ratio:.0f} ({ratio:.3f})"
    return f"{ratio:.2f}"


def machine_facts(exes: dict[str, Path]) -> dict[str, str]:
    """Python, platform, CPU count and tool versions, for the table's footnote."""
    env = child_env()
    return {
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "cpu_count": str(os.cpu_count()),
        "migguard": run([str(exes["migguard"]), "--version"], Path.cwd(), env, True).strip(),
        "alembic": run([str(exes["alembic"]), "--version"], Path.cwd(), env, True).strip(),
    }


def markdown(rows: Sequence[Row], facts: dict[str, str], runs: int) -> str:
    """The results as a Markdown table followed by the machine facts."""
    lines = [
        "| revisions | command | migguard median (ms) | alembic median (ms) "
        "| ratio (migguard/alembic) |",
        "|---:|---|---:|---:|---:|",
    ]
    for row in rows:
        lines.append(
            f"| {row.size:,} | `{row.command}` | {ms(row.migguard)} | {ms(row.alembic)} "
            f"| {format_ratio(row.ratio)} |"
        )
    lines.append("")
    lines.append(
        f"Medians of {runs} runs, whole processes, warm caches unless noted (the cold row "
        "compares to Alembic's warm `heads`). "
        f"Python {facts['python']} ({facts['implementation']}), {facts['cpu_count']} CPUs, "
        f"{facts['platform']}; {facts['migguard']}, {facts['alembic']}."
    )
    return "\n".join(lines)


def save_json(path: Path, rows: Sequence[Row], facts: dict[str, str], runs: int) -> None:
    """Write every measurement (seconds) with the medians and the machine facts."""
    data = {
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
    path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")


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
            print(f"{size} revisions in {folder}", file=sys.stderr)
            rows.extend(bench_size(size, folder, exes, args.runs, args.seed))
    return rows


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark and print the table."""
    args = parse_args(argv)
    try:
        exes = find_executables()
        facts = machine_facts(exes)
        rows = bench_all(args, exes)
    except BenchError as exc:
        print(f"bench_heads: error: {exc}", file=sys.stderr)
        return 1
    print(markdown(rows, facts, args.runs))
    if args.json is not None:
        save_json(args.json, rows, facts, args.runs)
    return 0


if __name__ == "__main__":
    sys.exit(main())

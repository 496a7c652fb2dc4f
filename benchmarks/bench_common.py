"""Helpers shared by the benchmark scripts: finding the tools, running and timing whole
processes, machine facts, progress lines, median and ratio formatting, and saving JSON.

The scripts import it as a sibling module (``from bench_common import ...``) after putting
their own folder on ``sys.path``, so ``python benchmarks/bench_x.py`` works from anywhere.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from importlib import metadata as package_metadata
from pathlib import Path
from typing import Any

TOOLS = ("migguard", "alembic")
# How much of a failed command's stdout and stderr (each) a BenchError message keeps.
OUTPUT_TAIL = 2000


class BenchError(Exception):
    """A setup problem, a failed command or a failed sanity check; the message says which."""


# --- the tools and their processes -------------------------------------------------------------


def find_executables() -> dict[str, Path]:
    """Find ``migguard`` and ``alembic`` in the folder of ``sys.executable`` (the same venv).

    Returns:
        Each tool's name (``TOOLS``) mapped to its executable.

    Raises:
        BenchError: either is missing there (the message says how to install it).
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
    """The environment of the timed processes: this process's, with bytecode writing allowed
    (``.pyc`` caches are part of a tool's normal warm state), no colours, no debug output and
    no ``MIGGUARD_URL`` from outside (each benchmark names its database itself).

    Returns:
        A new environment mapping.
    """
    env = dict(os.environ)
    for name in ("PYTHONDONTWRITEBYTECODE", "MIGGUARD_DEBUG", "MIGGUARD_URL"):
        env.pop(name, None)
    env["NO_COLOR"] = "1"
    return env


def run(argv: Sequence[str], cwd: Path, env: Mapping[str, str], *, capture: bool = False) -> str:
    """Run one command to completion; it must exit 0.

    Args:
        argv: the command line.
        cwd: the folder to run it in.
        env: its environment.
        capture: keep stdout (else it goes to ``/dev/null``, so a long output costs the
            timed process nothing but the writing).

    Returns:
        The command's stdout when ``capture``, else "".

    Raises:
        BenchError: it exited non-zero; the message names the command and exit status, then
            the last ``OUTPUT_TAIL`` characters of its stdout (when captured) and stderr.
    """
    done = subprocess.run(
        argv,
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE if capture else subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        output = (done.stdout or "")[-OUTPUT_TAIL:] + done.stderr[-OUTPUT_TAIL:]
        raise BenchError(f"`{' '.join(argv)}` failed ({done.returncode}):\n{output}")
    return done.stdout or ""


def timed(
    argv: Sequence[str], cwd: Path, env: Mapping[str, str], *, capture: bool = False
) -> float:
    """Wall-clock seconds of one whole process, which must exit 0 (see :func:`run`).

    Raises:
        BenchError: it exited non-zero.
    """
    start = time.perf_counter()
    run(argv, cwd, env, capture=capture)
    return time.perf_counter() - start


def interleaved(
    commands: Mapping[str, Sequence[str]],
    cwd: Path,
    env: Mapping[str, str],
    runs: int,
    *,
    prepare: Mapping[str, Callable[[], None]] | None = None,
    capture: bool = False,
    show_rounds: bool = False,
) -> dict[str, list[float]]:
    """Time each command ``runs`` times, after one untimed warm-up each, alternating which goes
    first from one round to the next.

    Args:
        commands: each case's name mapped to its command line, in the order of the first round.
        cwd: the folder the commands run in.
        env: their environment.
        runs: timed rounds.
        prepare: a case's own preparation (e.g. deleting a cache), run untimed before each of
            its runs, the warm-up included; cases without one run as they are.
        capture: capture stdout (see :func:`run`), e.g. so a failure shows it.
        show_rounds: a :func:`progress` line after each round with every case's time in ms.

    Returns:
        Each case's name mapped to its seconds, one entry per timed run.

    Raises:
        BenchError: a command exited non-zero.
    """
    prepare = prepare or {}

    def one(name: str) -> float:
        if name in prepare:
            prepare[name]()
        return timed(commands[name], cwd, env, capture=capture)

    for name in commands:
        one(name)
    times: dict[str, list[float]] = {name: [] for name in commands}
    order = list(commands)
    for round_no in range(runs):
        for name in order if round_no % 2 == 0 else reversed(order):
            times[name].append(one(name))
        if show_rounds:
            progress(
                f"run {round_no + 1}/{runs}: "
                + ", ".join(f"{name} {times[name][-1] * 1000:.0f} ms" for name in order)
            )
    return times


# --- facts and results -------------------------------------------------------------------------


def package_version(package: str) -> str:
    """The installed version of distribution ``package``, or "not installed"."""
    try:
        return package_metadata.version(package)
    except package_metadata.PackageNotFoundError:
        return "not installed"


def machine_facts() -> dict[str, str]:
    """The facts every benchmark reports: ``python`` (version), ``implementation``,
    ``platform`` and ``cpu_count``; each script adds its tool and database versions."""
    return {
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "cpu_count": str(os.cpu_count()),
    }


def tool_versions(exes: Mapping[str, Path]) -> dict[str, str]:
    """What each tool's ``--version`` prints (e.g. ``migguard 0.1.0``), keyed by tool.

    Raises:
        BenchError: a tool's ``--version`` failed.
    """
    env = child_env()
    return {
        tool: run([str(exe), "--version"], Path.cwd(), env, capture=True).strip()
        for tool, exe in exes.items()
    }


def progress(message: str) -> None:
    """Write one progress line to stderr, flushed."""
    print(message, file=sys.stderr, flush=True)


def median_or_none(values: Sequence[float]) -> float | None:
    """The median of ``values``, or None when there are none."""
    return statistics.median(values) if values else None


def median_ratio(numerator: Sequence[float], denominator: Sequence[float]) -> float | None:
    """The median of ``numerator`` divided by the median of ``denominator`` (e.g. migguard's
    by Alembic's), or None when either has no values."""
    if not numerator or not denominator:
        return None
    return statistics.median(numerator) / statistics.median(denominator)


def median_ms(values: Sequence[float]) -> str:
    """The median of ``values`` (seconds) in whole milliseconds, for a table (``"48"``)."""
    return f"{statistics.median(values) * 1000:.0f}"


def median_s(values: Sequence[float], digits: int = 2, missing: str = "-") -> str:
    """The median of ``values`` in seconds with ``digits`` decimals, or ``missing`` when there
    are none."""
    return f"{statistics.median(values):.{digits}f}" if values else missing


def format_ratio(ratio: float, digits: int = 2) -> str:
    """A ratio for a table: ``1/27 (0.037)`` when at most 0.5, else a plain decimal with
    ``digits`` decimals (``0.68``, ``1.30``)."""
    if ratio <= 0.5:
        return f"1/{1 / ratio:.0f} ({ratio:.3f})"
    return f"{ratio:.{digits}f}"


def save_json(path: Path, data: Mapping[str, Any]) -> None:
    """Write ``data`` to ``path`` as indented JSON (UTF-8, final newline)."""
    path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")

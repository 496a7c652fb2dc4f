"""How long ``pytest --migguard`` (every default built-in test) takes on the bundled example.

Each run is a whole ``python -m pytest --migguard`` process in a copy of ``examples/shop``
(SQLite scratch databases), after one untimed warm-up run; it prints the median and the
slowest of ``--runs`` runs.

Usage: ``python benchmarks/bench_pytest_plugin.py [--runs N]``
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_common import child_env, progress, timed

REPO = Path(__file__).resolve().parent.parent
COMMAND = (sys.executable, "-m", "pytest", "--migguard", "-p", "no:cacheprovider", "-q")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-pytest-") as folder:
        shop = Path(folder) / "shop"
        shutil.copytree(REPO / "examples" / "shop", shop, ignore=shutil.ignore_patterns("*.db"))
        env = child_env()
        timed(COMMAND, shop, env, capture=True)
        seconds = []
        for number in range(args.runs):
            seconds.append(timed(COMMAND, shop, env, capture=True))
            progress(f"run {number + 1}/{args.runs}: {seconds[-1]:.2f} s")
    print(
        f"pytest --migguard on examples/shop (5 built-in tests, SQLite): median "
        f"{statistics.median(seconds):.2f} s, slowest {max(seconds):.2f} s over {args.runs} runs"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

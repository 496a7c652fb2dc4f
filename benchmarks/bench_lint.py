"""What the ``lint`` check costs inside the ``migguard check`` run it is part of.

Two projects, each a git repository whose ``main`` holds the history and whose ``feature``
branch adds one new revision (an index and a NOT NULL column on an existing table, which the
lint flags):

- ``example``: a copy of the bundled ``examples/shop`` (5 revisions), linted for PostgreSQL;
- ``generated``: ``bench_check.py``'s generated history (``--revisions``, default 1,000).

Each run is a whole ``python`` process that runs every check of ``migguard check`` (graph,
heads, sync, models-imported, edited, stale-parent, lint) through ``run_checks``, timing each
check's function. The sync replay is warm (one untimed run first), as on a developer's
machine after the first commit. It prints, per project, the median of the whole check run and
of the lint check within it, and the ratio.

Usage: ``python benchmarks/bench_lint.py [--revisions N] [--runs R] [--json FILE]``
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_check import generate, script, write_script
from bench_common import BenchError, child_env, machine_facts, progress, save_json

REPO = Path(__file__).resolve().parent.parent
NEW_REVISION_BODY = (
    '    op.create_index("ix_bench_note", "{table}", ["id"])\n'
    '    op.add_column("{table}", sa.Column("bench_flag", sa.Integer(), nullable=False))'
)
# Runs every check with each check's function timed; prints {code: seconds, "total": seconds}.
DRIVER = """
import json, sys, time
from migguard.config.load import load_config
from migguard.guard.checks import run as run_module
from migguard.guard.settings import check_settings

spent = {}
def timed(code, function):
    def wrapper(context):
        start = time.perf_counter()
        try:
            return function(context)
        finally:
            spent[code] = time.perf_counter() - start
    return wrapper

for code, check in list(run_module.CHECKS.items()):
    run_module.CHECKS[code] = check._replace(function=timed(code, check.function))
config = load_config()
codes = ("graph", "heads", "sync", "models-imported", "edited", "stale-parent", "lint")
start = time.perf_counter()
findings = run_module.run_checks(config, codes, check_settings(config))
spent["total"] = time.perf_counter() - start
rules = sorted({f.rule for f in findings if f.code == "lint" and f.rule})
json.dump({"spent": spent, "lint_rules": rules}, sys.stdout)
"""


def git(cwd: Path, *args: str) -> None:
    env = {**child_env(), "GIT_AUTHOR_NAME": "b", "GIT_AUTHOR_EMAIL": "b@example.com"}
    env |= {"GIT_COMMITTER_NAME": "b", "GIT_COMMITTER_EMAIL": "b@example.com"}
    subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True)


def as_repository(dest: Path, new_revision: Path, text: str) -> None:
    """Commit ``dest`` on ``main``, then add ``new_revision`` on branch ``feature``."""
    git(dest, "init", "-q", "-b", "main")
    git(dest, "add", "-A")
    git(dest, "commit", "-q", "-m", "history")
    git(dest, "switch", "-q", "-c", "feature")
    write_script(new_revision, text)
    git(dest, "add", "-A")
    git(dest, "commit", "-q", "-m", "new revision")


def example_project(root: Path) -> Path:
    dest = root / "example"
    shutil.copytree(REPO / "examples" / "shop", dest, ignore=shutil.ignore_patterns("*.db"))
    config = dest / "migguard.toml"
    config.write_text(config.read_text() + '\n[check.lint]\ndialect = "postgresql"\n')
    head = "e2d8b1a4c6f9"
    body = NEW_REVISION_BODY.format(table="product")
    text = script("b0a1c2d3e4f5", head, "index and flag products", body)
    as_repository(dest, dest / "migrations" / "versions" / "b0a1c2d3e4f5_bench.py", text)
    return dest


def generated_project(root: Path, revisions: int) -> Path:
    dest = root / f"generated-{revisions}"
    dest.mkdir()
    project = generate(dest, revisions)
    config = dest / "migguard.toml"
    config.write_text(config.read_text() + '\n[check.lint]\ndialect = "postgresql"\n')
    table = project.tables[len(project.tables) // 2].name
    text = script(
        "b0a1c2d3e4f5", project.head, "index and flag", NEW_REVISION_BODY.format(table=table)
    )
    as_repository(dest, project.versions / "b0a1c2d3e4f5_bench.py", text)
    return dest


def one_run(dest: Path) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, "-c", DRIVER], cwd=dest, env=child_env(), capture_output=True, text=True
    )
    if done.returncode != 0:
        raise BenchError(f"the check run failed in {dest}: {done.stderr[-2000:]}")
    return dict(json.loads(done.stdout))


def measure(name: str, dest: Path, runs: int) -> dict[str, object]:
    progress(f"{name}: warm-up run (replays the history once)")
    first = one_run(dest)
    rules = first["lint_rules"]
    if "require-concurrent-index" not in rules:  # type: ignore[operator]
        raise BenchError(f"{name}: the lint did not flag the new revision ({rules})")
    totals, lints = [], []
    for number in range(runs):
        spent = one_run(dest)["spent"]
        assert isinstance(spent, dict)
        totals.append(spent["total"])
        lints.append(spent["lint"])
        check_ms, lint_ms = spent["total"] * 1000, spent["lint"] * 1000
        progress(f"{name}: run {number + 1}/{runs}: check {check_ms:.0f} ms, lint {lint_ms:.0f} ms")
    total, lint = statistics.median(totals), statistics.median(lints)
    return {"check_ms": total * 1000, "lint_ms": lint * 1000, "share": lint / total, "rules": rules}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--revisions", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    results: dict[str, dict[str, object]] = {}
    with tempfile.TemporaryDirectory(prefix="bench-lint-") as folder:
        root = Path(folder)
        try:
            projects = {
                "example (5 revisions)": example_project(root),
                f"generated ({args.revisions} revisions)": generated_project(root, args.revisions),
            }
            for name, dest in projects.items():
                results[name] = measure(name, dest, args.runs)
        except BenchError as exc:
            print(f"bench_lint: {exc}", file=sys.stderr)
            return 1
    print("| project | `migguard check` (all checks) | lint within it | share |")
    print("|---|---:|---:|---:|")
    for name, result in results.items():
        print(
            f"| {name} | {result['check_ms']:,.0f} ms | {result['lint_ms']:,.0f} ms | "
            f"{result['share']:.3f} |"
        )
    if args.json:
        save_json(args.json, {"facts": machine_facts(), "results": results, "runs": args.runs})
    return 0


if __name__ == "__main__":
    sys.exit(main())

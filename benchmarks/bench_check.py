"""Time the pre-commit model check, ``migguard check --select sync,models-imported``, against
``alembic check`` on a database at head.

Usage::

    python benchmarks/bench_check.py [--revisions 200] [--runs 7] [--keep DIR] [--json PATH]

The project (written by this script): ``--revisions`` revisions in one line, the even ones
creating a table (id, code, amount with a server default, created_at, an optional foreign key
to an earlier table, and an index), the odd ones adding an indexed column to the table just
created, so 200 revisions make 100 tables; ``models.py`` declares the same tables (one
``MetaData``). Alembic reads ``alembic.ini`` and an ``env.py`` whose ``target_metadata`` is
that ``MetaData`` (the layout of ``generate_history.py``); migguard reads ``migguard.toml``
(``metadata = "models:metadata"``). Alembic's SQLite database is upgraded to head once,
untimed: ``alembic check`` needs one, while migguard's checks replay the history themselves.

Whole processes are timed (wall clock), interleaved, the one going first alternating, after one
untimed warm-up each:

* ``migguard cold``: ``.migguard/`` deleted first: the history is read and replayed into a
  temporary SQLite database, reflected, cached, compared;
* ``migguard warm``: the commit touched only the models: the replayed schema is read from the
  cache, nothing is replayed;
* ``alembic check``: compares the models with the SQLite database at head.

Before every timed run of any tool, ``models.py`` is rewritten with a new comment (the
models-only commit), so each process imports freshly edited models. Every run must report the
models in sync (exit 0); an untimed run after adding a column to the models must make both tools
fail and migguard name the column. It prints a Markdown table of medians and ratios
migguard/Alembic, with the machine facts; ``--json PATH`` also saves every timing.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_common import (
    BenchError,
    child_env,
    find_executables,
    interleaved,
    machine_facts,
    median_ms,
    package_version,
    progress,
    run,
    save_json,
)
from generate_history import write_project

SEED = 20240701
CACHE_DIR = ".migguard"
CHECK = ("check", "--select", "sync,models-imported")
DAY_SECONDS = 86_400


@dataclass(frozen=True)
class Table:
    """One generated table: its number, the table it refers to (or None)."""

    number: int
    parent: int | None

    @property
    def name(self) -> str:
        return f"t{self.number:03d}"


@dataclass
class Timings:
    """Seconds per run, by case."""

    runs: dict[str, list[float]] = field(default_factory=dict)

    def median(self, case: str) -> float:
        return statistics.median(self.runs[case])


# --- the project -------------------------------------------------------------------------------


def plan_tables(count: int, seed: int = SEED) -> list[Table]:
    """``count`` tables; most refer to a random earlier one."""
    rng = random.Random(seed)
    return [Table(n, rng.randrange(n) if n and rng.random() < 0.7 else None) for n in range(count)]


def create_body(table: Table) -> str:
    """``upgrade()`` of the revision creating ``table``."""
    parent = (
        f'        sa.Column("parent_id", sa.Integer(), sa.ForeignKey("t{table.parent:03d}.id"), '
        "nullable=True),\n"
        if table.parent is not None
        else ""
    )
    return (
        "    op.create_table(\n"
        f'        "{table.name}",\n'
        '        sa.Column("id", sa.Integer(), primary_key=True),\n'
        f"{parent}"
        '        sa.Column("code", sa.String(length=40), nullable=False),\n'
        '        sa.Column("amount", sa.Numeric(precision=12, scale=2), nullable=False, '
        'server_default=sa.text("0")),\n'
        '        sa.Column("created_at", sa.DateTime(), nullable=True),\n'
        "    )\n"
        f'    op.create_index("ix_{table.name}_code", "{table.name}", ["code"])'
    )


def add_column_body(table: Table) -> str:
    """``upgrade()`` of the revision adding the indexed ``note`` column to ``table``."""
    return (
        f'    op.add_column("{table.name}", sa.Column("note", sa.String(length=200), '
        "nullable=True))\n"
        f'    op.create_index("ix_{table.name}_note", "{table.name}", ["note"])'
    )


def script(rid: str, down: str | None, message: str, body: str) -> str:
    """A revision script both tools run."""
    return (
        f'"""{message}\n\nRevision ID: {rid}\nRevises: {down or ""}\n'
        'Create Date: 2024-07-01 10:00:00.000000\n\n"""\n'
        "from alembic import op\nimport sqlalchemy as sa\n\n"
        f"revision = {rid!r}\ndown_revision = {down!r}\nbranch_labels = None\n"
        "depends_on = None\n\n\n"
        f"def upgrade() -> None:\n{body}\n\n\n"
        "def downgrade() -> None:\n    raise NotImplementedError\n"
    )


def models_source(tables: Sequence[Table], comment: str, extra_column: bool = False) -> str:
    """``models.py``: the tables at head; ``extra_column`` adds one the migrations lack."""
    lines = [
        f"# {comment}",
        "import sqlalchemy as sa",
        "",
        "metadata = sa.MetaData()",
    ]
    for table in tables:
        parent = (
            f'    sa.Column("parent_id", sa.Integer, sa.ForeignKey("t{table.parent:03d}.id")),'
            if table.parent is not None
            else None
        )
        extra = (
            '    sa.Column("extra", sa.Integer),' if extra_column and table.number == 0 else None
        )
        lines += [
            "",
            "sa.Table(",
            f'    "{table.name}",',
            "    metadata,",
            '    sa.Column("id", sa.Integer, primary_key=True),',
            *([parent] if parent else []),
            '    sa.Column("code", sa.String(40), nullable=False),',
            '    sa.Column("amount", sa.Numeric(12, 2), nullable=False, '
            'server_default=sa.text("0")),',
            '    sa.Column("created_at", sa.DateTime),',
            '    sa.Column("note", sa.String(200)),',
            *([extra] if extra else []),
            f'    sa.Index("ix_{table.name}_code", "code"),',
            f'    sa.Index("ix_{table.name}_note", "note"),',
            ")",
        ]
    return "\n".join(lines) + "\n"


def write_models(dest: Path, tables: Sequence[Table], *, extra_column: bool = False) -> None:
    """Rewrite ``models.py`` with a comment no earlier version had (a models-only commit)."""
    comment = f"edited {time.time_ns()}"
    (dest / "models.py").write_text(models_source(tables, comment, extra_column))


def generate(dest: Path, revisions: int) -> list[Table]:
    """Write the project into ``dest``; returns its tables.

    Raises:
        BenchError: ``dest`` already holds a project.
    """
    if (dest / "migguard.toml").exists():
        raise BenchError(f"{dest} already holds a project; use an empty folder")
    versions = write_project(dest)
    env_py = dest / "migrations" / "env.py"
    env_py.write_text(
        env_py.read_text().replace(
            "target_metadata = None",
            "import os, sys\n"
            "sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))\n"
            "from models import metadata as target_metadata",
        )
    )
    (dest / "migguard.toml").write_text(
        'script_location = "migrations"\nmetadata = "models:metadata"\n'
    )
    tables = plan_tables(revisions // 2)
    rng = random.Random(SEED)
    down: str | None = None
    day_ago = time.time() - DAY_SECONDS
    for number in range(revisions):
        rid = f"{rng.getrandbits(48):012x}"
        table = tables[number // 2]
        if number % 2 == 0:
            message, body = f"create {table.name}", create_body(table)
        else:
            message, body = f"add {table.name}.note", add_column_body(table)
        path = versions / f"{rid}_{message.replace(' ', '_').replace('.', '_')}.py"
        path.write_text(script(rid, down, message, body))
        os.utime(path, (day_ago, day_ago))
        down = rid
    write_models(dest, tables)
    return tables


# --- running -----------------------------------------------------------------------------------


def attempt(
    argv: Sequence[str], cwd: Path, env: dict[str, str]
) -> subprocess.CompletedProcess[str]:
    """Run one command to completion, output captured, whatever its exit status."""
    return subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, check=False)


def sanity(dest: Path, tables: Sequence[Table], exes: dict[str, Path], env: dict[str, str]) -> None:
    """Both tools must fail on models with a column the migrations lack, and migguard must
    name it; the models are restored afterwards.

    Raises:
        BenchError: a tool passed, or migguard did not name the column.
    """
    write_models(dest, tables, extra_column=True)
    try:
        found = attempt([str(exes["migguard"]), *CHECK], dest, env)
        if found.returncode != 1 or "t000.extra" not in found.stdout:
            raise BenchError(
                f"migguard check missed the added column (exit {found.returncode}):\n"
                f"{found.stdout}{found.stderr}"
            )
        if attempt([str(exes["alembic"]), "check"], dest, env).returncode == 0:
            raise BenchError("alembic check missed the added column")
    finally:
        write_models(dest, tables)


def bench(dest: Path, revisions: int, runs: int) -> tuple[Timings, int]:
    """Generate the project in ``dest``, upgrade Alembic's database, check, time."""
    tables = generate(dest, revisions)
    exes = find_executables()
    env = child_env()
    progress(f"{revisions} revisions, {len(tables)} tables in {dest}; alembic upgrade head")
    run([str(exes["alembic"]), "upgrade", "head"], dest, env, capture=True)
    sanity(dest, tables, exes, env)

    def edit_models() -> None:
        write_models(dest, tables)

    def cold() -> None:
        shutil.rmtree(dest / CACHE_DIR, ignore_errors=True)
        edit_models()

    migguard = [str(exes["migguard"]), *CHECK]
    commands = {
        "migguard cold": migguard,
        "migguard warm": migguard,
        "alembic check": [str(exes["alembic"]), "check"],
    }
    prepare = {"migguard cold": cold, "migguard warm": edit_models, "alembic check": edit_models}
    times = interleaved(commands, dest, env, runs, prepare=prepare, capture=True, show_rounds=True)
    return Timings(times), len(tables)


# --- report ------------------------------------------------------------------------------------


def all_facts() -> dict[str, str]:
    """The machine facts with the migguard, Alembic, SQLAlchemy and SQLite versions."""
    return {
        **machine_facts(),
        "migguard": package_version("migguard"),
        "alembic": package_version("alembic"),
        "sqlalchemy": package_version("sqlalchemy"),
        "sqlite": sqlite3.sqlite_version,
    }


def markdown(
    timings: Timings, revisions: int, tables: int, runs: int, facts: dict[str, str]
) -> str:
    """The medians and ratios as a Markdown table, with the machine facts."""
    alembic = timings.median("alembic check")
    lines = [
        "| case | revisions | tables | median (ms) | ratio to `alembic check` |",
        "|---|---:|---:|---:|---:|",
    ]
    labels = {
        "migguard cold": "`migguard check --select sync,models-imported`, no cache (replay)",
        "migguard warm": "the same, cache hit after a models-only change",
        "alembic check": "`alembic check`, SQLite database at head",
    }
    for case, label in labels.items():
        ratio = timings.median(case) / alembic
        lines.append(
            f"| {label} | {revisions} | {tables} | {median_ms(timings.runs[case])} | {ratio:.2f} |"
        )
    lines += [
        "",
        f"Medians of {runs} whole-process runs, interleaved, after one warm-up each; models.py "
        f"rewritten before every run. Python {facts['python']}, {facts['cpu_count']} CPUs, "
        f"{facts['platform']}; migguard {facts['migguard']}, Alembic {facts['alembic']}, "
        f"SQLAlchemy {facts['sqlalchemy']}, SQLite {facts['sqlite']}.",
    ]
    return "\n".join(lines)


def results_json(
    timings: Timings, revisions: int, tables: int, machine: dict[str, str]
) -> dict[str, Any]:
    """Every timing (seconds), the medians and the machine facts, for ``--json``."""
    return {
        "revisions": revisions,
        "tables": tables,
        "machine": machine,
        "runs": timings.runs,
        "medians_s": {case: timings.median(case) for case in timings.runs},
    }


# --- main --------------------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--revisions", type=int, default=200, help="revisions, an even number (default 200)"
    )
    parser.add_argument("--runs", type=int, default=7, help="timed runs per case (default 7)")
    parser.add_argument("--keep", type=Path, metavar="DIR", help="write the project here")
    parser.add_argument("--json", type=Path, metavar="PATH", help="also save the numbers here")
    args = parser.parse_args(argv)
    if args.revisions < 2 or args.revisions % 2 or args.runs < 1:
        parser.error("--revisions must be even and at least 2; --runs must be positive")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark and print the table; exit 1 when a sanity check fails."""
    args = parse_args(argv)
    try:
        if args.keep is not None:
            args.keep.mkdir(parents=True, exist_ok=True)
            timings, tables = bench(args.keep, args.revisions, args.runs)
        else:
            with tempfile.TemporaryDirectory(prefix="migguard-bench-check-") as folder:
                timings, tables = bench(Path(folder), args.revisions, args.runs)
    except BenchError as exc:
        print(f"bench_check: error: {exc}", file=sys.stderr)
        return 1
    machine = all_facts()
    print(markdown(timings, args.revisions, tables, args.runs, machine))
    if args.json is not None:
        save_json(args.json, results_json(timings, args.revisions, tables, machine))
    return 0


if __name__ == "__main__":
    sys.exit(main())

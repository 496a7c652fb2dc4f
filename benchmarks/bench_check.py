"""Time the pre-commit model check, ``migguard check --select sync,models-imported``, against
``alembic check`` and against the cost of importing the models, at one or more history sizes.

Usage::

    python benchmarks/bench_check.py [--revisions 200[,1000,...]] [--runs 7] [--keep DIR]
        [--json PATH]

For each size in ``--revisions`` (comma-separated, each even) a project is written (in
``DIR/<size>`` with ``--keep``, else in a temporary folder): that many revisions in one line,
the even ones creating a table (id, code, amount with a server default, created_at, an optional
foreign key to an earlier table, and an index), the odd ones adding an indexed column to the
table just created, so 1,000 revisions make 500 tables; ``models.py`` declares the same tables
(one ``MetaData``). Alembic reads ``alembic.ini`` and an ``env.py`` whose ``target_metadata`` is
that ``MetaData`` (the layout of ``generate_history.py``); migguard reads ``migguard.toml``
(``metadata = "models:metadata"``). Alembic's SQLite database is upgraded to head once,
untimed: ``alembic check`` needs one, while migguard's checks replay the history themselves.
The untimed setup (writing the project, ``alembic upgrade head``, the sanity checks) is timed
too and reported under the table.

Whole processes are timed (wall clock), interleaved, the order reversed from one round to the
next, after one untimed warm-up each. Before every run (warm-ups included) ``models.py`` is
rewritten with a new comment (a commit that edits the models), so each process imports freshly
edited models:

* ``migguard cold``: ``.migguard/`` deleted first: the history is read and replayed into a
  temporary SQLite database, reflected, cached, compared;
* ``migguard warm``: the commit touched only the models: ``.migguard/`` is what a check of the
  plain history left (a copy saved once, restored before each run), so the replayed schema is
  read from the cache and nothing is replayed;
* ``migguard add-one``: the commit adds a revision: on top of that same saved ``.migguard/``
  of the parent history, a new revision (a fresh random id, adding a nullable column with a
  new name to one table, its file's modification time a day in the past like every other
  script's) is written, with ``models.py`` declaring the column; the check then runs that
  revision alone on the stored parent state, and that is timed. The previous run's revision
  is deleted first;
* ``import floor``: ``python -c "import sqlalchemy; import models"`` in the project folder,
  with the Python that runs ``migguard`` (the one running this script): the least any check
  of these models costs;
* ``alembic check``: compares the models with the SQLite database at head.

Every case but ``migguard add-one`` deletes the added revision and restores the models of the
plain history first, so it measures that history (``alembic check`` needs its database at
head), and the project is left that way at the end. Every run must report the models in sync
(exit 0). Two untimed sanity checks come first: with a column added to the models, both tools
must fail and migguard must name the column; and from the saved cache of the parent history, a
new revision adding a column the models lack must make migguard fail naming that column (the
new revision really was replayed, the parent's cached schema was not reused as is).

It prints one Markdown table for every size (medians, ratios to ``alembic check`` and to the
import floor), with the machine facts, the untimed setup times and, with several sizes, how
much the ``migguard add-one`` and ``migguard warm`` medians grow from the smallest size to the
largest (the issue's aim: independent of the history's length within 20%), with the import
floor's growth beside them (the models grow with the history); ``--json PATH`` also saves every
timing.
"""

from __future__ import annotations

import argparse
import os
import random
import secrets
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
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
# The copy of `.migguard/` after a check of the plain history sits beside the project, not in
# it, so nothing the tools read ever sees it.
PARENT_CACHE_SUFFIX = ".parent-cache"
CHECK = ("check", "--select", "sync,models-imported")
DAY_SECONDS = 86_400
COLD, WARM, ADD_ONE, FLOOR, ALEMBIC = (
    "migguard cold",
    "migguard warm",
    "migguard add-one",
    "import floor",
    "alembic check",
)
CASES = (COLD, WARM, ADD_ONE, FLOOR, ALEMBIC)
# The cases whose cost should not grow with the history (the "independent of N"),
# then the import floor, which does grow: these models have a table per two revisions.
GROWTH_CASES = (ADD_ONE, WARM, FLOOR)
FLOOR_CODE = "import sqlalchemy; import models"


@dataclass(frozen=True)
class Table:
    """One generated table: its number, the table it refers to (or None)."""

    number: int
    parent: int | None

    @property
    def name(self) -> str:
        return f"t{self.number:03d}"


@dataclass(frozen=True)
class Project:
    """A generated project: its folder, its versions folder, its tables and its head."""

    dest: Path
    versions: Path
    tables: tuple[Table, ...]
    head: str


@dataclass(frozen=True)
class AddedColumn:
    """The new revision of the add-one case: its id, the table and the nullable integer column
    it adds."""

    revision: str
    table: Table
    column: str

    @property
    def label(self) -> str:
        """``table.column``, as migguard's findings name a column."""
        return f"{self.table.name}.{self.column}"


@dataclass(frozen=True)
class SizeResult:
    """One size's outcome: its revisions and tables, the untimed setup's steps (seconds, by
    step) and every timed run (seconds, by case)."""

    revisions: int
    tables: int
    setup: dict[str, float]
    runs: dict[str, list[float]]

    def median(self, case: str) -> float:
        """The median seconds of ``case``."""
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


def models_source(
    tables: Sequence[Table], comment: str, extra: tuple[int, str] | None = None
) -> str:
    """``models.py``: the tables at head, plus ``extra``'s nullable integer column (table
    number, column name) when given."""
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
        added = (
            f'    sa.Column("{extra[1]}", sa.Integer),'
            if extra is not None and table.number == extra[0]
            else None
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
            *([added] if added else []),
            f'    sa.Index("ix_{table.name}_code", "code"),',
            f'    sa.Index("ix_{table.name}_note", "note"),',
            ")",
        ]
    return "\n".join(lines) + "\n"


def write_models(dest: Path, tables: Sequence[Table], extra: tuple[int, str] | None = None) -> None:
    """Rewrite ``models.py`` with a comment no earlier version had (a commit that edits the
    models); ``extra`` as in :func:`models_source`."""
    comment = f"edited {time.time_ns()}"
    (dest / "models.py").write_text(models_source(tables, comment, extra))


def write_script(path: Path, text: str) -> None:
    """Write a revision script with its modification time a day in the past, as in a real
    checkout (migguard's header cache skips files modified in the last two seconds)."""
    path.write_text(text)
    day_ago = time.time() - DAY_SECONDS
    os.utime(path, (day_ago, day_ago))


def generate(dest: Path, revisions: int) -> Project:
    """Write the project into ``dest``.

    Returns:
        The project, its head being the last of the ``revisions`` revisions.

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
    down = ""
    for number in range(revisions):
        rid = f"{rng.getrandbits(48):012x}"
        table = tables[number // 2]
        if number % 2 == 0:
            message, body = f"create {table.name}", create_body(table)
        else:
            message, body = f"add {table.name}.note", add_column_body(table)
        path = versions / f"{rid}_{message.replace(' ', '_').replace('.', '_')}.py"
        write_script(path, script(rid, down or None, message, body))
        down = rid
    write_models(dest, tables)
    return Project(dest, versions, tuple(tables), down)


class ExtraRevision:
    """The add-one case's revision on top of the generated head. It owns one invariant: at most
    one such script exists, and :meth:`remove` takes the project back to its plain history."""

    def __init__(self, project: Project) -> None:
        self._project = project
        self._path: Path | None = None

    def add(self, *, in_models: bool) -> AddedColumn:
        """Replace any earlier extra revision by a new one: a fresh random id, adding a new
        nullable integer column to one table; ``models.py`` is rewritten, declaring the column
        when ``in_models``.

        Returns:
            What the new revision adds.
        """
        self.remove()
        project = self._project
        rid = secrets.token_hex(6)
        table = project.tables[int(rid, 16) % len(project.tables)]
        added = AddedColumn(rid, table, f"c_{rid}")
        path = project.versions / f"{rid}_add_{table.name}_{added.column}.py"
        body = (
            f'    op.add_column("{table.name}", sa.Column("{added.column}", sa.Integer(), '
            "nullable=True))"
        )
        write_script(path, script(rid, project.head, f"add {added.label}", body))
        self._path = path
        extra = (table.number, added.column) if in_models else None
        write_models(project.dest, project.tables, extra)
        return added

    def remove(self) -> None:
        """Delete the extra revision (and its bytecode, if a tool compiled it) and rewrite the
        models of the plain history."""
        if self._path is not None:
            self._path.unlink(missing_ok=True)
            for compiled in (self._path.parent / "__pycache__").glob(f"{self._path.stem}.*.pyc"):
                compiled.unlink()
            self._path = None
        write_models(self._project.dest, self._project.tables)


def save_cache(dest: Path) -> Path:
    """Copy ``dest/.migguard`` beside the project (see ``PARENT_CACHE_SUFFIX``).

    Returns:
        The copy's folder.
    """
    saved = dest.parent / f"{dest.name}{PARENT_CACHE_SUFFIX}"
    shutil.rmtree(saved, ignore_errors=True)
    shutil.copytree(dest / CACHE_DIR, saved)
    return saved


def restore_cache(dest: Path, saved: Path) -> None:
    """Make ``dest/.migguard`` a copy of ``saved`` again (file times kept)."""
    shutil.rmtree(dest / CACHE_DIR, ignore_errors=True)
    shutil.copytree(saved, dest / CACHE_DIR)


# --- running -----------------------------------------------------------------------------------


def attempt(
    argv: Sequence[str], cwd: Path, env: dict[str, str]
) -> subprocess.CompletedProcess[str]:
    """Run one command to completion, output captured, whatever its exit status."""
    return subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, check=False)


def sanity(project: Project, exes: Mapping[str, Path], env: dict[str, str]) -> None:
    """Both tools must fail on models with a column the migrations lack, and migguard must
    name it; the models are restored afterwards.

    Raises:
        BenchError: a tool passed, or migguard did not name the column.
    """
    write_models(project.dest, project.tables, (0, "extra"))
    try:
        found = attempt([str(exes["migguard"]), *CHECK], project.dest, env)
        if found.returncode != 1 or "t000.extra" not in found.stdout:
            raise BenchError(
                f"migguard check missed the added column (exit {found.returncode}):\n"
                f"{found.stdout}{found.stderr}"
            )
        if attempt([str(exes["alembic"]), "check"], project.dest, env).returncode == 0:
            raise BenchError("alembic check missed the added column")
    finally:
        write_models(project.dest, project.tables)


def sanity_add_one(
    project: Project,
    extra: ExtraRevision,
    saved: Path,
    exes: Mapping[str, Path],
    env: dict[str, str],
) -> None:
    """From the saved cache of the parent history, a new revision adding a column the models
    lack must make migguard fail and name that column: the new revision was replayed. The
    plain history is restored afterwards.

    Raises:
        BenchError: migguard passed, or did not name the column.
    """
    restore_cache(project.dest, saved)
    added = extra.add(in_models=False)
    try:
        found = attempt([str(exes["migguard"]), *CHECK], project.dest, env)
        if found.returncode != 1 or added.label not in found.stdout:
            raise BenchError(
                f"migguard check did not report {added.label}, which the new revision "
                f"{added.revision} adds and the models lack (exit {found.returncode}):\n"
                f"{found.stdout}{found.stderr}"
            )
    finally:
        extra.remove()


def setup(
    dest: Path, revisions: int, exes: Mapping[str, Path], env: dict[str, str]
) -> tuple[Project, Path, dict[str, float]]:
    """Write the project, upgrade Alembic's database to head, run the sanity checks and save
    the cache a check of the plain history leaves; all untimed for the table, but clocked.

    Returns:
        The project, the saved ``.migguard/`` copy, and each step's seconds by name.

    Raises:
        BenchError: a command failed or a sanity check did not hold.
    """
    clock = time.perf_counter()
    steps: dict[str, float] = {}

    def lap(step: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        steps[step] = now - clock
        clock = now

    project = generate(dest, revisions)
    lap("write the project")
    progress(f"{revisions} revisions, {len(project.tables)} tables in {dest}; upgrade head")
    run([str(exes["alembic"]), "upgrade", "head"], dest, env, capture=True)
    lap("alembic upgrade head")
    progress(f"{revisions} revisions: sanity checks")
    # This first check replays the plain history (the models do not change what is replayed),
    # so the check below is a cache hit and leaves the cache the warm case starts from.
    sanity(project, exes, env)
    run([str(exes["migguard"]), *CHECK], dest, env, capture=True)
    saved = save_cache(dest)
    sanity_add_one(project, ExtraRevision(project), saved, exes, env)
    lap("sanity checks")
    progress(
        f"{revisions} revisions: untimed setup "
        + ", ".join(f"{step} {seconds:.1f} s" for step, seconds in steps.items())
    )
    return project, saved, steps


def bench(
    dest: Path, revisions: int, runs: int, exes: Mapping[str, Path], env: dict[str, str]
) -> SizeResult:
    """Set one size up in ``dest`` and time every case (see the module's docstring).

    Raises:
        BenchError: a command failed or a sanity check did not hold.
    """
    project, saved, steps = setup(dest, revisions, exes, env)
    extra = ExtraRevision(project)

    def cold() -> None:
        extra.remove()
        shutil.rmtree(dest / CACHE_DIR, ignore_errors=True)

    def warm() -> None:
        extra.remove()
        restore_cache(dest, saved)

    def add_one() -> None:
        restore_cache(dest, saved)
        extra.add(in_models=True)

    migguard = [str(exes["migguard"]), *CHECK]
    commands = {
        COLD: migguard,
        WARM: migguard,
        ADD_ONE: migguard,
        # `find_executables` takes migguard from this interpreter's folder: the same Python.
        FLOOR: [sys.executable, "-c", FLOOR_CODE],
        ALEMBIC: [str(exes["alembic"]), "check"],
    }
    prepare: dict[str, Callable[[], None]] = {
        COLD: cold,
        WARM: warm,
        ADD_ONE: add_one,
        FLOOR: extra.remove,
        ALEMBIC: extra.remove,
    }
    try:
        times = interleaved(
            commands, dest, env, runs, prepare=prepare, capture=True, show_rounds=True
        )
    finally:
        extra.remove()
    return SizeResult(revisions, len(project.tables), steps, times)


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


def growth(results: Sequence[SizeResult]) -> dict[str, float]:
    """For each of ``GROWTH_CASES``, the largest size's median divided by the smallest's;
    empty with a single size."""
    if len(results) < 2:
        return {}
    smallest = min(results, key=lambda result: result.revisions)
    largest = max(results, key=lambda result: result.revisions)
    return {case: largest.median(case) / smallest.median(case) for case in GROWTH_CASES}


def markdown(results: Sequence[SizeResult], runs: int, facts: dict[str, str]) -> str:
    """Every size's medians and ratios as one Markdown table, then the machine facts, the
    untimed setup and (with several sizes) the growth of ``GROWTH_CASES``."""
    lines = [
        "| case | revisions | tables | median (ms) | ratio to `alembic check` "
        "| ratio to the import floor |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for result in results:
        alembic, floor = result.median(ALEMBIC), result.median(FLOOR)
        for case in CASES:
            median = result.median(case)
            lines.append(
                f"| `{case}` | {result.revisions} | {result.tables} "
                f"| {median_ms(result.runs[case])} | {median / alembic:.2f} "
                f"| {median / floor:.2f} |"
            )
    lines += [
        "",
        "`migguard cold`: `migguard check --select sync,models-imported` without `.migguard/`; "
        "`migguard warm`: the same, cache hit after a models-only change; `migguard add-one`: "
        "the same after adding one revision (a nullable column) on top of the cached history; "
        f'`import floor`: `python -c "{FLOOR_CODE}"`; `alembic check`: SQLite database at head.',
        f"Medians of {runs} whole-process runs, interleaved, after one warm-up each; models.py "
        f"rewritten before every run. Python {facts['python']}, {facts['cpu_count']} CPUs, "
        f"{facts['platform']}; migguard {facts['migguard']}, Alembic {facts['alembic']}, "
        f"SQLAlchemy {facts['sqlalchemy']}, SQLite {facts['sqlite']}.",
        "Untimed setup: "
        + "; ".join(
            f"{result.revisions} revisions: "
            + ", ".join(f"{step} {seconds:.1f} s" for step, seconds in result.setup.items())
            for result in results
        )
        + ".",
    ]
    grown = growth(results)
    if grown:
        low = min(result.revisions for result in results)
        high = max(result.revisions for result in results)
        lines.append(
            f"From {low} to {high} revisions, median {high}/{low}: "
            + ", ".join(f"`{case}` {ratio:.2f}" for case, ratio in grown.items())
            + " (the issue's aim for the first two: independent of the number of revisions "
            "within 20%, at most 1.20; the import floor grows with the models, which have a "
            "table per two revisions)."
        )
    return "\n".join(lines)


def results_json(
    results: Sequence[SizeResult], runs: int, machine: dict[str, str]
) -> dict[str, Any]:
    """Every timing (seconds), the medians, the setup steps, the growth and the machine facts,
    for ``--json``."""
    return {
        "machine": machine,
        "runs_per_case": runs,
        "sizes": [
            {
                "revisions": result.revisions,
                "tables": result.tables,
                "setup_s": result.setup,
                "runs": result.runs,
                "medians_s": {case: result.median(case) for case in result.runs},
            }
            for result in results
        ],
        "largest_over_smallest": growth(results),
    }


# --- main --------------------------------------------------------------------------------------


def revision_sizes(text: str) -> list[int]:
    """``--revisions``: comma-separated even numbers of at least 2, returned sorted, once each.

    Raises:
        argparse.ArgumentTypeError: anything else.
    """
    try:
        sizes = sorted({int(part) for part in text.split(",")})
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a list of numbers: {text!r}") from None
    if any(size < 2 or size % 2 for size in sizes):
        raise argparse.ArgumentTypeError(f"each size must be even and at least 2: {text!r}")
    return sizes


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--revisions",
        type=revision_sizes,
        default=[200],
        metavar="N[,N...]",
        help="revisions per project, even numbers, comma-separated (default 200)",
    )
    parser.add_argument("--runs", type=int, default=7, help="timed runs per case (default 7)")
    parser.add_argument(
        "--keep", type=Path, metavar="DIR", help="write each size's project in DIR/<size>"
    )
    parser.add_argument("--json", type=Path, metavar="PATH", help="also save the numbers here")
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be positive")
    return args


def bench_all(folder: Path, sizes: Sequence[int], runs: int) -> list[SizeResult]:
    """Each size's project in ``folder/<size>``, set up and timed in turn.

    Raises:
        BenchError: a tool is missing, a command failed or a sanity check did not hold.
    """
    exes = find_executables()
    env = child_env()
    results = []
    for size in sizes:
        dest = folder / str(size)
        dest.mkdir(parents=True, exist_ok=True)
        results.append(bench(dest, size, runs, exes, env))
    return results


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark and print the table; exit 1 when a command or sanity check fails."""
    args = parse_args(argv)
    try:
        if args.keep is not None:
            results = bench_all(args.keep, args.revisions, args.runs)
        else:
            with tempfile.TemporaryDirectory(prefix="migguard-bench-check-") as folder:
                results = bench_all(Path(folder), args.revisions, args.runs)
    except BenchError as exc:
        print(f"bench_check: error: {exc}", file=sys.stderr)
        return 1
    machine = all_facts()
    print(markdown(results, args.runs, machine))
    if args.json is not None:
        save_json(args.json, results_json(results, args.runs, machine))
    return 0


if __name__ == "__main__":
    sys.exit(main())

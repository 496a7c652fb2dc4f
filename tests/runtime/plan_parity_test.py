"""The version rows migguard writes are exactly Alembic's, in every move.

Each story is a small history (branches, merges, depends_on between branches, branch labels)
and a sequence of moves (upgrade, downgrade, stamp). Every move runs three times: migguard on
one database, the real Alembic (its Python API, through a tiny env.py) on a second, and the two
tools taking turns on a third. After every move the three agree: both tools fail, or all three
succeed with the same ``alembic_version`` rows and the same tables (each revision creates one
table, so the tables say which revisions ran).
"""

from __future__ import annotations

import contextlib
import io
import os
import tempfile
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.testing.postgres import PostgresServer, admin_execute
from tests.testing.project import revision_source

ENV_PY = """
from alembic import context
from sqlalchemy import engine_from_config, pool

config = context.config
if context.is_offline_mode():
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        literal_binds=True,
        output_buffer=config.attributes["sql"],
    )
    with context.begin_transaction():
        context.run_migrations()
else:
    engine = engine_from_config(
        config.get_section(config.config_ini_section),
        prefix="sqlalchemy.",
        poolclass=pool.NullPool,
    )
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=None)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()
"""


@dataclass(frozen=True)
class Rev:
    """One revision of a generated history."""

    rid: str
    down: tuple[str, ...] = ()
    depends_on: tuple[str, ...] = ()
    label: str | None = None


@dataclass(frozen=True)
class Move:
    """``upgrade TARGET``, ``downgrade TARGET`` or ``stamp [--purge] TARGET...``."""

    command: str
    targets: tuple[str, ...]
    purge: bool = False

    def __str__(self) -> str:
        purge = " --purge" if self.purge else ""
        return f"{self.command}{purge} {' '.join(self.targets)}"


@dataclass(frozen=True)
class State:
    """What a database holds after a move, or that the move failed."""

    failed: bool
    rows: frozenset[str] = frozenset()
    tables: frozenset[str] = frozenset()


def write_project(root: Path, history: Sequence[Rev]) -> None:
    """An Alembic project whose revision R creates table t_R (and drops it on downgrade)."""
    versions = root / "mig" / "versions"
    versions.mkdir(parents=True)
    (root / "mig" / "env.py").write_text(ENV_PY)
    (root / "alembic.ini").write_text("[alembic]\nscript_location = %(here)s/mig\n")
    for rev in history:
        (versions / f"{rev.rid}_.py").write_text(
            revision_source(
                rev.rid,
                list(rev.down) or None,
                branch_labels=rev.label,
                depends_on=list(rev.depends_on) or None,
                upgrade=f'op.execute("CREATE TABLE IF NOT EXISTS t_{rev.rid} (id INTEGER)")',
                downgrade=f'op.execute("DROP TABLE IF EXISTS t_{rev.rid}")',
                op_import="from alembic import op",
            )
        )


@contextlib.contextmanager
def inside(folder: Path) -> Iterator[None]:
    before = Path.cwd()
    os.chdir(folder)
    try:
        yield
    finally:
        os.chdir(before)


def run_alembic(root: Path, url: str, move: Move) -> bool:
    """Run ``move`` with the real Alembic; False when Alembic refuses or fails."""
    from alembic import command
    from alembic.config import Config

    config = Config(str(root / "alembic.ini"), stdout=io.StringIO())
    config.set_main_option("sqlalchemy.url", url)
    try:
        with inside(root):
            if move.command == "upgrade":
                command.upgrade(config, move.targets[0])
            elif move.command == "downgrade":
                command.downgrade(config, move.targets[0])
            else:
                command.stamp(config, list(move.targets), purge=move.purge)
    except Exception:  # any refusal counts: the comparison is fail vs succeed
        return False
    return True


def run_migguard(root: Path, url: str, move: Move) -> bool:
    """Run ``move`` with migguard's command line; False on a refusal (exit 2, 3 or 4)."""
    from migguard.cli.main import main

    purge = ["--purge"] if move.purge else []
    args = ["--url", url, move.command, *purge, "--", *move.targets]
    with (
        inside(root),
        contextlib.redirect_stdout(io.StringIO()),
        contextlib.redirect_stderr(io.StringIO()) as err,
    ):
        code = main(args)
    assert code in (0, 2, 3, 4), f"migguard {move}: exit {code}: {err.getvalue()}"
    return code == 0


def observe(url: str, ok: bool) -> State:
    if not ok:
        return State(failed=True)
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as connection:
            tables = set(sa.inspect(connection).get_table_names())
            rows: set[str] = set()
            if "alembic_version" in tables:
                rows = set(connection.execute(sa.text("SELECT version_num FROM alembic_version")))
                rows = {row for (row,) in rows}
    finally:
        engine.dispose()
    return State(False, frozenset(rows), frozenset(t for t in tables if t.startswith("t_")))


def replay(root: Path, history: Sequence[Rev], moves: Sequence[Move], urls: Sequence[str]) -> None:
    """Run every move with migguard (urls[0]), Alembic (urls[1]) and both in turn (urls[2]),
    asserting after each that the three databases agree."""
    write_project(root, history)
    mig_url, alembic_url, turns_url = urls
    story = [f"history: {history}"]
    for number, move in enumerate(moves):
        story.append(str(move))
        rows = observe(alembic_url, ok=True).rows
        if _walks_from_several_rows(move, rows) or (_overlapping(history, rows) and not move.purge):
            # Deliberate differences, where migguard refuses and leaves the database as it
            # was: "-N" from several rows (Alembic picks one and warns that this "will be
            # disallowed in a future release"), and any move but `stamp --purge` from rows
            # of which one builds on another (Alembic refuses upgrades from there, but
            # downgrades and stamps from a state no move of its own produces).
            assert not run_migguard(root, mig_url, move), "\n".join(story)
            assert not run_migguard(root, turns_url, move), "\n".join(story)
            continue
        expected = observe(alembic_url, run_alembic(root, alembic_url, move))
        got = observe(mig_url, run_migguard(root, mig_url, move))
        assert got == expected, "\n".join(story)
        runner = run_alembic if number % 2 else run_migguard
        turns = observe(turns_url, runner(root, turns_url, move))
        assert turns == expected, "\n".join([*story, "(taking turns)"])
        if expected.failed and len({observe(url, ok=True) for url in urls}) > 1:
            # Alembic may stop halfway (a stamp on an assertion or a missing row, a run on a
            # step it cannot record) and keep what it changed before; migguard refuses such
            # moves before changing anything. The databases no longer start equal, so the
            # story ends here.
            return


def _walks_from_several_rows(move: Move, rows: frozenset[str]) -> bool:
    target = move.targets[0]
    return move.command == "downgrade" and target.startswith("-") and len(rows) > 1


def _overlapping(history: Sequence[Rev], rows: frozenset[str]) -> bool:
    return any(row in _ancestors(history, [other]) for row in rows for other in rows - {row})


# --- generated histories ----------------------------------------------------------------------


def _ancestors(history: Sequence[Rev], rids: Sequence[str]) -> set[str]:
    by_id = {rev.rid: rev for rev in history}
    label_owner = {rev.label: rev.rid for rev in history if rev.label}
    seen: set[str] = set()
    todo = list(rids)
    while todo:
        name = todo.pop()
        rid = label_owner.get(name, name)
        if rid in seen:
            continue
        seen.add(rid)
        rev = by_id[rid]
        todo.extend(rev.down)
        todo.extend(label_owner.get(dep, dep) for dep in rev.depends_on)
    return seen


@st.composite
def histories(draw: st.DrawFn) -> list[Rev]:
    """2 to 7 revisions: bases, children, merges of unrelated revisions, depends_on on a
    revision (or its label) of another branch, and branch labels."""
    count = draw(st.integers(2, 7))
    history: list[Rev] = []
    for number in range(count):
        rid = f"r{number}"
        earlier = [rev.rid for rev in history]
        kind = draw(st.sampled_from(["base", "child", "child", "child", "merge"]))
        down: tuple[str, ...] = ()
        if earlier and kind != "base":
            first = draw(st.sampled_from(earlier))
            down = (first,)
            if kind == "merge":
                unrelated = [
                    r
                    for r in earlier
                    if r not in _ancestors(history, [first])
                    and first not in _ancestors(history, [r])
                ]
                if unrelated:
                    down = (first, draw(st.sampled_from(unrelated)))
        below = _ancestors(history, list(down))
        depends_on: tuple[str, ...] = ()
        others = [r for r in earlier if r not in below]
        if others and draw(st.booleans()):
            dep = draw(st.sampled_from(others))
            label = next(rev.label for rev in history if rev.rid == dep)
            use_label = label is not None and draw(st.booleans())
            depends_on = (label if use_label else dep,)
        label = f"L{number}" if draw(st.integers(0, 3)) == 0 else None
        history.append(Rev(rid, down, depends_on, label))
    return history


@st.composite
def stories(draw: st.DrawFn) -> tuple[list[Rev], list[Move]]:
    history = draw(histories())
    rids = [rev.rid for rev in history]
    labels = [rev.label for rev in history if rev.label]
    revision = st.sampled_from(rids)
    label = st.sampled_from(labels) if labels else st.just("r0")
    up = st.one_of(
        st.sampled_from(["heads", "head", "+1", "+2"]),
        revision,
        revision.map(lambda r: f"{r}+1"),
        label.map(lambda lb: f"{lb}@head"),
        label.map(lambda lb: f"{lb}@+1"),
    )
    down = st.one_of(
        st.sampled_from(["base", "-1", "-2"]),
        revision,
        revision.map(lambda r: f"{r}-1"),
        label.map(lambda lb: f"{lb}@base"),
        label.map(lambda lb: f"{lb}@-1"),
    )
    stamp = st.one_of(
        st.sampled_from([("heads",), ("base",)]),
        revision.map(lambda r: (r,)),
        st.lists(revision, min_size=2, max_size=2, unique=True).map(tuple),
        label.map(lambda lb: (f"{lb}@head",)),
    )
    move = st.one_of(
        up.map(lambda t: Move("upgrade", (t,))),
        up.map(lambda t: Move("upgrade", (t,))),
        down.map(lambda t: Move("downgrade", (t,))),
        st.tuples(stamp, st.booleans()).map(lambda s: Move("stamp", s[0], s[1])),
    )
    return history, draw(st.lists(move, min_size=1, max_size=6))


@settings(
    max_examples=int(os.environ.get("PARITY_EXAMPLES", "60")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@pytest.mark.slow
@given(stories())
def test_migguard_writes_the_rows_alembic_writes_on_sqlite(
    story: tuple[list[Rev], list[Move]],
) -> None:
    history, moves = story
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        urls = [f"sqlite:///{root}/{name}.db" for name in ("migguard", "alembic", "turns")]
        replay(root / "project", history, moves, urls)


# --- the stories of the issue, by name, on both databases ---------------------------------------

DEPENDENCY = [
    Rev("a1"),
    Rev("a2", ("a1",)),
    Rev("b1"),
    Rev("b2", ("b1",), depends_on=("a2",)),
]

BRANCH_AND_MERGE = [
    Rev("a1"),
    Rev("b2", ("a1",), label="left"),
    Rev("c2", ("a1",), label="right"),
    Rev("d3", ("c2",)),
    Rev("m4", ("b2", "d3")),
    Rev("x1", label="other"),
    Rev("x2", ("x1",), depends_on=("right",)),
]

WALKS = [
    Rev("r0", label="L0"),
    Rev("r1", ("r0",)),
    Rev("r2"),
    Rev("r3", ("r2",)),
    Rev("r5", depends_on=("r1",)),
]

NAMED_STORIES = {
    "walks-start-where-alembic-starts": (
        WALKS,
        [
            Move("upgrade", ("heads",)),
            # No row is on L0's branch (r5 is above it only through depends_on): Alembic
            # walks from r1, which has nothing above it on the branch, and refuses.
            Move("upgrade", ("L0@+1",)),
            Move("downgrade", ("r3-1",)),
            # Undoes r0, r1 and r5 (which depends on r1); r2 stays.
            Move("downgrade", ("L0@base",)),
        ],
    ),
    "merge-depending-above-its-parent": (
        [
            Rev("r0"),
            Rev("r1", ("r0",)),
            Rev("r2", ("r1",)),
            Rev("r3"),
            Rev("r4", ("r1", "r3"), depends_on=("r2",)),
        ],
        # Both refuse (Alembic fails recording r4); the revisions below it can still be run.
        [Move("upgrade", ("r3",)), Move("upgrade", ("r2",)), Move("upgrade", ("heads",))],
    ),
    "undoing-a-merge-of-a-revision-and-one-above-it": (
        [
            Rev("r0"),
            Rev("r1", ("r0",)),
            Rev("r2", depends_on=("r1",)),
            Rev("r3", ("r1",), depends_on=("r2",)),
            Rev("r4", ("r2",), depends_on=("r3",)),
            Rev("r5"),
        ],
        # Undoing r4 brings back the rows of r2 and r3 (r3 is no row, so r2 counts as free),
        # a table Alembic then refuses to upgrade; a purging stamp repairs it.
        [
            Move("upgrade", ("heads",)),
            Move("downgrade", ("r4-1",)),
            Move("upgrade", ("heads",)),
            Move("stamp", ("r3", "r5"), purge=True),
            Move("upgrade", ("heads",)),
            Move("downgrade", ("base",)),
        ],
    ),
    "minus-n-reaching-base-keeps-other-branches": (
        [Rev("r0"), Rev("r1", ("r0",)), Rev("r2", depends_on=("r1",)), Rev("r3", ("r2",))],
        # The one row is r3; -2 reaches base on r3's line (r2, r3) and keeps r0 and r1.
        [Move("upgrade", ("heads",)), Move("downgrade", ("-2",))],
    ),
    "dependency-row-replaced": (
        DEPENDENCY,
        [
            Move("upgrade", ("a2",)),
            Move("upgrade", ("b1",)),
            Move("upgrade", ("heads",)),
            Move("downgrade", ("-1",)),
            Move("upgrade", ("b2",)),
            Move("downgrade", ("a1",)),
            Move("upgrade", ("heads",)),
            Move("downgrade", ("base",)),
        ],
    ),
    "dependency-stamps": (
        DEPENDENCY,
        [
            Move("stamp", ("heads",)),
            Move("stamp", ("a2",)),
            Move("stamp", ("b1", "a2")),
            Move("upgrade", ("heads",)),
            Move("stamp", ("a1",), purge=True),
            Move("stamp", ("base",)),
            # Rows of a revision and one it depends on: both tools refuse to upgrade from
            # there (migguard refuses every move but stamp --purge), which repairs it.
            Move("stamp", ("a2", "b2")),
            Move("upgrade", ("heads",)),
            Move("downgrade", ("base",)),
            Move("stamp", ("b2",)),
            Move("stamp", ("b2",), purge=True),
            Move("upgrade", ("heads",)),
            Move("stamp", ("a1",), purge=True),
            Move("upgrade", ("heads",)),
            # Both refuse: a1 replaces the row of b2, then a2 finds that row gone.
            Move("stamp", ("a1", "a2")),
        ],
    ),
    "branches-labels-and-merge": (
        BRANCH_AND_MERGE,
        [
            Move("upgrade", ("left@head",)),
            Move("upgrade", ("right@+1",)),
            Move("upgrade", ("other@head",)),
            Move("upgrade", ("heads",)),
            Move("downgrade", ("right@-1",)),
            Move("downgrade", ("b2",)),
            Move("downgrade", ("other@base",)),
            Move("upgrade", ("m4",)),
            Move("stamp", ("c2",)),
            Move("stamp", ("heads",)),
            Move("downgrade", ("base",)),
        ],
    ),
}


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(NAMED_STORIES))
def test_named_stories_on_sqlite(name: str, tmp_path: Path) -> None:
    history, moves = NAMED_STORIES[name]
    urls = [f"sqlite:///{tmp_path}/{db}.db" for db in ("migguard", "alembic", "turns")]
    replay(tmp_path / "project", history, moves, urls)


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(NAMED_STORIES))
def test_named_stories_on_postgresql(
    name: str, tmp_path: Path, postgres_server: PostgresServer
) -> None:
    history, moves = NAMED_STORIES[name]
    names = [f"test_{uuid.uuid4().hex[:16]}" for _ in range(3)]
    for dbname in names:
        admin_execute(postgres_server, "CREATE DATABASE {}", dbname)
    try:
        urls = [postgres_server.url(dbname) for dbname in names]
        replay(tmp_path / "project", history, moves, urls)
    finally:
        for dbname in names:
            admin_execute(postgres_server, "DROP DATABASE IF EXISTS {} WITH (FORCE)", dbname)


# --- offline (--sql): the SQL each tool writes leaves the same rows -----------------------------


def alembic_sql(root: Path, url: str, command_name: str, target: str) -> str:
    from alembic import command
    from alembic.config import Config

    config = Config(str(root / "alembic.ini"), stdout=io.StringIO())
    config.set_main_option("sqlalchemy.url", url)
    config.attributes["sql"] = io.StringIO()
    with inside(root):
        getattr(command, command_name)(config, target, sql=True)
    return config.attributes["sql"].getvalue()


def migguard_sql(root: Path, url: str, command_name: str, target: str) -> str:
    from migguard.cli.main import main

    out = io.StringIO()
    with inside(root), contextlib.redirect_stdout(out):
        assert main(["--url", url, command_name, "--sql", target]) == 0
    return out.getvalue()


@pytest.mark.parametrize(
    ("command_name", "target", "rows"),
    [
        ("upgrade", "heads", {"b2"}),
        ("upgrade", "a2:heads", {"b2"}),
        ("downgrade", "b2:b1", {"a2", "b1"}),
        ("stamp", "heads", {"b2"}),
    ],
)
def test_offline_sql_writes_the_rows_alembic_writes(
    tmp_path: Path, command_name: str, target: str, rows: set[str]
) -> None:
    from tests.testing.postgres import sqlite3

    root = tmp_path / "project"
    write_project(root, DEPENDENCY)
    start = target.partition(":")[0] if ":" in target else ""
    results = []
    for name, render in (("alembic", alembic_sql), ("migguard", migguard_sql)):
        path = tmp_path / f"{name}.db"
        if start:
            # The database the SQL is meant for: at START, as the same tool leaves it.
            up = render(root, f"sqlite:///{path}", "upgrade", start)
            sqlite3(path, up)
        sqlite3(path, render(root, f"sqlite:///{path}", command_name, target))
        results.append(observe(f"sqlite:///{path}", ok=True).rows)
    assert results[0] == results[1] == rows

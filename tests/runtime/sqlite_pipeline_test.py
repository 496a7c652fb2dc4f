"""The SQLite pipeline: a run's statements on a worker thread give the same database as
running them one by one, and a failure is its own revision's, wherever the run had got to."""

from __future__ import annotations

import sqlite3
import tempfile
import threading
from collections.abc import Sequence
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from migguard.config.load import load_config
from migguard.errors import HistoryError
from migguard.runtime.migrate import migrate
from migguard.runtime.plan import Step
from migguard.runtime.runner import MigrationFailedError, MigrationInterruptedError
from migguard.scripts.directory import load_history
from tests.testing.project import Project
from tests.testing.random_history import FIRST, Change, apply, change_lists, write
from tests.testing.random_history import History as RandomHistory

# Keeps SQLite busy for a while (a few hundred milliseconds): the run's thread has gone on to
# the next revisions by the time the worker is done with it.
SLOW = (
    'op.execute("CREATE TABLE slow AS WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL '
    'SELECT x + 1 FROM c WHERE x < 2000000) SELECT count(*) AS n FROM c")'
)

# A revision whose Python runs after the failing one: it leaves a file behind when it ran.
RAN_ON = (
    'open("ran_on.txt", "w").write("ran")\nop.create_table("later", sa.Column("id", sa.Integer))'
)

# A revision's own Python raising after some DDL.
BOOM = 'op.create_table("half", sa.Column("id", sa.Integer))\nraise RuntimeError("boom")'

HISTORY = {
    "a1": """
op.create_table(
    "customer",
    sa.Column("id", sa.Integer(), primary_key=True),
    sa.Column("name", sa.String(40), nullable=False),
)
op.create_index("ix_customer_name", "customer", ["name"])
""",
    "a2": 'op.add_column("customer", sa.Column("age", sa.Integer(), server_default="0"))',
    "a3": """
customer = sa.table("customer", sa.column("id", sa.Integer), sa.column("name", sa.String))
op.bulk_insert(customer, [{"id": 1, "name": "ada"}, {"id": 2, "name": "bob"}])
op.execute("UPDATE customer SET age = 36 WHERE name = 'ada'")
""",
    "a4": """
with op.batch_alter_table("customer") as batch:
    batch.alter_column("name", type_=sa.String(80))
    batch.add_column(sa.Column("city", sa.String(40)))
""",
    "a5": """
ages = op.get_bind().execute(sa.text("SELECT name, age FROM customer ORDER BY id")).all()
if [tuple(row) for row in ages] != [("ada", 36), ("bob", 0)]:
    raise RuntimeError(f"the earlier revisions are not seen: {ages}")
op.create_table("seen", sa.Column("what", sa.String(40)))
op.execute("INSERT INTO seen VALUES ('ages read')")
""",
    "a6": """
op.create_table("before_commit", sa.Column("id", sa.Integer))
op.get_bind().commit()
op.create_table("after_commit", sa.Column("id", sa.Integer))
""",
    "a7": """
op.create_table("before_block", sa.Column("id", sa.Integer))
with op.get_context().autocommit_block():
    op.execute("CREATE TABLE in_block (id INTEGER)")
op.execute("INSERT INTO in_block VALUES (7)")
""",
}


class Heard:
    """A listener that notes each finished step, the thread it heard of it on, and what the
    database held at that moment."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.finished: list[tuple[str, str, list[str]]] = []

    def planned(self, steps: Sequence[Step]) -> None:
        pass

    def step_started(self, step: Step) -> None:
        pass

    def step_finished(self, step: Step, seconds: float) -> None:
        with sqlite3.connect(self.path) as reader:
            rows = [row[0] for row in reader.execute("SELECT version_num FROM alembic_version")]
        self.finished.append((step.revision, threading.current_thread().name, rows))


def add_history(project: Project, revisions: dict[str, str]) -> None:
    down = None
    for rid, upgrade in revisions.items():
        project.add(rid, down, upgrade=upgrade, op_import="from alembic import op")
        down = rid


def upgrade(project: Project, url: str, *, pipelined: bool, listener: Heard | None = None) -> None:
    config = load_config(cwd=project.root, url=url, environ={})
    migrate(
        config,
        load_history(config),
        upgrade=True,
        target="heads",
        listener=listener,
        pipelined=pipelined,
    )


def dump(path: Path) -> list[tuple[object, ...]]:
    """The schema and every table's rows."""
    with sqlite3.connect(path) as reader:
        schema = reader.execute("SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY name")
        found: list[tuple[object, ...]] = list(schema)
        for (table,) in reader.execute("SELECT name FROM sqlite_master WHERE type = 'table'"):
            found += [
                (table, *row) for row in reader.execute(f'SELECT * FROM "{table}" ORDER BY 1')
            ]
    return found


def pipelined_as_one_by_one(project: Project, folder: Path, listener: Heard | None = None) -> Path:
    """Upgrade two databases in ``folder``, one statement at a time and on the worker; assert
    they are the same, and return the one the worker built."""
    one_by_one, pipelined = folder / "one_by_one.db", folder / "pipelined.db"
    upgrade(project, f"sqlite:///{one_by_one}", pipelined=False)
    upgrade(project, f"sqlite:///{pipelined}", pipelined=True, listener=listener)
    assert dump(pipelined) == dump(one_by_one)
    return pipelined


def versions(path: Path) -> list[str]:
    with sqlite3.connect(path) as reader:
        return [row[0] for row in reader.execute("SELECT version_num FROM alembic_version")]


def tables(path: Path) -> set[str]:
    with sqlite3.connect(path) as reader:
        return {
            row[0] for row in reader.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        }


def test_the_worker_builds_the_same_database_as_one_statement_at_a_time(
    project: Project, tmp_path: Path
) -> None:
    add_history(project, HISTORY)
    heard = Heard(tmp_path / "pipelined.db")
    pipelined = pipelined_as_one_by_one(project, tmp_path, heard)
    assert {("seen", "ages read"), ("in_block", 7)} <= set(dump(pipelined))
    # Each step is heard of from the worker, once committed, the database holding it.
    assert heard.finished == [
        (rid, "migguard-sqlite", [rid]) for rid in ("a1", "a2", "a3", "a4", "a5", "a6", "a7")
    ]


def test_a_statement_failing_after_the_run_went_on_is_its_own_revision_s_failure(
    project: Project, tmp_path: Path
) -> None:
    add_history(
        project,
        {
            "a1": HISTORY["a1"],
            "a2": SLOW,
            "a3": 'op.execute("INSERT INTO nowhere VALUES (1)")',
            "a4": RAN_ON,
        },
    )
    database = tmp_path / "scratch.db"
    heard = Heard(database)
    with pytest.raises(MigrationFailedError) as failed:
        upgrade(project, f"sqlite:///{database}", pipelined=True, listener=heard)
    # The run's thread ran a4's Python while SQLite was still busy with a2.
    assert (project.root / "ran_on.txt").exists()
    error = failed.value
    assert error.step.revision == "a3"
    assert error.exit_code == 4
    assert str(error) == (
        "upgrade a2 -> a3, revision a3 (migrations/versions/a3_rev.py) failed: "
        "OperationalError: no such table: nowhere [while running: INSERT INTO nowhere "
        "VALUES (1)]; rolled back; the database stays at a2"
    )
    assert versions(database) == ["a2"]
    assert "later" not in tables(database)
    assert [rid for rid, _, _ in heard.finished] == ["a1", "a2"]


def test_a_python_error_after_queued_revisions_leaves_them_committed(
    project: Project, tmp_path: Path
) -> None:
    add_history(
        project,
        {
            "a1": HISTORY["a1"],
            "a2": SLOW,
            "a3": BOOM,
            "a4": RAN_ON,
        },
    )
    database = tmp_path / "scratch.db"
    with pytest.raises(MigrationFailedError) as failed:
        upgrade(project, f"sqlite:///{database}", pipelined=True)
    error = failed.value
    assert error.exit_code == 3
    assert str(error) == (
        "upgrade a2 -> a3, revision a3 (migrations/versions/a3_rev.py:19) failed: RuntimeError: "
        "boom; rolled back; the database stays at a2"
    )
    assert versions(database) == ["a2"]
    assert {"slow", "customer"} <= tables(database)
    assert "half" not in tables(database)
    assert not (project.root / "ran_on.txt").exists()


def test_a_later_revision_s_read_raises_the_earlier_failure_as_that_revision_s(
    project: Project, tmp_path: Path
) -> None:
    add_history(
        project,
        {
            "a1": HISTORY["a1"],
            "a2": SLOW,
            "a3": 'op.add_column("customer", sa.Column("name", sa.Integer()))',
            "a4": 'op.get_bind().execute(sa.text("SELECT count(*) FROM customer"))\n' + RAN_ON,
        },
    )
    database = tmp_path / "scratch.db"
    with pytest.raises(MigrationFailedError) as failed:
        upgrade(project, f"sqlite:///{database}", pipelined=True)
    assert failed.value.step.revision == "a3"
    assert failed.value.reason == (
        "OperationalError: duplicate column name: name "
        "[while running: ALTER TABLE customer ADD COLUMN name INTEGER]"
    )
    assert versions(database) == ["a2"]
    assert "later" not in tables(database)


def test_a_failure_queued_before_a_script_that_cannot_load_is_the_one_named(
    project: Project, tmp_path: Path
) -> None:
    add_history(
        project,
        {
            "a1": HISTORY["a1"],
            "a2": SLOW,
            "a3": 'op.execute("INSERT INTO nowhere VALUES (1)")',
            "a4": "pass",
        },
    )
    script = project.versions / "a4_rev.py"
    script.write_text("import not_a_module_anywhere\n" + script.read_text())
    database = tmp_path / "scratch.db"
    with pytest.raises(MigrationFailedError) as failed:
        upgrade(project, f"sqlite:///{database}", pipelined=True)
    assert failed.value.step.revision == "a3"
    assert versions(database) == ["a2"]


def test_a_script_that_cannot_load_is_named_once_the_steps_before_it_committed(
    project: Project, tmp_path: Path
) -> None:
    add_history(project, {"a1": HISTORY["a1"], "a2": SLOW, "a3": "pass"})
    script = project.versions / "a3_rev.py"
    script.write_text("import not_a_module_anywhere\n" + script.read_text())
    database = tmp_path / "scratch.db"
    heard = Heard(database)
    with pytest.raises(HistoryError, match="not_a_module_anywhere"):
        upgrade(project, f"sqlite:///{database}", pipelined=True, listener=heard)
    assert versions(database) == ["a2"]
    assert [rid for rid, _, _ in heard.finished] == ["a1", "a2"]


def test_a_step_failing_halfway_is_rolled_back_whole_and_names_its_statement(
    project: Project, tmp_path: Path
) -> None:
    add_history(
        project,
        {
            "a1": HISTORY["a1"],
            "a2": SLOW,
            "a3": 'op.create_table("first", sa.Column("id", sa.Integer))\n'
            'op.execute("INSERT INTO nowhere VALUES (1)")\n'
            'op.create_table("second", sa.Column("id", sa.Integer))',
            "a4": RAN_ON,
        },
    )
    database = tmp_path / "scratch.db"
    with pytest.raises(MigrationFailedError) as failed:
        upgrade(project, f"sqlite:///{database}", pipelined=True)
    assert failed.value.step.revision == "a3"
    assert failed.value.reason == (
        "OperationalError: no such table: nowhere [while running: INSERT INTO nowhere VALUES (1)]"
    )
    assert versions(database) == ["a2"]
    assert not {"first", "second", "later"} & tables(database)


def test_statements_ending_in_a_comment_run_as_written(project: Project, tmp_path: Path) -> None:
    # A comment at the end of a statement would swallow what follows it in a script: such a
    # step runs one statement at a time.
    add_history(
        project,
        {
            "a1": HISTORY["a1"],
            "a2": 'op.execute("CREATE TABLE noted (id INTEGER) -- a note")',
            "a3": 'op.execute("CREATE TABLE opened (id INTEGER) /* never closed")\n'
            'op.execute("CREATE TABLE closed (id INTEGER) /* closed */")',
            "a4": 'op.execute("INSERT INTO noted VALUES (1) -- ;")',
        },
    )
    pipelined = pipelined_as_one_by_one(project, tmp_path)
    assert {"noted", "opened", "closed"} <= tables(pipelined)
    assert ("noted", 1) in dump(pipelined)
    assert versions(pipelined) == ["a4"]


def test_a_version_table_whose_name_looks_like_a_parameter_is_kept_right(
    project: Project, tmp_path: Path
) -> None:
    with (project.root / "migguard.toml").open("a", encoding="utf-8") as file:
        file.write('version_table = "v:old"\n')
    add_history(project, {"a1": HISTORY["a1"], "a2": HISTORY["a2"]})
    pipelined = pipelined_as_one_by_one(project, tmp_path)
    with sqlite3.connect(pipelined) as reader:
        assert list(reader.execute('SELECT version_num FROM "v:old"')) == [("a2",)]


class Waiting(Heard):
    """A listener that also notes when the run's thread waits for the worker: on which
    thread, and whether the last revision's Python had run by then."""

    def __init__(self, path: Path, root: Path) -> None:
        super().__init__(path)
        self.root = root
        self.waited: list[tuple[str, bool]] = []

    def waiting(self) -> None:
        ran_on = (self.root / "ran_on.txt").exists()
        self.waited.append((threading.current_thread().name, ran_on))


def test_the_run_s_thread_is_told_once_when_only_the_worker_has_work_left(
    project: Project, tmp_path: Path
) -> None:
    add_history(project, {"a1": HISTORY["a1"], "a2": SLOW, "a3": RAN_ON})
    database = tmp_path / "scratch.db"
    listener = Waiting(database, project.root)
    upgrade(project, f"sqlite:///{database}", pipelined=True, listener=listener)
    assert listener.waited == [(threading.main_thread().name, True)]
    assert [rid for rid, _, _ in listener.finished] == ["a1", "a2", "a3"]


@pytest.mark.slow
@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(change_lists(12))
def test_random_histories_build_the_same_database_on_the_worker(
    project: Project, changes: list[Change]
) -> None:
    history = RandomHistory()
    for action, choice, flags in [FIRST, *changes]:
        apply(history, action, choice, flags)
    write(project.root, history)
    with tempfile.TemporaryDirectory() as folder:
        pipelined_as_one_by_one(project, Path(folder))


def test_an_interruption_waits_for_the_revisions_queued_before_and_says_so(
    project: Project, tmp_path: Path
) -> None:
    add_history(
        project,
        {
            "a1": HISTORY["a1"],
            "a2": SLOW,
            "a3": 'op.create_table("half", sa.Column("id", sa.Integer))\nraise KeyboardInterrupt',
        },
    )
    database = tmp_path / "scratch.db"
    with pytest.raises(MigrationInterruptedError) as interrupted:
        upgrade(project, f"sqlite:///{database}", pipelined=True)
    assert str(interrupted.value) == (
        "upgrade a2 -> a3, revision a3 (migrations/versions/a3_rev.py): rolled back; the "
        "database stays at a2"
    )
    assert versions(database) == ["a2"]
    assert "half" not in tables(database)

"""Recording a revision's upgrade() without a database: the operations, their script lines,
autocommit blocks, batch blocks, and where a script that reads rows stops."""

from __future__ import annotations

from pathlib import Path

from migguard.lint.recording import dialect_for, record_upgrade
from migguard.ops.data import Execute
from migguard.ops.indexes import CreateIndex
from migguard.ops.schema import AddColumn, CreateTable, DropColumn
from tests.testing.project import revision_source


def _script(tmp_path: Path, upgrade: str) -> Path:
    path = tmp_path / "a1_rev.py"
    path.write_text(
        revision_source("a1", upgrade=upgrade, op_import="from alembic import op"),
        encoding="utf-8",
    )
    return path


def _line_of(path: Path, text: str) -> int:
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    return next(number for number, line in enumerate(lines, 1) if text in line)


def test_each_operation_is_recorded_with_its_line_sql_and_transaction_state(
    tmp_path: Path,
) -> None:
    script = _script(
        tmp_path,
        """
op.create_table("t", sa.Column("id", sa.Integer, primary_key=True))
op.create_index("ix_a", "orders", ["a"])
with op.get_context().autocommit_block():
    op.create_index(
        "ix_b", "orders", ["b"], postgresql_concurrently=True
    )
""",
    )
    recording = record_upgrade(script, "a1", tmp_path, dialect_for("postgresql"))
    assert recording.stopped is None
    kinds = [type(step.operation) for step in recording.steps]
    assert kinds == [CreateTable, CreateIndex, CreateIndex]
    lines = [step.line for step in recording.steps]
    assert lines == [
        _line_of(script, 'op.create_table("t"'),
        _line_of(script, '"ix_a"'),
        _line_of(script, "op.create_index(\n"),
    ]
    assert [step.autocommit for step in recording.steps] == [False, False, True]
    assert recording.steps[1].sql == ("CREATE INDEX ix_a ON orders (a)",)
    assert recording.steps[2].sql == ("CREATE INDEX CONCURRENTLY ix_b ON orders (b)",)


def test_a_batch_block_records_each_operation_at_its_own_line(tmp_path: Path) -> None:
    script = _script(
        tmp_path,
        """
with op.batch_alter_table("orders") as batch_op:
    batch_op.add_column(sa.Column("x", sa.Integer))
    batch_op.drop_column("y")
""",
    )
    recording = record_upgrade(script, "a1", tmp_path, dialect_for("sqlite"))
    assert [type(step.operation) for step in recording.steps] == [AddColumn, DropColumn]
    assert [step.line for step in recording.steps] == [
        _line_of(script, "batch_op.add_column"),
        _line_of(script, "batch_op.drop_column"),
    ]


def test_a_script_that_reads_rows_stops_the_recording_where_it_reads(tmp_path: Path) -> None:
    script = _script(
        tmp_path,
        """
op.execute("UPDATE orders SET a = 1")
rows = op.get_bind().execute(sa.text("SELECT id FROM orders")).fetchall()
op.drop_column("orders", "b")
""",
    )
    recording = record_upgrade(script, "a1", tmp_path, dialect_for("postgresql"))
    assert [type(step.operation) for step in recording.steps] == [Execute]
    assert recording.stopped is not None
    assert "fetchall" in recording.stopped
    assert recording.stopped_line == _line_of(script, "fetchall")


def test_a_broken_script_records_nothing_and_says_why(tmp_path: Path) -> None:
    script = tmp_path / "a1_rev.py"
    script.write_text("revision = 'a1'\ndef upgrade(:\n", encoding="utf-8")
    recording = record_upgrade(script, "a1", tmp_path, dialect_for("postgresql"))
    assert recording.steps == ()
    assert recording.stopped is not None
    assert "importing revision a1 failed: SyntaxError" in recording.stopped


def test_a_plugin_operation_is_recorded_as_the_sql_it_runs(tmp_path: Path) -> None:
    script = _script(
        tmp_path,
        """
from alembic_utils.pg_function import PGFunction
op.create_entity(PGFunction.from_sql(
    "CREATE FUNCTION public.one() RETURNS integer AS $$ SELECT 1 $$ LANGUAGE sql"
))
op.drop_column("orders", "b")
""",
    )
    recording = record_upgrade(script, "a1", tmp_path, dialect_for("postgresql"))
    assert recording.stopped is None, recording.stopped
    assert [type(step.operation) for step in recording.steps] == [Execute, DropColumn]
    assert recording.steps[0].sql[0].startswith("CREATE")


def test_a_script_calling_sys_exit_stops_its_recording_not_the_check(tmp_path: Path) -> None:
    script = _script(tmp_path, 'op.drop_column("orders", "b")\nimport sys\nsys.exit(3)')
    recording = record_upgrade(script, "a1", tmp_path, dialect_for("postgresql"))
    assert [type(step.operation) for step in recording.steps] == [DropColumn]
    assert recording.stopped == "SystemExit: 3"
    script.write_text("import sys\nsys.exit('no')\n", encoding="utf-8")
    at_import = record_upgrade(script, "a1", tmp_path, dialect_for("postgresql"))
    assert at_import.steps == ()
    assert at_import.stopped == "importing revision a1 called sys.exit('no')"

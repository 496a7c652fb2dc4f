"""``migguard lint PATH...``: scripts of the project linted together, scripts outside any
project on their own, the dialect option, JSON, and a missing path."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.testing.project import Project, revision_source, run_process

CREATE_ORDERS = "op.create_table('orders', sa.Column('id', sa.Integer), sa.Column('note', sa.Text))"
INDEX_ORDERS = """
op.execute("SET LOCAL lock_timeout = '5s'")
op.create_index('ix_orders_note', 'orders', ['note'])
"""


def test_scripts_named_together_know_each_others_tables(project: Project) -> None:
    first = project.add("a1", upgrade=CREATE_ORDERS)
    second = project.add("a2", "a1", upgrade=INDEX_ORDERS)
    together = project.run("lint", str(first), str(second))
    assert together.code == 0, together.out
    alone = project.run("lint", str(second))
    assert alone.code == 1
    assert (
        "migrations/versions/a2_rev.py:19: error [lint:require-concurrent-index] a2: "
        "create_index('ix_orders_note') on existing table 'orders'"
    ) in alone.out


def test_the_dialect_option_picks_the_rules(project: Project) -> None:
    script = project.add("a2", upgrade=INDEX_ORDERS)
    assert project.run("lint", "--dialect", "sqlite", str(script)).code == 0
    report = json.loads(project.run("lint", "--format", "json", str(script)).out)
    assert [f["rule"] for f in report["findings"]] == ["require-concurrent-index"]
    assert report["checks"] == ["lint"]


def test_a_script_outside_any_project_is_linted_alone(tmp_path: Path) -> None:
    script = tmp_path / "b7_drop.py"
    script.write_text(
        revision_source(
            "b7", upgrade="op.drop_table('legacy')", op_import="from alembic import op"
        ),
        encoding="utf-8",
    )
    done = run_process(["lint", str(script)], cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "warning [lint:drop-table] b7: drop_table('legacy')" in done.stdout


@pytest.mark.parametrize("name", ["missing.py", "."])
def test_a_path_that_is_no_script_is_one_line_and_exit_2(project: Project, name: str) -> None:
    failed = project.run("lint", name)
    assert failed.code == 2
    assert failed.err.count("\n") == 1
    assert "no such revision script" in failed.err

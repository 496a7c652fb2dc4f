"""The ``migguard_runner``'s runner: moving a scratch database up and down the history, and
reading and writing rows between revisions."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from migguard.migration_tests.runner import MigrationRunner
from migguard.migration_tests.suite import load_suite
from tests.testing.project import Project


@pytest.fixture
def runner(project: Project) -> Iterator[MigrationRunner]:
    project.add(
        "a1",
        upgrade=(
            "op.create_table('t', sa.Column('id', sa.Integer, primary_key=True), "
            "sa.Column('v', sa.Text))"
        ),
        downgrade="op.drop_table('t')",
    )
    project.add("b1", "a1", upgrade="op.execute(\"UPDATE t SET v = 'x' WHERE v IS NULL\")")
    project.add(
        "c1",
        "b1",
        upgrade="op.add_column('t', sa.Column('w', sa.Integer))",
        downgrade="op.drop_column('t', 'w')",
    )
    suite = load_suite(project.root, None, None)
    with suite.scratch() as config:
        migration_runner = MigrationRunner(suite, config)
        yield migration_runner
        migration_runner.close()


def test_a_test_stops_before_a_data_migration_seeds_rows_and_runs_it(
    runner: MigrationRunner,
) -> None:
    runner.migrate_to("a1")
    runner.insert("t", [{"id": 2, "v": None}, {"id": 1, "v": "kept"}])
    runner.migrate_up_one()
    assert runner.current() == ("b1",)
    assert runner.table_rows("t") == [{"id": 1, "v": "kept"}, {"id": 2, "v": "x"}]


def test_migrate_to_goes_down_to_an_applied_revision_and_up_again(runner: MigrationRunner) -> None:
    runner.migrate_to("heads")
    assert runner.current() == ("c1",)
    runner.migrate_to("a1")
    assert runner.current() == ("a1",)
    runner.migrate_to("c1")
    runner.migrate_down_one()
    assert runner.current() == ("b1",)
    runner.migrate_to("base")
    assert runner.current() == ()


def test_an_unknown_revision_is_named(runner: MigrationRunner) -> None:
    from migguard.errors import MigguardError

    with pytest.raises(MigguardError, match="zz9"):
        runner.migrate_to("zz9")

"""The pytest plugin, run by pytest itself (``pytester``) on the bundled example and on one
deliberately broken project per built-in test, on SQLite and PostgreSQL: each failure names
the revision and the fix."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.testing.alembic_project import (
    alembic_init,
    set_ini_option,
    set_target_metadata,
    write_models,
)
from tests.testing.postgres import PostgresServer
from tests.testing.project import revision_source

REPOSITORY = Path(__file__).resolve().parents[1]
EXAMPLE = REPOSITORY / "examples" / "shop"
MODELS = """
import sqlalchemy as sa

metadata = sa.MetaData()
sa.Table("customer", metadata, sa.Column("id", sa.Integer, primary_key=True),
         sa.Column("status", sa.Text))
"""
CREATE = (
    "op.create_table('customer', sa.Column('id', sa.Integer, primary_key=True), "
    "sa.Column('status', sa.Text))"
)
DROP = "op.drop_table('customer')"


def project(
    root: Path, revisions: list[tuple[str, str | None, str, str]], models: str = MODELS
) -> None:
    """A migguard project in ``root``: ``models.py`` and one script per ``(id, down,
    upgrade body, downgrade body)``."""
    (root / "migguard.toml").write_text(
        'script_location = "migrations"\nmetadata = "models:metadata"\n', encoding="utf-8"
    )
    (root / "models.py").write_text(models, encoding="utf-8")
    versions = root / "migrations" / "versions"
    versions.mkdir(parents=True)
    for rid, down, upgrade, downgrade in revisions:
        source = revision_source(
            rid, down, upgrade=upgrade, downgrade=downgrade, op_import="from alembic import op"
        )
        (versions / f"{rid}_rev.py").write_text(source, encoding="utf-8")


def run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    return pytester.runpytest_subprocess("--migguard", "-p", "no:cacheprovider", *args)


@pytest.fixture
def server_url(postgres_server: PostgresServer) -> str:
    return postgres_server.url("postgres")


def test_the_example_passes_every_built_in_test(pytester: pytest.Pytester) -> None:
    shutil.copytree(
        EXAMPLE, pytester.path, dirs_exist_ok=True, ignore=shutil.ignore_patterns("*.db")
    )
    result = run(pytester, "-v")
    result.assert_outcomes(passed=5)
    result.stdout.fnmatch_lines(
        ["*migguard::single-head PASSED*", "*migguard::up-down-consistency PASSED*"]
    )


def test_the_example_passes_on_postgresql(pytester: pytest.Pytester, server_url: str) -> None:
    shutil.copytree(
        EXAMPLE, pytester.path, dirs_exist_ok=True, ignore=shutil.ignore_patterns("*.db")
    )
    run(pytester, "--migguard-url", server_url).assert_outcomes(passed=5)


def test_two_heads_name_them_and_the_merge_command(pytester: pytest.Pytester) -> None:
    project(
        pytester.path,
        [("a1", None, CREATE, DROP), ("b1", "a1", "pass", "pass"), ("c1", "a1", "pass", "pass")],
    )
    result = run(pytester, "--migguard-tests", "single-head")
    result.assert_outcomes(failed=1)
    assert (
        "migguard single-head: the history has 2 heads: b1 (migrations/versions/b1_rev.py), "
        "c1 (migrations/versions/c1_rev.py); `upgrade head` cannot choose between them. Join "
        'them with: migguard merge heads -m "merge b1 and c1"'
    ) in result.stdout.str()


@pytest.mark.parametrize("where", ["sqlite", "postgresql"])
def test_a_revision_failing_from_empty_is_named(
    pytester: pytest.Pytester, request: pytest.FixtureRequest, where: str
) -> None:
    project(
        pytester.path,
        [
            ("a1", None, CREATE, DROP),
            ("b1", "a1", "op.add_column('nowhere', sa.Column('x', sa.Integer))", "pass"),
        ],
    )
    options = (
        ("--migguard-url", request.getfixturevalue("server_url")) if where == "postgresql" else ()
    )
    result = run(pytester, "--migguard-tests", "upgrade", *options)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*migguard upgrade: *revision b1*migrations/versions/b1_rev.py*nowhere*",
            "fix that revision's upgrade(): every revision must run from an empty database*",
        ]
    )


@pytest.mark.parametrize("where", ["sqlite", "postgresql"])
def test_a_model_change_without_revision_names_the_missing_operation(
    pytester: pytest.Pytester, request: pytest.FixtureRequest, where: str
) -> None:
    models = MODELS.replace(
        'sa.Column("status", sa.Text))',
        'sa.Column("status", sa.Text), sa.Column("vip", sa.Boolean))',
    )
    project(pytester.path, [("a1", None, CREATE, DROP)], models)
    options = (
        ("--migguard-url", request.getfixturevalue("server_url")) if where == "postgresql" else ()
    )
    result = run(pytester, "--migguard-tests", "models-match", *options)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*operation(s) missing*",
            "*add column 'customer.vip'*",
            "*migguard revision --autogenerate*",
        ]
    )


@pytest.mark.parametrize("where", ["sqlite", "postgresql"])
def test_a_downgrade_that_leaves_a_table_behind_is_named(
    pytester: pytest.Pytester, request: pytest.FixtureRequest, where: str
) -> None:
    audit = "op.create_table('audit', sa.Column('id', sa.Integer, primary_key=True))"
    models = MODELS + 'sa.Table("audit", metadata, sa.Column("id", sa.Integer, primary_key=True))\n'
    project(pytester.path, [("a1", None, CREATE, DROP), ("b1", "a1", audit, "pass")], models)
    options = (
        ("--migguard-url", request.getfixturevalue("server_url")) if where == "postgresql" else ()
    )
    result = run(
        pytester, "--migguard-tests", "up-down-consistency,downgrade-leaves-no-trace", *options
    )
    result.assert_outcomes(failed=2)
    result.stdout.fnmatch_lines(
        [
            "*migguard up-down-consistency: revision b1 (migrations/versions/b1_rev.py): "
            "downgrade() does not undo upgrade()*",
            "*left behind: table 'audit'*",
            "*migguard downgrade-leaves-no-trace: downgrade base leaves objects behind:*",
            "*table 'audit', created by revision b1 (migrations/versions/b1_rev.py)*",
        ]
    )


@pytest.mark.parametrize("where", ["sqlite", "postgresql"])
def test_a_data_migration_with_a_wrong_update_fails_its_own_test(
    pytester: pytest.Pytester, request: pytest.FixtureRequest, where: str
) -> None:
    backfill = "op.execute(\"UPDATE customer SET status = 'new' WHERE status = 'old'\")"
    project(pytester.path, [("a1", None, CREATE, DROP), ("b1", "a1", backfill, "pass")])
    pytester.makepyfile(
        test_backfill="""
        def test_backfill_sets_every_missing_status(migguard_runner):
            migguard_runner.migrate_to("a1")
            migguard_runner.insert("customer", [{"id": 1, "status": None}])
            migguard_runner.migrate_up_one()
            assert migguard_runner.current() == ("b1",)
            assert migguard_runner.table_rows("customer") == [{"id": 1, "status": "new"}]
        """
    )
    options = (
        ("--migguard-url", request.getfixturevalue("server_url")) if where == "postgresql" else ()
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "test_backfill.py", *options)
    result.assert_outcomes(failed=1)
    expected = "assert [{'id': 1, 'status': None}] == [{'id': 1, 'status': 'new'}]"
    assert expected in result.stdout.str()


def test_every_revision_has_a_downgrade_is_opt_in(pytester: pytest.Pytester) -> None:
    project(pytester.path, [("a1", None, CREATE, DROP), ("b1", "a1", "pass", "pass")])
    run(pytester).assert_outcomes(passed=5)
    result = run(pytester, "--migguard-tests", "downgrade-defined")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*1 revision(s) have no downgrade() doing anything:*",
            "*b1 (migrations/versions/b1_rev.py)*",
        ]
    )


def test_an_unknown_test_name_is_one_usage_error(pytester: pytest.Pytester) -> None:
    project(pytester.path, [("a1", None, CREATE, DROP)])
    result = run(pytester, "--migguard-tests", "single-head,stairway")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        ["*migguard: unknown built-in test 'stairway' in --migguard-tests*"]
    )


def test_without_the_option_nothing_is_added(pytester: pytest.Pytester) -> None:
    project(pytester.path, [("a1", None, CREATE, DROP)])
    pytester.makepyfile(test_one="def test_one():\n    pass\n")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)


def test_an_alembic_project_runs_unchanged(pytester: pytest.Pytester) -> None:
    root = pytester.path
    env_py = alembic_init(root)
    write_models(root)
    set_target_metadata(env_py)
    # The URL env.py would use: the plugin never contacts it.
    set_ini_option(root / "alembic.ini", "sqlalchemy.url", "postgresql://prod@db.invalid/prod")
    create = (
        "op.create_table('customer', sa.Column('id', sa.Integer, primary_key=True), "
        "sa.Column('name', sa.String(50)))"
    )
    source = revision_source(
        "a1",
        upgrade=create,
        downgrade="op.drop_table('customer')",
        op_import="from alembic import op",
    )
    (root / "migrations" / "versions" / "a1_rev.py").write_text(source, encoding="utf-8")
    result = run(pytester, "-v")
    result.assert_outcomes(passed=5)
    result.stdout.fnmatch_lines(["*migguard::models-match PASSED*"])


def test_the_configuration_table_selects_tests_and_xdist_runs_them_apart(
    pytester: pytest.Pytester, server_url: str
) -> None:
    shutil.copytree(
        EXAMPLE, pytester.path, dirs_exist_ok=True, ignore=shutil.ignore_patterns("*.db")
    )
    with (pytester.path / "migguard.toml").open("a", encoding="utf-8") as toml:
        tests = '["upgrade", "models-match", "up-down-consistency"]'
        toml.write(f'\n[pytest]\ntests = {tests}\nurl = "{server_url}"\n')
    result = run(pytester, "-p", "xdist", "-n", "2", "-v")
    result.assert_outcomes(passed=3)
    result.stdout.fnmatch_lines(["*migguard::up-down-consistency*"])
    # `-k` picks among the built-in tests as among any others.
    run(pytester, "-k", "upgrade").assert_outcomes(passed=1)

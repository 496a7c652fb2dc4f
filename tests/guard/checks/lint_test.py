"""The ``lint`` check on real git repositories: only the revisions new on this branch are
linted, their own tables are not flagged, ``--all`` lints the history, and the configuration
and comments suppress findings."""

from __future__ import annotations

import json

from migguard.guard.findings import ERROR, INFO, WARNING
from tests.testing.branches import check, feature, two_revisions_on_main, versions_file
from tests.testing.gitrepo import commit
from tests.testing.project import Project

NEW_INDEXES = """
op.execute("SET LOCAL lock_timeout = '5s'")
op.create_table('orders', sa.Column('id', sa.Integer), sa.Column('user_id', sa.Integer))
op.create_index('ix_orders_user_id', 'orders', ['user_id'])
op.create_index('ix_users_name', 'users', ['name'])
"""


def test_only_new_revisions_are_linted_and_their_own_tables_pass(project: Project) -> None:
    two_revisions_on_main(project)
    feature(project)
    project.add("f1", "a2", upgrade=NEW_INDEXES)
    findings = check(project, "lint")
    assert [(f.rule, f.severity, f.file, f.line) for f in findings] == [
        ("require-concurrent-index", ERROR, versions_file("f1"), 21),
    ]
    assert findings[0].message.startswith("f1: create_index('ix_users_name') on existing table")
    assert "postgresql_concurrently=True" in (findings[0].hint or "")


def test_all_lints_the_released_history_too(project: Project) -> None:
    two_revisions_on_main(project)
    project.add("a3", "a2", upgrade="op.drop_column('users', 'name')")
    commit(project.root, "a3")
    skipped = check(project, "lint")  # on main without upstream: nothing is published
    assert [(f.severity, f.rule) for f in skipped] == [(INFO, None)]
    report = json.loads(project.run("check", "--select", "lint", "--all", "--format", "json").out)
    rules = [(f["rule"], f["severity"], f["file"]) for f in report["findings"]]
    assert ("drop-column", WARNING, versions_file("a3")) in rules


def test_without_a_base_branch_the_check_says_so(project: Project) -> None:
    project.add("a1", upgrade="op.create_index('ix', 'users', ['name'])")
    findings = check(project, "lint")
    assert [(f.code, f.severity) for f in findings] == [("lint", INFO)]
    assert findings[0].hint == "lint every revision with: migguard check --all"


def test_a_suppressed_finding_passes_the_commit_and_stays_in_json(project: Project) -> None:
    two_revisions_on_main(project)
    feature(project)
    project.add(
        "f1",
        "a2",
        upgrade="""
op.execute("SET LOCAL lock_timeout = '5s'")
# migguard: safe[require-concurrent-index] users has 12 rows, in every deployment
op.create_index('ix_users_name', 'users', ['name'])
""",
    )
    passed = project.run("check", "--select", "lint")
    assert passed.code == 0, passed.out
    assert passed.out.strip() == "All checks passed (checks: lint)"
    report = json.loads(project.run("check", "--select", "lint", "--format", "json").out)
    assert report["findings"][0]["suppressed"] == "users has 12 rows, in every deployment"
    assert report["summary"]["suppressed"] == 1


def test_a_bad_lint_table_is_one_configuration_error(project: Project) -> None:
    two_revisions_on_main(project)
    with (project.root / "migguard.toml").open("a", encoding="utf-8") as toml:
        toml.write('\n[check.lint]\nignore = ["require-concurent-index"]\n')
    failed = project.run("check", "--select", "lint")
    assert failed.code == 2
    assert "unknown lint rule 'require-concurent-index'" in failed.err
    assert "migguard.toml [check.lint]" in failed.err

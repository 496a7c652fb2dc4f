"""The report of a revision failing half-way on MySQL/MariaDB, without a database: which
statements commit implicitly, which did not run, and how the report reads (the whole story on a
real MariaDB is in tests/runtime/mariadb_failure_test.py)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.dialects import mysql

from migguard import op
from migguard.runtime.partial import (
    PartialRevision,
    Ran,
    _not_run,
    commits_implicitly,
    describe,
    one_line,
    planned_statements,
)


@pytest.mark.parametrize(
    ("sql", "commits"),
    [
        ("CREATE TABLE t (id INTEGER)", True),
        ("  alter table t add column x int", True),
        ("DROP INDEX ix ON t", True),
        ("RENAME TABLE a TO b", True),
        ("TRUNCATE TABLE t", True),
        ("-- why\nCREATE INDEX ix ON t (id)", True),
        ("/* note */ DROP TABLE t", True),
        ("CREATE TEMPORARY TABLE scratch (id INTEGER)", False),
        ("DROP TEMPORARY TABLE scratch", False),
        ("INSERT INTO t VALUES (1)", False),
        ("UPDATE t SET x = 1", False),
        ("DELETE FROM t", False),
        ("SELECT 1", False),
        ("CREATED_AT_FIX", False),
    ],
)
def test_which_statements_commit_implicitly(sql: str, commits: bool) -> None:
    assert commits_implicitly(sql) is commits


def test_what_did_not_run_is_the_plan_after_what_ran() -> None:
    planned = ["CREATE TABLE a (id INTEGER)", "ALTER TABLE b ADD x INT", "DROP TABLE c"]
    assert _not_run(planned[:1], planned[1], planned) == ("DROP TABLE c",)
    assert _not_run(planned, None, planned) == ()
    # The revision ran something else than its offline form: nothing can be claimed.
    assert _not_run(["CREATE TABLE z (id INTEGER)"], planned[1], planned) is None
    assert _not_run(planned[:1], planned[1], None) is None
    # The driver's doubled percent signs match the offline form's single ones.
    assert _not_run(["UPDATE t SET s = '100%%'"], None, ["UPDATE t SET s = '100%'", "X"]) == ("X",)


def test_a_revision_s_statements_are_rendered_for_mysql() -> None:
    def upgrade() -> None:
        op.add_column("customer", sa.Column("age", mysql.INTEGER()))
        op.drop_table("old")

    assert planned_statements(upgrade, mysql.dialect()) == [
        "ALTER TABLE customer ADD COLUMN age INTEGER",
        "DROP TABLE old",
    ]


def test_a_revision_that_cannot_render_offline_is_not_listed() -> None:
    def upgrade() -> None:
        raise RuntimeError("reads the database")

    assert planned_statements(upgrade, mysql.dialect()) is None


def test_the_report_names_what_was_kept_and_what_is_unknown() -> None:
    partial = PartialRevision(
        ran=(
            Ran("CREATE TABLE t (id INTEGER)", True),
            Ran("INSERT INTO t VALUES (1)", None),
        ),
        failed="ALTER TABLE t ADDD x INT",
        not_run=("DROP TABLE u",),
        database="MySQL",
    )
    text = describe(partial, "upgrade", "b2", "a1")
    assert text.splitlines()[:8] == [
        "MySQL commits each DDL statement as it runs (no transactional DDL), so this revision "
        "is partly applied; the version table still says a1",
        "  ran:",
        "    1. CREATE TABLE t (id INTEGER)",
        "    2. INSERT INTO t VALUES (1)  (rolled back unless the failed statement committed it)",
        "  failed:",
        "    3. ALTER TABLE t ADDD x INT",
        "  did not run:",
        "    4. DROP TABLE u",
    ]
    assert "then `migguard stamp b2`" in text
    assert "then run `migguard upgrade` again" in text


def test_statements_go_on_one_line_but_quoted_text_is_kept() -> None:
    sql = "CREATE TABLE t (\n\tid INTEGER,\n\tnote VARCHAR(9) DEFAULT 'a  b' COMMENT \"x  y\"\n)"
    assert one_line(sql) == (
        "CREATE TABLE t ( id INTEGER, note VARCHAR(9) DEFAULT 'a  b' COMMENT \"x  y\" )"
    )
    assert one_line("INSERT INTO `my  t` VALUES ('it''s  ok')") == (
        "INSERT INTO `my  t` VALUES ('it''s  ok')"
    )

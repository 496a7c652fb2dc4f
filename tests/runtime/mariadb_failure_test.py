"""A revision that fails half-way on MariaDB, which commits each DDL statement as it runs: the
run stops at the failing statement, lists what ran and what did not, keeps the version table at
the last complete revision and says how to recover (exit 4, one message, no password)."""

from __future__ import annotations

import sqlalchemy as sa

from tests.testing.mariadb import PASSWORD
from tests.testing.project import Project
from tests.testing.seeds import schema, versions

CUSTOMER = """
op.create_table(
    "customer",
    sa.Column("id", sa.Integer(), primary_key=True),
    sa.Column("city", sa.String(40), nullable=False),
)
"""

DUPLICATE_COLUMN = """
op.create_table("fresh", sa.Column("id", sa.Integer(), primary_key=True))
op.create_index("ix_fresh_id", "fresh", ["id"])
op.add_column("customer", sa.Column("city", sa.String(40)))
op.create_table("never", sa.Column("id", sa.Integer()))
"""

RECOVERY = (
    "  to recover, either:\n"
    "    - complete it: fix the cause, run the failed statement and those that did not run by "
    "hand, then `migguard stamp {stamp}`; or\n"
    "    - undo it: reverse by hand the statements that ran, fix the revision, then run "
    "`migguard {command}` again\n"
    "  (implicit commits: https://mariadb.com/kb/en/sql-statements-that-cause-an-implicit-commit/)\n"
)


def customer_history(project: Project) -> None:
    project.add("a1", message="Customer", upgrade=CUSTOMER, downgrade='op.drop_table("customer")')


def test_a_revision_failing_half_way_lists_what_ran_and_what_did_not(
    project: Project, mariadb_url: str
) -> None:
    customer_history(project)
    project.add("b2", "a1", message="Duplicate column", upgrade=DUPLICATE_COLUMN)
    project.add("c3", "b2", upgrade='op.create_table("later", sa.Column("id", sa.Integer()))')
    result = project.run("--url", mariadb_url, "upgrade", "head")
    assert result.code == 4
    assert result.err == (
        "migguard: error: upgrade a1 -> b2, Duplicate column (migrations/versions/b2_rev.py) "
        "failed: OperationalError: (1060, \"Duplicate column name 'city'\") [while running: "
        "ALTER TABLE customer ADD COLUMN city VARCHAR(40)]; MariaDB commits each DDL statement "
        "as it runs (no transactional DDL), so this revision is partly applied; the version "
        "table still says a1\n"
        "  ran:\n"
        "    1. CREATE TABLE fresh ( id INTEGER NOT NULL AUTO_INCREMENT, PRIMARY KEY (id) )\n"
        "    2. CREATE INDEX ix_fresh_id ON fresh (id)\n"
        "  failed:\n"
        "    3. ALTER TABLE customer ADD COLUMN city VARCHAR(40)\n"
        "  did not run:\n"
        "    4. CREATE TABLE never ( id INTEGER )\n"
        + RECOVERY.format(stamp="b2", command="upgrade")
    )
    assert "Traceback" not in result.err
    assert PASSWORD not in result.err + result.out
    # What the report says is what the database holds.
    tables = schema(mariadb_url)
    assert "fresh" in tables
    assert "never" not in tables
    assert "later" not in tables
    assert versions(mariadb_url) == ["a1"]


def test_recovering_by_completing_the_revision_and_stamping_it(
    project: Project, mariadb_url: str
) -> None:
    customer_history(project)
    project.add("b2", "a1", message="Duplicate column", upgrade=DUPLICATE_COLUMN)
    project.add("c3", "b2", upgrade='op.create_table("later", sa.Column("id", sa.Integer()))')
    assert project.run("--url", mariadb_url, "upgrade", "head").code == 4
    # The failed statement is dropped by the fix; the one that did not run is run by hand.
    engine = sa.create_engine(mariadb_url)
    try:
        with engine.begin() as connection:
            connection.exec_driver_sql("CREATE TABLE never ( id INTEGER )")
    finally:
        engine.dispose()
    assert project.run("--url", mariadb_url, "stamp", "b2").code == 0
    result = project.run("--url", mariadb_url, "upgrade", "head")
    assert result.code == 0, result.err
    assert versions(mariadb_url) == ["c3"]
    assert {"fresh", "never", "later"} <= set(schema(mariadb_url))


ROLLED_BACK_ROW = """
op.create_table("tag", sa.Column("name", sa.String(20), primary_key=True))
op.execute("INSERT INTO tag (name) VALUES ('kept')")
op.create_index("ix_tag_name", "tag", ["name"])
op.execute("INSERT INTO tag (name) VALUES ('undone')")
op.execute("INSERT INTO nowhere VALUES (1)")
"""


def test_data_changes_since_the_last_ddl_are_said_to_be_rolled_back(
    project: Project, mariadb_url: str
) -> None:
    project.add("a1", message="Tags", upgrade=ROLLED_BACK_ROW)
    result = project.run("--url", mariadb_url, "upgrade", "head")
    assert result.code == 4
    report = result.err.split("\n", 1)[1]
    assert report == (
        "  ran:\n"
        "    1. CREATE TABLE tag ( name VARCHAR(20) NOT NULL, PRIMARY KEY (name) )\n"
        "    2. INSERT INTO tag (name) VALUES ('kept')\n"
        "    3. CREATE INDEX ix_tag_name ON tag (name)\n"
        "    4. INSERT INTO tag (name) VALUES ('undone')  (rolled back)\n"
        "  failed:\n"
        "    5. INSERT INTO nowhere VALUES (1)\n"
        "  did not run: no statement\n" + RECOVERY.format(stamp="a1", command="upgrade")
    )
    engine = sa.create_engine(mariadb_url)
    try:
        with engine.connect() as connection:
            rows = connection.exec_driver_sql("SELECT name FROM tag").scalars().all()
    finally:
        engine.dispose()
    assert rows == ["kept"]
    assert versions(mariadb_url) == []


def test_a_python_error_half_way_lists_what_ran(project: Project, mariadb_url: str) -> None:
    customer_history(project)
    project.add(
        "b2",
        "a1",
        message="Typo",
        upgrade=(
            'op.create_table("half", sa.Column("id", sa.Integer()))\n'
            'op.add_column("customer", sa.Column("nick", Strng(40)))'
        ),
    )
    result = project.run("--url", mariadb_url, "upgrade", "head")
    # The script is broken (exit 3), and what it did before is listed all the same.
    assert result.code == 3
    first, report = result.err.split("\n", 1)
    assert first == (
        "migguard: error: upgrade a1 -> b2, Typo (migrations/versions/b2_rev.py:19) failed: "
        "NameError: name 'Strng' is not defined; MariaDB commits each DDL statement as it runs "
        "(no transactional DDL), so this revision is partly applied; the version table still "
        "says a1"
    )
    assert report == (
        "  ran:\n"
        "    1. CREATE TABLE half ( id INTEGER )\n"
        "  did not run: the rest of the revision (it cannot be listed without running it)\n"
        + RECOVERY.format(stamp="b2", command="upgrade")
    )
    assert "half" in schema(mariadb_url)
    assert versions(mariadb_url) == ["a1"]


def test_a_failing_downgrade_is_reported_alike(project: Project, mariadb_url: str) -> None:
    customer_history(project)
    project.add(
        "b2",
        "a1",
        message="Two tables",
        upgrade=(
            'op.create_table("one", sa.Column("id", sa.Integer()))\n'
            'op.create_table("two", sa.Column("id", sa.Integer()))'
        ),
        downgrade='op.drop_table("one")\nop.drop_table("missing")\nop.drop_table("two")',
    )
    assert project.run("--url", mariadb_url, "upgrade", "head").code == 0
    result = project.run("--url", mariadb_url, "downgrade", "-1")
    assert result.code == 4
    assert "the version table still says b2\n" in result.err
    assert result.err.split("\n", 1)[1] == (
        "  ran:\n"
        "    1. DROP TABLE one\n"
        "  failed:\n"
        "    2. DROP TABLE missing\n"
        "  did not run:\n"
        "    3. DROP TABLE two\n" + RECOVERY.format(stamp="a1", command="downgrade")
    )
    assert versions(mariadb_url) == ["b2"]

"""MySQL and MariaDB operations written offline (``--sql``): the SQL Alembic writes for the same
calls where both write it, MySQL's own rules (MODIFY/CHANGE restate the whole column, each
kind of constraint dropped with its own clause), and one clear error where a statement cannot
be written; and the same operations run on a real MariaDB, online and as offline SQL fed to
the ``mariadb`` client."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.dialects import mysql

from migguard.errors import UsageError
from migguard.ops.context import OfflineContext
from migguard.ops.operations import Operations
from tests.testing.mariadb import mariadb_client
from tests.testing.ops import Db, offline_sql, open_db
from tests.testing.project import Project


def dialect(name: str) -> sa.Dialect:
    """SQLAlchemy's MySQL dialect as ``mysql://`` or ``mariadb://`` URLs name it."""
    return sa.engine.make_url(f"{name}+pymysql://").get_dialect()()


def render(name: str, script: Callable[[Operations], None]) -> str:
    written: list[str] = []
    script(Operations(OfflineContext(dialect(name), written.append)))
    return "".join(written)


def statements(sql: str) -> list[str]:
    """The statements of offline SQL, whitespace collapsed (Alembic indents with spaces)."""
    return [" ".join(s.split()) for s in sql.split(";\n") if s.strip()]


def alter_and_drop(op: Any) -> None:
    """Calls whose SQL Alembic writes too (its ``op`` or ours)."""
    op.create_table(
        "item",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(50), nullable=False, server_default="unnamed", comment="nm"),
        sa.Column("kind", sa.Enum("a", "b", name="item_kind")),
        sa.Column("flags", mysql.SET("x", "y")),
        sa.Column(
            "touched",
            sa.TIMESTAMP,
            server_default=sa.text("CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP"),
        ),
        mysql_engine="InnoDB",
        mysql_charset="utf8mb4",
        mysql_collate="utf8mb4_bin",
        comment="items",
    )
    op.add_column("item", sa.Column("price", sa.Numeric(8, 2), comment="p"))
    op.create_index("ix_item_name", "item", ["name"], unique=True, mysql_length={"name": 10})
    op.alter_column(
        "item",
        "name",
        new_column_name="title",
        existing_type=sa.String(50),
        existing_nullable=False,
        existing_server_default="unnamed",
    )
    op.alter_column("item", "price", nullable=False, existing_type=sa.Integer)
    op.alter_column("item", "price", server_default="0", existing_type=sa.Integer)
    op.alter_column("item", "price", server_default=None, existing_type=sa.Integer)
    op.alter_column(
        "item", "price", comment="cost", existing_type=sa.Integer, existing_nullable=False
    )
    op.create_foreign_key("fk_p", "item", "other", ["id"], ["id"], ondelete="CASCADE")
    op.create_unique_constraint("uq_x", "item", ["title"])
    op.create_check_constraint("ck_x", "item", "id > 0")
    op.drop_constraint("fk_p", "item", type_="foreignkey")
    op.drop_constraint("uq_x", "item", type_="unique")
    op.drop_constraint("ck_x", "item", type_="check")
    op.create_table_comment("item", "things")
    op.drop_table_comment("item")
    op.drop_index("ix_item_name", "item")
    op.rename_table("item", "product")
    op.drop_column("product", "price")
    op.create_primary_key("pk", "product", ["id"])
    op.drop_constraint("pk", "product", type_="primary")


def test_the_sql_is_alembics_but_for_drop_check() -> None:
    ours, alembics = offline_sql(dialect("mysql"), alter_and_drop)
    # MariaDB has no DROP CHECK; MySQL 8.0.19 and MariaDB both take DROP CONSTRAINT.
    assert statements(alembics.replace("DROP CHECK", "DROP CONSTRAINT")) == statements(ours)


def test_the_mariadb_sql_is_alembics_but_keeps_the_mysql_options() -> None:
    ours, alembics = (statements(sql) for sql in offline_sql(dialect("mariadb"), alter_and_drop))
    # Alembic hands mysql_engine, mysql_length... to SQLAlchemy's "mariadb" dialect, which
    # ignores them: its CREATE TABLE has no ENGINE, its index no prefix length.
    assert alembics[0].endswith(")COMMENT='items'")
    assert alembics[2] == "CREATE UNIQUE INDEX ix_item_name ON item (name)"
    assert ours[0] == alembics[0].replace(
        ")COMMENT='items'", ")ENGINE=InnoDB CHARSET=utf8mb4 COMMENT='items' COLLATE utf8mb4_bin"
    )
    assert ours[2] == "CREATE UNIQUE INDEX ix_item_name ON item (name(10))"
    assert ours[1] == alembics[1]
    assert ours[3:] == alembics[3:]


def test_mysql_sql_text() -> None:
    sql = statements(render("mysql", alter_and_drop))
    assert sql[0].endswith(
        "touched TIMESTAMP NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP, "
        "PRIMARY KEY (id) )ENGINE=InnoDB CHARSET=utf8mb4 COMMENT='items' COLLATE utf8mb4_bin"
    )
    assert sql[1:] == [
        "ALTER TABLE item ADD COLUMN price NUMERIC(8, 2) COMMENT 'p'",
        "CREATE UNIQUE INDEX ix_item_name ON item (name(10))",
        "ALTER TABLE item CHANGE name title VARCHAR(50) NOT NULL DEFAULT 'unnamed'",
        "ALTER TABLE item MODIFY price INTEGER NOT NULL",
        "ALTER TABLE item ALTER COLUMN price SET DEFAULT '0'",
        "ALTER TABLE item ALTER COLUMN price DROP DEFAULT",
        "ALTER TABLE item MODIFY price INTEGER NOT NULL COMMENT 'cost'",
        "ALTER TABLE item ADD CONSTRAINT fk_p FOREIGN KEY(id) REFERENCES other (id) "
        "ON DELETE CASCADE",
        "ALTER TABLE item ADD CONSTRAINT uq_x UNIQUE (title)",
        "ALTER TABLE item ADD CONSTRAINT ck_x CHECK (id > 0)",
        "ALTER TABLE item DROP FOREIGN KEY fk_p",
        "ALTER TABLE item DROP INDEX uq_x",
        "ALTER TABLE item DROP CONSTRAINT ck_x",
        "ALTER TABLE item COMMENT 'things'",
        "ALTER TABLE item COMMENT ''",
        "DROP INDEX ix_item_name ON item",
        "ALTER TABLE item RENAME TO product",
        "ALTER TABLE product DROP COLUMN price",
        "ALTER TABLE product ADD CONSTRAINT pk PRIMARY KEY (id)",
        "ALTER TABLE product DROP PRIMARY KEY",
    ]


def test_mariadb_drops_a_check_as_a_constraint() -> None:
    assert "ALTER TABLE item DROP CONSTRAINT ck_x" in statements(render("mariadb", alter_and_drop))


def test_a_type_change_keeps_what_existing_says_and_autoincrement() -> None:
    def script(op: Operations) -> None:
        op.alter_column(
            "item",
            "id",
            type_=sa.BigInteger,
            existing_type=sa.Integer,
            existing_nullable=False,
            autoincrement=True,
        )
        op.alter_column(
            "item",
            "touched",
            existing_type=sa.TIMESTAMP,
            server_default=sa.text("CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP"),
        )
        op.alter_column(
            "item",
            "name",
            type_=sa.String(80, collation="utf8mb4_bin"),
            existing_server_default="x",
            existing_comment="the name",
        )

    assert statements(render("mysql", script)) == [
        "ALTER TABLE item MODIFY id BIGINT NOT NULL AUTO_INCREMENT",
        # ON UPDATE belongs to the definition: SET DEFAULT cannot say it.
        "ALTER TABLE item MODIFY touched TIMESTAMP NULL "
        "DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP",
        "ALTER TABLE item MODIFY name VARCHAR(80) COLLATE utf8mb4_bin COMMENT 'the name' "
        "DEFAULT 'x'",
    ]


def test_a_rename_alone_without_existing_type_keeps_the_definition() -> None:
    def script(op: Operations) -> None:
        op.alter_column("item", "name", new_column_name="title")
        op.alter_column("item", "title", new_column_name="label", server_default="x")
        op.alter_column("item", "label", server_default=sa.text("uuid()"))

    assert statements(render("mariadb", script)) == [
        "ALTER TABLE item RENAME COLUMN name TO title",
        "ALTER TABLE item RENAME COLUMN title TO label",
        "ALTER TABLE item ALTER COLUMN label SET DEFAULT 'x'",
        "ALTER TABLE item ALTER COLUMN label SET DEFAULT (uuid())",
    ]


@pytest.mark.parametrize(
    "change",
    [
        {"nullable": False},
        {"comment": "c"},
        {"new_column_name": "y", "nullable": True},
        {"server_default": sa.text("CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP")},
    ],
)
def test_restating_a_column_without_its_type_is_one_clear_error(change: dict[str, Any]) -> None:
    def script(op: Operations) -> None:
        op.alter_column("item", "x", **change)

    with pytest.raises(UsageError, match=r"alter_column\('item', 'x'\).*existing_type="):
        render("mysql", script)


def test_drop_index_needs_its_table() -> None:
    with pytest.raises(UsageError, match=r"drop_index\('ix'\).*table_name="):
        render("mysql", lambda op: op.drop_index("ix"))


def test_drop_constraint_by_name_alone_and_if_exists() -> None:
    def script(op: Operations) -> None:
        op.drop_constraint("c1", "item")
        op.drop_constraint("fk", "item", type_="foreignkey", if_exists=True)

    assert statements(render("mariadb", script)) == [
        "ALTER TABLE item DROP CONSTRAINT c1",
        "ALTER TABLE item DROP FOREIGN KEY IF EXISTS fk",
    ]
    with pytest.raises(UsageError, match=r"MySQL has no DROP \.\.\. IF EXISTS"):
        render("mysql", script)


def test_upgrade_sql_names_the_revision_whose_column_lacks_its_type(project: Project) -> None:
    (project.root / "migguard.toml").write_text(
        'script_location = "migrations"\nurl = "mysql+pymysql://u@db/app"\n',
        encoding="utf-8",
    )
    project.add("a1", upgrade='op.create_table("t", sa.Column("x", sa.Integer))')
    project.add("b2", "a1", upgrade='op.alter_column("t", "x", nullable=False)')
    result = project.run("upgrade", "head", "--sql")
    assert result.code == 3, result.err
    assert "b2" in result.err
    assert "b2_rev.py:" in result.err
    assert "alter_column('t', 'x')" in result.err
    assert "Traceback" not in result.err
    assert "CREATE TABLE t" in result.out


# --- on a real MariaDB ---------------------------------------------------------------------------


def shop(op: Any) -> None:
    """Every kind of MySQL change, each on a table that exists (runs online and offline)."""
    op.create_table(
        "other",
        sa.Column("id", sa.Integer, primary_key=True),
        mysql_engine="InnoDB",
    )
    alter_and_drop_on(op)


def alter_and_drop_on(op: Any) -> None:
    op.create_table(
        "item",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(50), nullable=False, server_default="unnamed", comment="nm"),
        sa.Column("kind", sa.Enum("a", "b", name="item_kind")),
        sa.Column("flags", mysql.SET("x", "y")),
        sa.Column(
            "touched",
            sa.TIMESTAMP,
            server_default=sa.text("CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP"),
        ),
        mysql_engine="MyISAM",
        mysql_charset="latin1",
        mysql_collate="latin1_bin",
        comment="items",
    )
    op.add_column("item", sa.Column("price", sa.Numeric(8, 2), comment="p"))
    op.add_column("item", sa.Column("note", sa.Text))
    op.create_index("ix_item_note", "item", ["note"], mysql_length={"note": 10})
    op.alter_column(
        "item",
        "name",
        new_column_name="title",
        existing_type=sa.String(50),
        existing_nullable=False,
        existing_server_default="unnamed",
        existing_comment="nm",
    )
    op.alter_column("item", "price", type_=sa.Integer, existing_comment="p")
    op.alter_column("item", "price", nullable=False, existing_type=sa.Integer)
    op.alter_column("item", "price", server_default="0", existing_type=sa.Integer)
    op.alter_column("item", "kind", new_column_name="sort")
    op.alter_column("item", "sort", server_default="b")
    op.alter_column(
        "item",
        "price",
        comment="cost",
        existing_type=sa.Integer,
        existing_nullable=False,
        existing_server_default="0",
    )
    op.create_unique_constraint("uq_title", "item", ["title"])
    op.create_check_constraint("ck_price", "item", "price >= 0")
    op.create_index("ix_title_prefix", "item", ["title"], mysql_length=5)
    op.drop_index("ix_item_note", "item")
    op.drop_constraint("uq_title", "item", type_="unique")
    op.drop_constraint("ck_price", "item", type_="check")
    op.create_table_comment("item", "things")
    op.create_index("ix_item_words", "item", ["note"], mysql_prefix="FULLTEXT")
    op.bulk_insert(
        sa.table("item", sa.column("id"), sa.column("title"), sa.column("note")),
        [{"id": 1, "title": "it's", "note": "a \\ back, 50% and :colon"}],
    )


def test_operations_on_mariadb(maria_db: Db) -> None:
    op = maria_db.op
    shop(op)
    columns = maria_db.columns("item")
    assert str(columns["title"]["type"]) == "VARCHAR(50)"
    assert (columns["title"]["nullable"], columns["title"]["comment"]) == (False, "nm")
    assert columns["title"]["default"] == "'unnamed'"
    assert str(columns["price"]["type"]) == "INTEGER"
    # MariaDB reports a number's default unquoted.
    assert (columns["price"]["nullable"], columns["price"]["default"]) == (False, "0")
    assert columns["price"]["comment"] == "cost"
    # The rename without existing_type kept the ENUM; the default went on the new name.
    assert columns["sort"]["type"].enums == ["a", "b"]
    assert columns["sort"]["default"] == "'b'"
    assert columns["touched"]["default"] == "current_timestamp() ON UPDATE current_timestamp()"
    options = maria_db.inspector().get_table_options("item")
    prefix = maria_db.name
    assert options[f"{prefix}_engine"] == "MyISAM"
    assert options[f"{prefix}_default charset"] == "latin1"
    assert options[f"{prefix}_collate"] == "latin1_bin"
    assert maria_db.inspector().get_table_comment("item")["text"] == "things"
    indexes = {i["name"]: i for i in maria_db.inspector().get_indexes("item")}
    assert set(indexes) == {"ix_title_prefix", "ix_item_words"}
    assert indexes["ix_item_words"]["dialect_options"][f"{prefix}_prefix"] == "FULLTEXT"
    assert indexes["ix_title_prefix"]["dialect_options"][f"{prefix}_length"] == {"title": 5}
    assert maria_db.inspector().get_check_constraints("item") == []


def test_constraints_dropped_by_name_on_mariadb(maria_db: Db) -> None:
    op = maria_db.op
    op.create_table("p", sa.Column("id", sa.Integer, primary_key=True))
    op.create_table(
        "c",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("pid", sa.Integer),
        sa.Column("u", sa.Integer),
    )
    op.create_foreign_key("fk_c_p", "c", "p", ["pid"], ["id"])
    op.create_unique_constraint("uq_c_u", "c", ["u"])
    op.create_check_constraint("ck_c", "c", "u > 0")
    op.drop_constraint("fk_c_p", "c", type_="foreignkey")
    op.drop_constraint("uq_c_u", "c")
    op.drop_constraint("ck_c", "c")
    op.drop_constraint("ck_gone", "c", type_="check", if_exists=True)
    op.drop_constraint("pk_c", "c", type_="primary")
    schema = maria_db.schema("c")
    assert (schema["fks"], schema["uniques"], schema["checks"], schema["pk"]) == ([], [], [], [])
    op.alter_column("c", "id", type_=sa.BigInteger, existing_nullable=False, autoincrement=False)
    op.create_primary_key("pk_c", "c", ["id"])
    op.alter_column(
        "c", "id", existing_type=sa.BigInteger, existing_nullable=False, autoincrement=True
    )
    maria_db.conn.execute(sa.text("INSERT INTO c (pid) VALUES (NULL)"))
    assert maria_db.rows("SELECT id FROM c") == [(1,)]


def test_offline_sql_builds_the_same_schema_on_mariadb(mariadb_url: str) -> None:
    for db in open_db(mariadb_url):
        shop(db.op)
    for db in open_db(mariadb_url):
        before = {table: db.schema(table) for table in ("other", "item")}
        rows = db.rows("SELECT id, title, note FROM item")
        db.conn.execute(sa.text("DROP TABLE item, other"))
    assert rows == [(1, "it's", "a \\ back, 50% and :colon")]
    mariadb_client(mariadb_url, render("mysql", shop))
    for db in open_db(mariadb_url):
        assert {table: db.schema(table) for table in ("other", "item")} == before
        assert db.rows("SELECT id, title, note FROM item") == rows

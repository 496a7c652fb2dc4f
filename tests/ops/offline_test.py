"""Offline (--sql) output: the SQL text of operations for SQLite and PostgreSQL, and SQLite
SQL that, run by the real ``sqlite3`` shell, builds the same schema as running online."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from migguard.ops.context import OfflineContext
from migguard.ops.operations import Operations
from tests.testing.ops import Db, open_db
from tests.testing.postgres import psql, sqlite3


def render(dialect: sa.Dialect, script: Callable[[Operations], None]) -> str:
    written: list[str] = []
    script(Operations(OfflineContext(dialect, written.append)))
    return "".join(written)


def plain_ops(op: Operations) -> None:
    op.create_table(
        "item",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(50), nullable=False, server_default="unnamed"),
        sa.Column("kind", sa.Enum("a", "b", name="item_kind")),
    )
    op.add_column("item", sa.Column("price", sa.Numeric(8, 2)))
    op.create_index("ix_item_name", "item", ["name"], unique=True)
    op.alter_column("item", "name", new_column_name="title")
    op.bulk_insert(sa.table("item", sa.column("id"), sa.column("title")), [{"id": 1, "title": "x"}])
    op.drop_index("ix_item_name", "item")
    op.rename_table("item", "product")


def test_sqlite_sql_text() -> None:
    assert render(sqlite.dialect(), plain_ops) == (
        "CREATE TABLE item (\n"
        "\tid INTEGER NOT NULL, \n"
        "\tname VARCHAR(50) DEFAULT 'unnamed' NOT NULL, \n"
        "\tkind VARCHAR(1), \n"
        "\tPRIMARY KEY (id)\n"
        ");\n\n"
        "ALTER TABLE item ADD COLUMN price NUMERIC(8, 2);\n\n"
        "CREATE UNIQUE INDEX ix_item_name ON item (name);\n\n"
        "ALTER TABLE item RENAME COLUMN name TO title;\n\n"
        "INSERT INTO item (id, title) VALUES (1, 'x');\n\n"
        "DROP INDEX ix_item_name;\n\n"
        "ALTER TABLE item RENAME TO product;\n\n"
    )


def test_postgresql_sql_text() -> None:
    def script(op: Operations) -> None:
        plain_ops(op)
        op.alter_column("product", "price", type_=sa.Integer, nullable=False, server_default="0")
        op.create_foreign_key("fk_p", "product", "other", ["id"], ["id"], ondelete="CASCADE")
        op.create_table_comment("product", "things we sell")
        op.drop_constraint("fk_p", "product", type_="foreignkey")

    sql = render(postgresql.dialect(), script)
    assert sql.startswith("CREATE TYPE item_kind AS ENUM ('a', 'b');\n\nCREATE TABLE item (")
    assert "\tkind item_kind, \n" in sql
    for statement in [
        "ALTER TABLE item ADD COLUMN price NUMERIC(8, 2);",
        "ALTER TABLE item RENAME COLUMN name TO title;",
        "ALTER TABLE product ALTER COLUMN price TYPE INTEGER;",
        "ALTER TABLE product ALTER COLUMN price SET NOT NULL;",
        "ALTER TABLE product ALTER COLUMN price SET DEFAULT '0';",
        "ALTER TABLE product ADD CONSTRAINT fk_p FOREIGN KEY(id) REFERENCES other (id) "
        "ON DELETE CASCADE;",
        "COMMENT ON TABLE product IS 'things we sell';",
        "ALTER TABLE product DROP CONSTRAINT fk_p;",
    ]:
        assert f"{statement}\n\n" in sql


def test_enum_type_is_written_once_per_run() -> None:
    def script(op: Operations) -> None:
        mood = sa.Enum("up", "down", name="mood")
        op.create_table("a", sa.Column("m", mood))
        op.create_table("b", sa.Column("m", mood))

    assert render(postgresql.dialect(), script).count("CREATE TYPE mood") == 1


def test_quoting_of_awkward_names() -> None:
    def script(op: Operations) -> None:
        op.add_column("order", sa.Column("select", sa.Integer))
        op.drop_column("order", "Group", schema="My Schema")

    sql = render(postgresql.dialect(), script)
    assert 'ALTER TABLE "order" ADD COLUMN "select" INTEGER;' in sql
    assert 'ALTER TABLE "My Schema"."order" DROP COLUMN "Group";' in sql


PARENT = sa.Table(
    "parent",
    sa.MetaData(),
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("code", sa.String(10), nullable=False),
    sa.Column("legacy", sa.Integer),
    sa.Index("ix_parent_code", "code"),
    sa.UniqueConstraint("code", name="uq_parent_code"),
)


def migration(copy_from: sa.Table | None) -> Callable[[Operations], None]:
    """One revision mixing in-place changes with rebuilds (copy_from serves offline)."""

    def script(op: Operations) -> None:
        op.create_table(
            "parent",
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("code", sa.String(10), nullable=False),
            sa.Column("legacy", sa.Integer),
            sa.UniqueConstraint("code", name="uq_parent_code"),
        )
        op.create_index("ix_parent_code", "parent", ["code"])
        op.create_table(
            "child",
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("parent_id", sa.Integer, sa.ForeignKey("parent.id", ondelete="CASCADE")),
        )
        op.bulk_insert(
            sa.table("parent", sa.column("id"), sa.column("code"), sa.column("legacy")),
            [{"id": 1, "code": "a", "legacy": 7}, {"id": 2, "code": "b", "legacy": 8}],
        )
        with op.batch_alter_table("parent", copy_from=copy_from) as batch:
            batch.drop_column("legacy")
            batch.alter_column("code", new_column_name="slug", type_=sa.String(40))
            batch.create_check_constraint("ck_parent_slug", "length(slug) > 0")
        op.execute(
            sa.table("parent", sa.column("slug"))
            .update()
            .values(slug=op.inline_literal("renamed"))
            .where(sa.column("id") == op.inline_literal(2))
        )

    return script


def test_offline_sqlite_sql_builds_the_same_schema_as_online(tmp_path: Path) -> None:
    online_url = f"sqlite:///{tmp_path / 'online.db'}"
    for db in open_db(online_url):
        migration(None)(db.op)
        db.conn.commit()
        online = (db.schema("parent"), db.schema("child"))
        online_rows = db.rows("SELECT id, slug FROM parent ORDER BY id")

    sql = render(sqlite.dialect(), migration(PARENT))
    assert "CREATE TABLE _migguard_tmp_parent" in sql
    offline_file = tmp_path / "offline.db"
    sqlite3(offline_file, f"BEGIN;\n{sql}COMMIT;\n")
    for db in open_db(f"sqlite:///{offline_file}"):
        assert (db.schema("parent"), db.schema("child")) == online
        assert db.rows("SELECT id, slug FROM parent ORDER BY id") == online_rows
    assert online_rows == [(1, "a"), (2, "renamed")]


def test_offline_postgresql_sql_runs_in_psql(pg_db: Db) -> None:
    sql = render(postgresql.dialect(), plain_ops)
    psql(pg_db.url, f"BEGIN;\n{sql}COMMIT;\n")
    assert pg_db.rows("SELECT id, title, kind FROM product") == [(1, "x", None)]
    assert "price" in pg_db.columns("product")


def test_postgresql_sql_keeps_percent_signs() -> None:
    def script(op: Operations) -> None:
        op.create_table("rate", sa.Column("a", sa.String(20), server_default="5%"))
        op.add_column("rate", sa.Column("b", sa.String(20), server_default="7%"))
        op.execute("UPDATE rate SET a = '1%'")

    sql = render(postgresql.dialect(), script)
    assert "a VARCHAR(20) DEFAULT '5%'" in sql
    assert "ALTER TABLE rate ADD COLUMN b VARCHAR(20) DEFAULT '7%';" in sql
    assert "UPDATE rate SET a = '1%';" in sql
    assert "%%" not in sql


def _downgrade_as_autogenerate_writes_it(
    copy_from: sa.Table | None, recreate: str
) -> Callable[[Operations], None]:
    """A block naming ``new_col`` in an index and a foreign key before adding it."""

    def script(op: Operations) -> None:
        op.create_table("p", sa.Column("id", sa.Integer, primary_key=True))
        op.create_table("t", sa.Column("id", sa.Integer, primary_key=True))
        with op.batch_alter_table("t", copy_from=copy_from, recreate=recreate) as batch:
            batch.create_index("ix_t_new", ["new_col"])
            batch.create_foreign_key("fk_t_new", "p", ["new_col"], ["id"])
            batch.add_column(sa.Column("new_col", sa.Integer()))

    return script


T_BEFORE = sa.Table("t", sa.MetaData(), sa.Column("id", sa.Integer, primary_key=True))


def test_offline_sqlite_block_naming_a_column_before_adding_it(tmp_path: Path) -> None:
    for db in open_db(f"sqlite:///{tmp_path / 'online.db'}"):
        _downgrade_as_autogenerate_writes_it(None, "auto")(db.op)
        db.conn.commit()
        online = db.schema("t")
    assert online["indexes"] == [("ix_t_new", ("new_col",), False)]
    assert online["fks"] == [("fk_t_new", ("new_col",), "p", ("id",), "")]
    sql = render(sqlite.dialect(), _downgrade_as_autogenerate_writes_it(T_BEFORE, "auto"))
    offline_file = tmp_path / "offline.db"
    sqlite3(offline_file, f"BEGIN;\n{sql}COMMIT;\n")
    for db in open_db(f"sqlite:///{offline_file}"):
        assert db.schema("t") == online


def test_offline_postgresql_block_naming_a_column_before_adding_it(pg_db: Db) -> None:
    # recreate="always" is where Alembic rebuilds on PostgreSQL too and so accepts the order.
    sql = render(postgresql.dialect(), _downgrade_as_autogenerate_writes_it(T_BEFORE, "always"))
    assert sql.index("ADD COLUMN new_col") < sql.index("CREATE INDEX ix_t_new")
    psql(pg_db.url, f"BEGIN;\n{sql}COMMIT;\n")
    schema = pg_db.schema("t")
    assert schema["indexes"] == [("ix_t_new", ("new_col",), False)]
    assert schema["fks"] == [("fk_t_new", ("new_col",), "p", ("id",), "")]

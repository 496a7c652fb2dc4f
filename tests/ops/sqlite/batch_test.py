"""batch_alter_table and SQLite's automatic move-and-copy: data, indexes, constraints, foreign
keys, triggers and views survive; recreate modes; the same batches as plain ALTERs on
PostgreSQL."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from migguard.ops.context import OfflineContext, OnlineContext
from migguard.ops.errors import BatchError, OfflineError, UsageError
from migguard.ops.operations import Operations
from migguard.ops.schema import AlterColumn, DropColumn
from migguard.ops.sqlite.batch import BatchAlterTable
from tests.testing.ops import Db

SHOP = """
CREATE TABLE customer (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    email VARCHAR(100) NOT NULL,
    nickname TEXT,
    score INTEGER DEFAULT 0 CONSTRAINT ck_score CHECK (score >= 0),
    CONSTRAINT uq_email UNIQUE (email)
);
CREATE INDEX ix_nickname ON customer (nickname);
CREATE INDEX ix_lower_email ON customer (lower(email) DESC);
CREATE INDEX ix_high_score ON customer (score) WHERE score > 10;
CREATE TABLE orders (
    id INTEGER PRIMARY KEY,
    customer_id INTEGER REFERENCES customer (id) ON DELETE CASCADE,
    total INTEGER
);
INSERT INTO customer (id, email, nickname, score)
VALUES (1, 'a@x', 'ann', 5), (2, 'b@x', 'bob', 20);
INSERT INTO orders VALUES (10, 1, 100), (11, 2, 200);
"""


@pytest.fixture
def shop(sqlite_db: Db) -> Db:
    """A SQLite shop: customer (with uniques, a check, plain, expression and partial indexes)
    and orders pointing at it with ON DELETE CASCADE; committed rows in both."""
    raw = sqlite_db.conn.connection.driver_connection
    assert raw is not None
    raw.executescript(SHOP)
    return sqlite_db


def index_sql(db: Db, table: str) -> dict[str, str]:
    rows = db.rows(
        f"SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = '{table}' "
        "AND sql IS NOT NULL"
    )
    return dict(rows)  # type: ignore[arg-type]


def table_sql(db: Db, table: str) -> str:
    return str(db.rows(f"SELECT sql FROM sqlite_master WHERE name = '{table}'")[0][0])


def assert_shop_intact(db: Db) -> None:
    """Orders still point at customer, nothing was deleted, no temporary table is left."""
    assert db.rows("SELECT id, customer_id, total FROM orders ORDER BY id") == [
        (10, 1, 100),
        (11, 2, 200),
    ]
    assert [fk[2:4] for fk in db.schema("orders")["fks"]] == [("customer", ("id",))]
    assert sorted(db.inspector().get_table_names()) == ["customer", "orders"]
    assert db.rows("PRAGMA foreign_key_check") == []


def test_drop_column_keeps_rows_indexes_constraints_and_references(shop: Db) -> None:
    shop.op.drop_column("customer", "nickname")
    assert [c for c in shop.columns("customer")] == ["id", "email", "score"]
    assert shop.rows("SELECT id, email, score FROM customer ORDER BY id") == [
        (1, "a@x", 5),
        (2, "b@x", 20),
    ]
    indexes = index_sql(shop, "customer")
    assert sorted(indexes) == ["ix_high_score", "ix_lower_email"]
    assert "lower(email) DESC" in indexes["ix_lower_email"]
    assert indexes["ix_high_score"].endswith("WHERE score > 10")
    schema = shop.schema("customer")
    assert schema["uniques"] == [("uq_email", ("email",))]
    assert schema["checks"] == [("ck_score", "score >= 0")]
    assert "AUTOINCREMENT" in table_sql(shop, "customer")
    assert_shop_intact(shop)


def test_plain_drop_column_is_native_when_sqlite_allows_it(shop: Db) -> None:
    before = table_sql(shop, "orders")
    shop.op.add_column("orders", sa.Column("note", sa.Text))
    shop.op.drop_column("orders", "note")
    # Dropped in place: SQLite keeps the original CREATE TABLE text otherwise untouched.
    assert table_sql(shop, "orders") == before
    shop.op.drop_column("orders", "total")
    assert "total" not in table_sql(shop, "orders")
    # An indexed column (and one in a CHECK) needs the rebuild, which SQLAlchemy formats.
    shop.op.drop_column("customer", "score")
    assert table_sql(shop, "customer").startswith('CREATE TABLE "customer" (\n\tid INTEGER')
    assert shop.rows("SELECT id, customer_id FROM orders ORDER BY id") == [(10, 1), (11, 2)]
    assert shop.rows("PRAGMA foreign_key_check") == []


def test_offline_drop_column_is_native() -> None:
    written: list[str] = []
    op = Operations(OfflineContext(sa.create_engine("sqlite://").dialect, written.append))
    op.drop_column("orders", "total")
    assert written == ["ALTER TABLE orders DROP COLUMN total;\n\n"]


def test_batch_rename_change_type_and_nullability(shop: Db) -> None:
    with shop.op.batch_alter_table("customer") as batch:
        batch.alter_column("score", new_column_name="points", type_=sa.BigInteger)
        batch.alter_column("nickname", nullable=False, existing_type=sa.Text)
    columns = shop.columns("customer")
    assert list(columns) == ["id", "email", "nickname", "points"]
    assert str(columns["points"]["type"]) == "BIGINT"
    assert columns["nickname"]["nullable"] is False
    # SQLite rewrote the check and the indexes that mention the renamed column.
    assert shop.schema("customer")["checks"] == [("ck_score", "points >= 0")]
    assert index_sql(shop, "customer")["ix_high_score"].endswith("WHERE points > 10")
    assert shop.rows("SELECT id, points FROM customer ORDER BY id") == [(1, 5), (2, 20)]
    assert_shop_intact(shop)


def test_renamed_parent_column_is_followed_by_referencing_tables(shop: Db) -> None:
    with shop.op.batch_alter_table("customer", recreate="always") as batch:
        batch.alter_column("id", new_column_name="customer_id")
    assert shop.schema("orders")["fks"][0][3] == ("customer_id",)
    assert shop.rows("PRAGMA foreign_key_check") == []


def test_swapping_column_names(shop: Db) -> None:
    with shop.op.batch_alter_table("customer") as batch:
        batch.alter_column("email", new_column_name="nickname_tmp")
        batch.alter_column("nickname", new_column_name="email")
        batch.alter_column("nickname_tmp", new_column_name="nickname")
        batch.alter_column("score", nullable=False)
    assert shop.rows("SELECT email, nickname FROM customer ORDER BY id") == [
        ("ann", "a@x"),
        ("bob", "b@x"),
    ]
    assert shop.schema("customer")["uniques"] == [("uq_email", ("nickname",))]


def test_drop_a_column_and_reuse_its_name(shop: Db) -> None:
    with shop.op.batch_alter_table("customer") as batch:
        batch.drop_column("nickname")
        batch.alter_column("email", new_column_name="nickname")
        batch.add_column(sa.Column("email", sa.String(10)))
    assert shop.rows("SELECT nickname, email FROM customer ORDER BY id") == [
        ("a@x", None),
        ("b@x", None),
    ]
    # The index on the dropped column went with it.
    assert "ix_nickname" not in index_sql(shop, "customer")


def test_batch_adds_and_drops_constraints_and_indexes(shop: Db) -> None:
    with shop.op.batch_alter_table("orders") as batch:
        batch.add_column(sa.Column("code", sa.String(10), nullable=False, server_default="-"))
        batch.create_unique_constraint("uq_orders_code_total", ["code", "total"])
        batch.create_check_constraint("ck_total", "total > 0")
        batch.create_index("ix_orders_total", ["total"])
    schema = shop.schema("orders")
    assert schema["uniques"] == [("uq_orders_code_total", ("code", "total"))]
    assert schema["checks"] == [("ck_total", "total > 0")]
    assert ("ix_orders_total", ("total",), False) in schema["indexes"]
    with shop.op.batch_alter_table("orders") as batch:
        batch.drop_constraint("uq_orders_code_total", "unique")
        batch.drop_constraint("ck_total")
        batch.drop_index("ix_orders_total")
        batch.create_foreign_key("fk_orders_self", "orders", ["total"], ["id"], ondelete="SET NULL")
    schema = shop.schema("orders")
    assert schema["uniques"] == [] and schema["checks"] == [] and schema["indexes"] == []
    assert sorted(fk[0] for fk in schema["fks"]) == ["", "fk_orders_self"]
    assert shop.rows("SELECT id, total FROM orders ORDER BY id") == [(10, 100), (11, 200)]


def test_primary_key_change(shop: Db) -> None:
    shop.op.execute("CREATE TABLE tag (name TEXT NOT NULL, label TEXT)")
    shop.op.execute("INSERT INTO tag VALUES ('a', 'A')")
    shop.op.create_primary_key("pk_tag", "tag", ["name"])
    assert shop.inspector().get_pk_constraint("tag") == {
        "constrained_columns": ["name"],
        "name": "pk_tag",
    }
    assert shop.rows("SELECT * FROM tag") == [("a", "A")]


def test_unnamed_constraint_dropped_through_a_naming_convention(shop: Db) -> None:
    shop.op.execute("CREATE TABLE note (id INTEGER PRIMARY KEY, body TEXT, UNIQUE (body))")
    convention = {"uq": "uq_%(table_name)s_%(column_0_name)s"}
    with shop.op.batch_alter_table("note", naming_convention=convention) as batch:
        batch.drop_constraint("uq_note_body", "unique")
    assert shop.schema("note")["uniques"] == []


def test_triggers_and_views_survive(shop: Db) -> None:
    shop.op.execute("CREATE VIEW big_spenders AS SELECT email FROM customer WHERE score > 10")
    shop.op.execute(
        "CREATE TRIGGER no_negative BEFORE UPDATE ON customer WHEN NEW.score < 0 "
        "BEGIN SELECT RAISE(ABORT, 'negative'); END"
    )
    shop.op.drop_column("customer", "nickname")
    assert shop.rows("SELECT email FROM big_spenders") == [("b@x",)]
    kinds = shop.rows("SELECT type, name FROM sqlite_master WHERE type IN ('view', 'trigger')")
    assert sorted(kinds) == [("trigger", "no_negative"), ("view", "big_spenders")]


def test_dropping_a_column_a_view_uses_is_refused(shop: Db) -> None:
    shop.op.execute("CREATE VIEW nicks AS SELECT nickname FROM customer")
    with pytest.raises(BatchError, match="view 'nicks' uses a column dropped"):
        shop.op.drop_column("customer", "nickname")


def test_recreate_modes(shop: Db) -> None:
    before = table_sql(shop, "orders")
    with shop.op.batch_alter_table("orders", recreate="never") as batch:
        batch.add_column(sa.Column("note", sa.Text))
        batch.alter_column("note", new_column_name="remark")
    assert table_sql(shop, "orders").startswith(before.rstrip(")").rstrip())
    with (
        pytest.raises(BatchError, match=r"recreate='never'.*DropColumn"),
        shop.op.batch_alter_table("orders", recreate="never") as batch,
    ):
        batch.drop_column("remark")
    with shop.op.batch_alter_table("orders", recreate="always") as batch:
        batch.add_column(sa.Column("first", sa.Integer), insert_before="id")
    assert list(shop.columns("orders")) == ["first", "id", "customer_id", "total", "remark"]
    assert_shop_intact(shop)
    with pytest.raises(UsageError, match="recreate must be one of"):
        BatchAlterTable("orders", (), recreate="sometimes")  # type: ignore[arg-type]


def test_nothing_runs_when_the_block_raises(shop: Db) -> None:
    with pytest.raises(RuntimeError), shop.op.batch_alter_table("orders") as batch:
        batch.drop_column("total")
        raise RuntimeError("stop")
    assert "total" in shop.columns("orders")


def test_unknown_names_are_reported(shop: Db) -> None:
    with pytest.raises(BatchError, match="has no column 'nope'"):
        shop.op.alter_column("orders", "nope", nullable=False)
    with pytest.raises(BatchError, match="no unique constraint named 'nope'"):
        shop.op.drop_constraint("nope", "orders", type_="unique")


def test_enforced_foreign_keys_do_not_cascade_during_the_rebuild(shop: Db) -> None:
    shop.conn.exec_driver_sql("PRAGMA foreign_keys=ON")
    shop.op.drop_column("customer", "nickname")
    assert_shop_intact(shop)
    assert shop.rows("PRAGMA foreign_keys") == [(1,)]


def test_enforced_foreign_keys_inside_a_transaction(shop: Db) -> None:
    shop.conn.exec_driver_sql("PRAGMA foreign_keys=ON")
    shop.conn.execute(sa.text("INSERT INTO customer (id, email) VALUES (3, 'c@x')"))
    shop.op.drop_column("customer", "nickname")
    assert shop.conn.in_transaction()
    shop.conn.rollback()
    # The transaction so far was committed before the rebuild (documented), the rows stayed.
    assert shop.rows("SELECT id FROM customer ORDER BY id") == [(1,), (2,), (3,)]
    assert "nickname" not in shop.columns("customer")
    assert_shop_intact(shop)


def test_a_rebuild_breaking_references_is_rolled_back(shop: Db) -> None:
    shop.conn.exec_driver_sql("PRAGMA foreign_keys=ON")
    with pytest.raises((BatchError, sa.exc.OperationalError)):
        shop.op.drop_column("customer", "id")
    assert list(shop.columns("customer")) == ["id", "email", "nickname", "score"]
    assert_shop_intact(shop)


def test_reverse_of_a_batch(shop: Db) -> None:
    operation = BatchAlterTable(
        "customer",
        (
            AlterColumn("customer", "score", new_column_name="points"),
            DropColumn("customer", "nickname", definition=sa.Column("nickname", sa.Text)),
        ),
    )
    shop.op.invoke(operation)
    assert list(shop.columns("customer")) == ["id", "email", "points"]
    shop.op.invoke(operation.reverse())
    assert list(shop.columns("customer")) == ["id", "email", "score", "nickname"]


def test_offline_rebuild_needs_copy_from() -> None:
    op = Operations(OfflineContext(sa.create_engine("sqlite://").dialect, lambda _: None))
    with pytest.raises(OfflineError, match=r"table 'orders'.*copy_from"):
        op.alter_column("orders", "total", type_=sa.BigInteger)


def test_batch_on_any_database(db: Db) -> None:
    db.op.create_table(
        "account",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(20)),
        sa.Column("legacy", sa.Integer),
    )
    db.op.bulk_insert(
        sa.table("account", sa.column("id"), sa.column("name")), [{"id": 1, "name": "x"}]
    )
    with db.op.batch_alter_table("account") as batch:
        batch.alter_column("name", new_column_name="title", type_=sa.String(50), nullable=False)
        batch.drop_column("legacy")
        batch.create_unique_constraint("uq_account_title", ["title"])
        batch.create_index("ix_account_id_title", ["id", "title"])
    schema = db.schema("account")
    assert [c[:3] for c in schema["columns"]] == [
        ("id", "INTEGER", False),
        ("title", "VARCHAR(50)", False),
    ]
    assert schema["uniques"] == [("uq_account_title", ("title",))]
    assert schema["indexes"] == [("ix_account_id_title", ("id", "title"), False)]
    assert db.rows("SELECT id, title FROM account") == [(1, "x")]
    assert isinstance(db.seen[-1], BatchAlterTable) and len(db.seen[-1].operations) == 4


# A column named by a change before the add_column that adds it, as Alembic's autogenerate
# writes downgrades. Alembic builds a rebuilt table from the whole block, so there the order
# does not matter (except for alter_column, which Alembic refuses); changes run in place are
# run in order, and fail there under Alembic too.
BEFORE_ITS_COLUMN = {
    "index": lambda b: b.create_index("ix_t_new", ["new_col"]),
    "foreign key": lambda b: b.create_foreign_key("fk_t_new", "p", ["new_col"], ["id"]),
    "unique": lambda b: b.create_unique_constraint("uq_t_new", ["new_col"]),
    "alter": lambda b: b.alter_column("new_col", nullable=False, existing_type=sa.Integer()),
}


def _fresh_tables(conn: sa.Connection) -> None:
    conn.exec_driver_sql("DROP TABLE IF EXISTS t")
    conn.exec_driver_sql("DROP TABLE IF EXISTS p")
    conn.exec_driver_sql("CREATE TABLE p (id INTEGER PRIMARY KEY)")
    conn.exec_driver_sql("CREATE TABLE t (id INTEGER PRIMARY KEY)")


def _alembic_outcome(url: str, change: str, recreate: str) -> tuple[bool, dict[str, object]]:
    from alembic.migration import MigrationContext
    from alembic.operations import Operations as AlembicOperations

    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.begin() as conn:
            _fresh_tables(conn)
        try:
            with engine.begin() as conn:
                op = AlembicOperations(MigrationContext.configure(conn))
                with op.batch_alter_table("t", recreate=recreate) as batch:
                    BEFORE_ITS_COLUMN[change](batch)
                    batch.add_column(sa.Column("new_col", sa.Integer()))
        except Exception:  # any refusal: only whether Alembic runs the block is compared
            return False, {}
        with engine.begin() as conn:
            schema = Db(url, conn, Operations(OnlineContext(conn)), []).schema("t")
            conn.exec_driver_sql("DROP TABLE t")
            conn.exec_driver_sql("DROP TABLE p")
        return True, schema
    finally:
        engine.dispose()


@pytest.mark.parametrize("recreate", ["auto", "always"])
@pytest.mark.parametrize("change", sorted(BEFORE_ITS_COLUMN))
def test_a_change_naming_a_column_added_later_in_the_block_runs_as_under_alembic(
    db: Db, change: str, recreate: str
) -> None:
    ran, expected = _alembic_outcome(db.url, change, recreate)
    _fresh_tables(db.conn)
    db.conn.commit()
    if not ran:
        with (
            pytest.raises((BatchError, sa.exc.DBAPIError), match="new_col"),
            db.op.batch_alter_table("t", recreate=recreate) as batch,
        ):
            BEFORE_ITS_COLUMN[change](batch)
            batch.add_column(sa.Column("new_col", sa.Integer()))
        db.conn.rollback()
        assert "new_col" not in db.columns("t")
        return
    with db.op.batch_alter_table("t", recreate=recreate) as batch:
        BEFORE_ITS_COLUMN[change](batch)
        batch.add_column(sa.Column("new_col", sa.Integer()))
    assert db.schema("t") == expected

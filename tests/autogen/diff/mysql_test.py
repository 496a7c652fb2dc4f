"""Autogenerate on MySQL/MariaDB: the spellings the database reports back compare equal to the
models' (unit cases), and on a real MariaDB a model set using all of them round-trips: compare,
run the operations, compare again (nothing), run the reverses (back where it started); the
same through ``migguard revision --autogenerate`` and ``upgrade``."""

from __future__ import annotations

import enum
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.dialects import mysql as mysql_types

from migguard.autogen.diff import mysql
from migguard.autogen.diff.sql import defaults_equal, normalise_sql
from migguard.autogen.snapshot import (
    ColumnInfo,
    ForeignKeyInfo,
    IndexInfo,
    TableInfo,
    TypeSpec,
    UniqueInfo,
)
from migguard.ops.schema import AlterColumn
from tests.testing.diff import described, diff, engine_for, operations, round_trip
from tests.testing.project import Project


@pytest.mark.parametrize(
    ("model", "reflected", "equal"),
    [
        ("INTEGER", "INTEGER(11)", True),
        ("BIGINT", "BIGINT(20)", True),
        ("INTEGER UNSIGNED", "INTEGER(10) UNSIGNED", True),
        ("BOOL", "TINYINT(1)", True),
        ("NUMERIC(10, 2)", "DECIMAL(10,2)", True),
        ("NUMERIC", "DECIMAL(10,0)", True),
        ("NUMERIC(10, 2)", "DECIMAL(12,2)", False),
        ("JSON", "LONGTEXT CHARACTER SET utf8mb4 COLLATE utf8mb4_bin", True),
        (
            "VARCHAR(50) COLLATE utf8mb4_bin",
            "VARCHAR(50) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin",
            True,
        ),
        ("VARCHAR(50)", "VARCHAR(50) CHARACTER SET latin1 COLLATE latin1_bin", True),
        ("VARCHAR(50) COLLATE utf8mb4_bin", "VARCHAR(50) COLLATE utf8mb4_general_ci", False),
        ("VARCHAR(50)", "VARCHAR(60)", False),
        ("INTEGER", "BIGINT(20)", False),
        ("CHAR(32)", "UUID", True),
    ],
)
def test_types(model: str, reflected: str, equal: bool) -> None:
    from migguard.autogen.diff.sql import types_equal

    spec = lambda sql: TypeSpec(module="sqlalchemy.types", name="X", args=(), compiled=sql)  # noqa: E731
    assert types_equal(spec(model), spec(reflected), "mysql") is equal


@pytest.mark.parametrize(
    ("model", "reflected"),
    [
        ("now()", "current_timestamp()"),
        ("CURRENT_TIMESTAMP", "current_timestamp()"),
        (
            "CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP",
            "current_timestamp() ON UPDATE current_timestamp()",
        ),
        ("'0.00'", "0.00"),
        ("true", "1"),
        ("'x''y'", "'x''y'"),
        ("upper(name)", "(ucase(`name`))"),
        ("price * 2", "(`price` * 2)"),
        ("'`kept`'", "'`kept`'"),
        ("CURRENT_DATE", "curdate()"),
        ("'0'", "0.0"),
        ("0", "0.00"),
        ("'1.50'", "1.5"),
        ("-2", "-2.000"),
        ("current_date()", "curdate()"),
        ("CURRENT_TIME", "curtime()"),
    ],
)
def test_sql_the_database_prints_back(model: str, reflected: str) -> None:
    assert normalise_sql(model, "mysql") == normalise_sql(reflected, "mariadb")


def test_numbers_of_different_values_stay_apart() -> None:
    assert normalise_sql("1", "mysql") != normalise_sql("1.5", "mysql")
    assert normalise_sql("'10'", "mysql") != normalise_sql("1.0", "mysql")
    assert normalise_sql("'1e3'", "mysql") == normalise_sql("1000", "mysql")


def test_the_date_and_the_time_of_day_stay_apart_from_the_timestamp() -> None:
    assert normalise_sql("CURRENT_DATE", "mysql") != normalise_sql("current_timestamp()", "mysql")
    assert normalise_sql("CURRENT_TIME", "mysql") != normalise_sql("curdate()", "mysql")


def test_defaults_are_compared() -> None:
    def column(default: str | None) -> ColumnInfo:
        return ColumnInfo("c", TypeSpec("sqlalchemy.types", "X", (), "INTEGER"), True, default)

    assert defaults_equal(column("'0'"), column("0"), "mysql")
    assert not defaults_equal(column("'a'"), column("'b'"), "mysql")
    assert not defaults_equal(column(None), column("'b'"), "mariadb")


def test_unique_constraints_as_indexes_and_foreign_key_indexes() -> None:
    def table(**records: object) -> TableInfo:
        return TableInfo(None, "book", (), **records)  # type: ignore[arg-type]

    fk = ForeignKeyInfo("fk_book_author", ("author_id",), None, "author", ("id",))
    unnamed = ForeignKeyInfo("book_ibfk_1", ("editor_id",), None, "author", ("id",))
    reflected = table(
        foreign_keys=(fk, unnamed),
        indexes=(
            IndexInfo("editor_id", ("editor_id",)),
            IndexInfo("fk_book_author", ("author_id",)),
        ),
        uniques=(UniqueInfo("ix_isbn", ("isbn",)), UniqueInfo("uq_title", ("title",))),
    )
    model = table(indexes=(IndexInfo("ix_isbn", ("isbn",), unique=True),))
    seen = mysql.comparable_table(model, reflected)
    assert seen.indexes == (IndexInfo("ix_isbn", ("isbn",), unique=True),)
    assert seen.uniques == (UniqueInfo("uq_title", ("title",)),)
    # An index the models declare under the foreign key's name is theirs to compare.
    model = table(indexes=(IndexInfo("fk_book_author", ("author_id",)),))
    assert (
        IndexInfo("fk_book_author", ("author_id",))
        in mysql.comparable_table(model, reflected).indexes
    )


# --- on a real MariaDB ---------------------------------------------------------------------------


class Mood(enum.Enum):
    happy = "happy"
    sad = "sad"


def models(*, second: bool = False) -> sa.MetaData:
    """Every kind of column and key whose MariaDB spelling differs from the models'; with
    ``second``, the changes a later revision makes (types, nullability, defaults, comments,
    keys and indexes)."""
    metadata = sa.MetaData()
    sa.Table(
        "author",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(80 if second else 50, collation="utf8mb4_bin"), nullable=False),
        sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("flag", sa.Boolean, server_default=sa.text("0")),
        sa.Column("mood", sa.Enum(Mood), nullable=False, server_default="happy"),
        sa.Column(
            "kind",
            sa.Enum("a", "b", "c", name="kind") if second else sa.Enum("a", "b", name="kind"),
        ),
        sa.Column(
            "created",
            sa.DateTime,
            server_default=sa.func.now(),
            onupdate=sa.func.now(),
            nullable=False,
        ),
        sa.Column(
            "updated",
            sa.TIMESTAMP,
            server_default=sa.text("CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP"),
        ),
        sa.Column("price", sa.Numeric(10, 2), server_default="0.00", comment="in euros"),
        sa.Column("ratio", sa.Float),
        sa.Column("data", sa.JSON),
        sa.Column("bio", sa.Text, nullable=not second),
        sa.Column("big", sa.BigInteger, server_default="7" if second else "5"),
        sa.Column("small", sa.SmallInteger, comment="small one" if second else None),
        sa.Column("code", sa.String(10), server_default="x'y"),
        sa.Column("flags", mysql_types.SET("r", "w")),
        sa.Column("tiny", mysql_types.TINYINT(display_width=4)),
        sa.Column("name_upper", sa.String(80 if second else 50), sa.Computed("upper(name)")),
        sa.Column("total", sa.Numeric(10, 2), sa.Computed("price * 2", persisted=True)),
        sa.Column("born", sa.Date),
        sa.Column("uid", sa.Uuid),
        sa.UniqueConstraint("name", name="uq_author_name"),
        sa.Index("ix_author_created", "created"),
        sa.Index("ix_author_bio", "bio", mysql_length=20),
        sa.Index("ix_author_code", "code", unique=True),
        sa.CheckConstraint("price >= 0", name="ck_author_price"),
        comment="people",
        mysql_engine="InnoDB",
        mysql_charset="utf8mb4",
    )
    sa.Table(
        "book",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "author_id",
            sa.ForeignKey("author.id", name="fk_book_author", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("editor_id", sa.Integer, sa.ForeignKey("author.id")),
        sa.Column("title", sa.String(100), comment="the title"),
        sa.Column("isbn", sa.String(13), unique=True),
        *(
            [sa.Column("reviewer_id", sa.Integer, sa.ForeignKey("author.id", name="fk_reviewer"))]
            if second
            else []
        ),
        sa.Index("ix_book_title", "title", unique=second),
    )
    return metadata


@pytest.fixture(params=["mysql", "mariadb"])
def engine(request: pytest.FixtureRequest, mariadb_url: str) -> Iterator[sa.Engine]:
    """An engine on a fresh MariaDB database through ``mysql+pymysql://`` and through
    ``mariadb+pymysql://`` (SQLAlchemy's dialect then reports options as ``mariadb_*``)."""
    yield from engine_for(mariadb_url.replace("mysql+", f"{request.param}+", 1))


@pytest.mark.slow
def test_models_round_trip_on_mariadb(engine: sa.Engine) -> None:
    first = models()
    result = diff(engine, first)
    assert described(result) == ["add table 'author'", "add table 'book'"]
    round_trip(engine, first, result)


@pytest.mark.slow
def test_changed_models_round_trip_on_mariadb(engine: sa.Engine) -> None:
    first, second = models(), models(second=True)
    # Through the dialect named mysql: the one named mariadb ignores mysql_length.
    creator = sa.create_engine(engine.url.set(drivername="mysql+pymysql"))
    first.create_all(creator)
    creator.dispose()
    result = diff(engine, second)
    alters = [op for op in operations(result) if isinstance(op, AlterColumn)]
    # MySQL restates the column: autogenerate gives every alteration the column's definition.
    assert alters
    assert all(op.existing_type is not None for op in alters)
    assert sorted(described(result)) == sorted(
        [
            "alter column 'author.name': type VARCHAR(50) CHARACTER SET utf8mb4 COLLATE "
            "utf8mb4_bin -> VARCHAR(80) COLLATE utf8mb4_bin",
            "alter column 'author.kind': type ENUM('a','b') -> kind",
            "alter column 'author.bio': nullable True -> False",
            "alter column 'author.big': server default 5 -> '7'",
            "alter column 'author.small': comment None -> 'small one'",
            # A generated column's type changes by drop + add on MySQL (see columns.py).
            "drop column 'author.name_upper'",
            "add column 'author.name_upper'",
            "add column 'book.reviewer_id'",
            "add foreign key 'fk_reviewer' on 'book' (reviewer_id) -> 'author' (id)",
            "drop index 'ix_book_title' on 'book'",
            "add unique index 'ix_book_title' on 'book' (title)",
        ]
    )
    round_trip(engine, second, result)


MODELS = """
import enum
import sqlalchemy as sa
from sqlalchemy.dialects import mysql

from tests.autogen.diff.mysql_test import models

metadata = models()
"""


@pytest.mark.slow
def test_revision_autogenerate_upgrade_and_nothing_left_on_mariadb(
    project: Project, mariadb_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    (project.root / "models.py").write_text(MODELS, encoding="utf-8")
    monkeypatch.syspath_prepend(str(Path(__file__).resolve().parents[3]))
    monkeypatch.delitem(sys.modules, "models", raising=False)
    config = project.root / "migguard.toml"
    config.write_text(config.read_text() + 'metadata = "models:metadata"\n', encoding="utf-8")
    monkeypatch.setenv("MIGGUARD_URL", mariadb_url)
    first = project.run("revision", "--autogenerate", "-m", "first")
    assert first.code == 0, first.err
    upgrade = project.run("upgrade", "head")
    assert upgrade.code == 0, upgrade.err
    again = project.run("revision", "--autogenerate", "-m", "nothing")
    assert again.code == 0, again.err
    assert "No changes detected" in again.out
    written = next(project.versions.glob("*_first.py")).read_text(encoding="utf-8")
    assert "mysql_engine='InnoDB'" in written
    assert "mysql.SET('r', 'w'" in written
    downgrade = project.run("downgrade", "base")
    assert downgrade.code == 0, downgrade.err
    assert sa.inspect(sa.create_engine(mariadb_url)).get_table_names() == ["alembic_version"]

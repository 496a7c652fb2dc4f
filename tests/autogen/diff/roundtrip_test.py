"""Round trips on real databases: compare, run the operations, compare again (nothing left),
run their reverses last first, and the database is back where it started."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql as pg

from migguard.autogen.diff.enums import EnumTypeChange
from migguard.ops.schema import CreateTable, DropTable
from tests.testing.diff import (
    broad_metadata,
    build,
    described,
    diff,
    engine_for,
    operations,
    round_trip,
)


@pytest.fixture
def engine(db_url: str) -> Iterator[sa.Engine]:
    yield from engine_for(db_url)


def test_broad_schema_from_empty_and_back(engine: sa.Engine) -> None:
    metadata = broad_metadata(engine.dialect.name)
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            conn.execute(sa.schema.CreateSchema("audit"))
            conn.commit()
    result = diff(engine, metadata)
    assert result.warnings == []
    # Referenced tables are created first.
    names = [op.table_name for op in operations(result) if isinstance(op, CreateTable)]
    assert names.index("customers") < names.index("orders") < names.index("order_lines")
    assert names.index("parent") < names.index("child")
    round_trip(engine, metadata, result)


def test_broad_schema_dropped_and_back(engine: sa.Engine) -> None:
    metadata = broad_metadata(engine.dialect.name)
    for part in metadata:
        build(engine, part)
    schemas = (None, "audit") if engine.dialect.name == "postgresql" else (None,)
    result = diff(engine, sa.MetaData(), schemas=schemas)
    assert all(isinstance(op, DropTable | EnumTypeChange) for op in operations(result))
    # Referencing tables go first: order_lines before orders, orders before customers.
    names = [op.table_name for op in operations(result) if isinstance(op, DropTable)]
    assert names.index("order_lines") < names.index("orders") < names.index("customers")
    assert names.index("child") < names.index("parent")
    round_trip(engine, sa.MetaData(), result, schemas=schemas)


def before_shop() -> sa.MetaData:
    metadata = sa.MetaData()
    sa.Table(
        "author",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(50), nullable=False),
        sa.Column("born", sa.Date),
        sa.Column("country", sa.String(2), server_default="GB"),
        sa.Column("legacy_code", sa.String(8)),
        sa.UniqueConstraint("name", name="uq_author_name"),
        sa.Index("ix_author_born", "born"),
        sa.CheckConstraint("length(country) = 2", name="ck_author_country"),
    )
    sa.Table(
        "book",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("author_id", sa.ForeignKey("author.id", name="fk_book_author")),
        sa.Column("title", sa.String(100)),
    )
    sa.Table("shelf", metadata, sa.Column("id", sa.Integer, primary_key=True))
    sa.Table(
        "slot",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("shelf_id", sa.ForeignKey("shelf.id", name="fk_slot_shelf")),
    )
    return metadata


def after_shop(dialect: str) -> sa.MetaData:
    metadata = sa.MetaData()
    sa.Table(
        "author",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(80), nullable=False, comment="pen name"),
        sa.Column("born", sa.Date, nullable=False, server_default=sa.text("'2000-01-01'")),
        sa.Column("country", sa.String(2), server_default="FR"),
        sa.Column("email", sa.String(120), unique=True),
        sa.UniqueConstraint("name", "born", name="uq_author_name"),
        sa.Index("ix_author_email_born", "email", "born"),
        sa.CheckConstraint("born > '1000-01-01'", name="ck_author_born"),
        comment="who writes",
    )
    genre = sa.Enum("novel", "poem", name="genre") if dialect == "postgresql" else sa.String(10)
    sa.Table(
        "book",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "author_id", sa.ForeignKey("author.id", name="fk_book_author", ondelete="CASCADE")
        ),
        sa.Column("title", sa.String(100), nullable=False, server_default=""),
        sa.Column("genre", genre),
        sa.Column("series_id", sa.Integer),
        sa.ForeignKeyConstraint(["series_id"], ["series.id"], name="fk_book_series"),
    )
    # Two new tables referring to each other: one foreign key is added after both exist.
    sa.Table(
        "series",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("first_volume_id", sa.Integer),
        sa.ForeignKeyConstraint(["first_volume_id"], ["volume.id"], name="fk_series_first"),
    )
    sa.Table(
        "volume",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("series_id", sa.ForeignKey("series.id", name="fk_volume_series")),
        sa.Column("tags", pg.ARRAY(sa.Text) if dialect == "postgresql" else sa.JSON),
    )
    return metadata


def test_many_changes_at_once(engine: sa.Engine) -> None:
    dialect = engine.dialect.name
    postgres = dialect == "postgresql"
    build(
        engine,
        before_shop(),
        rows=["INSERT INTO author (id, name, born) VALUES (1, 'Ann', '1990-05-01')"],
    )
    after = after_shop(dialect)
    result = diff(engine, after)
    # Enum types first; foreign keys dropped next and created last; each existing table's
    # changes together; new tables after them (the cycle between series and volume broken by
    # adding fk_series_first afterwards); dropped tables last, referencing ones first.
    country = "'GB'::character varying" if postgres else "'GB'"
    expected = [
        *(["add enum type 'genre' ('novel', 'poem')"] if postgres else []),
        "drop foreign key 'fk_book_author' on 'book'",
        "drop unique constraint 'uq_author_name' on 'author'",
        "drop check constraint 'ck_author_country' on 'author'",
        "drop index 'ix_author_born' on 'author'",
        "add column 'author.email'",
        "alter column 'author.name': type VARCHAR(50) -> VARCHAR(80)"
        + ("; comment None -> 'pen name'" if postgres else ""),
        "alter column 'author.born': nullable True -> False; server default None -> '2000-01-01'",
        f"alter column 'author.country': server default {country} -> 'FR'",
        "drop column 'author.legacy_code'",
        "add unique constraint 'author_email_key' on 'author' (email)",
        "add unique constraint 'uq_author_name' on 'author' (name, born)",
        "add check constraint 'ck_author_born' on 'author': born > '1000-01-01'",
        "add index 'ix_author_email_born' on 'author' (email, born)",
        *(["set comment of table 'author' to 'who writes'"] if postgres else []),
        "add column 'book.genre'",
        "add column 'book.series_id'",
        "alter column 'book.title': nullable True -> False; server default None -> ''",
        "add table 'series'",
        "add table 'volume'",
        "add foreign key 'fk_series_first' on 'series' (first_volume_id) -> 'volume' (id)",
        "add foreign key 'fk_book_series' on 'book' (series_id) -> 'series' (id)",
        "add foreign key 'fk_book_author' on 'book' (author_id) -> 'author' (id)",
        "drop table 'slot'",
        "drop table 'shelf'",
    ]
    assert described(result) == expected
    series = next(op for op in operations(result) if isinstance(op, CreateTable))
    assert not series.template.foreign_keys  # its foreign key comes after volume exists
    round_trip(engine, after, result)

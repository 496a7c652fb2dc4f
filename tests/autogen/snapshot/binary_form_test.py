"""A snapshot as bytes and back: every record kind round-trips exactly (values that only
compare equal, such as ``1``, ``1.0`` and ``True``, included), and bytes that are damaged or
written under other versions are refused with the errors a cache treats as a miss."""

from __future__ import annotations

import marshal
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy.dialects import postgresql as pg
from sqlalchemy.dialects import sqlite

from migguard.autogen.snapshot import (
    CheckInfo,
    ColumnInfo,
    EnumInfo,
    ForeignKeyInfo,
    IndexInfo,
    PrimaryKeyInfo,
    Snapshot,
    SnapshotFormatError,
    SnapshotVersionError,
    TableInfo,
    TypeSpec,
    UniqueInfo,
    snapshot_from_bytes,
    snapshot_of_metadata,
    snapshot_to_bytes,
)
from migguard.autogen.snapshot.binary_form import BINARY_FORMAT


class Name(str):
    """A ``str`` subclass, as SQLAlchemy's ``quoted_name`` is."""


texts = st.text(max_size=8)
names = st.one_of(texts, texts.map(Name))
maybe_names = st.none() | names
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False),
    texts,
)


def values(types: st.SearchStrategy[TypeSpec]) -> st.SearchStrategy[Any]:
    """Pair values: scalars, nested tuples, and types (ARRAY's item_type)."""
    return st.recursive(
        st.one_of(scalars, types), lambda inner: st.tuples(inner) | st.tuples(inner, inner)
    )


def pairs(items: st.SearchStrategy[Any]) -> st.SearchStrategy[tuple[tuple[str, Any], ...]]:
    return st.lists(st.tuples(texts, items), max_size=3).map(tuple)


plain_types = st.builds(TypeSpec, names, names, pairs(scalars), st.none() | texts)
type_specs = st.builds(TypeSpec, names, names, pairs(values(plain_types)), st.none() | texts)
string_tuples = st.lists(names, max_size=3).map(tuple)

columns = st.builds(
    ColumnInfo,
    name=names,
    type=type_specs,
    nullable=st.booleans(),
    server_default=maybe_names,
    autoincrement=st.one_of(st.none(), st.booleans(), texts),
    identity=st.none() | pairs(scalars),
    comment=maybe_names,
    computed=maybe_names,
    persisted=st.none() | st.booleans(),
)
tables = st.builds(
    TableInfo,
    schema=maybe_names,
    name=names,
    columns=st.lists(columns, max_size=4).map(tuple),
    primary_key=st.none() | st.builds(PrimaryKeyInfo, maybe_names, string_tuples),
    foreign_keys=st.lists(
        st.builds(
            ForeignKeyInfo,
            maybe_names,
            string_tuples,
            maybe_names,
            names,
            string_tuples,
            maybe_names,
            maybe_names,
            st.none() | st.just(True),
            maybe_names,
        ),
        max_size=2,
    ).map(tuple),
    indexes=st.lists(
        st.builds(
            IndexInfo,
            maybe_names,
            st.lists(maybe_names, max_size=3).map(tuple),
            string_tuples,
            st.booleans(),
            pairs(values(plain_types)),
            st.lists(st.tuples(names, string_tuples), max_size=2).map(tuple),
        ),
        max_size=2,
    ).map(tuple),
    uniques=st.lists(
        st.builds(UniqueInfo, maybe_names, string_tuples, pairs(scalars)), max_size=2
    ).map(tuple),
    checks=st.lists(st.builds(CheckInfo, maybe_names, names), max_size=2).map(tuple),
    comment=maybe_names,
)
snapshots = st.builds(
    Snapshot,
    dialect=st.sampled_from(["sqlite", "postgresql"]),
    tables=st.lists(tables, max_size=4).map(tuple),
    enums=st.lists(st.builds(EnumInfo, maybe_names, names, string_tuples), max_size=2).map(tuple),
    schemas=string_tuples,
)


def exactly(snapshot: Snapshot) -> str:
    """The snapshot's ``repr``, which tells ``1``, ``1.0`` and ``True`` apart."""
    return repr(snapshot)


@settings(max_examples=150, deadline=None)
@given(snapshot=snapshots)
def test_every_record_kind_round_trips_exactly(snapshot: Snapshot) -> None:
    loaded = snapshot_from_bytes(snapshot_to_bytes(snapshot))

    assert loaded == snapshot
    assert exactly(loaded) == exactly(snapshot)


@settings(max_examples=100, deadline=None)
@given(first=snapshots, second=snapshots)
def test_a_loaded_snapshot_merged_with_new_tables_round_trips(
    first: Snapshot, second: Snapshot
) -> None:
    # A loaded snapshot shares its column and type records between tables (what the replay
    # store merges new reflections into): each shared record is written once, and still
    # loads back exactly, beside records equal to it but of other objects.
    loaded = snapshot_from_bytes(snapshot_to_bytes(first))
    merged = Snapshot(loaded.dialect, loaded.tables + second.tables, loaded.enums, loaded.schemas)

    again = snapshot_from_bytes(snapshot_to_bytes(merged))

    assert again == merged
    assert exactly(again) == exactly(merged)


def test_columns_equal_but_for_the_type_of_a_value_stay_apart() -> None:
    def column(length: Any) -> ColumnInfo:
        spec = TypeSpec("sqlalchemy.sql.sqltypes", "String", (("length", length),), None)
        return ColumnInfo("c", spec, nullable=True, identity=(("cache", length),))

    table = TableInfo(None, "t", (column(1), column(True), column(1.0)))
    snapshot = Snapshot("sqlite", (table,))

    loaded = snapshot_from_bytes(snapshot_to_bytes(snapshot))

    assert [type(c.type.arg("length")) for c in loaded.tables[0].columns] == [int, bool, float]
    assert exactly(loaded) == exactly(snapshot)


@pytest.mark.parametrize("dialect", [sqlite.dialect(), pg.dialect()])
def test_a_snapshot_of_models_round_trips(dialect: sa.engine.Dialect) -> None:
    metadata = sa.MetaData()
    sa.Table(
        "customer",
        metadata,
        sa.Column("id", sa.Integer, sa.Identity(start=10), primary_key=True),
        sa.Column("email", sa.String(200), nullable=False, unique=True, comment="login"),
        sa.Column("tags", sa.ARRAY(sa.String(20)) if dialect.name == "postgresql" else sa.Text),
        sa.Column("status", sa.Enum("new", "paid", name="status"), server_default="new"),
        sa.Column("total", sa.Numeric(10, 2), sa.CheckConstraint("total >= 0", name="ck_total")),
        sa.Column("lower_email", sa.String(200), sa.Computed("lower(email)")),
        sa.Index("ix_customer_email_desc", sa.desc("email"), sqlite_where=sa.text("id > 0")),
    )
    sa.Table(
        "orders",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("customer_id", sa.ForeignKey("customer.id", ondelete="CASCADE")),
        sa.UniqueConstraint("customer_id", "id", name="uq_orders"),
    )
    snapshot = snapshot_of_metadata(metadata, dialect)

    loaded = snapshot_from_bytes(snapshot_to_bytes(snapshot))

    assert loaded == snapshot
    assert exactly(loaded) == exactly(snapshot)


SHOP = Snapshot(
    "sqlite",
    (
        TableInfo(
            None,
            "customer",
            (
                ColumnInfo(
                    "id", TypeSpec("sqlalchemy.sql.sqltypes", "Integer", (), "INTEGER"), False
                ),
            ),
            PrimaryKeyInfo(None, ("id",)),
        ),
    ),
)


@settings(max_examples=100, deadline=None)
@given(data=st.data())
def test_damaged_bytes_are_refused_never_loaded(data: st.DataObject) -> None:
    good = snapshot_to_bytes(SHOP)
    position = data.draw(st.integers(0, len(good) - 1))
    flipped = data.draw(st.integers(1, 255))
    damaged = bytearray(good)
    damaged[position] ^= flipped

    with pytest.raises(SnapshotFormatError):
        snapshot_from_bytes(bytes(damaged))


@pytest.mark.parametrize("keep", [0, 5, 20, 60, -1])
def test_truncated_bytes_are_refused(keep: int) -> None:
    good = snapshot_to_bytes(SHOP)

    with pytest.raises(SnapshotFormatError):
        snapshot_from_bytes(good[:keep])


def test_json_text_is_not_taken_for_bytes() -> None:
    with pytest.raises(SnapshotFormatError, match="not a migguard snapshot"):
        snapshot_from_bytes(b'{"format": 2, "dialect": "sqlite", "tables": []}')


@pytest.mark.parametrize(
    ("old", "new"),
    [
        (f"migguard-snapshot {BINARY_FORMAT} ", f"migguard-snapshot {BINARY_FORMAT + 1} "),
        (f" {marshal.version}\n", f" {marshal.version - 1}\n"),
        (f" {sa.__version__} ", " 1.4.0 "),
    ],
)
def test_other_versions_are_a_version_error(old: str, new: str) -> None:
    good = snapshot_to_bytes(SHOP)
    assert old.encode() in good

    with pytest.raises(SnapshotVersionError):
        snapshot_from_bytes(good.replace(old.encode(), new.encode(), 1))

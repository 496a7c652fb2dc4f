"""Which PostgreSQL type changes need a ``USING`` cast, and the cast written."""

from __future__ import annotations

import pytest

from migguard.autogen.diff.casts import using_cast


@pytest.mark.parametrize(
    ("old", "new", "enum", "expected"),
    [
        ("INTEGER", "BIGINT", False, None),
        ("VARCHAR(20)", "VARCHAR(80)", False, None),
        ("VARCHAR(20)", "TEXT", False, None),
        ("UUID", "VARCHAR(36)", False, None),
        ("TIMESTAMP WITHOUT TIME ZONE", "TIMESTAMP(3) WITH TIME ZONE", False, None),
        ("JSON", "JSONB", False, None),
        ("INTEGER", "BOOLEAN", False, '"v"::BOOLEAN'),
        ("VARCHAR(36)", "UUID", False, '"v"::UUID'),
        ("TEXT", "BYTEA", False, '"v"::BYTEA'),
        ("TEXT", "INTEGER[]", False, '"v"::INTEGER[]'),
        ("VARCHAR(4)", "status", True, '"v"::text::status'),
        ("old_status", "status", True, '"v"::text::status'),
        ("status", "status", True, None),
        (None, "UUID", False, None),
    ],
)
def test_cast_written_only_where_postgresql_has_none(
    old: str | None, new: str, enum: bool, expected: str | None
) -> None:
    assert using_cast('"v"', old, new, new_is_enum=enum) == expected

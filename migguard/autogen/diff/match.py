"""How the records of the two sides are paired up, and what makes two of them the same: the
matching rules of ``migguard.autogen.diff.keys``."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

from migguard.autogen.diff.sql import normalise_sql
from migguard.autogen.snapshot import ForeignKeyInfo, IndexInfo

__all__ = ["Matched", "fk_signature", "index_signature", "match"]


class Matched(NamedTuple):
    """Model and database records paired up: ``pairs`` (same name or, one side unnamed, same
    definition), and what only one side has."""

    pairs: list[tuple[Any, Any]]
    model_only: list[Any]
    reflected_only: list[Any]


def match(
    model: Sequence[Any], reflected: Sequence[Any], signature: Callable[[Any], Any]
) -> Matched:
    """Pair records by name where both are named, then by ``signature`` where one is not."""
    reflected_left = list(reflected)
    pairs, model_only = [], []
    by_name = {r.name: r for r in reflected if r.name is not None}
    unpaired = []
    for item in model:
        found = by_name.get(item.name) if item.name is not None else None
        if found is not None:
            pairs.append((item, found))
            reflected_left.remove(found)
        else:
            unpaired.append(item)
    for item in unpaired:
        found = next(
            (
                r
                for r in reflected_left
                if (item.name is None or r.name is None) and signature(r) == signature(item)
            ),
            None,
        )
        if found is None:
            model_only.append(item)
        else:
            pairs.append((item, found))
            reflected_left.remove(found)
    return Matched(pairs, model_only, reflected_left)


def fk_signature(fk: ForeignKeyInfo) -> tuple[Any, ...]:
    """What makes two foreign keys the same, their names aside."""
    return (
        fk.columns,
        fk.referred_schema,
        fk.referred_table,
        fk.referred_columns,
        fk.ondelete,
        fk.onupdate,
        fk.deferrable,
        fk.initially,
    )


def index_signature(index: IndexInfo, dialect_name: str) -> tuple[Any, ...]:
    """What makes two indexes the same once the database's rewriting is set aside."""

    def sql(value: Any) -> Any:
        return normalise_sql(value, dialect_name) if isinstance(value, str) else value

    return (
        index.columns,
        tuple(sql(e) for e in index.expressions),
        index.unique,
        tuple((key, sql(value)) for key, value in index.dialect_options),
        tuple((sql(key), flags) for key, flags in index.sorting),
    )

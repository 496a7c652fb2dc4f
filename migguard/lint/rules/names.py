"""How rule messages name tables and columns, and the autocommit block their recipes use."""

from __future__ import annotations

__all__ = ["AUTOCOMMIT", "column_name", "table_name"]

# The block a recipe runs statements in outside the revision's transaction.
AUTOCOMMIT = "with op.get_context().autocommit_block():"


def table_name(table: str | None, schema: str | None) -> str:
    """``'orders'`` or ``'shop.orders'`` (quoted for messages)."""
    return repr(f"{schema}.{table}" if schema else str(table))


def column_name(table: str, column: str, schema: str | None) -> str:
    """``'orders.email'`` or ``'shop.orders.email'`` (quoted for messages)."""
    return repr(f"{schema}.{table}.{column}" if schema else f"{table}.{column}")

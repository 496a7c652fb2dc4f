"""How rule messages name tables and columns."""

from __future__ import annotations

__all__ = ["column_name", "table_name"]


def table_name(table: str | None, schema: str | None) -> str:
    """``'orders'`` or ``'shop.orders'`` (quoted for messages)."""
    return repr(f"{schema}.{table}" if schema else str(table))


def column_name(table: str, column: str, schema: str | None) -> str:
    """``'orders.email'`` or ``'shop.orders.email'`` (quoted for messages)."""
    return repr(f"{schema}.{table}.{column}" if schema else f"{table}.{column}")

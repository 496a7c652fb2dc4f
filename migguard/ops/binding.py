"""Which ``Operations`` the ``op`` facade forwards to while one revision runs.

This module stays free of SQLAlchemy so that ``migguard.op`` remains cheap to import.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING

from migguard.ops.errors import NotRunningError

if TYPE_CHECKING:
    from migguard.ops.operations import Operations

_bound: ContextVar[Operations | None] = ContextVar("migguard_operations", default=None)


@contextmanager
def bind(operations: Operations) -> Iterator[Operations]:
    """Make ``operations`` the target of ``op.*`` for the duration of the ``with`` block.

    Bindings nest (the previous one is restored on exit) and are local to the current thread
    or asyncio task, because they live in a ``contextvars.ContextVar``. Yields ``operations``.
    """
    token = _bound.set(operations)
    try:
        yield operations
    finally:
        _bound.reset(token)


def current() -> Operations:
    """Return the bound ``Operations``; raise ``NotRunningError`` when none is bound."""
    operations = _bound.get()
    if operations is None:
        raise NotRunningError(
            "op.* is only available while migguard runs a revision (migguard upgrade / downgrade)"
        )
    return operations

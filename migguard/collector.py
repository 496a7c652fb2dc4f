"""Pausing Python's cyclic garbage collector while many long-lived objects are built.

The collector runs every few hundred container allocations and, every so often, rescans every
object alive. Loading a history, a cached snapshot or a project's models builds tens of
thousands of objects that are either acyclic (tuples, frozen records) or kept for the whole
run: rescanning them finds nothing to free, and with a 500-table ``MetaData`` alive a single
full pass costs tens of milliseconds. Cycles made meanwhile are collected once the block ends.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["collector_paused"]


@contextmanager
def collector_paused() -> Iterator[None]:
    """Within the block the cyclic collector does not run (reference counting still frees
    what is not in a cycle); it is enabled again afterwards if it was before, so blocks
    nest."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()

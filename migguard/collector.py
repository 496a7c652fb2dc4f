"""Pausing Python's cyclic garbage collector while many long-lived objects are built.

The collector runs every few hundred container allocations and, every so often, rescans every
object alive. Loading a history, a cached snapshot or a project's models builds tens of
thousands of objects that are either acyclic (tuples, frozen records) or kept for the whole
run: rescanning them finds nothing to free, and with a 500-table ``MetaData`` alive a single
full pass costs tens of milliseconds. Cycles made meanwhile are collected once the block ends.

In a process that ends with its command (the command line, :func:`freeze_loaded_objects`),
what a ``long_lived`` block built is also taken out of the collector's sight when it ends
(:func:`gc.freeze`): otherwise the first collections after it would still scan it all, young
generation, middle and full pass in turn (about 200 ms after importing 500 models). Objects
frozen so are still freed by reference counting; only a cycle among them that becomes
garbage stays until the process ends, which in a short-lived process costs nothing.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["collector_paused", "freeze_loaded_objects"]

_freezing = False


def freeze_loaded_objects() -> None:
    """Declare this process short-lived: from now on, each ``long_lived`` block of
    :func:`collector_paused` ends by freezing every object the collector tracks. Only for a
    process that exits when its one command is done; a long-running one (a test session, an
    application calling migguard) would keep its cyclic garbage."""
    global _freezing
    _freezing = True


@contextmanager
def collector_paused(*, long_lived: bool = False) -> Iterator[None]:
    """Within the block the cyclic collector does not run (reference counting still frees
    what is not in a cycle); it is enabled again afterwards if it was before, so blocks
    nest.

    Args:
        long_lived: what the block builds stays alive for the rest of the run (the models, the
            history, a loaded snapshot): after :func:`freeze_loaded_objects`, it is frozen
            when the block ends.
    """
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if long_lived and _freezing:
            gc.freeze()
        if collecting:
            gc.enable()

"""The live view of a run over many targets, on a terminal: an overall bar (targets finished of
all, time elapsed, time remaining) under one line per running target (its name and how long it
has been running), with each finished target's line printed above them as it comes.

Piped, or with ``NO_COLOR``, there is no live view: each finished target's line is printed as
it comes, nothing else, so logs and tests read the same lines.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from migguard.report.fleet import target_line
from migguard.report.printer import Printer

if TYPE_CHECKING:
    from migguard.fleet.run import TargetResult

__all__ = ["FleetProgress"]

# How often the running targets' times are redrawn (rich's refreshes per second).
_REFRESH_PER_SECOND = 4


class FleetProgress:
    """Use as a context manager around the run; tell it :meth:`started` and :meth:`finished`
    for each target.

    Args:
        printer: where to print (the live view only when it prints in colour, i.e. on a
            terminal).
        total: how many targets the run has.
    """

    def __init__(self, printer: Printer, total: int) -> None:
        self._printer = printer
        self._total = total
        # Running targets by name -> when they started (time.monotonic()).
        self._running: dict[str, float] = {}
        self._live: Any = None
        self._overall: Any = None
        self._task: Any = None

    def __enter__(self) -> FleetProgress:
        if not self._printer.color:
            return self
        from rich.live import Live
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        self._overall = Progress(
            TextColumn("targets"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TextColumn("remaining"),
            TimeRemainingColumn(),
            console=self._printer._rich(),
            auto_refresh=False,
        )
        self._task = self._overall.add_task("targets", total=self._total)
        self._live = Live(
            get_renderable=self._view,
            console=self._printer._rich(),
            refresh_per_second=_REFRESH_PER_SECOND,
            transient=True,
        )
        self._live.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._live is not None:
            self._live.__exit__(None, None, None)

    def started(self, name: str) -> None:
        """Target ``name`` began running."""
        self._running[name] = time.monotonic()

    def finished(self, result: TargetResult) -> None:
        """A target finished: its line is printed (above the live view, when there is one)."""
        self._running.pop(result.name, None)
        if self._live is None:
            self._printer.line(target_line(result))
            return
        from rich.text import Text

        self._overall.advance(self._task)
        self._live.console.print(Text.assemble(*((t, s or "") for t, s in target_line(result))))
        self._live.refresh()

    def _view(self) -> Any:
        """What the live view shows now: the overall bar, then a line per running target."""
        from rich.console import Group
        from rich.text import Text

        now = time.monotonic()
        running = [
            Text.assemble(("  running ", "dim"), (name, "bold"), f"  {now - began:.1f} s")
            for name, began in sorted(self._running.items(), key=lambda item: item[1])
        ]
        return Group(self._overall.get_renderable(), *running)

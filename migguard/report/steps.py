"""Printing a migration run as it goes: one line per revision step, a progress bar for long
plans on a terminal, and the warning for a run without a migration lock.
"""

from __future__ import annotations

from collections.abc import Sequence
from types import TracebackType
from typing import IO, TYPE_CHECKING

from migguard.report.printer import Printer, StepProgress, print_warnings

if TYPE_CHECKING:
    from migguard.runtime.plan import Step
    from migguard.scripts.directory import History

__all__ = ["PROGRESS_FROM", "StepPrinter", "warn_no_lock"]

# Plans at least this long get a progress bar on a terminal.
PROGRESS_FROM = 20


def warn_no_lock(stream: IO[str] | None = None) -> None:
    """Warn (stderr unless ``stream``) that the run held no migration lock, so two runs on
    the same database could interleave; said by ``upgrade``/``downgrade`` and the hooks."""
    print_warnings(
        ["no migration lock for this database: do not run two migrations at once"], stream
    )


class StepPrinter:
    """The runner's listener: one line per step; a progress bar for long plans on a terminal."""

    def __init__(self, printer: Printer, history: History, *, quiet: bool) -> None:
        self._printer = printer
        self._history = history
        self._quiet = quiet
        self._progress: StepProgress | None = None

    def __enter__(self) -> StepPrinter:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if self._progress is not None:
            self._progress.__exit__(kind, value, trace)

    def planned(self, steps: Sequence[Step]) -> None:
        """Start a progress bar when the plan is long (not with ``quiet``)."""
        if not self._quiet and len(steps) >= PROGRESS_FROM:
            self._progress = self._printer.progress(len(steps)).__enter__()

    def step_started(self, step: Step) -> None:
        """Print the step's line (above the bar, when there is one)."""
        if self._quiet:
            return
        text = step.describe(self._history.graph)
        if self._progress is not None:
            self._progress.line(text)
        else:
            self._printer.line(text)

    def step_finished(self, step: Step, seconds: float) -> None:
        """Advance the bar, when there is one."""
        if self._progress is not None:
            self._progress.advance()

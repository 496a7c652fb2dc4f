"""The printer: plain text when piped or with NO_COLOR, rich on a terminal, and JSON.

rich is imported only when colour output is actually used, so piped commands (pre-commit
hooks, scripts) never pay for it.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable
from typing import IO, Any

# A line is a list of (text, rich style or None) segments.
Segment = tuple[str, str | None]
Line = list[Segment]


def wants_color(stream: IO[str]) -> bool:
    """True when ``stream`` is a terminal and neither NO_COLOR nor TERM=dumb is set."""
    if os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb":
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


class Printer:
    """Writes lines to a stream, styled with rich on a terminal and plain otherwise."""

    def __init__(self, stream: IO[str] | None = None, *, color: bool | None = None) -> None:
        self.stream = stream if stream is not None else sys.stdout
        self.color = wants_color(self.stream) if color is None else color
        self._console: Any = None

    def line(self, line: Line | str = "") -> None:
        """Print one line (a plain string or styled segments)."""
        segments: Line = [(line, None)] if isinstance(line, str) else line
        if not self.color:
            self.stream.write("".join(text for text, _ in segments) + "\n")
            return
        from rich.text import Text

        self._rich().print(Text.assemble(*((t, s or "") for t, s in segments)))

    def rich_print(self, renderable: object) -> None:
        """Print a rich renderable (a table, say); only for colour output."""
        self._rich().print(renderable)

    def progress(self, total: int) -> StepProgress:
        """A progress bar over ``total`` steps, drawn on a terminal only."""
        return StepProgress(self, total)

    def json(self, data: object) -> None:
        """Print ``data`` as indented JSON."""
        import json

        self.stream.write(json.dumps(data, indent=2) + "\n")

    def _rich(self) -> Any:
        if self._console is None:
            from rich.console import Console

            # The colour decision is made above (terminal, NO_COLOR, TERM); rich follows it.
            self._console = Console(
                file=self.stream, highlight=False, soft_wrap=True, force_terminal=True
            )
        return self._console


class StepProgress:
    """Lines printed above a rich progress bar (colour output), or plain lines."""

    def __init__(self, printer: Printer, total: int) -> None:
        self._printer = printer
        self._total = total
        self._bar: Any = None
        self._task: Any = None

    def __enter__(self) -> StepProgress:
        if self._printer.color:
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

            self._bar = Progress(
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=self._printer._rich(),
                transient=True,
            )
            self._bar.__enter__()
            self._task = self._bar.add_task("migrating", total=self._total)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.__exit__(None, None, None)

    def line(self, text: str) -> None:
        """Print a line (above the bar, when there is one)."""
        if self._bar is not None:
            from rich.text import Text

            self._bar.console.print(Text(text))
        else:
            self._printer.line(text)

    def advance(self) -> None:
        """One step done."""
        if self._bar is not None:
            self._bar.advance(self._task)


def print_warnings(warnings: Iterable[str], stream: IO[str] | None = None) -> None:
    """Write each warning as ``migguard: warning: ...`` to stderr."""
    out = stream if stream is not None else sys.stderr
    for warning in warnings:
        out.write(f"migguard: warning: {warning}\n")

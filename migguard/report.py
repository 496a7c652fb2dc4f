"""Rendering for the terminal: plain text when piped or with NO_COLOR, rich on a terminal, and
JSON. Everything below this module returns data; this is where it becomes output.

rich is imported only when colour output is actually used, so piped commands (pre-commit
hooks, scripts) never pay for it.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Collection, Iterable, Sequence
from typing import IO, Any

from migguard.graph import RevisionGraph
from migguard.scripts.directory import History

# A line is a list of (text, rich style or None) segments.
Segment = tuple[str, str | None]
Line = list[Segment]

_ID = "bold yellow"
_TAG = "cyan"
_HEAD = "bold green"
_CURRENT = "bold magenta"


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


def _parents(graph: RevisionGraph, rid: str) -> str:
    down = graph.get(rid).down_revisions
    if not down:
        return "<base>"
    return down[0] if len(down) == 1 else f"({', '.join(down)})"


def _tags(graph: RevisionGraph, rid: str, current: Collection[str] = ()) -> Line:
    tags: Line = []
    labels = sorted(graph.known_branch_labels(rid))
    if labels:
        tags.append((f" ({', '.join(labels)})", _TAG))
    if graph.is_head(rid):
        tags.append((" (head)", _HEAD))
    if graph.is_branch_point(rid):
        tags.append((" (branchpoint)", _TAG))
    if graph.is_merge_point(rid):
        tags.append((" (mergepoint)", _TAG))
    if rid in current:
        tags.append((" (current)", _CURRENT))
    return tags


def history_line(graph: RevisionGraph, rid: str, current: Collection[str] = ()) -> Line:
    """``parent -> rid (labels) (head), message``, as ``history`` prints it; ``(current)``
    marks the revisions in ``current`` (the database's rows)."""
    return [
        (f"{_parents(graph, rid)} -> ", None),
        (rid, _ID),
        *_tags(graph, rid, current),
        (f", {graph.get(rid).message}", None),
    ]


def short_line(graph: RevisionGraph, rid: str) -> Line:
    """``rid (labels) (head)``, as ``heads`` prints it."""
    return [(rid, _ID), *_tags(graph, rid)]


def verbose_block(history: History, rid: str) -> list[Line]:
    """Every fact about one revision, several lines, then its docstring indented."""
    graph = history.graph
    rev = graph.get(rid)
    lines: list[Line] = [[("Rev: ", None), (rid, _ID), *_tags(graph, rid)]]
    lines.append([(f"Parent: {', '.join(rev.down_revisions) or '<base>'}", None)])
    if graph.is_branch_point(rid):
        lines.append([(f"Branches into: {', '.join(graph.children(rid))}", None)])
    labels = sorted(graph.known_branch_labels(rid))
    if labels:
        lines.append([(f"Branch names: {', '.join(labels)}", None)])
    if rev.depends_on:
        lines.append([(f"Also depends on: {', '.join(rev.depends_on)}", None)])
    lines.append([(f"Path: {history.display_path(rid)}", None)])
    if rev.create_date:
        lines.append([(f"Created: {rev.create_date}", None)])
    lines.append([])
    doc = (history.docstring(rid) or rev.message).splitlines()
    lines.extend([[(f"    {text}".rstrip(), None)] for text in doc])
    lines.append([])
    return lines


def revision_record(history: History, rid: str) -> dict[str, object]:
    """The JSON object for one revision (the schema documented in the README)."""
    graph = history.graph
    rev = graph.get(rid)
    return {
        "revision": rid,
        "down_revisions": list(rev.down_revisions),
        "branch_labels": sorted(graph.known_branch_labels(rid)),
        "depends_on": list(rev.depends_on),
        "message": rev.message,
        "path": history.display_path(rid),
        "create_date": rev.create_date,
        "is_head": graph.is_head(rid),
        "is_base": not rev.down_revisions,
        "is_merge": graph.is_merge_point(rid),
        "is_branch_point": graph.is_branch_point(rid),
        "children": list(graph.children(rid)),
    }


def print_revisions(
    printer: Printer,
    history: History,
    rids: Sequence[str],
    *,
    fmt: str,
    verbose: bool,
    style: str,
    current: Collection[str] | None = None,
) -> None:
    """Print revisions as ``history`` (``style="history"``) or ``heads`` (``"short"``) lines,
    verbose blocks, or a JSON array (``fmt="json"``). With ``current`` (the database's rows),
    those revisions are marked (text) or get ``"is_current"`` (JSON)."""
    if fmt == "json":
        records = [revision_record(history, rid) for rid in rids]
        if current is not None:
            for record in records:
                record["is_current"] = record["revision"] in current
        printer.json(records)
        return
    for rid in rids:
        if verbose:
            for line in verbose_block(history, rid):
                printer.line(line)
        elif style == "history":
            printer.line(history_line(history.graph, rid, current or ()))
        else:
            printer.line(short_line(history.graph, rid))


def print_warnings(warnings: Iterable[str], stream: IO[str] | None = None) -> None:
    """Write each warning as ``migguard: warning: ...`` to stderr."""
    out = stream if stream is not None else sys.stderr
    for warning in warnings:
        out.write(f"migguard: warning: {warning}\n")

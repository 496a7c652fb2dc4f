"""Revisions as lines: what ``history``, ``heads``, ``branches``, ``show`` and ``current`` print
(styled segments, verbose blocks, or JSON records).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from migguard.graph import RevisionGraph
from migguard.report.printer import Line, Printer
from migguard.scripts.directory import History

_ID = "bold yellow"
_TAG = "cyan"
_HEAD = "bold green"
_CURRENT = "bold magenta"


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

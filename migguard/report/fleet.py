"""Printing runs over many targets: a line per target as it finishes, the final per-target table
of ``upgrade``/``downgrade``/``stamp``/``check --db`` over targets (rich on a terminal, aligned
plain text when piped), ``current --all``'s revisions and groups, and the JSON of both. URLs
arrive masked (``shown_url``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from migguard.report.printer import Line, Printer

if TYPE_CHECKING:
    from migguard.fleet.current import Group, TargetRevisions
    from migguard.fleet.run import TargetResult

__all__ = [
    "fleet_records",
    "print_fleet_current",
    "print_fleet_run",
    "target_line",
]

_STYLES = {
    "upgraded": "green",
    "downgraded": "green",
    "stamped": "green",
    "clean": "green",
    "drifted": "bold yellow",
    "already at target": None,
    "failed": "bold red",
    "not run": "yellow",
}
_COLUMNS = ("target", "url", "from -> to", "revisions", "seconds", "outcome")


def _rows(rows: Sequence[str] | None) -> str:
    if rows is None:
        return "?"
    return ", ".join(rows) or "base"


def _outcome(result: TargetResult) -> str:
    if result.outcome == "failed":
        return f"failed: {result.reason}"
    if result.outcome == "drifted":
        return f"drifted ({len(result.findings)} finding(s))"
    return result.outcome


def target_line(result: TargetResult) -> Line:
    """One finished target: ``NAME: upgraded A -> B (N revision(s), S s)`` (``downgraded``
    alike), ``NAME: stamped A -> B``, ``NAME: already at B``, ``NAME: clean at B``,
    ``NAME: drifted at B (N finding(s))``, ``NAME: failed: REASON`` or ``NAME: not run``."""
    name: Line = [(result.name, "bold"), (": ", None)]
    moved = f"{_rows(result.before)} -> {_rows(result.after)}"
    style = _STYLES[result.outcome]
    if result.outcome in ("upgraded", "downgraded"):
        detail = f" {moved} ({result.revisions_run} revision(s), {result.seconds:.2f} s)"
        return [*name, (result.outcome, style), (detail, None)]
    if result.outcome == "stamped":
        return [*name, ("stamped", style), (f" {moved}", None)]
    if result.outcome == "already at target":
        return [*name, (f"already at {_rows(result.after)}", None)]
    if result.outcome == "clean":
        return [*name, ("clean", style), (f" at {_rows(result.after)}", None)]
    if result.outcome == "drifted":
        count = f" at {_rows(result.after)} ({len(result.findings)} finding(s))"
        return [*name, ("drifted", style), (count, None)]
    return [*name, (_outcome(result), style)]


def _cells(result: TargetResult) -> tuple[str, ...]:
    return (
        result.name,
        result.shown_url,
        f"{_rows(result.before)} -> {_rows(result.after)}",
        str(result.revisions_run),
        f"{result.seconds:.2f}",
        _outcome(result),
    )


def _record(result: TargetResult) -> dict[str, object]:
    return {
        "target": result.name,
        "url": result.shown_url,
        "outcome": result.outcome,
        "from": None if result.before is None else list(result.before),
        "to": None if result.after is None else list(result.after),
        "revisions_run": result.revisions_run,
        "seconds": round(result.seconds, 3),
        "reason": result.reason,
    }


def fleet_records(results: Sequence[TargetResult]) -> list[dict[str, object]]:
    """The targets as JSON records: ``{"target", "url", "outcome", "from", "to",
    "revisions_run", "seconds", "reason"}`` each."""
    return [_record(result) for result in results]


def print_fleet_run(printer: Printer, results: Sequence[TargetResult], *, fmt: str) -> None:
    """The final report of ``upgrade``/``downgrade``/``stamp`` over targets.

    Args:
        printer: where to print.
        results: one per target, in the order to show.
        fmt: ``text``: the per-target table (target, masked URL, from -> to, revisions run,
            seconds, outcome) and a count line; ``json``: ``{"targets": [{"target", "url",
            "outcome", "from", "to", "revisions_run", "seconds", "reason"}, ...],
            "succeeded": N, "failed": N, "not_run": N}``.
    """
    succeeded = sum(1 for result in results if result.succeeded)
    failed = sum(1 for result in results if result.outcome == "failed")
    not_run = len(results) - succeeded - failed
    if fmt == "json":
        printer.json(
            {
                "targets": fleet_records(results),
                "succeeded": succeeded,
                "failed": failed,
                "not_run": not_run,
            }
        )
        return
    cells = [_cells(result) for result in results]
    if printer.color:
        from rich.table import Table
        from rich.text import Text

        table = Table()
        for column in _COLUMNS:
            # Folded rather than cut: a URL or a reason is no use with its end replaced by "…".
            table.add_column(column, overflow="fold")
        for result, row in zip(results, cells, strict=True):
            # Text, not markup: a URL or a database's message may hold "[...]".
            table.add_row(*(Text(cell) for cell in row), style=_STYLES[result.outcome])
        printer.rich_print(table)
    else:
        _plain_table(printer, [_COLUMNS, *cells])
    tail = f", {not_run} not run" if not_run else ""
    printer.line(f"{len(results)} target(s): {succeeded} succeeded, {failed} failed{tail}.")


def _plain_table(printer: Printer, rows: Sequence[Sequence[str]]) -> None:
    """Columns padded to their widest cell, two spaces apart; the last column unpadded."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    for row in rows:
        padded = [cell.ljust(width) for cell, width in zip(row, widths, strict=False)]
        printer.line("  ".join([*padded, row[-1]]))


def print_fleet_current(
    printer: Printer, fleet: Sequence[TargetRevisions], groups: Sequence[Group], *, fmt: str
) -> None:
    """What ``current --all`` prints.

    Args:
        printer: where to print.
        fleet: each target's revisions, in the order to show.
        groups: the targets grouped by revisions, newest first (per history, when targets
            run histories of their own)
            (:func:`migguard.fleet.current.group_fleet`).
        fmt: ``text``: ``NAME: REVS`` per target (``base``, or ``unreadable: REASON``), then
            ``N target(s) at REVS`` per group, the older ones marked ``(stragglers: NAMES)``;
            ``json``: ``{"targets": [{"target", "url", "revisions", "reason"}, ...],
            "groups": [{"revisions", "targets", "newest"}, ...], "stragglers": [NAMES]}``.
    """
    stragglers = [name for group in groups if not group.newest for name in group.names]
    if fmt == "json":
        printer.json(
            {
                "targets": [
                    {
                        "target": entry.name,
                        "url": entry.shown_url,
                        "revisions": None if entry.rows is None else list(entry.rows),
                        "reason": entry.reason,
                    }
                    for entry in fleet
                ],
                "groups": [
                    {"revisions": list(g.rows), "targets": list(g.names), "newest": g.newest}
                    for g in groups
                ],
                "stragglers": stragglers,
            }
        )
        return
    for entry in fleet:
        if entry.rows is None:
            printer.line([(f"{entry.name}: ", None), (f"unreadable: {entry.reason}", "bold red")])
        else:
            printer.line(f"{entry.name}: {_rows(entry.rows)}")
    printer.line()
    for group in groups:
        line: Line = [(f"{len(group.names)} target(s) at {_rows(group.rows)}", None)]
        if not group.newest:
            line.append((f" (stragglers: {', '.join(group.names)})", "yellow"))
        printer.line(line)

"""Commands that read the history: ``heads``, ``branches``, ``history``, ``show``.

None of them imports SQLAlchemy.
"""

from __future__ import annotations

import argparse
import re

from migguard.cli.common import add_format, history_from, with_env_py_settings
from migguard.errors import EXIT_OK, UsageError
from migguard.graph import RevisionGraph, history_range, newest_first, resolve
from migguard.report.history import print_revisions
from migguard.report.printer import Printer


def register(commands: argparse._SubParsersAction) -> None:
    """Add the history commands to the parser."""
    heads = commands.add_parser("heads", help="show the current heads")
    heads.add_argument("-v", "--verbose", action="store_true", help="show every detail")
    heads.add_argument(
        "--resolve-dependencies",
        action="store_true",
        help="leave out heads another revision depends on (the heads `upgrade heads` leaves)",
    )
    add_format(heads)
    heads.set_defaults(handler=cmd_heads)

    branches = commands.add_parser("branches", help="show branch points and their branches")
    branches.add_argument("-v", "--verbose", action="store_true", help="show every detail")
    branches.set_defaults(handler=cmd_branches)

    hist = commands.add_parser("history", help="list revisions, newest first")
    hist.add_argument(
        "-r",
        "--rev-range",
        metavar="START:END",
        help="only revisions from START to END (either may be empty; current, -1 and "
        "current-1 read the database)",
    )
    hist.add_argument("-v", "--verbose", action="store_true", help="show every detail")
    hist.add_argument(
        "-i",
        "--indicate-current",
        action="store_true",
        help="mark the revisions the database is at (connects to it)",
    )
    add_format(hist)
    hist.set_defaults(handler=cmd_history)

    show = commands.add_parser("show", help="show one revision (or several: heads, ...)")
    show.add_argument("rev", metavar="REV", help="an identifier: id, prefix, head, label@head")
    add_format(show)
    show.set_defaults(handler=cmd_show)


def cmd_heads(args: argparse.Namespace) -> int:
    """Print every head, in file order (with ``--resolve-dependencies``, as Alembic's flag,
    only those no revision depends on)."""
    _, history = history_from(args)
    graph = history.graph
    print_revisions(
        Printer(),
        history,
        graph.real_heads if args.resolve_dependencies else graph.heads,
        fmt=args.format,
        verbose=args.verbose,
        style="short",
    )
    return EXIT_OK


def cmd_branches(args: argparse.Namespace) -> int:
    """Print each branch point and, under it, the revisions that follow it."""
    _, history = history_from(args)
    graph = history.graph
    printer = Printer()
    for rid in graph.ids:
        if not graph.is_branch_point(rid):
            continue
        print_revisions(printer, history, [rid], fmt="text", verbose=args.verbose, style="short")
        for child in graph.children(rid):
            message = graph.get(child).message
            printer.line([("  -> ", None), (child, "bold yellow"), (f", {message}", None)])
    return EXIT_OK


def cmd_history(args: argparse.Namespace) -> int:
    """Print revisions newest first, optionally limited to ``START:END`` (either side may
    be ``current`` or relative to it, as ``-1:``; the database is read only then)."""
    config, history = history_from(args)
    graph = history.graph
    start = end = ""
    if args.rev_range is not None:
        if ":" not in args.rev_range:
            raise UsageError(f"--rev-range {args.rev_range!r}: expected START:END, START: or :END")
        start, end = (side.strip() for side in args.rev_range.split(":", 1))
    current = None
    if args.indicate_current or _needs_database(start) or _needs_database(end):
        from migguard.runtime.current import read_current

        current = read_current(with_env_py_settings(args, config))
    if args.rev_range is None:
        rids = newest_first(graph, graph.ids, graph.real_heads)
    else:
        at = _known(graph, current) if current is not None else ()
        lower = resolve(graph, start, at) if start else ()
        upper = resolve(graph, end, at) if end else resolve(graph, "heads")
        rids = history_range(graph, lower, upper)
    print_revisions(
        Printer(),
        history,
        rids,
        fmt=args.format,
        verbose=args.verbose,
        style="history",
        current=current if args.indicate_current else None,
    )
    return EXIT_OK


def cmd_show(args: argparse.Namespace) -> int:
    """Print every fact about the revision(s) an identifier names."""
    config, history = history_from(args)
    current: tuple[str, ...] = ()
    if _needs_database(args.rev.strip()):
        from migguard.runtime.current import read_current

        current = _known(history.graph, read_current(with_env_py_settings(args, config)))
    rids = resolve(history.graph, args.rev, current)
    if not rids:
        raise UsageError(f"{args.rev!r} names no revision (it resolves to base)")
    print_revisions(Printer(), history, rids, fmt=args.format, verbose=True, style="history")
    return EXIT_OK


# ``current``, ``+N``/``-N``, ``current-1``, ``label@current``, ``label@-1``: identifiers
# that count from the database's revisions.
_DATABASE_FORMS = re.compile(r"(?:^|@)(?:current(?:[+-]\d+)?|[+-]\d+)$")


def _needs_database(ident: str) -> bool:
    return bool(_DATABASE_FORMS.search(ident))


def _known(graph: RevisionGraph, rows: tuple[str, ...]) -> tuple[str, ...]:
    """``rows`` (the database's revisions) when the history has them all.

    Raises:
        UnknownDatabaseRevisionError: one is not in the history (as ``upgrade`` says it).
    """
    from migguard.runtime.plan import check_known

    check_known(graph, rows)
    return rows

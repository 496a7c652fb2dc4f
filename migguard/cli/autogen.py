"""``diff``: compare the models with a database. ``revision --autogenerate`` lives with
``revision``, the drift check (``check --db``) with the guard."""

from __future__ import annotations

import argparse

from migguard.cli.common import add_format, config_from
from migguard.errors import EXIT_FINDINGS, EXIT_OK
from migguard.report.printer import Printer, print_warnings


def register(commands: argparse._SubParsersAction) -> None:
    """Add the comparison commands to the parser."""
    diff = commands.add_parser(
        "diff",
        help="show what the database lacks compared with the models (writes nothing; "
        "exit 1 when it lacks something)",
    )
    add_rename(diff)
    add_format(diff)
    diff.set_defaults(handler=cmd_diff)


def add_rename(parser: argparse.ArgumentParser) -> None:
    """``--rename OLD:NEW`` (repeatable)."""
    parser.add_argument(
        "--rename",
        action="append",
        default=[],
        metavar="OLD:NEW",
        help="treat a dropped+added table (OLD:NEW) or column (TABLE.OLD:TABLE.NEW) as a rename",
    )


def cmd_diff(args: argparse.Namespace) -> int:
    """Print the pending operations, one per line (or JSON); exit 1 when there are some
    (as ``check``), 0 when the database matches the models."""
    from migguard.autogen.diff import describe, to_json
    from migguard.autogen.generate import diff_database, parse_renames

    config = config_from(args, env_py=True)
    diff, _ = diff_database(config, parse_renames(args.rename))
    print_warnings(diff.warnings)
    printer = Printer()
    operations = diff.operations
    status = EXIT_FINDINGS if operations else EXIT_OK
    if args.format == "json":
        printer.json(to_json(diff))
        return status
    if not operations:
        printer.line("No differences: the database matches the models.")
    for operation in operations:
        printer.line(describe(operation, diff.dialect))
    return status

"""Commands that compare the models with a database: ``diff`` and ``check --db`` (drift);
``revision --autogenerate`` lives with ``revision``."""

from __future__ import annotations

import argparse

from migguard.cli.common import add_format, config_from, history_from
from migguard.errors import EXIT_FINDINGS
from migguard.report import Printer, print_warnings
from migguard.urls import mask_password


def register(commands: argparse._SubParsersAction) -> None:
    """Add the comparison commands to the parser."""
    diff = commands.add_parser(
        "diff", help="show what the database lacks compared with the models (writes nothing)"
    )
    add_rename(diff)
    add_format(diff)
    diff.set_defaults(handler=cmd_diff)

    check = commands.add_parser("check", help="check the database against the models (drift)")
    check.add_argument(
        "--db",
        action="store_true",
        required=True,
        help="compare the live database, at its recorded revision, with the models",
    )
    add_format(check)
    check.set_defaults(handler=cmd_check)


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
    """Print the pending operations, one per line (or JSON)."""
    from migguard.autogen.diff import describe, to_json
    from migguard.autogen.generate import diff_database, parse_renames

    config = config_from(args)
    diff, _ = diff_database(config, parse_renames(args.rename))
    print_warnings(diff.warnings)
    printer = Printer()
    if args.format == "json":
        printer.json(to_json(diff))
        return 0
    operations = diff.operations
    if not operations:
        printer.line("No differences: the database matches the models.")
    for operation in operations:
        printer.line(describe(operation))
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    """Exit 1 with the differences when the live database drifted from the models."""
    from migguard.autogen.diff import describe, to_json
    from migguard.autogen.generate import diff_database
    from migguard.runtime.migrate import database_url, read_current
    from migguard.runtime.plan import check_known

    config, history = history_from(args)
    current = read_current(config)
    check_known(history.graph, current)
    diff, _ = diff_database(config)
    operations = diff.operations
    printer = Printer()
    if args.format == "json":
        printer.json({"revision": list(current), "drift": to_json(diff)})
        return EXIT_FINDINGS if operations else 0
    where = f"{mask_password(database_url(config))} at {', '.join(current) or 'base'}"
    if not operations:
        printer.line(f"In sync: {where} matches the models.")
        return 0
    printer.line(f"Drift: {where} differs from the models; to match them it needs:")
    for operation in operations:
        printer.line(f"  - {describe(operation)}")
    printer.line('Write a revision with: migguard revision --autogenerate -m "..."')
    return EXIT_FINDINGS

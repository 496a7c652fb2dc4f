"""Commands about the environment itself: ``init``, ``list-templates``, ``ensure-version``,
``config``."""

from __future__ import annotations

import argparse
from pathlib import Path

from migguard.cli.common import add_format, config_from
from migguard.errors import EXIT_OK
from migguard.report.printer import Printer


def register(commands: argparse._SubParsersAction) -> None:
    """Add the environment commands to the parser."""
    init = commands.add_parser("init", help="create a migration environment")
    init.add_argument("directory", metavar="DIR", help="folder to create, e.g. migrations")
    init.add_argument("-t", "--template", default="generic", help="template (list-templates)")
    init.add_argument(
        "--package",
        action="store_true",
        help="write __init__.py in DIR and DIR/versions, as Alembic's --package",
    )
    init.set_defaults(handler=cmd_init)

    # Alembic's spellings as aliases: the walkthroughs users learned from type them.
    templates = commands.add_parser(
        "list-templates", aliases=["list_templates"], help="list environment templates"
    )
    templates.set_defaults(handler=cmd_list_templates)

    ensure = commands.add_parser(
        "ensure-version",
        aliases=["ensure_version"],
        help="create the version table if the database lacks it (runs no revision)",
    )
    ensure.add_argument(
        "--sql", action="store_true", help="offline: print the CREATE TABLE instead of running it"
    )
    ensure.set_defaults(handler=cmd_ensure_version)

    config = commands.add_parser(
        "config", help="show the resolved configuration and where each value came from"
    )
    add_format(config)
    config.set_defaults(handler=cmd_config)


def cmd_init(args: argparse.Namespace) -> int:
    """Create DIR with versions/, script.py.mako and README, and write the configuration
    (refused where an Alembic environment is configured: migguard uses that one)."""
    from migguard.scripts.environment import init_environment

    cwd = Path.cwd()
    result = init_environment(Path(args.directory), args.template, cwd, package=args.package)
    printer = Printer()
    printer.line(f"Created {result.directory}")
    verb = "Wrote" if result.created_config else "Added [tool.migguard] to"
    printer.line(f"{verb} {result.config_file}")
    printer.line(
        "Next: set `url` and `metadata` there, then run "
        '`migguard revision --autogenerate -m "first revision"`.'
    )
    return EXIT_OK


def cmd_list_templates(args: argparse.Namespace) -> int:
    """Print each template's name and one-line description."""
    from migguard.scripts.environment import list_templates

    printer = Printer()
    templates = list_templates()
    width = max(len(t.name) for t in templates)
    for template in templates:
        printer.line([(template.name.ljust(width), "bold"), (f"  {template.description}", None)])
    printer.line()
    printer.line("Use one with: migguard init --template NAME DIR")
    return EXIT_OK


def cmd_ensure_version(args: argparse.Namespace) -> int:
    """Create the version table if it is missing (or print its ``CREATE TABLE``)."""
    import sys

    from migguard.runtime.current import shown_url
    from migguard.runtime.ensure import ensure_version_sql, ensure_version_table

    config = config_from(args)
    if args.sql:
        ensure_version_sql(config, sys.stdout.write)
        return EXIT_OK
    created = ensure_version_table(config)
    state = "Created" if created else "Already there:"
    Printer().line(f"{state} version table {config.version_table} on {shown_url(config)}")
    return EXIT_OK


def cmd_config(args: argparse.Namespace) -> int:
    """Print every configuration key, its value (passwords masked) and its source."""
    config = config_from(args, env_py=True)
    items = config.display_items()
    printer = Printer()
    if args.format == "json":
        printer.json(
            {
                "file": str(config.path) if config.path else None,
                "files": [str(path) for path in config.files],
                "keys": [{"key": k, "value": v, "source": s} for k, v, s in items],
            }
        )
        return EXIT_OK
    # Every file merged, lowest first: a key's source names which one set it.
    printer.line(f"# {' + '.join(str(path) for path in config.files or (config.path,))}")
    width = max(len(key) for key, _, _ in items)
    for key, value, source in items:
        printer.line([(key.ljust(width), "bold"), (f" = {value}", None), (f"  ({source})", "dim")])
    return EXIT_OK

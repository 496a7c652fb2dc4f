"""``migguard lint PATH...``: the safety lint on revision scripts named by path (for CI)."""

from __future__ import annotations

import argparse
from pathlib import Path

from migguard.cli.common import config_from
from migguard.report.findings import FORMATS


def register(commands: argparse._SubParsersAction) -> None:
    """Add ``lint`` to the parser."""
    lint = commands.add_parser(
        "lint",
        help="lint revision scripts for operations that lock tables or break running code",
        description="Run the safety lint on the given revision scripts (exit 1 when an error "
        "is found). Scripts of the project's history are linted together: a table one of them "
        "creates is not flagged in the others. Without a project configuration each script "
        "stands alone.",
    )
    lint.add_argument("paths", nargs="+", metavar="PATH", help="revision scripts")
    lint.add_argument(
        "--dialect",
        choices=("postgresql", "sqlite", "mysql"),
        help="the database whose rules apply (default: [check.lint] dialect, else the "
        "configured url's, else postgresql)",
    )
    lint.add_argument("--format", choices=FORMATS, default="text", help="output format")
    lint.set_defaults(handler=cmd_lint)


def cmd_lint(args: argparse.Namespace) -> int:
    """Run ``migguard lint`` with the parsed arguments; returns the exit status (0 clean, 1
    an error finding, 2 a path that is not a readable file or an invalid configuration)."""
    from migguard.cli.guard import for_code_hosts
    from migguard.config.sources import discover_config
    from migguard.errors import ConfigError
    from migguard.guard.checks.lint import as_finding
    from migguard.guard.findings import exit_code
    from migguard.lint.run import lint_revisions, lint_scripts
    from migguard.lint.settings import LintSettings, lint_settings
    from migguard.report.findings import print_findings
    from migguard.report.printer import Printer
    from migguard.scripts.directory import load_history
    from migguard.scripts.header import parse_header, read_source

    paths = [Path(path).resolve() for path in args.paths]
    for path in paths:
        if not path.is_file():
            raise ConfigError(f"{path}: no such revision script")
    has_config = args.config is not None or bool(discover_config(Path.cwd(), args.name))
    config = config_from(args) if has_config else None
    settings = lint_settings(config) if config is not None else LintSettings()
    if args.dialect:
        settings = settings._replace(dialect=args.dialect)
    root = config.root if config is not None else Path.cwd()
    found = []
    in_history: dict[Path, str] = {}
    if config is not None:
        history = load_history(config)
        in_history = {Path(path).resolve(): rid for rid, path in history.files.items()}
        # The scripts named are the new ones: each knows the tables the others create.
        known = [in_history[path] for path in paths if path in in_history]
        found = lint_revisions(history, known, known, settings)
    alone = []
    for path in paths:
        if path not in in_history:
            header = parse_header(read_source(str(path), str(path)), str(path))
            rid = header.revision if header is not None and header.revision else path.stem
            alone.append((rid, path))
    found += lint_scripts(alone, root, settings)
    findings = [as_finding(finding, root) for finding in found]
    shown = for_code_hosts(findings, config, args.format) if config is not None else findings
    print_findings(Printer(), shown, ("lint",), args.format)
    return exit_code(findings)

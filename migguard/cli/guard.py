"""``migguard check``: run the guard's checks and report the findings."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import TYPE_CHECKING

from migguard.cli.common import config_from
from migguard.cli.runtime import add_jobs, fleet_wanted, selection_options
from migguard.config import Config
from migguard.errors import EXIT_HISTORY, UsageError
from migguard.guard.findings import CODES, Finding, exit_code, sort_findings
from migguard.report.findings import FORMATS, OutputFormat, print_findings
from migguard.report.printer import Printer

if TYPE_CHECKING:
    from migguard.fleet.run import TargetResult


def register(commands: argparse._SubParsersAction) -> None:
    """Add ``check`` to the parser."""
    check = commands.add_parser(
        "check",
        help="check the history, the models and the git branch (exit 1 on errors)",
        description=f"Run the guard's checks ({', '.join(CODES)}) and report what they find. "
        "Exit 0 when clean, 1 when an error is found, 2 for usage or configuration errors, "
        "3 when the history itself is broken; with --db over targets (--target, --tag, "
        "--all-targets), 4 when no target could be checked and 5 when some could not.",
    )
    check.add_argument(
        "--select", metavar="CODES", help="run only these checks (comma-separated codes)"
    )
    check.add_argument("--ignore", metavar="CODES", help="skip these checks (comma-separated)")
    check.add_argument(
        "--db",
        action="store_true",
        help="also compare the live database with the models (the drift check)",
    )
    check.add_argument(
        "--fix",
        action="store_true",
        help="re-parent a single unpublished revision onto the base branch's head "
        "(stale-parent) instead of asking for a merge revision",
    )
    check.add_argument(
        "--staged",
        action="store_true",
        help="check a commit being made (the hooks pass it): also report revision scripts "
        "that are not staged (unstaged)",
    )
    check.add_argument(
        "--all",
        action="store_true",
        dest="all_revisions",
        help="lint every revision of the history, not only those new on this branch",
    )
    check.add_argument("--format", choices=FORMATS, default="text", help="output format")
    selection_options(check, every="--all-targets")
    add_jobs(check)
    check.set_defaults(handler=cmd_check)


def cmd_check(args: argparse.Namespace) -> int:
    """Run ``migguard check`` with the parsed arguments; returns the exit status."""
    from migguard.guard.settings import parse_codes

    if fleet_wanted(args):
        return _check_fleet(args)
    return report_check(
        config_from(args),
        select=parse_codes(args.select, "--select") if args.select else (),
        ignore=parse_codes(args.ignore, "--ignore") if args.ignore else (),
        db=args.db,
        fix=args.fix,
        staged=args.staged,
        all_revisions=args.all_revisions,
        output_format=args.format,
    )


def report_check(
    config: Config,
    *,
    select: Sequence[str] = (),
    ignore: Sequence[str] = (),
    db: bool = False,
    fix: bool = False,
    staged: bool = False,
    all_revisions: bool = False,
    output_format: OutputFormat = "text",
) -> int:
    """Run the selected checks, print the report, and return the exit status.

    Args:
        config: the resolved configuration.
        select: codes to run instead of the configured selection (empty: configured).
        ignore: codes to skip, on top of the configured ones.
        db: run the ``drift`` check against the configured database.
        fix: let ``stale-parent`` re-parent one unpublished revision.
        staged: the run checks a commit being made: ``unstaged`` runs too.
        all_revisions: ``lint`` judges every revision, not only the new ones.
        output_format: one of :data:`migguard.report.findings.FORMATS`.

    Returns:
        0 clean, 1 an error was found, 3 the history is broken (see
        :func:`migguard.guard.findings.exit_code`).

    Raises:
        ConfigError: the ``[check]`` table is invalid, or the models cannot be imported.
        DatabaseError: ``db`` and the database cannot be reached.
    """
    from migguard.guard.checks.run import run_checks, selected_codes
    from migguard.guard.settings import check_settings

    settings = check_settings(config)
    codes = selected_codes(settings, select, ignore, db=db, staged=staged)
    findings = run_checks(
        config, codes, settings, db=db, fix=fix, staged=staged, all_revisions=all_revisions
    )
    shown = for_code_hosts(findings, config, output_format)
    print_findings(Printer(), shown, codes, output_format)
    return exit_code(findings)


def for_code_hosts(
    findings: Sequence[Finding], config: Config, output_format: OutputFormat
) -> list[Finding]:
    """The findings as ``--format github`` and ``sarif`` need them: each file relative to the
    top of the git repository (where GitHub resolves annotation and code-scanning paths), not
    to the project folder; for SARIF, a finding without a file points at the configuration
    file, since code scanning rejects a result without a location. Other formats, and a
    project outside git, get the findings unchanged."""
    if output_format not in ("github", "sarif"):
        return list(findings)
    from migguard.guard import git
    from migguard.scripts.directory import display_path

    repo = git.open_repo(config.root)
    if repo is None:
        return list(findings)
    top = git.top(repo)
    prefix = display_path(config.root.resolve(), top)
    prefix = "" if prefix == str(config.root.resolve()) else f"{prefix}/"
    fallback = None
    if output_format == "sarif" and config.path is not None:
        fallback = display_path(config.path.resolve(), top)
    return [
        finding._replace(file=f"{prefix}{finding.file}" if finding.file else fallback)
        for finding in findings
    ]


def _check_fleet(args: argparse.Namespace) -> int:
    """``check --db`` over targets: the checks of the project once, the drift check on every
    chosen target in parallel; the findings (each drift finding naming its target), then a
    line per target. Exit 4 when no target could be checked, 5 when some could not, else as a
    check run (0 clean, 1 errors found, 3 broken history)."""
    from migguard.cli.runtime import fleet_status, project_of, selected_targets
    from migguard.fleet.run import run_fleet
    from migguard.guard.checks.run import run_checks, selected_codes
    from migguard.guard.fleet_drift import Drift
    from migguard.guard.settings import check_settings, parse_codes
    from migguard.report.fleet import fleet_records, target_line
    from migguard.report.printer import print_warnings

    if not args.db:
        raise UsageError("--target, --tag and --all-targets choose databases: add --db")
    config = config_from(args, env_py=True)
    settings = check_settings(config)
    codes = selected_codes(
        settings,
        parse_codes(args.select, "--select") if args.select else (),
        parse_codes(args.ignore, "--ignore") if args.ignore else (),
        db=True,
        staged=args.staged,
    )
    targets = selected_targets(args, config)
    findings = run_checks(
        config,
        [code for code in codes if code != "drift"],
        settings,
        fix=args.fix,
        staged=args.staged,
        all_revisions=args.all_revisions,
    )
    results: list[TargetResult] = []
    # A broken history stops the run before any target, as it stops the checks.
    if "drift" in codes and exit_code(findings) != EXIT_HISTORY:
        results = run_fleet(project_of(args, config), targets, Drift(), jobs=args.jobs)
    for result in results:
        findings += [
            finding._replace(message=f"target {result.name}: {finding.message}")
            for finding in result.findings
        ]
    findings = sort_findings(findings)
    checked = sum(1 for result in results if result.succeeded)
    status = exit_code(findings) if checked == len(results) else fleet_status(checked, len(results))
    shown = for_code_hosts(findings, config, args.format)
    printer = Printer()
    print_findings(
        printer,
        shown,
        codes,
        args.format,
        targets=fleet_records(results),
        status=status,
    )
    if args.format in ("text", "github") and results:
        printer.line()
        for result in results:
            printer.line(target_line(result))
    failed = [result for result in results if result.outcome == "failed"]
    if failed and args.format == "sarif":
        print_warnings([f"target {result.name} not checked: {result.reason}" for result in failed])
    return status

"""Commands that touch the database: ``upgrade``, ``downgrade``, ``stamp``, ``current``."""

from __future__ import annotations

import argparse
import contextlib
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from migguard.cli.common import add_format, history_from
from migguard.errors import (
    EXIT_DATABASE,
    EXIT_FINDINGS,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_PARTIAL,
    UsageError,
)
from migguard.report.history import print_revisions
from migguard.report.printer import Printer, print_warnings
from migguard.report.steps import StepPrinter, warn_no_lock

if TYPE_CHECKING:
    from migguard.config import Config
    from migguard.fleet.run import Action, Project
    from migguard.fleet.targets import Target


def register(commands: argparse._SubParsersAction) -> None:
    """Add the database commands to the parser."""
    for name, verb in (("upgrade", "apply revisions up to"), ("downgrade", "undo revisions to")):
        parser = commands.add_parser(name, help=f"{verb} TARGET")
        parser.add_argument(
            "target",
            metavar="TARGET",
            help="head, heads, +1 / -1, an id or prefix, rev+N, label@head, base; "
            "with --sql also START:END",
        )
        _run_options(parser)
        _fleet_options(parser)
        parser.set_defaults(handler=cmd_upgrade if name == "upgrade" else cmd_downgrade)

    stamp = commands.add_parser("stamp", help="set the version table without running revisions")
    stamp.add_argument("revisions", nargs="+", metavar="REV", help="e.g. head, base, an id")
    stamp.add_argument(
        "--purge", action="store_true", help="replace every row, even unknown revisions"
    )
    _run_options(stamp)
    _fleet_options(stamp)
    stamp.set_defaults(handler=cmd_stamp)

    current = commands.add_parser("current", help="show the revision(s) the database is at")
    current.add_argument("-v", "--verbose", action="store_true", help="show every detail")
    # Alembic's flag; its short form -c is migguard's --config, so only the long one.
    current.add_argument(
        "--check-heads",
        action="store_true",
        help="exit 1 unless the database is at every head (as `upgrade heads` leaves it)",
    )
    selection_options(current)
    add_format(current)
    current.set_defaults(handler=cmd_current)


def _fleet_options(parser: argparse.ArgumentParser) -> None:
    """The selection options, ``--jobs``, ``--fail-fast`` and ``--format``: for the commands
    that change targets."""
    selection_options(parser)
    add_jobs(parser)
    parser.add_argument(
        "--fail-fast",
        action="store_true",
        help="with targets: start no other target after one fails",
    )
    add_format(parser)


def add_jobs(parser: argparse.ArgumentParser) -> None:
    """``--jobs N``: how many targets run at once."""
    parser.add_argument(
        "--jobs",
        type=_positive,
        default=4,
        metavar="N",
        help="with targets: run at most N at once, each in its own process (default 4)",
    )


def selection_options(parser: argparse.ArgumentParser, every: str = "--all") -> None:
    """``--target``, ``--tag``, ``--all`` and ``--shard``: run on configured targets.

    Args:
        parser: the command's parser.
        every: the flag choosing every target (``check`` has its own ``--all`` already).
    """
    parser.add_argument(
        "--target",
        action="append",
        default=[],
        metavar="NAME",
        dest="targets",
        help="run on the configured target [targets.NAME]; repeatable",
    )
    parser.add_argument(
        "--tag",
        action="append",
        default=[],
        metavar="TAG",
        dest="tags",
        help="run on the configured targets with this tag; repeatable",
    )
    parser.add_argument(
        every, action="store_true", dest="all_targets", help="run on every configured target"
    )
    parser.add_argument(
        "--shard",
        metavar="I/N",
        help="of the chosen targets sorted by name, only part I of N (I from 1): for "
        "splitting a fleet across CI jobs or machines",
    )


def _positive(text: str) -> int:
    """``--jobs``: a whole number of at least 1."""
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number of at least 1, got {text!r}")
    return int(text)


def fleet_wanted(args: argparse.Namespace) -> bool:
    """Whether the command runs on configured targets rather than on one database."""
    chosen = bool(args.targets or args.tags or args.all_targets)
    if chosen and getattr(args, "url", None):
        raise UsageError("--url names one database; --target, --tag and --all name targets")
    if args.shard and not chosen:
        raise UsageError("--shard splits targets: use it with --target, --tag or --all")
    return chosen


def selected_targets(args: argparse.Namespace, config: Config) -> tuple[Target, ...]:
    """The targets ``--target``, ``--tag``, ``--all`` and ``--shard`` choose."""
    from migguard.fleet.schemas import expand_schemas
    from migguard.fleet.select import parse_shard, select_targets
    from migguard.fleet.targets import read_targets

    return select_targets(
        read_targets(config),
        names=args.targets,
        tags=args.tags,
        every=args.all_targets,
        shard=parse_shard(args.shard) if args.shard else None,
        expand=expand_schemas,
    )


def fleet_status(succeeded: int, total: int) -> int:
    """0 when every target succeeded, 4 when none did, 5 when some did."""
    if succeeded == total:
        return EXIT_OK
    return EXIT_PARTIAL if succeeded else EXIT_DATABASE


def _run_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--sql", action="store_true", help="offline: print the SQL instead of running it"
    )
    parser.add_argument(
        "--dry-run", action="store_true", help="print the plan without changing the database"
    )
    parser.add_argument("-q", "--quiet", action="store_true", help="print errors only")
    parser.add_argument(
        "-v", "--verbose", action="store_true", help="more detail (a failure's traceback)"
    )
    parser.add_argument(
        "--lock-timeout",
        type=float,
        default=60.0,
        metavar="SECONDS",
        help="how long to wait for another run's migration lock (default 60)",
    )


def cmd_upgrade(args: argparse.Namespace) -> int:
    """Apply revisions up to TARGET (on every chosen target, with ``--target``/``--tag``/
    ``--all``)."""
    from migguard.fleet.actions import Migrate

    if fleet_wanted(args):
        return _run_fleet(args, Migrate(True, args.target, args.lock_timeout))
    _one_database(args, "upgrade")
    return _migrate(args, upgrade=True)


def cmd_downgrade(args: argparse.Namespace) -> int:
    """Undo revisions down to TARGET (on every chosen target, with ``--target``/``--tag``/
    ``--all``)."""
    from migguard.fleet.actions import Migrate

    if fleet_wanted(args):
        return _run_fleet(args, Migrate(False, args.target, args.lock_timeout))
    _one_database(args, "downgrade")
    return _migrate(args, upgrade=False)


def _one_database(args: argparse.Namespace, command: str) -> None:
    """Refuse the options that only mean something with targets."""
    if args.format != "text":
        raise UsageError(f"{command} --format json reports targets: use --target, --tag or --all")


def project_of(args: argparse.Namespace, config: Config) -> Project:
    """Where the fleet's worker processes load this invocation's configuration from."""
    from migguard.fleet.run import Project

    return Project(
        config_file=Path(args.config).resolve() if args.config else None,
        cwd=Path.cwd(),
        ini_section=args.name,
        env_py=config.env_py is not None,
        x_arguments=tuple(getattr(args, "x", None) or ()),
    )


def _run_fleet(args: argparse.Namespace, action: Action) -> int:
    """``upgrade``/``downgrade``/``stamp`` over targets: every chosen target in parallel, a
    line per target as it finishes, then the per-target table (or JSON)."""
    from migguard.fleet.run import run_fleet
    from migguard.report.fleet import print_fleet_run
    from migguard.report.fleet_progress import FleetProgress

    if args.sql or args.dry_run:
        raise UsageError("--sql and --dry-run run on one database: use --url, not targets")
    # Loaded here first so a broken configuration or history stops the run before any worker.
    config, _ = history_from(args, env_py=True)
    targets = selected_targets(args, config)
    printer = Printer()
    as_text = args.format == "text" and not args.quiet
    # On a terminal: finished lines above an overall bar and the running targets; piped: the
    # finished lines only; JSON and --quiet: nothing until the end.
    view = FleetProgress(printer, len(targets)) if as_text else None
    with view if view is not None else contextlib.nullcontext():
        results = run_fleet(
            project_of(args, config),
            targets,
            action,
            jobs=args.jobs,
            fail_fast=args.fail_fast,
            on_start=(lambda target: view.started(target.name)) if view is not None else None,
            on_done=view.finished if view is not None else None,
        )
    if args.format == "json" or not args.quiet:
        if as_text:
            printer.line()
        print_fleet_run(printer, results, fmt=args.format)
    return fleet_status(sum(1 for result in results if result.succeeded), len(results))


def _migrate(args: argparse.Namespace, *, upgrade: bool) -> int:
    from migguard.runtime.current import shown_url
    from migguard.runtime.migrate import migrate, offline_sql
    from migguard.runtime.runner import MigrationFailedError, MigrationInterruptedError

    config, history = history_from(args, env_py=True)
    if args.sql:
        command = "upgrade" if upgrade else "downgrade"
        offline_sql(config, history, command=command, target=args.target, write=sys.stdout.write)
        return EXIT_OK
    printer = Printer()
    started = time.perf_counter()
    with StepPrinter(printer, history, quiet=args.quiet) as listener:
        try:
            outcome = migrate(
                config,
                history,
                upgrade=upgrade,
                target=args.target,
                lock_timeout=args.lock_timeout,
                dry_run=args.dry_run,
                listener=listener,
                on_wait=_tell_waiting(args),
            )
        except MigrationFailedError as exc:
            if args.verbose:
                sys.stderr.write(exc.detail)
            raise
        except MigrationInterruptedError as exc:
            # As any interruption (exit 130), saying where the database stands.
            sys.stderr.write(f"migguard: interrupted: {exc}\n")
            print_warnings(getattr(exc, "__notes__", ()))
            return EXIT_INTERRUPTED
    elapsed = time.perf_counter() - started
    if not outcome.locked and not args.dry_run:
        warn_no_lock()
    print_warnings(outcome.warnings)
    if args.quiet:
        return EXIT_OK
    where = shown_url(config)
    at = ", ".join(outcome.after) or "base"
    if args.dry_run:
        for step in outcome.steps:
            printer.line(f"would {step.describe(history.graph)}")
        printer.line(f"Dry run: {len(outcome.steps)} revision(s) would run; nothing was changed.")
    elif not outcome.steps:
        printer.line(f"Nothing to do: {where} is at {at}.")
    else:
        verb = "Upgraded" if upgrade else "Downgraded"
        count = len(outcome.steps)
        printer.line(f"{verb} {count} revision(s) in {elapsed:.2f} s; {where} is at {at}.")
    return EXIT_OK


def cmd_stamp(args: argparse.Namespace) -> int:
    """Set the version table without running revisions (on every chosen target, with
    ``--target``/``--tag``/``--all``)."""
    from migguard.fleet.actions import Stamp
    from migguard.runtime.current import shown_url
    from migguard.runtime.migrate import offline_sql, stamp

    if fleet_wanted(args):
        return _run_fleet(args, Stamp(tuple(args.revisions), args.purge, args.lock_timeout))
    _one_database(args, "stamp")
    config, history = history_from(args, env_py=True)
    if args.sql:
        if len(args.revisions) != 1:
            raise UsageError("stamp --sql takes one REV or START:END")
        offline_sql(
            config, history, command="stamp", target=args.revisions[0], write=sys.stdout.write
        )
        return EXIT_OK
    outcome = stamp(
        config,
        history,
        args.revisions,
        purge=args.purge,
        dry_run=args.dry_run,
        lock_timeout=args.lock_timeout,
        on_wait=_tell_waiting(args),
    )
    if not args.quiet:
        before = ", ".join(outcome.before) or "base"
        after = ", ".join(outcome.after) or "base"
        verb = "Would stamp" if args.dry_run else "Stamped"
        Printer().line(f"{verb} {shown_url(config)}: {before} -> {after}")
    return EXIT_OK


def _tell_waiting(args: argparse.Namespace) -> Callable[[str], None] | None:
    """What prints that a run waits for another run's lock (a warning; not with --quiet)."""
    if args.quiet:
        return None
    return lambda message: print_warnings([message])


def cmd_current(args: argparse.Namespace) -> int:
    """Print the revision(s) the database is at (nothing at base, like Alembic); with
    ``--target``/``--tag``/``--all``, each target's and the fleet grouped."""
    if fleet_wanted(args):
        return _current_fleet(args)
    from migguard.runtime.current import read_current, shown_url
    from migguard.runtime.plan import check_known

    config, history = history_from(args, env_py=True)
    rows = read_current(config)
    check_known(history.graph, rows)
    printer = Printer()
    if args.verbose and args.format == "text":
        printer.line(f"Database: {shown_url(config)}")
        printer.line(f"Version table: {config.version_table}")
        if not rows:
            printer.line("Current: base (no revision applied)")
    print_revisions(printer, history, rows, fmt=args.format, verbose=args.verbose, style="short")
    heads = history.graph.real_heads
    if args.check_heads and set(rows) != set(heads):
        sys.stderr.write(
            f"migguard: error: the database is not at every head (at {', '.join(rows) or 'base'}; "
            f"heads: {', '.join(heads) or 'none'}); run `migguard upgrade heads`\n"
        )
        return EXIT_FINDINGS
    return EXIT_OK


def _current_fleet(args: argparse.Namespace) -> int:
    """``current --all``: each target's revisions, then how many targets are at each."""
    from migguard.fleet.current import by_history, group_fleet, read_fleet
    from migguard.report.fleet import print_fleet_current

    config, history = history_from(args, env_py=True)
    targets = selected_targets(args, config)
    fleet = read_fleet(config, targets)
    # Targets with a history of their own are grouped, and judged behind, against it.
    groups = []
    behind = []
    for graph, entries in by_history(config, targets, fleet, history):
        groups += group_fleet(graph, entries)
        heads = set(graph.real_heads)
        behind += [e.name for e in entries if e.rows is not None and set(e.rows) != heads]
    print_fleet_current(Printer(), fleet, groups, fmt=args.format)
    readable = [entry for entry in fleet if entry.rows is not None]
    status = fleet_status(len(readable), len(fleet))
    if status == EXIT_OK and args.check_heads and behind:
        sys.stderr.write(
            f"migguard: error: {len(behind)} target(s) not at every head: {', '.join(behind)}; "
            "run `migguard upgrade heads --all`\n"
        )
        return EXIT_FINDINGS
    return status

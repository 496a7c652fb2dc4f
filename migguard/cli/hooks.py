"""The git hook commands: ``hook NAME [ARGS...]`` (what the hook scripts and the pre-commit
hooks run) and ``install-hooks``.

Git ignores the exit status of post-merge and post-rewrite, so their failures are printed
loudly; post-checkout's status would become the checkout's, so it always exits 0.
"""

from __future__ import annotations

import argparse
import contextlib
import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from migguard.cli.common import config_from
from migguard.errors import EXIT_DATABASE, EXIT_OK, EXIT_PARTIAL, DatabaseError, MigguardError
from migguard.guard.hooks.install import HOOK_NAMES, install_hooks, parse_hook_names
from migguard.report.hooks import print_installed
from migguard.report.printer import Printer, print_warnings

if TYPE_CHECKING:
    from migguard.runtime.plan import Step
    from migguard.runtime.runner import Listener
    from migguard.scripts.directory import History


def register(commands: argparse._SubParsersAction) -> None:
    """Add ``hook`` and ``install-hooks`` to the parser."""
    hook = commands.add_parser(
        "hook",
        help="run a git hook (called by the installed hook scripts and pre-commit)",
        description="pre-commit and pre-merge-commit run the checks (as `migguard check "
        "--staged`); post-merge and "
        "post-rewrite upgrade the database when opted in, or say that revisions arrived; "
        "post-checkout warns when the database is ahead of the checked-out code.",
    )
    # Not dest "name": that is -n's alembic.ini section, which the hooks read like any command.
    hook.add_argument("hook_name", choices=HOOK_NAMES, metavar="NAME", help=", ".join(HOOK_NAMES))
    hook.add_argument("hook_args", nargs="*", metavar="ARG", help="the arguments git passes")
    hook.set_defaults(handler=cmd_hook)

    install = commands.add_parser(
        "install-hooks", help="install the git hook scripts into this repository"
    )
    install.add_argument(
        "--force", action="store_true", help="overwrite hooks that migguard did not write"
    )
    install.add_argument(
        "--hooks",
        metavar="NAMES",
        default=",".join(HOOK_NAMES),
        help=f"comma-separated subset (default: {','.join(HOOK_NAMES)})",
    )
    install.set_defaults(handler=cmd_install_hooks)


def cmd_install_hooks(args: argparse.Namespace) -> int:
    """Write the hook scripts into the hooks folder git uses; print one line per hook."""
    config = config_from(args)
    installed = install_hooks(
        Path.cwd(), parse_hook_names(args.hooks), force=args.force, config_file=config.path
    )
    print_installed(Printer(), installed)
    return EXIT_OK


def cmd_hook(args: argparse.Namespace) -> int:
    """Run the hook ``args.hook_name`` with git's arguments ``args.hook_args``."""
    if args.hook_name in ("pre-commit", "pre-merge-commit"):
        from migguard.cli.guard import report_check

        return report_check(config_from(args), staged=True)
    if args.hook_name == "post-checkout":
        return _post_checkout(args)
    return _post_merge(args)


def _post_merge(args: argparse.Namespace) -> int:
    from migguard.cli.runtime import project_of
    from migguard.guard.hooks.post_merge import merge_event, post_merge
    from migguard.report.fleet import print_fleet_run, target_line
    from migguard.report.hooks import print_merge_result, print_upgrade_failed, print_upgrade_plan
    from migguard.report.steps import StepPrinter

    config = config_from(args)
    event = merge_event(args.hook_name, args.hook_args, os.environ)
    printer = Printer()
    project = project_of(args, config)

    with contextlib.ExitStack() as stack:

        def on_plan(history: History, steps: Sequence[Step]) -> Listener:
            print_upgrade_plan(printer, history, steps)
            return stack.enter_context(StepPrinter(printer, history, quiet=False))

        try:
            result = post_merge(
                config,
                event,
                on_plan=on_plan,
                project=project,
                on_target=lambda done: printer.line(target_line(done)),
            )
        except DatabaseError:
            print_upgrade_failed(event.hook)
            raise
    if result.targets:
        printer.line()
        print_fleet_run(printer, result.targets, fmt="text")
        if result.failed_targets:
            print_upgrade_failed(event.hook)
            return EXIT_PARTIAL if result.failed_targets < len(result.targets) else EXIT_DATABASE
        return EXIT_OK
    print_merge_result(printer, result)
    return EXIT_OK


def _post_checkout(args: argparse.Namespace) -> int:
    from migguard.guard.hooks.post_checkout import checkout_event, post_checkout
    from migguard.report.hooks import print_checkout_result

    try:
        result = post_checkout(config_from(args), checkout_event(args.hook_args, os.environ))
    except MigguardError as exc:
        print_warnings([f"post-checkout: {exc}"])
        return EXIT_OK
    print_checkout_result(Printer(), result)
    return EXIT_OK

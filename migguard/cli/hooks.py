"""The git hook commands: ``hook NAME [ARGS...]`` (what the hook scripts and the pre-commit
hooks run) and ``install-hooks``.

Git ignores the exit status of post-merge and post-rewrite, so their failures are printed
loudly; post-checkout's status would become the checkout's, so it always exits 0.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from migguard.cli.common import config_from
from migguard.errors import EXIT_OK, DatabaseError, MigguardError
from migguard.guard.hooks.install import HOOK_NAMES, install_hooks, parse_hook_names
from migguard.report import Printer, print_warnings

if TYPE_CHECKING:
    from migguard.guard.hooks.post_checkout import PostCheckoutResult
    from migguard.guard.hooks.post_merge import PostMergeResult
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
    hook.add_argument("name", choices=HOOK_NAMES, metavar="NAME", help=", ".join(HOOK_NAMES))
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
    printer = Printer()
    for hook in installed:
        note = {"ours": " (replaced)", "foreign": " (overwrote a foreign hook)"}.get(
            hook.replaced, ""
        )
        printer.line(f"installed {hook.name}: {hook.path}{note}")
    return EXIT_OK


def cmd_hook(args: argparse.Namespace) -> int:
    """Run the hook ``args.name`` with git's arguments ``args.hook_args``."""
    if args.name in ("pre-commit", "pre-merge-commit"):
        from migguard.cli.guard import report_check

        return report_check(config_from(args), staged=True)
    if args.name == "post-checkout":
        return _post_checkout(args)
    return _post_merge(args)


def _post_merge(args: argparse.Namespace) -> int:
    from migguard.cli.runtime import StepPrinter
    from migguard.guard.hooks.post_merge import merge_event, post_merge

    config = config_from(args)
    event = merge_event(args.name, args.hook_args, os.environ)
    printer = Printer()

    with contextlib.ExitStack() as stack:

        def on_plan(history: History, steps: Sequence[Step]) -> Listener:
            if steps:
                printer.line(
                    [("migguard: ", None), (f"upgrading {len(steps)} revision(s) to head", "bold")]
                )
            for step in steps:
                printer.line(f"  plan: {step.describe(history.graph)}")
            return stack.enter_context(StepPrinter(printer, history, quiet=False))

        try:
            result = post_merge(config, event, on_plan=on_plan)
        except DatabaseError:
            # Git ignores this hook's status: the failure must stand out in the pull's output.
            Printer(sys.stderr).line(
                [(f"migguard: {event.hook.upper()} UPGRADE FAILED", "bold red")]
            )
            raise
    _print_merge_result(printer, result)
    return EXIT_OK


def _print_merge_result(printer: Printer, result: PostMergeResult) -> None:
    from migguard.guard.hooks.post_merge import NOTICE, UPGRADED, several_heads_hint

    if result.action == NOTICE and result.changes is not None:
        todo = (
            several_heads_hint(result.heads)
            if len(result.heads) > 1
            else "run `migguard upgrade head` to apply them"
        )
        printer.line(
            f"migguard: revision files arrived ({result.changes.summary()}, "
            f"{result.changes.span}); {todo}"
        )
    elif result.action == UPGRADED:
        if not result.locked:
            print_warnings(["no migration lock for this database: do not run two at once"])
        print_warnings(result.warnings)
        at = ", ".join(result.after) or "base"
        if result.steps:
            count = len(result.steps)
            printer.line(
                [
                    (f"Upgraded {count} revision(s)", "bold green"),
                    (f"; {result.url} is at ", None),
                    (at, "bold yellow"),
                ]
            )
        else:
            printer.line(f"Nothing to do: {result.url} is at {at}.")


def _post_checkout(args: argparse.Namespace) -> int:
    from migguard.guard.hooks.post_checkout import checkout_event, post_checkout

    try:
        result = post_checkout(config_from(args), checkout_event(args.hook_args, os.environ))
    except MigguardError as exc:
        print_warnings([f"post-checkout: {exc}"])
        return EXIT_OK
    _print_checkout_result(Printer(), result)
    return EXIT_OK


def _print_checkout_result(printer: Printer, result: PostCheckoutResult) -> None:
    changes = result.changes
    if changes is None or not changes.files:
        return
    printer.line(f"migguard: migrations changed in {changes.span} ({changes.summary()})")
    for note in result.notes:
        printer.line(f"migguard: {note}")
    if result.database_error:
        print_warnings([f"cannot read the database's revision: {result.database_error}"])
    for ahead in result.ahead:
        where = f"the database ({result.url}) is at {ahead.revision}, which this checkout lacks"
        if not ahead.targets:
            print_warnings([f"{where} (so does the previous one): check out the code that has it"])
            continue
        downgrades = " && ".join(f"migguard downgrade {target}" for target in ahead.targets)
        print_warnings(
            [
                f"{where}: downgrade it to {', '.join(ahead.targets)} first: "
                f"git checkout {changes.before[:12]} && {downgrades} && git checkout -"
            ]
        )
    if result.database_read and not result.ahead and set(result.current) != set(result.heads):
        at = ", ".join(result.current) or "base"
        printer.line(f"migguard: the database is at {at}; run `migguard upgrade head`")

"""What the git hooks print: the post-merge upgrade (its plan, outcome or failure banner), the
post-checkout notes, and the hooks ``install-hooks`` wrote.

Git ignores the status of post-merge and post-rewrite, so a failure is printed loudly here.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from migguard.report.printer import Printer, print_warnings
from migguard.report.steps import warn_no_lock

if TYPE_CHECKING:
    from migguard.guard.hooks.install import InstalledHook
    from migguard.guard.hooks.post_checkout import PostCheckoutResult
    from migguard.guard.hooks.post_merge import PostMergeResult
    from migguard.runtime.plan import Step
    from migguard.scripts.directory import History

__all__ = [
    "print_checkout_result",
    "print_installed",
    "print_merge_result",
    "print_upgrade_failed",
    "print_upgrade_plan",
]


def print_installed(printer: Printer, installed: Sequence[InstalledHook]) -> None:
    """One line per hook ``install-hooks`` wrote, saying what it replaced."""
    for hook in installed:
        note = {"ours": " (replaced)", "foreign": " (overwrote a foreign hook)"}.get(
            hook.replaced, ""
        )
        printer.line(f"installed {hook.name}: {hook.path}{note}")


def print_upgrade_plan(printer: Printer, history: History, steps: Sequence[Step]) -> None:
    """Announce the hook's upgrade and list its steps (nothing when there are none)."""
    if steps:
        printer.line(
            [("migguard: ", None), (f"upgrading {len(steps)} revision(s) to head", "bold")]
        )
    for step in steps:
        printer.line(f"  plan: {step.describe(history.graph)}")


def print_upgrade_failed(hook: str) -> None:
    """The banner on stderr for a failed hook upgrade (``hook``: ``post-merge``, ...)."""
    # Git ignores this hook's status: the failure must stand out in the pull's output.
    Printer(sys.stderr).line([(f"migguard: {hook.upper()} UPGRADE FAILED", "bold red")])


def print_merge_result(printer: Printer, result: PostMergeResult) -> None:
    """Print what the post-merge (or post-rewrite) hook did: the revisions that arrived and
    what to run, or the upgrade's outcome and its warnings (stderr)."""
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
            warn_no_lock()
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


def print_checkout_result(printer: Printer, result: PostCheckoutResult) -> None:
    """Print what changed in the migrations with a checkout and, when the database is ahead of
    the checked-out code, how to bring it back (warnings on stderr). Nothing when no revision
    file changed."""
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

"""The ``edited`` check: revisions of the base branch that this branch modified, renamed or
deleted.

It compares the working tree (under pre-commit: the staged content) with the base branch (see
:mod:`migguard.guard.checks.base_branch`). When there is nothing to compare with, it reports
one info finding saying why it was skipped; a configured ``base_branch`` that does not exist
is an error, since the comparison asked for cannot be made.

It looks at the revisions that existed where this branch left the base branch (the
merge-base): changing one that others may already have applied is an error, deleting one too;
a pure rename (same content, other file name) is a warning, since databases record ids, not
file names, yet the rename still makes other branches' edits of the old file conflict. What the
base branch itself changed since is not reported.
"""

from __future__ import annotations

import os

from migguard.guard import git
from migguard.guard.checks.base_branch import BaseBranch
from migguard.guard.checks.context import CheckContext, base_for
from migguard.guard.commit_scripts import TreeScript, header_at, matches_worktree, scripts_at
from migguard.guard.findings import ERROR, WARNING, Finding
from migguard.scripts.directory import History
from migguard.scripts.header import Header

__all__ = ["check_edited"]


def check_edited(context: CheckContext) -> list[Finding]:
    """Report revisions of the base branch that this branch modified, renamed or deleted.

    Args:
        context: the check run (configuration and working-tree history).

    Returns:
        ``edited`` findings: an error per modified or deleted revision and per revision
        renamed with changes, a warning per pure rename; or one info (error for a missing
        configured ``base_branch``) when there is no base branch to compare with.
    """
    base = base_for(context, "edited")
    if isinstance(base, Finding):
        return [base]
    history = context.history
    at_path = {path: rid for rid, path in history.files.items()}
    findings = []
    for script in scripts_at(base.repo, base.merge_base, context.config):
        if matches_worktree(base.repo, script) or _base_did_it(base, script):
            continue
        header = header_at(base.repo, script)
        if header is not None and header.revision is not None:
            findings.append(_edited(base, history, script, header, at_path))
    return findings


def _base_did_it(base: BaseBranch, script: TreeScript) -> bool:
    """Whether the working tree holds the base tip's version of the script: the change was
    made on the base branch, not here."""
    blob = git.blob_at(base.repo, base.tip, script.git_path)
    if blob is None:
        return not os.path.lexists(script.path)
    return matches_worktree(base.repo, script._replace(blob=blob))


def _edited(
    base_branch: BaseBranch,
    history: History,
    script: TreeScript,
    header: Header,
    at_path: dict[str, str],
) -> Finding:
    base = base_branch.name
    rid, shown = header.revision, script.shown
    restore = f"git checkout {base} -- {shown}"
    if os.path.lexists(script.path):
        return Finding(
            "edited",
            ERROR,
            f"revision {rid} ({shown}) is on {base} and was modified",
            shown,
            hint=f"write a new revision instead of editing one that is already on {base}; "
            f"undo the edit with: {restore}",
            details=_header_changes(header, history, at_path.get(script.path)),
        )
    if rid is not None and rid in history.files:
        moved_to = history.display_path(rid)
        if matches_worktree(base_branch.repo, script._replace(path=history.files[rid])):
            return Finding(
                "edited",
                WARNING,
                f"revision {rid} is on {base} as {shown} and was renamed to {moved_to}",
                moved_to,
                hint="databases are unaffected (they record ids), but other branches' changes "
                f"to the old file will conflict; keep its name: git mv {moved_to} {shown}",
            )
        return Finding(
            "edited",
            ERROR,
            f"revision {rid} is on {base} as {shown} and was renamed to {moved_to} and modified",
            moved_to,
            hint=f"write a new revision instead; restore the original with: git rm {moved_to} "
            f"&& {restore}",
        )
    return Finding(
        "edited",
        ERROR,
        f"revision {rid} ({shown}) is on {base} and was deleted",
        shown,
        hint=f"restore it with: {restore} (databases at or past it need it; undo its changes "
        "with a new revision)",
    )


def _header_changes(header: Header, history: History, now: str | None) -> tuple[str, ...]:
    """Lines naming the header fields that changed (nothing when only the code changed)."""
    if now is None:
        return ("the file no longer declares a revision",)
    current = history.graph.get(now)
    pairs = (
        ("revision", (header.revision or "",), (current.revision,)),
        ("down_revision", header.down_revisions, current.down_revisions),
        ("branch_labels", header.branch_labels, current.branch_labels),
        ("depends_on", header.depends_on, current.depends_on),
    )
    return tuple(
        f"{field}: {_ids(before)} -> {_ids(after)}"
        for field, before, after in pairs
        if before != after
    )


def _ids(ids: tuple[str, ...]) -> str:
    return ", ".join(ids) if ids else "None"

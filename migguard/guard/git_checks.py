"""The git-aware checks: ``edited`` and ``stale-parent``.

Both compare the working tree (under pre-commit: the staged content) with the base branch
(see :mod:`migguard.guard.base_branch`). When there is nothing to compare with, each reports
one info finding saying why it was skipped; a configured ``base_branch`` that does not exist
is an error, since the comparison asked for cannot be made.

``edited`` looks at the revisions that existed where this branch left the base branch (the
merge-base): changing one that others may already have applied is an error, deleting one too;
a pure rename (same content, other file name) is a warning, since databases record ids, not
file names, yet the rename still makes other branches' edits of the old file conflict. What the
base branch itself changed since is not reported.

``stale-parent`` looks at the revisions new on this branch (absent from the base branch's tip)
whose ``down_revision`` is a revision of the base branch that is no longer one of its heads:
after a rebase, or when the base branch moved on, the new revision forks the history. The
finding names the head to re-parent on; ``migguard check --fix`` re-parents a single
unpublished revision itself.
"""

from __future__ import annotations

import os
from typing import NamedTuple

from migguard.errors import HistoryError
from migguard.graph import Revision, RevisionGraph
from migguard.guard.base_branch import (
    BaseBranch,
    MissingBaseBranch,
    NoBaseBranch,
    find_base_branch,
)
from migguard.guard.commit_scripts import (
    CommitRevision,
    TreeScript,
    header_at,
    matches_worktree,
    revisions_at,
    scripts_at,
)
from migguard.guard.context import CheckContext
from migguard.guard.findings import ERROR, INFO, WARNING, CheckCode, Finding
from migguard.scripts.directory import History, display_path
from migguard.scripts.header import Header

__all__ = ["check_edited", "check_stale_parent"]

_MEMO_KEY = "migguard.guard.base_branch"


def check_edited(context: CheckContext) -> list[Finding]:
    """Report revisions of the base branch that this branch modified, renamed or deleted.

    Args:
        context: the check run (configuration and working-tree history).

    Returns:
        ``edited`` findings: an error per modified or deleted revision and per revision
        renamed with changes, a warning per pure rename; or one info (error for a missing
        configured ``base_branch``) when there is no base branch to compare with.
    """
    base = _base(context, "edited")
    if isinstance(base, Finding):
        return [base]
    history = context.history
    at_path = {path: rid for rid, path in history.files.items()}
    findings = []
    for script in scripts_at(base.repo, base.merge_base, context.config):
        if matches_worktree(script) or _base_did_it(base, script):
            continue
        header = header_at(script)
        if header is not None and header.revision is not None:
            findings.append(_edited(history, base.name, script, header, at_path))
    return findings


def _base_did_it(base: BaseBranch, script: TreeScript) -> bool:
    """Whether the working tree holds the base tip's version of the script: the change was
    made on the base branch, not here."""
    try:
        blob = base.tip.tree / script.git_path
    except KeyError:
        return not os.path.lexists(script.path)
    return matches_worktree(script._replace(blob=blob))


def _edited(
    history: History, base: str, script: TreeScript, header: Header, at_path: dict[str, str]
) -> Finding:
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
        if matches_worktree(script._replace(path=history.files[rid])):
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


class _Stale(NamedTuple):
    """A new revision whose parent is no longer a head of the base branch."""

    revision: str
    parent: str
    heads: tuple[str, ...]  # the base tip's heads above ``parent``


def check_stale_parent(context: CheckContext) -> list[Finding]:
    """Report new revisions built on a revision that is no longer the base branch's head.

    With ``context.fix`` and exactly one such revision, which has one parent, one head to
    move onto (present in the working tree) and is unpublished (absent from the current
    branch's upstream), its ``down_revision`` is rewritten onto that head (and the heads file,
    when configured, follows).

    Args:
        context: the check run.

    Returns:
        One ``stale-parent`` error per stale revision naming its file, parent and the head(s)
        to re-parent on; or one info after a ``--fix`` rewrite; or one info (error for a
        missing configured ``base_branch``) when there is no base branch to compare with.
    """
    base = _base(context, "stale-parent")
    if isinstance(base, Finding):
        return [base]
    history = context.history
    known = {history.files[revision.revision]: revision for revision in history.graph}
    at_tip = revisions_at(base.repo, base.tip, context.config, known)
    stale = _stale(history.graph, at_tip)
    if len(stale) != 1:
        hint = 'join the heads with: migguard merge heads -m "..."'
        return [_stale_finding(context, base, entry, hint) for entry in stale]
    blocker = _fix_blocker(context, base, stale[0], known)
    if blocker is None and context.fix:
        return [_fix(context, base, stale[0])]
    hint = blocker or (
        f"re-parent it with: migguard check --fix (or join the heads: {_merge_command(stale[0])})"
    )
    return [_stale_finding(context, base, stale[0], hint)]


def _stale(graph: RevisionGraph, at_tip: dict[str, CommitRevision]) -> list[_Stale]:
    """The new revisions' parents that are base revisions but not base heads."""
    children: dict[str, list[str]] = {}
    for rid, revision in at_tip.items():
        for parent in revision.down_revisions:
            children.setdefault(parent, []).append(rid)
    stale = []
    for rid in graph.ids:
        if rid in at_tip:
            continue
        for parent in graph.get(rid).down_revisions:
            if parent in at_tip and parent in children:
                stale.append(_Stale(rid, parent, _heads_above(parent, children)))
    return stale


def _merge_command(stale: _Stale) -> str:
    return f'migguard merge heads -m "merge {" and ".join((*stale.heads, stale.revision))}"'


def _heads_above(rid: str, children: dict[str, list[str]]) -> tuple[str, ...]:
    """The heads reached from ``rid`` through children, sorted."""
    heads: set[str] = set()
    seen = {rid}
    todo = [rid]
    while todo:
        current = todo.pop()
        above = children.get(current, [])
        if not above:
            heads.add(current)
        for child in above:
            if child not in seen:
                seen.add(child)
                todo.append(child)
    return tuple(sorted(heads))


def _fix_blocker(
    context: CheckContext, base: BaseBranch, stale: _Stale, known: dict[str, Revision]
) -> str | None:
    """Why ``--fix`` cannot re-parent ``stale`` (the hint to give instead), or ``None``."""
    graph = context.history.graph
    merge = f"join the heads with: {_merge_command(stale)}"
    if len(stale.heads) > 1:
        return f"choose one of {', '.join(stale.heads)} for its down_revision, or {merge}"
    head = stale.heads[0]
    if head not in graph:
        return (
            f"bring {base.name} into this branch first (git rebase {base.name}), then: "
            "migguard check --fix"
        )
    if graph.get(stale.revision).is_merge:
        return f"set its down_revision to {head} in place of {stale.parent}, or {merge}"
    if base.upstream is not None and base.upstream != base.tip:
        published = revisions_at(base.repo, base.upstream, context.config, known)
        if stale.revision in published:
            return f"it is already pushed to {base.upstream_name}; {merge}"
    if _reparented_graph(graph, stale.revision, head) is None:
        return f"re-parenting it on {head} would make a cycle; {merge}"
    return None


def _reparented_graph(graph: RevisionGraph, rid: str, head: str) -> RevisionGraph | None:
    """The graph with ``rid`` moved onto ``head``, or ``None`` when that breaks it."""
    moved = [
        revision._replace(down_revisions=(head,)) if revision.revision == rid else revision
        for revision in graph
    ]
    try:
        return RevisionGraph(moved)
    except HistoryError:
        return None


def _fix(context: CheckContext, base: BaseBranch, stale: _Stale) -> Finding:
    """Re-parent the stale revision onto the base head; the heads file follows."""
    from migguard.guard.reparent import down_revision_line, reparent_file

    history = context.history
    head = stale.heads[0]
    shown = history.display_path(stale.revision)
    path = history.path(stale.revision)
    source = reparent_file(path, [head], shown)
    rewritten = [shown]
    heads_file = context.config.heads_file
    if heads_file is not None:
        from migguard.guard.heads_file import write_heads_file

        moved = _reparented_graph(history.graph, stale.revision, head)
        assert moved is not None, "checked by _fix_blocker"
        write_heads_file(heads_file, moved.heads)
        rewritten.append(display_path(heads_file, context.config.root))
    also = f", and the heads file {rewritten[1]}" if len(rewritten) > 1 else ""
    return Finding(
        "stale-parent",
        INFO,
        f"re-parented revision {stale.revision} ({shown}) from {stale.parent} onto {head}, "
        f"the head of {base.name}: its down_revision and Revises: line were rewritten{also}",
        shown,
        down_revision_line(source, shown),
        hint=f"review and stage: git add {' '.join(rewritten)}",
    )


def _stale_finding(context: CheckContext, base: BaseBranch, stale: _Stale, hint: str) -> Finding:
    from migguard.guard.reparent import down_revision_line

    history = context.history
    shown = history.display_path(stale.revision)
    if len(stale.heads) == 1:
        where = f"re-parent it on {stale.heads[0]}"
    else:
        where = f"{base.name} has heads {', '.join(stale.heads)} above it"
    try:
        line = down_revision_line(history.path(stale.revision).read_bytes(), shown)
    except (OSError, HistoryError):
        line = None
    return Finding(
        "stale-parent",
        ERROR,
        f"revision {stale.revision} ({shown}) is new on this branch, but its down_revision "
        f"{stale.parent} is no longer the head of {base.name}: {where}",
        shown,
        line,
        hint=hint,
    )


def _base(context: CheckContext, code: CheckCode) -> BaseBranch | Finding:
    """The base branch (looked up once per run), or the finding saying why there is none."""
    memo = context.memo
    if _MEMO_KEY not in memo:
        try:
            memo[_MEMO_KEY] = find_base_branch(context.config)
        except (NoBaseBranch, MissingBaseBranch) as exc:
            memo[_MEMO_KEY] = exc
    found = memo[_MEMO_KEY]
    if isinstance(found, MissingBaseBranch):
        return Finding(
            code, ERROR, str(found), hint="fetch it (git fetch origin) or fix base_branch"
        )
    if isinstance(found, NoBaseBranch):
        return Finding(code, INFO, f"skipped: {found}")
    assert isinstance(found, BaseBranch)
    return found

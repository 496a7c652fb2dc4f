"""The ``stale-parent`` check: new revisions built on a revision that is no longer the base
branch's head.

It looks at the revisions new on this branch (absent from the base branch's tip, see
:mod:`migguard.guard.checks.base_branch`) whose ``down_revision`` is a revision of the base
branch that is no longer one of its heads: after a rebase, or when the base branch moved on,
the new revision forks the history. The finding names the head to re-parent on; ``migguard
check --fix`` re-parents a single unpublished revision itself. When there is nothing to
compare with, it reports one info finding saying why it was skipped (an error for a configured
``base_branch`` that does not exist).
"""

from __future__ import annotations

from typing import NamedTuple

from migguard.errors import HistoryError
from migguard.graph import Revision, RevisionGraph
from migguard.guard.checks.base_branch import BaseBranch
from migguard.guard.checks.context import CheckContext, base_for
from migguard.guard.commit_scripts import CommitRevision, revisions_at
from migguard.guard.findings import ERROR, INFO, Finding
from migguard.scripts.directory import display_path

__all__ = ["check_stale_parent"]


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
    base = base_for(context, "stale-parent")
    if isinstance(base, Finding):
        return [base]
    history = context.history
    known = {history.files[revision.revision]: revision for revision in history.graph}
    at_tip = context.shared.revisions_at_tip(base, history)
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
    from migguard.scripts.reparent import down_revision_line, reparent_file

    history = context.history
    head = stale.heads[0]
    shown = history.display_path(stale.revision)
    path = history.path(stale.revision)
    source = reparent_file(path, [head], shown)
    rewritten = [shown]
    heads_file = context.config.heads_file
    if heads_file is not None:
        from migguard.scripts.heads_file import write_heads_file

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
    from migguard.scripts.reparent import down_revision_line

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

"""Which applied revisions a downgrade undoes: the choice Alembic makes, so both tools undo the
same revisions and leave the same version rows.

A downgrade target names a revision to end at (or base) and, optionally, a branch:

* ``base`` undoes everything; ``label@base`` undoes what builds on the bases of that branch.
* ``REV`` (or ``label@REV``) undoes what builds on REV's children, keeping REV.
* ``-N`` walks N revisions down (by down_revision) from the row the database is at; the walk's
  branch is that row's, so reaching base undoes only that row's line, not every branch.
  ``label@-N`` walks from the row on the branch of ``label``. ``REV-N`` walks from REV.

"Builds on" follows depends_on links too: a revision that depends on an undone one is undone
first. Pure functions over the graph; no database.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from migguard.errors import UsageError
from migguard.graph import RevisionGraph, WalkError, resolve, resolve_one

_FROM_CURRENT = re.compile(r"^(?:(?P<label>.+)@)?-(?P<count>\d+)$")


def removals(graph: RevisionGraph, current: Sequence[str], target: str) -> set[str]:
    """The revisions a downgrade of a database at ``current`` to ``target`` undoes.

    Args:
        graph: the history.
        current: the version table's rows.
        target: a downgrade target (see the module docstring).

    Returns:
        Applied revisions, closed upwards among the applied ones; empty when nothing is above
        ``target``.

    Raises:
        ResolutionError (WalkError and friends): the target names nothing, or a walk is
            ambiguous (a merge, or several rows to start from) or goes below base.
        UsageError: ``target`` is not applied, or the branch has nothing to undo.
    """
    done = graph.ancestors(current)
    branch, end = _parse(graph, current, target.strip())
    roots = list(graph.bases) if end is None else list(graph.children(end))
    if branch is not None and len(roots) > 1:
        line = graph.ancestors([resolve_one(graph, branch) or ""], dependencies=False)
        roots = [rid for rid in roots if rid in line]
        if not roots:
            raise UsageError(
                f"cannot downgrade to {target}: nothing on the branch of {branch} is above it"
            )
    undone = graph.descendants(roots) & done
    if end is not None and not undone and end not in current:
        raise UsageError(
            f"cannot downgrade to {end}: it is not applied (the database is at "
            f"{', '.join(sorted(current)) or 'base'})"
        )
    return undone


def _parse(
    graph: RevisionGraph, current: Sequence[str], target: str
) -> tuple[str | None, str | None]:
    """``(branch, end)``: the branch (label or revision) the downgrade keeps to, or None; the
    revision to end at, or None for base."""
    label, _, rest = target.rpartition("@")
    if rest == "base":
        return label or None, None
    match = _FROM_CURRENT.match(target)
    if match is None:
        return label or None, resolve_one(graph, target, current)
    start = _start(graph, current, match["label"], target)
    end = resolve(graph, f"{start}-{match['count']}", current)
    return match["label"] or start, end[0] if end else None


def _start(graph: RevisionGraph, current: Sequence[str], label: str | None, target: str) -> str:
    """The row a ``-N`` / ``label@-N`` walk starts from."""
    if not current:
        raise WalkError(f"cannot resolve {target!r}: the database is at base")
    if label is None:
        if len(current) > 1:
            raise WalkError(
                f"{target!r} is ambiguous: the database is at several revisions "
                f"({', '.join(sorted(current))}); use label@-N or name a revision"
            )
        return current[0]
    owner = resolve_one(graph, label) or ""
    on_branch = [rid for rid in current if _shares_line(graph, rid, owner)]
    if not on_branch:
        # Rows only above the branch (through depends_on): start from the branch's applied tip.
        done = graph.ancestors(current)
        tips = [rid for rid in done if not any(child in done for child in graph.children(rid))]
        on_branch = [rid for rid in tips if _shares_line(graph, rid, owner)]
    if len(on_branch) != 1:
        raise WalkError(
            f"{target!r} is ambiguous: the database is at {len(on_branch)} revisions on the "
            f"branch of {label!r}; name a revision"
        )
    return on_branch[0]


def _shares_line(graph: RevisionGraph, rid: str, other: str) -> bool:
    """Whether ``other`` is below or above ``rid`` through down_revision links."""
    return other in graph.ancestors([rid], dependencies=False) or other in graph.descendants(
        [rid], dependencies=False
    )

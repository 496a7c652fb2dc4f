"""Ordering revisions newest first, as ``history`` lists them.

The order keeps each branch together: starting from the heads (in file order), it follows one
line of descent downwards and only leaves it when the next revision is still needed by another
pending line, which it then finishes first. A revision therefore always comes after (below)
everything that builds on it. This is the order Alembic users see in ``alembic history``; it is
computed here in time linear in the revisions walked, plus, at each shared ancestor, a walk over
the revisions above it not yet listed.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable

from migguard.graph.core import RevisionGraph
from migguard.graph.errors import ResolutionError


def newest_first(graph: RevisionGraph, nodes: Collection[str], heads: Iterable[str]) -> list[str]:
    """Order ``nodes`` so that every revision precedes its parents.

    Args:
        graph: the revision graph.
        nodes: the revision ids to order (typically an ancestor-closed range).
        heads: where to start; those in ``nodes`` are taken in file order.

    Returns:
        The ids of ``nodes`` reachable from ``heads``, newest first.
    """
    todo = set(nodes)
    # Ordering children not yet emitted. Children outside ``nodes`` are never emitted, so
    # they keep the count up: a pending head may still sit above them (see below).
    pending = {rid: len(graph.ordering_children(rid)) for rid in todo}
    emitted: set[str] = set()

    current = sorted({h for h in heads if h in todo}, key=graph.position)
    output: list[str] = []
    idx = 0
    while current:
        candidate = current[idx]
        if pending[candidate]:
            other = _first_pending_head_above(graph, candidate, current, idx, emitted)
            if other is not None:
                idx = other
                continue
        if candidate in todo:
            output.append(candidate)
            todo.discard(candidate)
            emitted.add(candidate)
            for parent in graph.parents(candidate):
                if parent in pending:
                    pending[parent] -= 1
        added = [p for p in graph.parents(candidate) if p in todo and p not in current]
        if added:
            current[idx] = added[0]
            current.extend(added[1:])
        else:
            del current[idx]
            idx = max(idx - 1, 0)
    return output


def _first_pending_head_above(
    graph: RevisionGraph, rid: str, current: list[str], idx: int, emitted: set[str]
) -> int | None:
    """The smallest position (other than ``idx``) in ``current`` holding a descendant of
    ``rid``; None if there is none.

    Descendants are searched in the whole graph, not only among the revisions being ordered:
    as in Alembic, a revision waits for a pending head that needs it even when the link runs
    through revisions outside a history range. Emitted revisions are skipped: no pending
    head lies above them.
    """
    where = {h: i for i, h in enumerate(current) if i != idx}
    best: int | None = None
    seen = {rid}
    stack = [rid]
    while stack:
        for child in graph.ordering_children(stack.pop()):
            if child in seen or child in emitted:
                continue
            seen.add(child)
            pos = where.get(child)
            if pos is not None and (best is None or pos < best):
                best = pos
            stack.append(child)
    return best


def history_range(
    graph: RevisionGraph, lower: tuple[str, ...], upper: tuple[str, ...]
) -> list[str]:
    """Revisions from ``lower`` up to ``upper``, both included, newest first.

    Args:
        graph: the revision graph.
        lower: resolved start revisions; empty means from the base.
        upper: resolved end revisions; empty means nothing.

    Returns:
        Revision ids newest first.

    Raises:
        ResolutionError: a ``lower`` revision is not an ancestor of ``upper``.
    """
    required = graph.ancestors(upper)
    outside = [r for r in lower if r not in required]
    if outside:
        raise ResolutionError(
            f"{', '.join(outside)} is not an ancestor of {', '.join(upper) or 'base'}; "
            "a history range goes from an older revision to a newer one"
        )
    needs = (required - graph.ancestors(lower)) | set(lower)
    if lower:
        needs &= graph.descendants(lower, dependencies=False)
    # An end that reaches ``lower`` only through depends_on is not above it by down_revision
    # and drops out; the walk then starts from the newest revisions left in the range.
    tips = [r for r in needs if not any(c in needs for c in graph.ordering_children(r))]
    return newest_first(graph, needs, [*upper, *tips])

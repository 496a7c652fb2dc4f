"""The revision identifier grammar.

=====================  ==============================================================
form                   meaning
=====================  ==============================================================
``ae1027a6acf``        a full id, a branch label, or any prefix unique among the ids
``head`` / ``heads``   the single head (an error if there are several) / all heads
``base``               below the first revision (resolves to no revision)
``current``            the revisions the database is at (``current-1`` works too)
``+N`` / ``-N``        N steps up / down from ``current`` (the database's revisions)
``rev+N`` / ``rev-N``  N steps up / down from ``rev`` (``head-1`` works too)
``label@head``         the head of the branch carrying ``label`` (also ``@heads``)
``label@base``         the base of that branch
``label@rev``          ``rev``, checked to be on that branch (prefixes are matched there)
``label@+N``, ``@-N``  N steps up / down from ``current`` on that branch
=====================  ==============================================================

A label may also be a revision id, standing for the branch through that revision.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence

from migguard.graph.core import RevisionGraph
from migguard.graph.errors import (
    AmbiguousRevisionError,
    MultipleHeadsError,
    ResolutionError,
    UnknownRevisionError,
    WalkError,
)

# The words the grammar reserves, offered as "did you mean" for a mistyped one.
KEYWORDS = ("head", "heads", "base", "current")
_RELATIVE = re.compile(r"^([+-])(\d+)$")
_FROM_REVISION = re.compile(r"^(.+?)([+-])(\d+)$")


def resolve(
    graph: RevisionGraph, ident: str, current: Sequence[str] | None = None
) -> tuple[str, ...]:
    """Resolve an identifier to revision ids.

    Args:
        graph: the revision graph.
        ident: an identifier in the grammar above.
        current: the revisions the database is at (for ``current``, ``+N``, ``-N`` and
            ``label@+N``); empty means the database is at base; None means the caller did
            not read the database: ``current`` is then an error (rather than base) and
            relative forms count from base.

    Returns:
        The revision ids, in file order; an empty tuple means base.

    Raises:
        UnknownRevisionError, AmbiguousRevisionError, MultipleHeadsError, WalkError:
            the identifier does not name exactly what it must (all ``ResolutionError``).
        UnreadableFieldError: the identifier needs branch labels that a script hides.
    """
    ident = ident.strip()
    if not ident:
        raise ResolutionError("empty revision identifier")
    if "@" in ident:
        label, rest = ident.split("@", 1)
        return _on_branch(graph, label, rest, ident, current)
    return _plain(graph, ident, current, lineage=None)


def resolve_one(
    graph: RevisionGraph, ident: str, current: Sequence[str] | None = None
) -> str | None:
    """Resolve an identifier that must name one revision, or base (None).

    Raises:
        ResolutionError: as :func:`resolve`, or when it names several revisions.
    """
    found = resolve(graph, ident, current)
    if len(found) > 1:
        raise MultipleHeadsError(found, ident)
    return found[0] if found else None


def _plain(
    graph: RevisionGraph,
    ident: str,
    current: Sequence[str] | None,
    lineage: Collection[str] | None,
) -> tuple[str, ...]:
    if ident in ("heads", "head"):
        # Plain `heads` leaves out heads that another revision depends on (they are reached
        # through it); on a branch, every head of that branch counts.
        heads = graph.real_heads if ident == "heads" and lineage is None else graph.heads
        if lineage is not None:
            heads = tuple(h for h in heads if h in lineage)
        if ident == "head" and len(heads) > 1:
            raise MultipleHeadsError(heads, ident)
        return heads
    if ident == "base":
        return ()
    if ident == "current":
        if current is None:
            # Reading it as base would, say, start a new revision from nothing.
            raise ResolutionError(
                "'current' names the database's revision, which this command does not read"
            )
        applied = set(current)
        ordered = tuple(rid for rid in graph.ids if rid in applied)
        return ordered if lineage is None else tuple(r for r in ordered if r in lineage)
    match = _RELATIVE.match(ident)
    if match:
        at = tuple(current or ())
        start = at if lineage is None else tuple(c for c in at if c in lineage)
        if lineage is not None and at and not start and match[1] == "+":
            start = _applied_tips(graph, at, lineage)
        return _walk(graph, start, _steps(match[1], match[2]), lineage, ident)
    match = _FROM_REVISION.match(ident)
    if match and ident not in graph and ident not in graph.label_owners:
        start = _plain(graph, match[1], current, lineage)
        return _walk(graph, start, _steps(match[2], match[3]), lineage, ident)
    return (lookup(graph, ident, lineage),)


def _applied_tips(
    graph: RevisionGraph, current: Sequence[str], lineage: Collection[str]
) -> tuple[str, ...]:
    """Where ``label@+N`` starts when no row is on the branch (a row above it only through
    depends_on): the branch's applied revisions that no applied one of it builds on, as in
    Alembic."""
    on_branch = graph.ancestors(current) & set(lineage)
    below = {parent for rid in on_branch for parent in graph.parents(rid)}
    return tuple(rid for rid in graph.ids if rid in on_branch and rid not in below)


def _on_branch(
    graph: RevisionGraph, label: str, rest: str, ident: str, current: Sequence[str] | None
) -> tuple[str, ...]:
    if not label or not rest:
        raise ResolutionError(f"{ident!r}: expected label@head, label@base, label@+N or label@rev")
    if label not in graph:
        graph.require_readable("branch_labels")
    root = lookup(graph, label, None)
    lineage = graph.descendants([root], dependencies=False) | graph.ancestors(
        [root], dependencies=False
    )
    if rest == "base":
        return tuple(b for b in graph.bases if b in lineage)
    try:
        found = _plain(graph, rest, current, lineage)
    except MultipleHeadsError as exc:
        # Name what the user typed and where the heads are: the branch, not the history.
        raise MultipleHeadsError(exc.heads, ident, f"the branch of {label!r}") from None
    if rest in ("head", "heads") and not found:
        raise ResolutionError(f"{ident!r}: no head on the branch of {label!r}")
    for rid in found:
        if rid not in lineage:
            raise ResolutionError(f"revision {rid} is not on the branch of {label!r}")
    return found


def lookup(graph: RevisionGraph, name: str, lineage: Collection[str] | None = None) -> str:
    """Find one revision by exact id, branch label, or unique id prefix.

    Args:
        graph: the revision graph.
        name: the id, label or prefix.
        lineage: when given, prefixes only match revisions in it; a prefix matching one
            revision outside it returns that revision (the caller reports it off-branch).

    Returns:
        The full revision id.

    Raises:
        UnknownRevisionError: nothing matches (close ids are suggested).
        AmbiguousRevisionError: the prefix matches several revisions.
        ResolutionError: the prefix matches several revisions, none of them in ``lineage``.
        UnreadableFieldError: nothing matched and some branch labels are unreadable.
    """
    if name in graph:
        return name
    owner = graph.label_owners.get(name)
    if owner is not None:
        return owner
    candidates = [rid for rid in graph.ids if rid.startswith(name)]
    if lineage is not None:
        elsewhere = candidates
        candidates = [rid for rid in candidates if rid in lineage]
        if not candidates and len(elsewhere) == 1:
            # It exists, just not on the branch: let the caller say so instead of
            # claiming there is no such revision.
            return elsewhere[0]
        if not candidates and elsewhere:
            raise ResolutionError(
                f"{name!r} matches {len(elsewhere)} revisions ({', '.join(elsewhere[:10])}), "
                "none of them on the branch"
            )
    if len(candidates) == 1:
        return candidates[0]
    if candidates:
        raise AmbiguousRevisionError(name, candidates)
    graph.require_readable("branch_labels")
    known = [*graph.ids, *graph.label_owners, *KEYWORDS]
    import difflib  # error path only

    raise UnknownRevisionError(name, difflib.get_close_matches(name, known, n=3, cutoff=0.6))


def _steps(sign: str, digits: str) -> int:
    count = int(digits)
    return -count if sign == "-" else count


def _walk(
    graph: RevisionGraph,
    start: tuple[str, ...],
    steps: int,
    lineage: Collection[str] | None,
    asked: str,
) -> tuple[str, ...]:
    """Walk ``steps`` revisions up (positive) or down (negative) from ``start``."""
    if len(start) > 1:
        raise WalkError(
            f"{asked!r} is ambiguous: it starts from several revisions ({', '.join(start)}); "
            "use label@+N / label@-N or name a revision"
        )
    node = start[0] if start else None
    for taken in range(abs(steps)):
        nxt: tuple[str | None, ...]
        if steps > 0:
            nxt = graph.bases if node is None else graph.children(node)
            if lineage is not None:
                nxt = tuple(r for r in nxt if r in lineage)
        else:
            if node is None:
                raise WalkError(f"cannot resolve {asked!r}: base reached after {taken} step(s)")
            nxt = graph.get(node).down_revisions or (None,)
        if not nxt:
            raise WalkError(
                f"cannot resolve {asked!r}: {node or 'base'} has nothing above it "
                f"after {taken} step(s)"
            )
        if len(nxt) > 1:
            way = "followed by" if steps > 0 else "a merge of"
            raise WalkError(
                f"{asked!r} is ambiguous: {node or 'base'} is {way} {', '.join(map(str, nxt))}; "
                "name the revision or use label@+N"
            )
        node = nxt[0]
    return () if node is None else (node,)

"""Building in-memory revision graphs for the graph tests."""

from __future__ import annotations

from migguard.graph import Revision, RevisionGraph, Unreadable


def rev(
    rid: str,
    *down: str,
    labels: tuple[str, ...] = (),
    deps: tuple[str, ...] = (),
    unreadable: tuple[Unreadable, ...] = (),
) -> Revision:
    """A revision as its script ``versions/<id>_.py`` would declare it."""
    return Revision(
        rid,
        down_revisions=down,
        branch_labels=labels,
        depends_on=deps,
        source=f"versions/{rid}_.py",
        unreadable=unreadable,
    )


def build(*revisions: Revision) -> RevisionGraph:
    """The graph of ``revisions``, in the order given (their file order)."""
    return RevisionGraph(revisions)

"""Plans: which revisions to run, in which order, and what the version table holds after each.

Pure functions over the revision graph; no database. The version table holds one row per
applied *head*: an applied revision none of whose down_revision children is applied. Each step
updates that set incrementally (applying R removes R's parents and adds R; undoing R removes R
and restores each parent left without an applied child), so a plan costs time linear in the
revisions it touches.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from typing import NamedTuple

from migguard.errors import DatabaseError, UsageError
from migguard.graph import RevisionGraph, newest_first, resolve


class Step(NamedTuple):
    """One revision to run.

    Attributes:
        revision: the revision id.
        upgrade: True to run ``upgrade()``, False to run ``downgrade()``.
        heads_before: the version table's rows before the step.
        heads_after: the rows after it.
    """

    revision: str
    upgrade: bool
    heads_before: frozenset[str]
    heads_after: frozenset[str]

    def describe(self, graph: RevisionGraph) -> str:
        """``upgrade a1 -> b2, message`` or ``downgrade b2 -> a1, message``."""
        rev = graph.get(self.revision)
        parents = ", ".join(rev.down_revisions) or "<base>"
        if self.upgrade:
            return f"upgrade {parents} -> {self.revision}, {rev.message}"
        return f"downgrade {self.revision} -> {parents}, {rev.message}"


class UnknownDatabaseRevisionError(DatabaseError):
    """The version table names a revision the history does not have (exit 4: the history is
    not broken, the database is ahead of this code)."""

    def __init__(self, revisions: Collection[str]) -> None:
        names = ", ".join(sorted(revisions))
        super().__init__(
            f"the database is at revision {names}, which is not in this history (is the code "
            "older than the database? check out the code that has it, or reset the version "
            "table with `migguard stamp --purge REV`)"
        )


class OverlappingVersionRowsError(DatabaseError):
    """The version table holds a revision and one of its own ancestors (exit 4).

    Each row is an applied head, and a revision's row replaces its parent's, so such a table
    was edited by hand or by another tool; Alembic refuses it too. Which row is right only the
    schema can tell.

    Attributes:
        revision: the upper row.
        ancestor: the row below it.
    """

    def __init__(self, revision: str, ancestor: str) -> None:
        self.revision = revision
        self.ancestor = ancestor
        super().__init__(
            f"the version table holds both {revision} and its ancestor {ancestor}, which cannot "
            "both be applied heads (was it edited by hand?); check which one the schema is at, "
            "then reset the table with `migguard stamp --purge REV`"
        )


def check_known(graph: RevisionGraph, current: Iterable[str]) -> None:
    """Check the version table's rows against the history.

    Raises:
        UnknownDatabaseRevisionError: a row is not in the history.
        OverlappingVersionRowsError: a row is an ancestor of another (through down_revision:
            a dependency's row stays, as Alembic keeps it).
    """
    rows = set(current)
    unknown = [rid for rid in rows if rid not in graph]
    if unknown:
        raise UnknownDatabaseRevisionError(unknown)
    if len(rows) < 2:
        return
    # One walk from the rows' parents finds every row below another.
    parents = [parent for rid in rows for parent in graph.get(rid).down_revisions]
    below = graph.ancestors(parents, dependencies=False) & rows
    if below:
        ancestor = min(below)
        revision = min(
            rid
            for rid in rows - {ancestor}
            if ancestor in graph.ancestors([rid], dependencies=False)
        )
        raise OverlappingVersionRowsError(revision, ancestor)


def applied(graph: RevisionGraph, current: Iterable[str]) -> set[str]:
    """Every revision applied when the version table holds ``current``."""
    return graph.ancestors(current)


def upgrade_plan(graph: RevisionGraph, current: Sequence[str], target: str) -> list[Step]:
    """Steps that bring the database from ``current`` up to ``target``.

    Args:
        graph: the history.
        current: the version table's rows.
        target: an identifier (``head``, ``heads``, ``+2``, ``ae10``, ``label@head``, ...);
            relative forms count from ``current``.

    Returns:
        Steps, dependencies and parents first; empty when everything is applied already.

    Raises:
        UnknownDatabaseRevisionError, ResolutionError, UnreadableFieldError.
    """
    check_known(graph, current)
    graph.require_readable("depends_on")
    targets = resolve(graph, target, current)
    done = applied(graph, current)
    needed = graph.ancestors(targets) - done
    order = newest_first(graph, needed, targets)
    order.reverse()
    heads = set(current)
    steps = []
    for rid in order:
        before = frozenset(heads)
        heads.difference_update(graph.get(rid).down_revisions)
        heads.add(rid)
        steps.append(Step(rid, True, before, frozenset(heads)))
    return steps


def downgrade_plan(graph: RevisionGraph, current: Sequence[str], target: str) -> list[Step]:
    """Steps that take the database from ``current`` down to ``target``.

    Args:
        graph: the history.
        current: the version table's rows.
        target: ``base``, ``-N``, ``label@-N``, ``label@base``, or a revision to end at (it
            stays applied; everything applied above it, and what depends on that, is undone).

    Returns:
        Steps, dependents and children first; empty when nothing is above ``target``.

    Raises:
        UnknownDatabaseRevisionError, ResolutionError, UnreadableFieldError;
        UsageError when ``target`` is not applied.
    """
    check_known(graph, current)
    graph.require_readable("depends_on")
    done = applied(graph, current)
    removals = _removals(graph, current, target, done)
    order = newest_first(graph, removals, current)
    heads = set(current)
    remaining = set(done)
    steps = []
    for rid in order:
        before = frozenset(heads)
        heads.discard(rid)
        remaining.discard(rid)
        for parent in graph.get(rid).down_revisions:
            if not any(child in remaining for child in graph.children(parent)):
                heads.add(parent)
        steps.append(Step(rid, False, before, frozenset(heads)))
    return steps


def _removals(
    graph: RevisionGraph, current: Sequence[str], target: str, done: set[str]
) -> set[str]:
    """The applied revisions a downgrade to ``target`` undoes."""
    label, _, rest = target.rpartition("@")
    if rest == "base":
        if not label:
            return set(done)
        graph.require_readable("branch_labels")
        on_branch = {rid for rid in done if label in graph.branch_labels(rid)}
        return done & graph.descendants(on_branch)
    ends = resolve(graph, target, current)
    if not ends:
        return set(done)
    missing = [rid for rid in ends if rid not in done]
    if missing:
        raise UsageError(
            f"cannot downgrade to {', '.join(missing)}: it is not applied (the database is at "
            f"{', '.join(sorted(current)) or 'base'})"
        )
    return done & (graph.descendants(ends) - set(ends))


def stamp_heads(
    graph: RevisionGraph, current: Sequence[str], targets: Sequence[str], *, purge: bool
) -> frozenset[str]:
    """The version table's rows after ``stamp``.

    Args:
        graph: the history.
        current: the rows now (ignored with ``purge``).
        targets: identifiers to stamp (``base`` for none, ``heads``, ids, ``label@head``, ...).
        purge: replace every row, even rows the history does not know.

    Returns:
        The new rows: the targets, plus (without ``purge``) the current rows on branches the
        targets do not touch.

    Raises:
        UnknownDatabaseRevisionError (without ``purge``), ResolutionError.
    """
    if not purge:
        check_known(graph, current)
    chosen: set[str] = set()
    for ident in targets:
        chosen.update(resolve(graph, ident, () if purge else current))
    # A stamped revision below another stamped one is implied by it.
    below = graph.ancestors(chosen, dependencies=False) - chosen
    chosen -= below
    if purge:
        return frozenset(chosen)
    touched = graph.ancestors(chosen, dependencies=False) | graph.descendants(
        chosen, dependencies=False
    )
    if "base" in targets:
        touched = set(graph.ids)
    return frozenset({rid for rid in current if rid not in touched} | chosen)

"""Plans: which revisions to run, in which order, and what the version table holds after each.

Pure functions over the revision graph; no database. The version table holds one row per
applied *tip*: an applied revision that no applied revision builds on, where "builds on" counts
depends_on links as Alembic does (a revision's ordering parents are its down_revisions plus the
dependencies no ancestor already declared, see :meth:`RevisionGraph.parents`). So once ``b2``
(depends_on ``a2``) is applied, ``a2``'s row is gone, as Alembic writes it; Alembic refuses a
table that keeps both ("overlaps with other requested revisions"). Each step updates the rows
incrementally, by Alembic's rule, so that both tools write the same rows in every move:
applying R removes the rows of R's ordering parents and adds R; undoing R removes R and brings
back each ordering parent that no other row builds on (see :func:`_restored` for the one case
where that leaves a row below another). A plan costs time about linear in the revisions it
touches.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from typing import NamedTuple

from migguard.errors import DatabaseError, HistoryError, UsageError
from migguard.graph import RevisionGraph, newest_first, resolve
from migguard.runtime.downgrade import removals


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
    """The version table holds a revision and one it builds on (exit 4): an ancestor, or a
    revision it depends on (directly or through other revisions).

    Each row is an applied tip, and a revision's row replaces the rows of what it builds on,
    so such a table was edited by hand, stamped that way, or written by migguard before it
    followed Alembic for depends_on; Alembic refuses to upgrade it too. Which row is right only
    the schema can tell.

    Attributes:
        revision: the upper row.
        ancestor: the row below it.
    """

    def __init__(self, revision: str, ancestor: str, *, dependency: bool = False) -> None:
        self.revision = revision
        self.ancestor = ancestor
        below = "a revision it depends on," if dependency else "its ancestor"
        super().__init__(
            f"the version table holds both {revision} and {below} {ancestor}, which cannot "
            "both be applied heads (was it edited by hand?); check which one the schema is at, "
            "then reset the table with `migguard stamp --purge REV`"
        )


class UnrecordableMergeError(HistoryError):
    """A merge revision that also depends on a revision above one of its own parents (exit 3).

    When both of the merge's other parents are rows, its step replaces every parent's row,
    the buried parent's too, which is no row: Alembic fails on that step, so migguard refuses
    it before running anything rather than write rows Alembic would not.
    """

    def __init__(self, graph: RevisionGraph, rid: str, buried: Collection[str]) -> None:
        rev = graph.get(rid)
        names = ", ".join(sorted(buried))
        super().__init__(
            f"revision {rid} ({rev.source}) merges {', '.join(rev.down_revisions)} and depends "
            f"on {', '.join(graph.dependencies(rid))}, which is above {names}: Alembic cannot "
            f"record that step in the version table, so it is refused; name the revision above "
            f"{names} in down_revision instead of {names}"
        )
        self.file = rev.source or None


def check_known(graph: RevisionGraph, current: Iterable[str]) -> None:
    """Check the version table's rows against the history.

    Raises:
        UnknownDatabaseRevisionError: a row is not in the history.
        OverlappingVersionRowsError: a row is below another, through down_revision or
            depends_on (Alembic: "overlaps with other requested revisions").
    """
    rows = set(current)
    unknown = [rid for rid in rows if rid not in graph]
    if unknown:
        raise UnknownDatabaseRevisionError(unknown)
    if len(rows) < 2:
        return
    # One walk from the rows' parents finds every row below another.
    parents = [parent for rid in rows for parent in graph.parents(rid)]
    below = graph.ancestors(parents) & rows
    if below:
        ancestor = min(below)
        above = sorted(rid for rid in rows - {ancestor} if ancestor in graph.ancestors([rid]))
        lineal = [rid for rid in above if ancestor in graph.ancestors([rid], dependencies=False)]
        revision = (lineal or above)[0]
        raise OverlappingVersionRowsError(revision, ancestor, dependency=not lineal)


def applied(graph: RevisionGraph, current: Iterable[str]) -> set[str]:
    """Every revision applied when the version table holds ``current``."""
    return graph.ancestors(current)


def tips(graph: RevisionGraph, done: Collection[str]) -> set[str]:
    """The rows of an applied set ``done`` (closed under ordering parents): the revisions in
    it without an ordering child in it. For rows :func:`check_known` accepts, these are the
    rows themselves."""
    return {rid for rid in done if not any(c in done for c in graph.ordering_children(rid))}


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
    heads = tips(graph, done)
    before = frozenset(current)
    steps = []
    for rid in order:
        _check_recordable(graph, heads, rid)
        heads.difference_update(graph.parents(rid))
        heads.add(rid)
        steps.append(Step(rid, True, before, frozenset(heads)))
        before = steps[-1].heads_after
    return steps


def _check_recordable(graph: RevisionGraph, heads: set[str], rid: str) -> None:
    """Raise UnrecordableMergeError when applying ``rid`` on rows ``heads`` would replace the
    row of a parent that is no row (see the error)."""
    parents = graph.parents(rid)
    if len(parents) < 2 or len(heads.intersection(parents)) < 2:
        return
    others = heads.difference(parents)
    covered = graph.ancestors(others) if others else set()
    buried = [p for p in parents if p not in covered and p not in heads]
    if buried:
        raise UnrecordableMergeError(graph, rid, buried)


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
    undone = removals(graph, current, target)
    order = newest_first(graph, undone, current)
    heads = tips(graph, done)
    remaining = set(done)
    before = frozenset(current)
    steps = []
    for rid in order:
        remaining.discard(rid)
        heads.update(_restored(graph, heads, remaining, rid))
        heads.discard(rid)
        steps.append(Step(rid, False, before, frozenset(heads)))
        before = steps[-1].heads_after
    return steps


def _restored(graph: RevisionGraph, heads: set[str], remaining: set[str], rid: str) -> list[str]:
    """The rows undoing ``rid`` brings back, by Alembic's rule: each ordering parent that no
    other row builds on; with no other row, each parent that no other parent builds on.

    That rule looks at rows, not at every applied revision: a parent that only an applied
    revision which is no row builds on comes back beside it (a merge that depends on a
    revision above one of its parents leaves both rows when it is undone). Alembic then
    refuses to upgrade from there, and so does migguard (see :func:`check_known`); a
    ``stamp --purge`` repairs it.
    """
    parents = graph.parents(rid)
    others = heads - {rid}
    if not others:
        return [
            p for p in parents if not any(q != p and p in graph.ancestors([q]) for q in parents)
        ]
    return [p for p in parents if not _below_any(graph, p, others, remaining)]


def _below_any(graph: RevisionGraph, rid: str, rows: set[str], remaining: set[str]) -> bool:
    """Whether ``rid`` is (or is below) one of ``rows``; the walk stays among the applied
    revisions ``remaining`` (every revision between a row and what it builds on is applied),
    so it costs what is applied above ``rid``, not the whole history."""
    seen = {rid}
    todo = [rid]
    while todo:
        node = todo.pop()
        if node in rows:
            return True
        for child in graph.ordering_children(node):
            if child in remaining and child not in seen:
                seen.add(child)
                todo.append(child)
    return False


class StampConflictError(UsageError):
    """A stamp whose targets and the version table's rows give no single answer (exit 2).

    For instance rows both above and below a target, or two targets replacing the same row.
    Alembic stops on these too (with an assertion or a missing-row error); ``stamp --purge``
    states the rows outright.
    """


def stamp_heads(
    graph: RevisionGraph, current: Sequence[str], targets: Sequence[str], *, purge: bool
) -> frozenset[str]:
    """The version table's rows after ``stamp``, as Alembic's ``stamp`` leaves them.

    The rule (Alembic's, so both tools leave the same table): each identifier selects the
    current rows on its lineage (rows that are ancestors or descendants of what it names, or
    of its branch label's revision, depends_on links included; ``base`` selects every row).
    Then each target revision, in turn, is stamped against the selected rows: a target already
    selected is left alone; a target below or above selected rows replaces them all (when the
    selected rows are below it and one of them is already gone, it is added beside the rest);
    a target on no selected lineage is added. With no target revision (``base``,
    ``label@base``) the selected rows are deleted. No reduction follows: stamping a revision
    and its ancestor keeps both rows, as Alembic does (and as it then refuses to upgrade).

    Args:
        graph: the history.
        current: the rows now (the starting point is empty with ``purge``).
        targets: identifiers to stamp (``base``, ``heads``, ids, ``label@head``, ...).
        purge: start from an empty table, even when rows are unknown to the history.

    Returns:
        The new rows.

    Raises:
        UnknownDatabaseRevisionError (without ``purge``), ResolutionError,
        StampConflictError.
    """
    if not purge:
        check_known(graph, current)
    rows = set() if purge else set(current)
    selected: dict[str, None] = {}
    dests: list[str] = []
    for ident in targets:
        label, _, rest = ident.strip().rpartition("@")
        named = [] if rest == "base" else list(resolve(graph, ident, tuple(rows)))
        dests.extend(named)
        if not label and rest == "base":
            selected.update(dict.fromkeys(sorted(rows, key=graph.position)))
            continue
        anchors = named + ([graph.label_owners.get(label, label)] if label else [])
        lineage = graph.ancestors(anchors) | graph.descendants(anchors)
        selected.update(dict.fromkeys(r for r in sorted(rows, key=graph.position) if r in lineage))
    chosen = list(selected)
    if not dests:
        return frozenset(rows - set(chosen))
    for dest in dict.fromkeys(dests):
        if dest in selected:
            continue
        above = graph.descendants([dest]) & selected.keys()
        below = graph.ancestors([dest]) & selected.keys()
        if above and below:
            raise StampConflictError(
                f"cannot stamp {dest}: the version table holds revisions both above it "
                f"({', '.join(sorted(above))}) and below it ({', '.join(sorted(below))}); "
                "use `stamp --purge` to set the rows outright"
            )
        if below and not set(chosen) <= rows:
            _add(rows, dest)
        elif above or below:
            _replace(rows, chosen, dest)
        else:
            _add(rows, dest)
    return frozenset(rows)


def _add(rows: set[str], dest: str) -> None:
    if dest in rows:
        raise StampConflictError(f"cannot stamp {dest}: it is a row of the version table already")
    rows.add(dest)


def _replace(rows: set[str], chosen: Sequence[str], dest: str) -> None:
    gone = [rid for rid in chosen if rid not in rows]
    if gone or dest in rows:
        raise StampConflictError(
            f"cannot stamp {dest} over {', '.join(chosen)}: an earlier target of the same "
            f"stamp already replaced {', '.join(gone) or dest}; stamp the targets one by one "
            "or use `stamp --purge`"
        )
    rows.difference_update(chosen)
    rows.add(dest)

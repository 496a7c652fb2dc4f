"""RevisionGraph: a validated DAG of revisions with structural queries.

Pure Python: no files, no databases, no SQLAlchemy. Every walk is iterative, so histories of
any length work without touching the recursion limit, and construction is linear in the number
of revisions plus links (branch-label inheritance adds one walk per labelled revision).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping

from migguard.graph.errors import (
    CycleError,
    DuplicateBranchLabelError,
    DuplicateRevisionError,
    IllegalRevisionIdError,
    UnknownParentError,
    UnreadableFieldError,
)
from migguard.graph.revision import ILLEGAL_ID_CHARS, Revision

_ILLEGAL_ID = re.compile("[" + re.escape("".join(sorted(ILLEGAL_ID_CHARS))) + "]")

_EMPTY: frozenset[str] = frozenset()


class RevisionGraph:
    """A revision history, checked for consistency when built.

    Terms follow Alembic: a *head* is a revision no other revision names as down_revision; a
    *base* has no down_revision; a *branch point* is the down_revision of two or more
    revisions; a *merge point* has two or more down_revisions. ``depends_on`` links order
    revisions across branches without making heads or branch points.

    Args:
        revisions: the revisions, in a stable order (file order); ties in every listing and
            walk are broken by this order.

    Raises:
        IllegalRevisionIdError, DuplicateRevisionError, DuplicateBranchLabelError,
        UnknownParentError, CycleError: the history is broken (all ``HistoryError``).
    """

    def __init__(self, revisions: Iterable[Revision]) -> None:
        listed = list(revisions)
        self._revs: dict[str, Revision] = {rev.revision: rev for rev in listed}
        if len(self._revs) != len(listed):
            self._raise_duplicate(listed)
        if _ILLEGAL_ID.search("\x00".join(self._revs)) or "" in self._revs:
            bad = next(r for r in listed if not r.revision or _ILLEGAL_ID.search(r.revision))
            raise IllegalRevisionIdError(bad.revision, bad.source)
        self._position: dict[str, int] | None = None
        self._label_owner = self._map_labels()
        # Sparse maps: most revisions have one child and no dependents; absent means none.
        self._children: dict[str, list[str]] = {}
        self._dependents: dict[str, list[str]] = {}
        self._resolved_deps: dict[str, tuple[str, ...]] = {}
        self._link()
        self._topo = self._check_acyclic()
        if self._resolved_deps:
            self._parents = self._normalize_parents()
            self._norm_children: dict[str, list[str]] = {}
            for rid, parents in self._parents.items():
                for parent in parents:
                    self._norm_children.setdefault(parent, []).append(rid)
        else:
            self._parents = {rid: rev.down_revisions for rid, rev in self._revs.items()}
            self._norm_children = self._children
        self.heads: tuple[str, ...] = tuple(r for r in self._revs if r not in self._children)
        """Revisions that no other revision names as down_revision, in file order."""
        self.bases: tuple[str, ...] = tuple(
            r for r, rev in self._revs.items() if not rev.down_revisions
        )
        """Revisions without a down_revision, in file order."""
        self.real_heads: tuple[str, ...] = tuple(r for r in self.heads if r not in self._dependents)
        """Heads that no revision depends on either: what ``heads`` targets."""
        self._labels = self._inherit_labels() if self._label_owner else {}

    # -- construction ---------------------------------------------------------------------

    @staticmethod
    def _raise_duplicate(listed: list[Revision]) -> None:
        first: dict[str, Revision] = {}
        for rev in listed:
            earlier = first.setdefault(rev.revision, rev)
            if earlier is not rev:
                raise DuplicateRevisionError(rev.revision, earlier.source, rev.source)

    def _map_labels(self) -> dict[str, str]:
        owner: dict[str, str] = {}
        for rid, rev in self._revs.items():
            for label in rev.branch_labels:
                other = owner.get(label) or (label if label in self._revs else None)
                if other is not None:
                    raise DuplicateBranchLabelError(
                        label, self._revs[other].describe(), rev.describe()
                    )
                owner[label] = rid
        return owner

    def _link(self) -> None:
        revs, children = self._revs, self._children
        named = {parent for rev in revs.values() for parent in rev.down_revisions}
        if not named.issubset(revs):
            for rid, rev in revs.items():
                for parent in rev.down_revisions:
                    if parent not in revs:
                        raise UnknownParentError("down_revision", parent, rid, rev.source)
        for rid, rev in revs.items():
            for parent in rev.down_revisions:
                siblings = children.get(parent)
                if siblings is None:
                    children[parent] = [rid]
                else:
                    siblings.append(rid)
            if not rev.depends_on:
                continue
            deps: list[str] = []
            for dep in rev.depends_on:
                target = dep if dep in revs else self._label_owner.get(dep)
                if target is None:
                    raise UnknownParentError("depends_on", dep, rid, rev.source)
                if target not in deps:
                    deps.append(target)
                    self._dependents.setdefault(target, []).append(rid)
            self._resolved_deps[rid] = tuple(deps)

    def _check_acyclic(self) -> list[str]:
        """Kahn's algorithm over down_revision and depends_on links; parents come first."""
        # Count links, not distinct parents: every link is also walked once below.
        deps = self._resolved_deps
        waiting = {rid: len(rev.down_revisions) for rid, rev in self._revs.items()}
        for rid, resolved in deps.items():
            waiting[rid] += len(resolved)
        ready = [rid for rid, n in waiting.items() if n == 0]
        order: list[str] = []
        empty: list[str] = []
        children, dependents = self._children, self._dependents
        while ready:
            rid = ready.pop()
            order.append(rid)
            for child in children.get(rid, empty):
                waiting[child] -= 1
                if not waiting[child]:
                    ready.append(child)
            for child in dependents.get(rid, empty) if dependents else empty:
                waiting[child] -= 1
                if not waiting[child]:
                    ready.append(child)
        if len(order) < len(self._revs):
            stuck = {rid for rid, n in waiting.items() if n > 0}
            raise CycleError(self._find_cycle(stuck))
        return order

    def _find_cycle(self, stuck: set[str]) -> list[str]:
        """One loop among revisions Kahn's algorithm could not order, parent first."""
        start = min(stuck, key=self.position)
        path: list[str] = []
        position: dict[str, int] = {}
        node = start
        while node not in position:
            position[node] = len(path)
            path.append(node)
            rev = self._revs[node]
            links = (*rev.down_revisions, *self._resolved_deps.get(node, ()))
            node = next(p for p in links if p in stuck)
        loop = path[position[node] :][::-1]
        first = min(range(len(loop)), key=lambda i: self.position(loop[i]))
        return loop[first:] + loop[:first]

    def _normalize_parents(self) -> dict[str, tuple[str, ...]]:
        """Parents used for ordering: down_revisions plus the dependencies not already
        declared by an ancestor (an ancestor's dependency is ordered through that ancestor)."""
        inherited: dict[str, frozenset[str]] = {}
        parents: dict[str, tuple[str, ...]] = {}
        for rid in self._topo:
            rev = self._revs[rid]
            seen: frozenset[str] = _EMPTY
            for parent in rev.down_revisions:
                above = inherited[parent]
                own = self._resolved_deps.get(parent)
                if own:
                    above = above.union(own)
                seen = above if not seen else seen.union(above)
            inherited[rid] = seen
            deps = tuple(d for d in self._resolved_deps.get(rid, ()) if d not in seen)
            parents[rid] = tuple(dict.fromkeys((*rev.down_revisions, *deps)))
        return parents

    def _inherit_labels(self) -> dict[str, frozenset[str]]:
        """Spread each label over its branch: every descendant (through down_revision), and
        the ancestors below it up to the nearest branch or merge point when the labelled
        revision starts a plain line."""
        labels: dict[str, set[str]] = {}
        for label, owner in self._label_owner.items():
            line = True
            for rid in self._walk([owner], self.children):
                labels.setdefault(rid, set()).add(label)
                line = line and self._is_plain(rid)
            if not line:
                continue
            down = self._revs[owner].down_revisions
            while len(down) == 1 and self._is_plain(down[0]):
                labels.setdefault(down[0], set()).add(label)
                down = self._revs[down[0]].down_revisions
        return {rid: frozenset(found) for rid, found in labels.items()}

    def _is_plain(self, rid: str) -> bool:
        """Neither a merge point nor a branch point (counting dependents).

        A revision that names ``rid`` both as down_revision and in depends_on counts once,
        as in Alembic."""
        children, dependents = self.children(rid), self.dependents(rid)
        total = len(children) + len(dependents)
        if total > 1 and dependents:
            total = len({*children, *dependents})
        return total <= 1 and not self._revs[rid].is_merge

    # -- lookups --------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._revs)

    def __contains__(self, rid: object) -> bool:
        return rid in self._revs

    def __iter__(self) -> Iterator[Revision]:
        return iter(self._revs.values())

    def get(self, rid: str) -> Revision:
        """The revision with exactly this id. Raises KeyError when absent."""
        return self._revs[rid]

    @property
    def ids(self) -> Collection[str]:
        """Every revision id, in file order."""
        return self._revs.keys()

    @property
    def label_owners(self) -> Mapping[str, str]:
        """Declared branch label -> id of the revision declaring it."""
        return self._label_owner

    def position(self, rid: str) -> int:
        """The revision's index in file order (for stable sorting)."""
        if self._position is None:
            self._position = {r: i for i, r in enumerate(self._revs)}
        return self._position[rid]

    def children(self, rid: str) -> tuple[str, ...]:
        """Revisions naming ``rid`` as a down_revision, in file order."""
        return tuple(self._children.get(rid, ()))

    def dependents(self, rid: str) -> tuple[str, ...]:
        """Revisions naming ``rid`` (or one of its labels) in depends_on."""
        return tuple(self._dependents.get(rid, ()))

    def dependencies(self, rid: str) -> tuple[str, ...]:
        """``rid``'s depends_on, resolved to revision ids."""
        return self._resolved_deps.get(rid, ())

    def parents(self, rid: str) -> tuple[str, ...]:
        """Ordering parents: down_revisions then the dependencies not implied by ancestors."""
        return self._parents[rid]

    def ordering_children(self, rid: str) -> tuple[str, ...]:
        """The inverse of :meth:`parents`."""
        return tuple(self._norm_children.get(rid, ()))

    def branch_labels(self, rid: str) -> frozenset[str]:
        """Labels of ``rid``: its own and those inherited along its branch.

        Raises:
            UnreadableFieldError: some script's branch_labels could not be read, so the
                answer may be incomplete.
        """
        self.require_readable("branch_labels")
        return self.known_branch_labels(rid)

    def known_branch_labels(self, rid: str) -> frozenset[str]:
        """Like :meth:`branch_labels`, but silently ignoring unreadable declarations."""
        return self._labels.get(rid, _EMPTY)

    def require_readable(self, field: str) -> None:
        """Raise UnreadableFieldError if any revision's ``field`` could not be read."""
        for rev in self._revs.values():
            for bad in rev.unreadable:
                if bad.field == field:
                    raise UnreadableFieldError(
                        rev.revision, rev.source, field, bad.line, bad.expression
                    )

    def is_head(self, rid: str) -> bool:
        """True when no revision names ``rid`` as down_revision."""
        return rid not in self._children

    def is_branch_point(self, rid: str) -> bool:
        """True when two or more revisions name ``rid`` as down_revision."""
        return len(self._children.get(rid, ())) > 1

    def is_merge_point(self, rid: str) -> bool:
        """True when ``rid`` has two or more down_revisions."""
        return self._revs[rid].is_merge

    # -- walks ----------------------------------------------------------------------------

    def ancestors(self, rids: Iterable[str], *, dependencies: bool = True) -> set[str]:
        """``rids`` and everything below them.

        Args:
            rids: starting revision ids.
            dependencies: follow depends_on links too (as upgrades must).
        """
        step = self._parents.__getitem__ if dependencies else self._down
        return set(self._walk(rids, step))

    def bottom_up(self, wanted: Collection[str] | None = None) -> list[str]:
        """``wanted`` (every revision when ``None``) ordered so that each comes after the
        wanted revisions it builds on (its ordering parents, followed through wanted
        revisions), otherwise in file order. Walked without recursion, so a line of tens of
        thousands of revisions is fine.

        Raises:
            KeyError: a wanted id is not in the graph.
        """
        chosen = self._revs.keys() if wanted is None else wanted
        order: list[str] = []
        placed: set[str] = set()
        for start in sorted(chosen, key=self.position):
            stack = [(start, False)]
            while stack:
                rid, expanded = stack.pop()
                if rid in placed:
                    continue
                if expanded:
                    placed.add(rid)
                    order.append(rid)
                    continue
                stack.append((rid, True))
                stack.extend(
                    (parent, False)
                    for parent in self._parents[rid]
                    if parent not in placed and parent in chosen
                )
        return order

    def descendants(self, rids: Iterable[str], *, dependencies: bool = True) -> set[str]:
        """``rids`` and everything above them (through dependents too, by default)."""
        step = self.ordering_children if dependencies else self.children
        return set(self._walk(rids, step))

    def _down(self, rid: str) -> tuple[str, ...]:
        return self._revs[rid].down_revisions

    @staticmethod
    def _walk(start: Iterable[str], step: Callable[[str], Iterable[str]]) -> Iterator[str]:
        """Depth-first over ``step(rid)`` links, each revision once, starting ones included."""
        seen: set[str] = set()
        todo = list(start)
        while todo:
            rid = todo.pop()
            if rid in seen:
                continue
            seen.add(rid)
            yield rid
            todo.extend(step(rid))

"""Chain digests: a revision's digest covers it and everything below it, nothing above."""

from __future__ import annotations

import sys
from pathlib import Path

from migguard.graph import RevisionGraph
from migguard.guard.replay.chain import revision_digests, state_key
from migguard.scripts.directory import History
from tests.testing.graph_builders import build, rev


def history(graph: RevisionGraph) -> History:
    return History(graph, {r.revision: f"/v/{r.revision}.py" for r in graph}, (), Path("/"))


def digests(graph: RevisionGraph, **edited: str) -> dict[str, str]:
    files = {f"/v/{r.revision}.py": edited.get(r.revision, "same") for r in graph}
    return revision_digests(history(graph), files, "environment")


LINE = build(rev("a"), rev("b", "a"), rev("c", "b"), rev("d", "c"))


def test_editing_a_revision_changes_its_digest_and_those_above_only() -> None:
    before, after = digests(LINE), digests(LINE, b="edited")
    assert [before[r] == after[r] for r in "abcd"] == [True, False, False, False]


def test_the_environment_is_part_of_every_digest() -> None:
    files = {f"/v/{r}.py": "same" for r in "abcd"}
    one = revision_digests(history(LINE), files, "one")
    two = revision_digests(history(LINE), files, "two")
    assert not set(one.values()) & set(two.values())


def test_a_revision_inserted_below_changes_what_it_now_carries() -> None:
    inserted = build(rev("a"), rev("n", "a"), rev("b", "n"), rev("c", "b"), rev("d", "c"))
    before, after = digests(LINE), digests(inserted)
    assert before["a"] == after["a"]
    assert all(before[r] != after[r] for r in "bcd")


def test_a_dependency_is_part_of_the_digest() -> None:
    plain = build(rev("a"), rev("x"), rev("b", "a"))
    depending = build(rev("a"), rev("x"), rev("b", "a", deps=("x",)))
    assert digests(plain)["b"] != digests(depending)["b"]
    assert digests(plain)["a"] == digests(depending)["a"]


def test_a_merge_covers_both_parents_in_any_order() -> None:
    one = build(rev("a"), rev("b", "a"), rev("c", "a"), rev("m", "b", "c"))
    two = build(rev("a"), rev("c", "a"), rev("b", "a"), rev("m", "c", "b"))
    assert digests(one)["m"] == digests(two)["m"]
    assert digests(one)["m"] != digests(one, c="edited")["m"]


def test_the_state_key_is_the_set_of_heads() -> None:
    graph = build(rev("a"), rev("b", "a"), rev("c", "a"))
    found = digests(graph)
    assert state_key(["b", "c"], found) == state_key(["c", "b"], found)
    assert state_key(["b"], found) != state_key(["c"], found)


def test_a_line_deeper_than_the_recursion_limit_is_digested() -> None:
    depth = sys.getrecursionlimit() + 100
    graph = build(rev("r0"), *(rev(f"r{n}", f"r{n - 1}") for n in range(1, depth)))
    assert len(digests(graph)) == depth

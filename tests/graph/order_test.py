"""Newest-first ordering and history ranges, as ``migguard history`` lists them."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from migguard.graph import (
    ResolutionError,
    RevisionGraph,
    history_range,
    newest_first,
    resolve,
)
from tests.testing.graph_builders import build, rev


def whole_history(graph: RevisionGraph) -> list[str]:
    return newest_first(graph, graph.ids, graph.real_heads)


def assert_children_before_parents(graph: RevisionGraph, order: list[str]) -> None:
    """Every listed revision comes before its down_revisions and dependencies."""
    where = {rid: i for i, rid in enumerate(order)}
    for rid in order:
        below = (*graph.get(rid).down_revisions, *graph.dependencies(rid))
        for parent in below:
            if parent in where:
                assert where[rid] < where[parent], f"{rid} must precede {parent} in {order}"


# --- newest_first -------------------------------------------------------------------------


def test_a_linear_history_is_listed_head_first() -> None:
    graph = build(rev("a"), rev("b", "a"), rev("c", "b"), rev("d", "c"))
    assert whole_history(graph) == ["d", "c", "b", "a"]


def test_file_order_does_not_matter_for_a_linear_history() -> None:
    graph = build(rev("c", "b"), rev("a"), rev("d", "c"), rev("b", "a"))
    assert whole_history(graph) == ["d", "c", "b", "a"]


def test_a_diamond_lists_each_side_before_the_branch_point() -> None:
    graph = build(
        rev("a"), rev("b", "a"), rev("c1", "b"), rev("c2", "b"), rev("m", "c1", "c2"), rev("n", "m")
    )
    assert whole_history(graph) == ["n", "m", "c1", "c2", "b", "a"]


def test_a_diamond_keeps_each_longer_side_together() -> None:
    graph = build(
        rev("a"),
        rev("b", "a"),
        rev("c1", "b"),
        rev("d1", "c1"),
        rev("c2", "b"),
        rev("d2", "c2"),
        rev("m", "d2", "d1"),
    )
    # The merge's parents are followed in the order it declares them.
    assert whole_history(graph) == ["m", "d2", "c2", "d1", "c1", "b", "a"]


@pytest.mark.parametrize(
    ("file_order", "expected"),
    [
        (["a", "b", "x1", "x2", "y1", "y2"], ["x2", "x1", "y2", "y1", "b", "a"]),
        (["a", "b", "y1", "y2", "x1", "x2"], ["y2", "y1", "x2", "x1", "b", "a"]),
        # Only the heads' positions matter: y2 is written before x2 here.
        (["a", "b", "x1", "y1", "y2", "x2"], ["y2", "y1", "x2", "x1", "b", "a"]),
    ],
)
def test_with_two_heads_the_head_written_first_is_listed_first(
    file_order: list[str], expected: list[str]
) -> None:
    parent = {"b": "a", "x1": "b", "x2": "x1", "y1": "b", "y2": "y1"}
    graph = RevisionGraph(rev(r, *([parent[r]] if r in parent else [])) for r in file_order)
    assert whole_history(graph) == expected


def test_a_merge_of_three_lists_its_parents_in_declared_order() -> None:
    graph = build(rev("a"), rev("p", "a"), rev("q", "a"), rev("r", "a"), rev("m", "p", "q", "r"))
    assert whole_history(graph) == ["m", "p", "q", "r", "a"]


def test_a_revision_others_depend_on_is_listed_after_all_of_them() -> None:
    # Two trees: "v" (a shared library) and "w" (the app); w2 depends on v1.
    graph = build(
        rev("v1"),
        rev("v2", "v1"),
        rev("w1"),
        rev("w2", "w1", deps=("v1",)),
        rev("w3", "w2"),
    )
    order = whole_history(graph)
    assert order == ["v2", "w3", "w2", "w1", "v1"]
    assert_children_before_parents(graph, order)


def test_dependencies_across_branches_keep_children_before_parents() -> None:
    graph = build(
        rev("a"),
        rev("b1", "a", labels=("schema",)),
        rev("b2", "b1"),
        rev("c1", "a"),
        rev("c2", "c1", deps=("schema",)),
        rev("c3", "c2", deps=("b2",)),
        rev("d1", "a", deps=("c2",)),
        rev("m", "b2", "c3"),
    )
    order = whole_history(graph)
    assert sorted(order) == sorted(graph.ids)
    assert_children_before_parents(graph, order)
    # Two real heads: d1 (only depends on c2, nothing builds on it) is written before m.
    assert graph.real_heads == ("d1", "m")
    assert order[0] == "d1"
    assert order[-1] == "a"


def test_a_head_only_depended_on_is_still_listed() -> None:
    graph = build(rev("lib"), rev("a"), rev("b", "a", deps=("lib",)))
    assert graph.real_heads == ("b",)
    assert whole_history(graph) == ["b", "a", "lib"]


def test_only_the_given_revisions_are_ordered() -> None:
    graph = build(rev("a"), rev("b", "a"), rev("c", "b"), rev("d", "c"))
    assert newest_first(graph, {"b", "c"}, ["c"]) == ["c", "b"]
    # Heads outside the set are ignored.
    assert newest_first(graph, {"a", "b"}, ["d", "b"]) == ["b", "a"]


# --- history_range ------------------------------------------------------------------------


@pytest.fixture
def two_heads() -> RevisionGraph:
    """a - b(bp) - x1 - x2 and b - y1 - y2; x2 is written first."""
    return build(
        rev("a"), rev("b", "a"), rev("x1", "b"), rev("x2", "x1"), rev("y1", "b"), rev("y2", "y1")
    )


def test_a_range_between_two_revisions_includes_both_ends() -> None:
    graph = build(rev("a"), rev("b", "a"), rev("c", "b"), rev("d", "c"))
    assert history_range(graph, ("b",), ("d",)) == ["d", "c", "b"]
    assert history_range(graph, ("c",), ("c",)) == ["c"]


def test_a_range_without_a_start_goes_down_to_base() -> None:
    graph = build(rev("a"), rev("b", "a"), rev("c", "b"), rev("d", "c"))
    assert history_range(graph, (), ("c",)) == ["c", "b", "a"]
    assert history_range(graph, resolve(graph, "base"), resolve(graph, "head")) == [
        "d",
        "c",
        "b",
        "a",
    ]


def test_a_range_without_an_end_is_empty() -> None:
    graph = build(rev("a"), rev("b", "a"))
    assert history_range(graph, (), ()) == []


def test_a_range_up_to_all_heads_lists_every_branch(two_heads: RevisionGraph) -> None:
    upper = resolve(two_heads, "heads")
    assert history_range(two_heads, ("b",), upper) == ["x2", "x1", "y2", "y1", "b"]


def test_a_range_from_one_branch_stays_on_that_branch(two_heads: RevisionGraph) -> None:
    upper = resolve(two_heads, "heads")
    assert history_range(two_heads, ("y1",), upper) == ["y2", "y1"]
    assert history_range(two_heads, resolve(two_heads, "x2-1"), upper) == ["x2", "x1"]


def test_a_range_whose_start_is_newer_than_its_end_is_refused() -> None:
    graph = build(rev("a"), rev("b", "a"), rev("c", "b"), rev("d", "c"))
    with pytest.raises(ResolutionError) as caught:
        history_range(graph, ("d",), ("b",))
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith("d is not an ancestor of b")


def test_a_range_between_sibling_branches_is_refused(two_heads: RevisionGraph) -> None:
    with pytest.raises(ResolutionError, match=r"^x1 is not an ancestor of y2;"):
        history_range(two_heads, ("x1",), ("y2",))


def test_a_range_from_a_revision_to_base_is_refused() -> None:
    graph = build(rev("a"), rev("b", "a"))
    with pytest.raises(ResolutionError, match=r"^a is not an ancestor of base;"):
        history_range(graph, ("a",), ())


def test_a_range_reaching_its_start_through_a_dependency_lists_it() -> None:
    # app1 is a separate base that depends on lib2; lib1 - lib2 is the library line. The
    # range lists what lies above lib1 by down_revision and is needed by app1.
    graph = build(rev("lib1"), rev("lib2", "lib1"), rev("app1", deps=("lib2",)))
    assert "lib1" in graph.ancestors(["app1"])
    assert history_range(graph, ("lib1",), ("app1",)) == ["lib2", "lib1"]


# --- property: any history ----------------------------------------------------------------


@st.composite
def histories(draw: st.DrawFn) -> RevisionGraph:
    """A random valid history: links only point at earlier-created revisions (so no
    cycles), some dependencies go through branch labels, and file order is shuffled."""
    count = draw(st.integers(min_value=1, max_value=25))
    revisions = []
    for i in range(count):
        earlier = list(range(i))
        down = draw(st.lists(st.sampled_from(earlier), max_size=3, unique=True)) if i else []
        others = [j for j in earlier if j not in down]
        deps = draw(st.lists(st.sampled_from(others), max_size=2, unique=True)) if others else []
        by_label = draw(st.lists(st.booleans(), min_size=len(deps), max_size=len(deps)))
        revisions.append(
            rev(
                f"r{i}",
                *(f"r{j}" for j in down),
                deps=tuple(
                    f"L{j}" if label else f"r{j}" for j, label in zip(deps, by_label, strict=True)
                ),
                labels=(f"L{i}",),
            )
        )
    return RevisionGraph(draw(st.permutations(revisions)))


@pytest.mark.slow
@settings(deadline=None, max_examples=200)
@given(histories())
def test_any_history_lists_every_revision_once_children_before_parents(
    graph: RevisionGraph,
) -> None:
    order = whole_history(graph)
    assert sorted(order) == sorted(graph.ids)
    assert_children_before_parents(graph, order)

"""Plans: the order revisions run in and the version table's rows after each step."""

from __future__ import annotations

import pytest

from migguard.errors import UsageError
from migguard.graph import MultipleHeadsError, RevisionGraph, WalkError
from migguard.runtime.plan import (
    OverlappingVersionRowsError,
    Step,
    UnknownDatabaseRevisionError,
    UnrecordableMergeError,
    downgrade_plan,
    stamp_heads,
    upgrade_plan,
)
from tests.testing.graph_builders import build, rev


def linear() -> RevisionGraph:
    return build(rev("a1"), rev("b2", "a1"), rev("c3", "b2"))


def branchy() -> RevisionGraph:
    """a1 branches into b2 and c3, which m4 merges; x1 is a second base."""
    return build(
        rev("a1"),
        rev("b2", "a1"),
        rev("c3", "a1"),
        rev("m4", "b2", "c3"),
        rev("x1", labels=("extra",)),
    )


def walk(steps: list[Step]) -> list[tuple[str, list[str]]]:
    """Each step's revision with the rows after it, sorted, for readable assertions."""
    return [(s.revision, sorted(s.heads_after)) for s in steps]


def test_upgrade_from_base_updates_one_row_each_step() -> None:
    steps = upgrade_plan(linear(), (), "head")
    assert walk(steps) == [("a1", ["a1"]), ("b2", ["b2"]), ("c3", ["c3"])]
    assert all(s.upgrade for s in steps)
    assert steps[0].heads_before == frozenset()


def test_upgrade_relative_and_to_a_prefix() -> None:
    assert walk(upgrade_plan(linear(), ("a1",), "+1")) == [("b2", ["b2"])]
    assert walk(upgrade_plan(linear(), (), "+2")) == [("a1", ["a1"]), ("b2", ["b2"])]
    assert walk(upgrade_plan(linear(), (), "b")) == [("a1", ["a1"]), ("b2", ["b2"])]
    assert upgrade_plan(linear(), ("c3",), "head") == []


def test_upgrade_through_a_branch_and_its_merge() -> None:
    steps = upgrade_plan(branchy(), (), "m4")
    assert walk(steps) == [
        ("a1", ["a1"]),
        ("c3", ["c3"]),
        ("b2", ["b2", "c3"]),
        ("m4", ["m4"]),
    ]


def test_upgrade_heads_applies_every_branch() -> None:
    steps = upgrade_plan(branchy(), (), "heads")
    assert sorted(s.revision for s in steps) == ["a1", "b2", "c3", "m4", "x1"]
    assert sorted(steps[-1].heads_after) == ["m4", "x1"]


def test_head_with_two_heads_is_refused() -> None:
    with pytest.raises(MultipleHeadsError):
        upgrade_plan(branchy(), (), "head")


def test_dependencies_run_first() -> None:
    graph = build(rev("lib1"), rev("lib2", "lib1"), rev("app1", deps=("lib2",)))
    steps = upgrade_plan(graph, (), "app1")
    assert [s.revision for s in steps] == ["lib1", "lib2", "app1"]
    # As in Alembic, app1's row replaces the row of lib2, which it depends on.
    assert sorted(steps[-1].heads_after) == ["app1"]


def test_downgrade_one_step_and_to_base() -> None:
    assert walk(downgrade_plan(linear(), ("c3",), "-1")) == [("c3", ["b2"])]
    steps = downgrade_plan(linear(), ("c3",), "base")
    assert walk(steps) == [("c3", ["b2"]), ("b2", ["a1"]), ("a1", [])]
    assert not any(s.upgrade for s in steps)


def test_downgrade_to_a_revision_keeps_it() -> None:
    assert walk(downgrade_plan(linear(), ("c3",), "a1")) == [("c3", ["b2"]), ("b2", ["a1"])]


def test_downgrade_below_a_merge_restores_both_branches() -> None:
    steps = downgrade_plan(branchy(), ("m4",), "a1")
    assert walk(steps) == [("m4", ["b2", "c3"]), ("b2", ["c3"]), ("c3", ["a1"])]


def test_downgrade_removes_dependents_first() -> None:
    graph = build(rev("lib1"), rev("lib2", "lib1"), rev("app1", deps=("lib2",)))
    steps = downgrade_plan(graph, ("app1",), "lib1")
    assert [s.revision for s in steps] == ["app1", "lib2"]
    assert sorted(steps[-1].heads_after) == ["lib1"]


def test_downgrade_a_labelled_branch_to_its_base() -> None:
    steps = downgrade_plan(branchy(), ("m4", "x1"), "extra@base")
    assert walk(steps) == [("x1", ["m4"])]


def test_downgrade_to_an_unapplied_revision_is_refused() -> None:
    with pytest.raises(UsageError, match="c3: it is not applied"):
        downgrade_plan(linear(), ("b2",), "c3")


def test_downgrade_past_base_is_refused() -> None:
    with pytest.raises(WalkError, match="base reached"):
        downgrade_plan(linear(), ("a1",), "-2")


def test_unknown_database_revision_is_named() -> None:
    with pytest.raises(UnknownDatabaseRevisionError, match="revision zz9, which is not in"):
        upgrade_plan(linear(), ("zz9",), "head")


def test_stamp_replaces_the_touched_branch_only() -> None:
    graph = branchy()
    assert stamp_heads(graph, (), ["heads"], purge=False) == {"m4", "x1"}
    assert stamp_heads(graph, ("m4", "x1"), ["b2"], purge=False) == {"b2", "x1"}
    assert stamp_heads(graph, ("m4", "x1"), ["base"], purge=False) == frozenset()
    assert stamp_heads(graph, ("a1",), ["b2", "c3"], purge=False) == {"b2", "c3"}


def test_stamp_purge_ignores_unknown_rows() -> None:
    with pytest.raises(UnknownDatabaseRevisionError):
        stamp_heads(linear(), ("gone",), ["head"], purge=False)
    assert stamp_heads(linear(), ("gone",), ["head"], purge=True) == {"c3"}


def test_a_long_history_plans_in_one_pass() -> None:
    graph = build(rev("r0"), *(rev(f"r{i}", f"r{i - 1}") for i in range(1, 5000)))
    up = upgrade_plan(graph, (), "head")
    assert len(up) == 5000
    assert up[-1].heads_after == {"r4999"}
    down = downgrade_plan(graph, ("r4999",), "base")
    assert [s.revision for s in down[:2]] == ["r4999", "r4998"]
    assert down[-1].heads_after == frozenset()


def test_rows_of_a_revision_and_its_ancestor_are_refused() -> None:
    with pytest.raises(OverlappingVersionRowsError) as raised:
        upgrade_plan(branchy(), ("a1", "m4", "x1"), "heads")
    assert (raised.value.revision, raised.value.ancestor) == ("m4", "a1")


def test_a_dependency_s_row_beside_its_dependent_is_refused() -> None:
    # As Alembic refuses it ("overlaps"); earlier migguard versions wrote such tables.
    graph = build(rev("a1"), rev("b1", deps=("a1",)), rev("b2", "b1"))
    with pytest.raises(OverlappingVersionRowsError, match="a revision it depends on, a1") as raised:
        upgrade_plan(graph, ("a1", "b1"), "heads")
    assert (raised.value.revision, raised.value.ancestor) == ("b1", "a1")
    assert stamp_heads(graph, ("a1", "b1"), ["b2"], purge=True) == {"b2"}


def test_a_merge_depending_on_a_revision_above_its_own_parent_is_refused() -> None:
    # r4 merges r1 and r3 and depends on r2, which is above r1: recording r4 would replace
    # r1's row, which is no row (r2's is). Alembic fails on that step; migguard refuses it.
    graph = build(
        rev("r0"), rev("r1", "r0"), rev("r2", "r1"), rev("r3"), rev("r4", "r1", "r3", deps=("r2",))
    )
    with pytest.raises(UnrecordableMergeError, match="merges r1, r3 and depends on r2") as raised:
        upgrade_plan(graph, (), "heads")
    assert raised.value.exit_code == 3
    assert raised.value.file == "versions/r4_.py"

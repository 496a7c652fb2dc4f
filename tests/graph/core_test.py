"""RevisionGraph on hand-built histories: structure, branch labels, walks, and broken histories."""

from __future__ import annotations

import pytest

from migguard.errors import EXIT_HISTORY, HistoryError
from migguard.graph import (
    CycleError,
    DuplicateBranchLabelError,
    DuplicateRevisionError,
    IllegalRevisionIdError,
    Revision,
    RevisionGraph,
    UnknownParentError,
    Unreadable,
    UnreadableFieldError,
    newest_first,
    resolve,
)
from tests.testing.graph_builders import build, rev


def labels_by_revision(graph: RevisionGraph) -> dict[str, set[str]]:
    return {rid: set(graph.branch_labels(rid)) for rid in graph.ids}


def history_error(exc: pytest.ExceptionInfo[HistoryError]) -> str:
    """The message a user would see; broken histories always fit on one line."""
    message = str(exc.value)
    assert "\n" not in message
    assert exc.value.exit_code == EXIT_HISTORY
    return message


# --- shapes -------------------------------------------------------------------------------


def test_linear_chain_has_one_base_one_head_and_simple_links() -> None:
    graph = build(rev("a"), rev("b", "a"), rev("c", "b"))

    assert len(graph) == 3
    assert list(graph.ids) == ["a", "b", "c"]
    assert "b" in graph and "zz" not in graph
    assert graph.get("b").down_revisions == ("a",)
    assert graph.bases == ("a",)
    assert graph.heads == ("c",)
    assert graph.real_heads == ("c",)
    assert graph.children("a") == ("b",)
    assert graph.children("c") == ()
    assert graph.parents("c") == ("b",)
    assert graph.parents("a") == ()
    assert [graph.is_head(r) for r in "abc"] == [False, False, True]
    assert not any(graph.is_branch_point(r) or graph.is_merge_point(r) for r in "abc")
    assert graph.ancestors(["b"]) == {"a", "b"}
    assert graph.descendants(["b"]) == {"b", "c"}


def test_diamond_branches_at_one_revision_and_merges_at_another() -> None:
    #        c1
    # a - b <    > m - n
    #        c2
    graph = build(
        rev("a"), rev("b", "a"), rev("c1", "b"), rev("c2", "b"), rev("m", "c1", "c2"), rev("n", "m")
    )

    assert graph.is_branch_point("b")
    assert graph.children("b") == ("c1", "c2")
    assert graph.is_merge_point("m")
    assert graph.get("m").is_merge
    assert graph.parents("m") == ("c1", "c2")
    assert not graph.is_branch_point("m") and not graph.is_merge_point("b")
    assert graph.heads == ("n",)
    assert graph.bases == ("a",)
    assert graph.ancestors(["c1"]) == {"a", "b", "c1"}
    assert graph.ancestors(["m"]) == {"a", "b", "c1", "c2", "m"}
    assert graph.descendants(["c2"]) == {"c2", "m", "n"}
    assert graph.descendants(["b"]) == set(graph.ids) - {"a"}


def test_several_bases_are_listed_in_file_order() -> None:
    # Two independent trees (say, two plugins) later merged into one line.
    graph = build(rev("core1"), rev("plug1"), rev("core2", "core1"), rev("both", "core2", "plug1"))

    assert graph.bases == ("core1", "plug1")
    assert graph.heads == ("both",)
    assert graph.ancestors(["both"]) == {"core1", "core2", "plug1", "both"}


def test_several_heads_are_listed_in_file_order() -> None:
    graph = build(rev("a"), rev("y", "a"), rev("x", "a"), rev("z", "a"))

    assert graph.heads == ("y", "x", "z")
    assert graph.real_heads == ("y", "x", "z")
    assert graph.is_branch_point("a")
    assert all(graph.is_head(h) for h in graph.heads)


def test_a_head_that_another_revision_depends_on_is_not_a_real_head() -> None:
    # The "lib" tree is depended on by the app's "c": it stays a head (nothing names it as
    # down_revision), but "heads" must not target it on its own.
    graph = build(rev("lib"), rev("a"), rev("b", "a"), rev("c", "b", deps=("lib",)))

    assert graph.heads == ("lib", "c")
    assert graph.real_heads == ("c",)
    assert graph.is_head("lib")
    assert graph.dependents("lib") == ("c",)
    assert graph.dependencies("c") == ("lib",)
    assert graph.children("lib") == ()
    assert graph.parents("c") == ("b", "lib")
    assert graph.ordering_children("lib") == ("c",)


def test_depends_on_may_name_a_branch_label() -> None:
    graph = build(
        rev("s1", labels=("shared",)),
        rev("s2", "s1"),
        rev("a"),
        rev("b", "a", deps=("shared",)),
    )

    # The label stands for the revision declaring it, as in Alembic.
    assert graph.dependencies("b") == ("s1",)
    assert graph.dependents("s1") == ("b",)
    assert graph.get("b").depends_on == ("shared",)
    assert graph.label_owners == {"shared": "s1"}


def test_a_dependency_already_declared_below_is_not_repeated_in_parents() -> None:
    graph = build(rev("lib"), rev("a", deps=("lib",)), rev("b", "a", deps=("lib",)))

    assert graph.dependencies("b") == ("lib",)
    assert graph.parents("a") == ("lib",)
    # b reaches lib through a already, so ordering only needs a.
    assert graph.parents("b") == ("a",)
    assert graph.dependents("lib") == ("a", "b")


def test_ancestors_and_descendants_follow_dependencies_unless_told_not_to() -> None:
    graph = build(rev("lib"), rev("lib2", "lib"), rev("a"), rev("b", "a", deps=("lib",)))

    assert graph.ancestors(["b"]) == {"a", "b", "lib"}
    assert graph.ancestors(["b"], dependencies=False) == {"a", "b"}
    assert graph.descendants(["lib"]) == {"lib", "lib2", "b"}
    assert graph.descendants(["lib"], dependencies=False) == {"lib", "lib2"}
    # Several starting points: the union, each starting point included.
    assert graph.ancestors(["b", "lib2"]) == {"a", "b", "lib", "lib2"}


def test_iterating_a_graph_yields_revisions_in_file_order() -> None:
    graph = build(rev("b0"), rev("a0"), rev("c0", "a0"))

    assert [r.revision for r in graph] == ["b0", "a0", "c0"]
    assert [graph.position(r) for r in ("b0", "a0", "c0")] == [0, 1, 2]


# --- branch labels ------------------------------------------------------------------------


def test_a_label_belongs_to_its_revision_and_every_descendant() -> None:
    graph = build(rev("a"), rev("b", "a", labels=("billing",)), rev("c", "b"), rev("d", "c"))

    assert labels_by_revision(graph) == {
        "a": {"billing"},
        "b": {"billing"},
        "c": {"billing"},
        "d": {"billing"},
    }


def test_a_label_on_a_branch_stops_short_of_the_branch_point() -> None:
    #             c1 - d1(feat) - e1
    # a - b(bp) <
    #             c2
    graph = build(
        rev("a"),
        rev("b", "a"),
        rev("c1", "b"),
        rev("d1", "c1", labels=("feat",)),
        rev("e1", "d1"),
        rev("c2", "b"),
    )

    labels = labels_by_revision(graph)
    assert {rid for rid, found in labels.items() if "feat" in found} == {"c1", "d1", "e1"}
    assert labels["b"] == set()  # the branch point itself is excluded
    assert labels["a"] == set()
    assert labels["c2"] == set()  # the sibling branch never gets it


def test_a_label_stops_short_of_the_nearest_merge_point_below() -> None:
    graph = build(
        rev("x"), rev("y"), rev("m", "x", "y"), rev("n", "m"), rev("o", "n", labels=("next",))
    )

    labels = labels_by_revision(graph)
    assert labels["o"] == {"next"}
    assert labels["n"] == {"next"}
    assert labels["m"] == set()
    assert labels["x"] == labels["y"] == set()


def test_a_label_is_not_inherited_by_ancestors_when_its_line_branches_later() -> None:
    # a - b(core) - c(bp) - d1 / d2: everything from b up is "core", a below is not.
    graph = build(
        rev("a"), rev("b", "a", labels=("core",)), rev("c", "b"), rev("d1", "c"), rev("d2", "c")
    )

    labels = labels_by_revision(graph)
    assert {rid for rid, found in labels.items() if "core" in found} == {"b", "c", "d1", "d2"}
    assert labels["a"] == set()


def test_a_revision_that_another_branch_depends_on_counts_as_a_branch_point() -> None:
    graph = build(
        rev("a"),
        rev("b", "a"),
        rev("c", "b", labels=("app",)),
        rev("other", deps=("b",)),
    )

    labels = labels_by_revision(graph)
    assert labels["c"] == {"app"}
    assert labels["b"] == set()
    assert labels["a"] == set()


def test_labels_of_two_branches_meet_at_their_merge() -> None:
    graph = build(
        rev("a"),
        rev("l1", "a", labels=("left",)),
        rev("r1", "a", labels=("right",)),
        rev("m", "l1", "r1"),
    )

    labels = labels_by_revision(graph)
    assert labels["l1"] == {"left"}
    assert labels["r1"] == {"right"}
    assert labels["m"] == {"left", "right"}
    assert labels["a"] == set()


# --- unreadable header fields -------------------------------------------------------------


def test_an_unreadable_branch_label_fails_only_what_needs_labels() -> None:
    hidden = Unreadable(
        field="branch_labels",
        line=12,
        expression="(cli.EXPAND_BRANCH,)",
        reason="No module named 'cli'",
    )
    graph = build(rev("a"), rev("b", "a", unreadable=(hidden,)), rev("c", "b"))

    # Structure does not depend on labels: heads, ids and walks still work.
    assert graph.heads == ("c",)
    assert list(graph.ids) == ["a", "b", "c"]
    assert graph.ancestors(["c"]) == {"a", "b", "c"}
    assert resolve(graph, "head") == ("c",)
    graph.require_readable("depends_on")  # a different field is fine
    assert graph.known_branch_labels("c") == frozenset()

    with pytest.raises(UnreadableFieldError) as caught:
        graph.require_readable("branch_labels")
    message = history_error(caught)
    assert message.startswith("versions/b_.py:12: ")
    assert "branch_labels of revision b" in message
    assert "(cli.EXPAND_BRANCH,)" in message

    with pytest.raises(UnreadableFieldError, match=r"versions/b_\.py:12"):
        graph.branch_labels("c")


# --- long histories -----------------------------------------------------------------------


def test_a_twenty_thousand_revision_chain_needs_no_recursion() -> None:
    count = 20_000
    ids = [f"r{i:05d}" for i in range(count)]
    revisions = [rev(ids[0])] + [rev(ids[i], ids[i - 1]) for i in range(1, count)]
    revisions[-1] = rev(ids[-1], ids[-2], labels=("main",))
    graph = RevisionGraph(revisions)

    assert graph.heads == (ids[-1],)
    assert graph.bases == (ids[0],)
    assert len(graph.ancestors([ids[-1]])) == count
    assert len(graph.descendants([ids[0]])) == count
    assert newest_first(graph, graph.ids, graph.real_heads) == ids[::-1]
    # base+1 is the first revision, so base+19999 is the one just below the head.
    assert resolve(graph, "base+19999") == (ids[-2],)
    assert resolve(graph, "base+20000") == (ids[-1],)
    assert resolve(graph, "head-19999") == (ids[0],)
    assert resolve(graph, "main@base") == (ids[0],)
    # The head's label spreads down the whole unbranched line.
    assert graph.branch_labels(ids[0]) == {"main"}


def test_a_twenty_thousand_revision_cycle_is_reported_without_recursion() -> None:
    count = 20_000
    ids = [f"r{i:05d}" for i in range(count)]
    revisions = [rev(ids[0], ids[-1])] + [rev(ids[i], ids[i - 1]) for i in range(1, count)]

    with pytest.raises(CycleError) as caught:
        RevisionGraph(revisions)
    assert set(caught.value.members) == set(ids)


# --- broken histories ---------------------------------------------------------------------


def assert_cycle(exc: pytest.ExceptionInfo[CycleError], loop: list[str]) -> None:
    """The error names exactly ``loop`` (parent first, any starting member), closing it."""
    members = list(exc.value.members)
    assert sorted(members) == sorted(loop)
    start = members.index(loop[0])
    assert members[start:] + members[:start] == loop
    shown = " -> ".join([*members, members[0]])
    assert history_error(exc) == f"cycle in the revision history: {shown}"


def test_a_cycle_names_its_members_parent_first() -> None:
    # c is a's parent, a is b's, b is c's: c -> a -> b -> c. The base and the revision
    # hanging off the loop are not part of it.
    with pytest.raises(CycleError) as caught:
        build(
            rev("root"),
            rev("a", "c"),
            rev("b", "a"),
            rev("c", "b"),
            rev("tail", "c"),
            rev("side", "root"),
        )
    assert_cycle(caught, ["c", "a", "b"])


def test_a_revision_that_is_its_own_parent_is_a_cycle() -> None:
    with pytest.raises(CycleError) as caught:
        build(rev("root"), rev("loop", "loop"))
    assert caught.value.members == ("loop",)
    assert history_error(caught) == "cycle in the revision history: loop -> loop"


def test_a_cycle_through_depends_on_is_found() -> None:
    # b depends on c, but c builds on b.
    with pytest.raises(CycleError) as caught:
        build(rev("a"), rev("b", "a", deps=("c",)), rev("c", "b"))
    assert_cycle(caught, ["b", "c"])


def test_a_cycle_through_a_dependency_label_is_found() -> None:
    with pytest.raises(CycleError) as caught:
        build(rev("a", deps=("upper",)), rev("b", "a", labels=("upper",)))
    assert_cycle(caught, ["a", "b"])


def test_a_duplicate_revision_id_names_both_scripts() -> None:
    first = Revision("ae1027a6acf", source="versions/ae1027a6acf_add_users.py")
    second = Revision("ae1027a6acf", source="versions/ae1027a6acf_add_email.py")
    with pytest.raises(DuplicateRevisionError) as caught:
        build(first, second)
    message = history_error(caught)
    assert "'ae1027a6acf'" in message
    assert "versions/ae1027a6acf_add_users.py" in message
    assert "versions/ae1027a6acf_add_email.py" in message


@pytest.mark.parametrize("bad_id", ["a@b", "a+1", "a-1", "a:b", "a b", "a\tb", "a\nb", ""])
def test_ids_that_clash_with_the_identifier_grammar_are_rejected(bad_id: str) -> None:
    with pytest.raises(IllegalRevisionIdError) as caught:
        build(rev("ok"), Revision(bad_id, source="versions/bad_.py"))
    message = str(caught.value)
    assert repr(bad_id) in message
    assert "versions/bad_.py" in message
    assert caught.value.exit_code == EXIT_HISTORY
    # The id itself may hold the newline; the message escapes it and stays on one line.
    assert "\n" not in message


def test_an_unknown_down_revision_names_the_script_and_the_missing_id() -> None:
    with pytest.raises(UnknownParentError) as caught:
        build(rev("a"), rev("b", "a"), rev("c", "gone1234"))
    message = history_error(caught)
    assert "versions/c_.py" in message
    assert "down_revision 'gone1234'" in message
    assert "revision c " in message


def test_an_unknown_dependency_names_the_script_and_the_missing_target() -> None:
    with pytest.raises(UnknownParentError) as caught:
        build(rev("a"), rev("b", "a", deps=("no_such_branch",)))
    message = history_error(caught)
    assert "versions/b_.py" in message
    assert "depends_on 'no_such_branch'" in message


def test_a_branch_label_declared_twice_names_both_revisions() -> None:
    with pytest.raises(DuplicateBranchLabelError) as caught:
        build(rev("a", labels=("billing",)), rev("b", "a"), rev("c", "b", labels=("billing",)))
    message = history_error(caught)
    assert "'billing'" in message
    assert "a (versions/a_.py)" in message
    assert "c (versions/c_.py)" in message


@pytest.mark.parametrize("label_first", [True, False])
def test_a_branch_label_equal_to_another_revision_id_is_rejected(label_first: bool) -> None:
    labelled = rev("a", labels=("b",))
    other = rev("b")
    with pytest.raises(DuplicateBranchLabelError) as caught:
        build(*((labelled, other) if label_first else (other, labelled)))
    message = history_error(caught)
    assert "'b'" in message
    assert "a (versions/a_.py)" in message
    assert "b (versions/b_.py)" in message


def test_bottom_up_puts_every_revision_after_what_it_builds_on() -> None:
    # File order lists children before parents; c depends on x from another branch.
    graph = build(
        rev("m", "b", "c"),
        rev("c", "a", deps=("x",)),
        rev("b", "a"),
        rev("x"),
        rev("a"),
    )
    order = graph.bottom_up()
    assert sorted(order) == sorted(graph.ids)
    for rid in order:
        for parent in graph.parents(rid):
            assert order.index(parent) < order.index(rid)
    # A subset keeps only its own revisions, each after the wanted ones it builds on.
    assert graph.bottom_up({"m", "b", "a"}) == ["a", "b", "m"]


def test_bottom_up_walks_a_long_line_without_recursion() -> None:
    line = [rev("r0"), *(rev(f"r{n}", f"r{n - 1}") for n in range(1, 20_000))]
    graph = build(*reversed(line))
    assert graph.bottom_up()[:3] == ["r0", "r1", "r2"]

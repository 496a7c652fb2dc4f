"""Every identifier a user can type, resolved against hand-built histories."""

from __future__ import annotations

import pytest

from migguard.errors import EXIT_USAGE
from migguard.graph import (
    AmbiguousRevisionError,
    MultipleHeadsError,
    ResolutionError,
    Revision,
    RevisionGraph,
    UnknownRevisionError,
    Unreadable,
    UnreadableFieldError,
    WalkError,
    lookup,
    resolve,
    resolve_one,
)
from tests.testing.graph_builders import rev

# A shop's history: users, then email; then two lines of work branch off email.
#
#                      BILLING (billing) - INVOICE - REFUND
# USERS - EMAIL(bp) <
#                      SEARCH (release-2) - INDEX
USERS = "1975ea83b712"
EMAIL = "ae1027a6acf0"
BILLING = "27c6a30d7c24"
INVOICE = "c0ffee123456"
REFUND = "2b1e4f5a6c7d"
SEARCH = "3d7f1e2a9b00"
INDEX = "c0de98765432"


@pytest.fixture
def shop() -> RevisionGraph:
    return RevisionGraph(
        [
            rev(USERS),
            rev(EMAIL, USERS),
            rev(BILLING, EMAIL, labels=("billing",)),
            rev(INVOICE, BILLING),
            rev(SEARCH, EMAIL, labels=("release-2",)),
            rev(INDEX, SEARCH),
            rev(REFUND, INVOICE),
        ]
    )


@pytest.fixture
def line() -> RevisionGraph:
    """a - b - c - d, no branches."""
    return RevisionGraph([rev("a"), rev("b", "a"), rev("c", "b"), rev("d", "c")])


@pytest.fixture
def merged() -> RevisionGraph:
    """a branches into l and r, merged again by m."""
    return RevisionGraph([rev("a"), rev("l", "a"), rev("r", "a"), rev("m", "l", "r")])


def one_line(exc: pytest.ExceptionInfo[ResolutionError]) -> str:
    message = str(exc.value)
    assert "\n" not in message
    assert exc.value.exit_code == EXIT_USAGE
    return message


# --- plain identifiers --------------------------------------------------------------------


def test_a_full_id_resolves_to_itself(shop: RevisionGraph) -> None:
    assert resolve(shop, INVOICE) == (INVOICE,)
    assert resolve(shop, f"  {INVOICE}\n") == (INVOICE,)  # pasted with whitespace


@pytest.mark.parametrize("length", range(1, len(USERS) + 1))
def test_a_unique_prefix_of_any_length_resolves(shop: RevisionGraph, length: int) -> None:
    assert resolve(shop, USERS[:length]) == (USERS,)


def test_a_one_character_prefix_works_when_it_is_unique(shop: RevisionGraph) -> None:
    assert resolve(shop, "a") == (EMAIL,)
    assert resolve(shop, "3") == (SEARCH,)
    assert lookup(shop, "c0f") == INVOICE


def test_an_exact_branch_label_names_the_revision_declaring_it(shop: RevisionGraph) -> None:
    assert resolve(shop, "billing") == (BILLING,)
    assert lookup(shop, "billing") == BILLING


def test_a_label_with_a_dash_and_digits_is_a_label_not_a_walk(shop: RevisionGraph) -> None:
    assert resolve(shop, "release-2") == (SEARCH,)
    assert resolve(shop, "release-2+1") == (INDEX,)
    assert resolve(shop, "release-2@head") == (INDEX,)


def test_head_is_the_single_head(line: RevisionGraph) -> None:
    assert resolve(line, "head") == ("d",)
    assert resolve_one(line, "head") == "d"


def test_heads_lists_every_head_in_file_order(shop: RevisionGraph) -> None:
    assert resolve(shop, "heads") == (INDEX, REFUND)


def test_heads_skips_a_head_that_another_revision_depends_on() -> None:
    graph = RevisionGraph(
        [
            rev("lib"),
            rev("a"),
            Revision("b", down_revisions=("a",), depends_on=("lib",)),
        ]
    )
    assert graph.heads == ("lib", "b")
    assert resolve(graph, "heads") == ("b",)


def test_base_resolves_to_no_revision(shop: RevisionGraph) -> None:
    assert resolve(shop, "base") == ()
    assert resolve_one(shop, "base") is None


def test_relative_steps_start_from_the_current_revision(line: RevisionGraph) -> None:
    assert resolve(line, "+2", current=["a"]) == ("c",)
    assert resolve(line, "+1", current=["c"]) == ("d",)
    assert resolve(line, "-1", current=["c"]) == ("b",)
    assert resolve(line, "-2", current=["c"]) == ("a",)
    # Stepping down from the first revision lands on base.
    assert resolve(line, "-1", current=["a"]) == ()


def test_relative_steps_start_from_base_when_there_is_no_current_revision(
    line: RevisionGraph,
) -> None:
    assert resolve(line, "+1") == ("a",)
    assert resolve(line, "+3", current=[]) == ("c",)
    assert resolve(line, "base+4") == ("d",)


def test_current_names_the_database_revisions_and_walks_from_them(line: RevisionGraph) -> None:
    assert resolve(line, "current", current=["c"]) == ("c",)
    assert resolve(line, "current", current=[]) == ()
    assert resolve(line, "current-1", current=["c"]) == ("b",)
    assert resolve(line, "current+1", current=["c"]) == ("d",)


def test_current_without_the_database_is_an_error_not_base(line: RevisionGraph) -> None:
    # `revision --head current` would otherwise start a new history from nothing.
    with pytest.raises(ResolutionError, match="'current'"):
        resolve(line, "current")


def test_a_mistyped_keyword_suggests_the_keyword(line: RevisionGraph) -> None:
    with pytest.raises(UnknownRevisionError, match="did you mean head, heads"):
        resolve(line, "haed")
    with pytest.raises(UnknownRevisionError, match="did you mean current"):
        resolve(line, "curent", current=["c"])


def test_steps_from_a_named_revision(line: RevisionGraph, shop: RevisionGraph) -> None:
    assert resolve(line, "b+2") == ("d",)
    assert resolve(line, "d-3") == ("a",)
    assert resolve(line, "a-1") == ()
    assert resolve(line, "head-1") == ("c",)
    assert resolve(line, "head-2") == ("b",)
    # The revision may be a prefix or a label.
    assert resolve(shop, f"{USERS[:4]}+1") == (EMAIL,)
    assert resolve(shop, "billing+2") == (REFUND,)
    assert resolve(shop, "billing-2") == (USERS,)


def test_label_at_head_and_heads_name_the_branch_head(shop: RevisionGraph) -> None:
    assert resolve(shop, "billing@head") == (REFUND,)
    assert resolve(shop, "billing@heads") == (REFUND,)
    assert resolve(shop, "release-2@heads") == (INDEX,)
    assert resolve_one(shop, "billing@head") == REFUND


def test_label_at_base_names_the_base_below_the_branch(shop: RevisionGraph) -> None:
    assert resolve(shop, "billing@base") == (USERS,)
    assert resolve(shop, "release-2@base") == (USERS,)


def test_label_at_revision_checks_the_revision_is_on_the_branch(shop: RevisionGraph) -> None:
    assert resolve(shop, f"billing@{INVOICE}") == (INVOICE,)
    # Revisions below the branch are on it too: the branch's ancestors.
    assert resolve(shop, f"billing@{EMAIL}") == (EMAIL,)


def test_label_at_prefix_is_matched_within_the_branch(shop: RevisionGraph) -> None:
    # "c0" is ambiguous across the whole history (INVOICE, INDEX) ...
    with pytest.raises(AmbiguousRevisionError):
        resolve(shop, "c0")
    # ... but each branch holds only one of them.
    assert resolve(shop, "billing@c0") == (INVOICE,)
    assert resolve(shop, "release-2@c0") == (INDEX,)
    assert resolve(shop, "release-2@c") == (INDEX,)


def test_label_at_steps_walk_along_the_branch(shop: RevisionGraph) -> None:
    # From EMAIL, "+1" alone is ambiguous; on a branch it is not.
    assert resolve(shop, "billing@+1", current=[EMAIL]) == (BILLING,)
    assert resolve(shop, "release-2@+1", current=[EMAIL]) == (SEARCH,)
    # From base: USERS, EMAIL, then the branch's first revision.
    assert resolve(shop, "billing@+3") == (BILLING,)
    assert resolve(shop, "billing@+5") == (REFUND,)
    # A database at both heads: each branch steps from its own head.
    both = [REFUND, INDEX]
    assert resolve(shop, "billing@-1", current=both) == (INVOICE,)
    assert resolve(shop, "release-2@-2", current=both) == (EMAIL,)
    assert resolve(shop, f"billing@{INVOICE}+1") == (REFUND,)


def test_a_revision_id_may_stand_for_the_branch_through_it(shop: RevisionGraph) -> None:
    assert resolve(shop, f"{BILLING}@head") == (REFUND,)
    assert resolve(shop, f"{INDEX[:4]}@head") == (INDEX,)
    assert resolve(shop, f"{SEARCH}@base") == (USERS,)
    # The branch point's "branch" reaches both heads.
    assert resolve(shop, f"{EMAIL}@heads") == (INDEX, REFUND)


def test_resolve_one_returns_the_single_revision(shop: RevisionGraph) -> None:
    assert resolve_one(shop, "billing") == BILLING
    assert resolve_one(shop, INDEX[:3]) == INDEX


def test_resolve_one_refuses_several_revisions(shop: RevisionGraph) -> None:
    with pytest.raises(MultipleHeadsError) as caught:
        resolve_one(shop, "heads")
    message = one_line(caught)
    assert INDEX in message and REFUND in message
    assert caught.value.heads == (INDEX, REFUND)


# --- identifiers that do not resolve ------------------------------------------------------


def test_head_with_several_heads_names_them_and_how_to_merge(shop: RevisionGraph) -> None:
    with pytest.raises(MultipleHeadsError) as caught:
        resolve(shop, "head")
    message = one_line(caught)
    assert caught.value.heads == (INDEX, REFUND)
    assert f"({INDEX}, {REFUND})" in message
    assert "migguard merge heads -m" in message


def test_head_on_a_branch_with_several_heads_names_the_branch(shop: RevisionGraph) -> None:
    with pytest.raises(MultipleHeadsError) as caught:
        resolve(shop, f"{EMAIL[:6]}@head")
    message = one_line(caught)
    assert message.startswith(f"'{EMAIL[:6]}@head' is ambiguous: the branch of '{EMAIL[:6]}'")
    assert f"({INDEX}, {REFUND})" in message
    assert "migguard merge heads -m" in message


def test_head_minus_one_with_several_heads_is_ambiguous(shop: RevisionGraph) -> None:
    with pytest.raises(MultipleHeadsError):
        resolve(shop, "head-1")


def test_an_ambiguous_prefix_lists_the_candidates(shop: RevisionGraph) -> None:
    with pytest.raises(AmbiguousRevisionError) as caught:
        resolve(shop, "2")
    message = one_line(caught)
    assert "'2' matches 2 revisions" in message
    assert BILLING in message and REFUND in message


def test_an_ambiguous_prefix_shows_at_most_ten_candidates() -> None:
    graph = RevisionGraph([rev(f"f{i:02d}") for i in range(12)])
    with pytest.raises(AmbiguousRevisionError) as caught:
        resolve(graph, "f")
    message = one_line(caught)
    assert "matches 12 revisions" in message
    assert "f09, ..." in message
    assert "f10" not in message


def test_an_unknown_id_suggests_close_ids(shop: RevisionGraph) -> None:
    typo = "c0ffee123465"
    with pytest.raises(UnknownRevisionError) as caught:
        resolve(shop, typo)
    message = one_line(caught)
    assert f"no revision or branch label {typo!r}" in message
    assert f"did you mean {INVOICE}" in message


def test_an_unknown_label_suggests_close_labels(shop: RevisionGraph) -> None:
    with pytest.raises(UnknownRevisionError, match="did you mean billing") as caught:
        resolve(shop, "biling@head")
    one_line(caught)


def test_an_unknown_name_without_anything_close_suggests_nothing(shop: RevisionGraph) -> None:
    with pytest.raises(UnknownRevisionError) as caught:
        resolve(shop, "zzz")
    assert one_line(caught) == "no revision or branch label 'zzz'"


def test_stepping_up_from_a_branch_point_is_ambiguous(shop: RevisionGraph) -> None:
    with pytest.raises(WalkError) as caught:
        resolve(shop, "+1", current=[EMAIL])
    message = one_line(caught)
    assert f"{EMAIL} is followed by {BILLING}, {SEARCH}" in message
    assert "label@+N" in message

    with pytest.raises(WalkError, match=f"{EMAIL} is followed by"):
        resolve(shop, f"{USERS}+2")


def test_stepping_down_from_a_merge_is_ambiguous(merged: RevisionGraph) -> None:
    with pytest.raises(WalkError) as caught:
        resolve(merged, "-1", current=["m"])
    message = one_line(caught)
    assert "'-1' is ambiguous: m is a merge of l, r" in message

    with pytest.raises(WalkError, match="m is a merge of l, r"):
        resolve(merged, "head-1")


def test_relative_steps_from_several_current_revisions_are_ambiguous(
    shop: RevisionGraph,
) -> None:
    with pytest.raises(WalkError) as caught:
        resolve(shop, "-1", current=[INDEX, REFUND])
    message = one_line(caught)
    assert f"several revisions ({INDEX}, {REFUND})" in message


def test_walking_past_the_head_fails(line: RevisionGraph) -> None:
    with pytest.raises(WalkError) as caught:
        resolve(line, "b+3")
    assert one_line(caught) == "cannot resolve 'b+3': d has nothing above it after 2 step(s)"

    with pytest.raises(WalkError, match="nothing above"):
        resolve(line, "+1", current=["d"])
    with pytest.raises(WalkError, match="nothing above"):
        resolve(line, "base+5")


def test_walking_below_base_fails(line: RevisionGraph) -> None:
    with pytest.raises(WalkError) as caught:
        resolve(line, "b-3")
    assert one_line(caught) == "cannot resolve 'b-3': base reached after 2 step(s)"

    with pytest.raises(WalkError, match="base reached after 0 step"):
        resolve(line, "-1")


def test_label_at_a_revision_off_the_branch_is_refused(shop: RevisionGraph) -> None:
    with pytest.raises(ResolutionError) as caught:
        resolve(shop, f"billing@{INDEX}")
    assert one_line(caught) == f"revision {INDEX} is not on the branch of 'billing'"


def test_label_at_a_prefix_found_only_off_the_branch_says_so(shop: RevisionGraph) -> None:
    # The prefix names a real revision: the answer must not claim there is no such thing.
    with pytest.raises(ResolutionError) as caught:
        resolve(shop, "billing@3d7f")
    assert one_line(caught) == f"revision {SEARCH} is not on the branch of 'billing'"

    # Several revisions match, none on the branch.
    with pytest.raises(ResolutionError) as caught:
        resolve(shop, "release-2@2")
    message = one_line(caught)
    assert not isinstance(caught.value, UnknownRevisionError | AmbiguousRevisionError)
    assert BILLING in message and REFUND in message
    assert "none of them on the branch" in message


def test_label_at_steps_past_the_branch_head_fail(shop: RevisionGraph) -> None:
    with pytest.raises(WalkError, match="nothing above"):
        resolve(shop, "billing@+6")


@pytest.mark.parametrize("ident", ["", "   ", "\t\n"])
def test_an_empty_identifier_is_refused(shop: RevisionGraph, ident: str) -> None:
    with pytest.raises(ResolutionError) as caught:
        resolve(shop, ident)
    assert one_line(caught) == "empty revision identifier"


@pytest.mark.parametrize("ident", ["@head", "billing@", "@"])
def test_a_label_form_missing_a_side_is_refused(shop: RevisionGraph, ident: str) -> None:
    with pytest.raises(ResolutionError) as caught:
        resolve(shop, ident)
    message = one_line(caught)
    assert message.startswith(f"{ident!r}: expected label@head")


# --- unreadable branch labels -------------------------------------------------------------


@pytest.fixture
def hidden_label() -> RevisionGraph:
    """b's branch_labels is an expression that could not be evaluated."""
    hidden = Unreadable("branch_labels", 9, "(cli.EXPAND,)", "No module named 'cli'")
    return RevisionGraph([rev("a"), rev("b", "a", unreadable=(hidden,)), rev("c", "b")])


def test_ids_still_resolve_when_a_branch_label_is_unreadable(hidden_label: RevisionGraph) -> None:
    assert resolve(hidden_label, "c") == ("c",)
    assert resolve(hidden_label, "head-1") == ("b",)
    assert resolve(hidden_label, "c@base") == ("a",)


@pytest.mark.parametrize("ident", ["expand", "expand@head"])
def test_an_unmatched_name_may_be_the_hidden_label(hidden_label: RevisionGraph, ident: str) -> None:
    with pytest.raises(UnreadableFieldError) as caught:
        resolve(hidden_label, ident)
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith("versions/b_.py:9: branch_labels of revision b")
    assert "(cli.EXPAND,)" in message

"""Suppression comments: on the statement, above it, on any line of a call spread over lines,
several rules in one comment, and a comment without a reason."""

from __future__ import annotations

from migguard.lint.suppress import read_suppressions

SOURCE = """\
def upgrade():
    op.create_index("ix_a", "orders", ["a"])  # migguard: safe[require-concurrent-index] 20 rows
    # migguard: safe[drop-column, missing-lock-timeout] unused since release 4.2
    op.drop_column("orders", "b")
    op.create_index(
        "ix_c",
        "orders",
        ["c"],
    )  # migguard: safe[require-concurrent-index] built at night
    op.drop_column("orders", "d")  # migguard: safe[drop-column]
    op.drop_column("orders", "e")
"""


def test_a_comment_covers_its_statement_and_the_statement_below_it() -> None:
    suppressions = read_suppressions(SOURCE)
    on_line = suppressions.find("require-concurrent-index", 2)
    assert on_line is not None and on_line.reason == "20 rows"
    above = suppressions.find("drop-column", 4)
    assert above is not None and above.reason == "unused since release 4.2"
    assert suppressions.find("missing-lock-timeout", 4) is not None


def test_a_comment_on_the_last_line_of_a_long_call_covers_the_call() -> None:
    suppressions = read_suppressions(SOURCE)
    found = suppressions.find("require-concurrent-index", 5)
    assert found is not None and found.reason == "built at night"


def test_a_comment_covers_only_the_rules_it_names_and_only_its_statement() -> None:
    suppressions = read_suppressions(SOURCE)
    assert suppressions.find("require-concurrent-index", 4) is None
    assert suppressions.find("drop-column", 11) is None
    assert suppressions.find("drop-column", None) is None


def test_a_comment_without_reason_is_found_with_an_empty_reason() -> None:
    found = read_suppressions(SOURCE).find("drop-column", 10)
    assert found is not None and found.reason == ""


def test_a_script_that_does_not_parse_has_no_suppressions() -> None:
    assert read_suppressions("def upgrade(:\n  # migguard: safe[x] y\n").comments == {}

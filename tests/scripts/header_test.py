"""Reading revision headers with ast: the shapes real projects write."""

from __future__ import annotations

import pytest

from migguard.scripts.header import (
    BadFieldError,
    MissingFieldError,
    ScriptSyntaxError,
    parse_header,
)
from tests.testing.project import revision_source


def test_reads_the_layout_alembic_writes() -> None:
    header = parse_header(revision_source("c2e7eea3f80e", "b4352a83e78a", message="Add age"), "x")
    assert header is not None
    assert header.revision == "c2e7eea3f80e"
    assert header.down_revisions == ("b4352a83e78a",)
    assert header.branch_labels == ()
    assert header.depends_on == ()
    assert header.message == "Add age"
    assert header.create_date == "2024-05-01 10:00:00.000000"


def test_reads_annotated_assignments_of_newer_templates() -> None:
    source = (
        '"""add index\n\nRevision ID: kilo\n"""\nfrom typing import Sequence, Union\n\n'
        "revision: str = 'kilo'\n"
        "down_revision: Union[str, None] = 'juliet'\n"
        "branch_labels: Union[str, Sequence[str], None] = ('expand',)\n"
        "depends_on: Union[str, Sequence[str], None] = ''\n\n"
        "def upgrade() -> None:\n    pass\n"
    )
    header = parse_header(source, "kilo.py")
    assert header is not None
    assert (header.revision, header.down_revisions) == ("kilo", ("juliet",))
    assert header.branch_labels == ("expand",)
    assert header.depends_on == ()


@pytest.mark.parametrize(
    ("literal", "expected"),
    [("None", ()), ("''", ()), ("()", ()), ("'a1'", ("a1",)), ("('a1', 'b2')", ("a1", "b2"))],
)
def test_depends_on_shapes(literal: str, expected: tuple[str, ...]) -> None:
    source = f"revision = 'r1'\ndown_revision = None\ndepends_on = {literal}\n"
    header = parse_header(source, "r1.py")
    assert header is not None
    assert header.depends_on == expected


def test_merge_revision_has_two_parents() -> None:
    header = parse_header(revision_source("m1", ("a1", "b1")), "m1.py")
    assert header is not None
    assert header.down_revisions == ("a1", "b1")


def test_header_after_the_functions_is_still_found() -> None:
    source = "def upgrade():\n    pass\n\nrevision = 'late'\ndown_revision = 'early'\n"
    header = parse_header(source, "late.py")
    assert header is not None
    assert (header.revision, header.down_revisions) == ("late", ("early",))


def test_a_helper_module_is_not_a_revision() -> None:
    assert parse_header("import os\n\ndef helper():\n    return 1\n", "helpers.py") is None


def test_non_literal_value_is_left_pending_with_line_and_expression() -> None:
    source = (
        "from myapp import cli\n"
        "revision = 'exp1'\n"
        "down_revision = None\n"
        "branch_labels = (cli.EXPAND_BRANCH,)\n"
    )
    header = parse_header(source, "exp1.py")
    assert header is not None
    assert header.branch_labels == ()
    [pending] = header.pending
    assert (pending.field, pending.line, pending.expression) == (
        "branch_labels",
        4,
        "(cli.EXPAND_BRANCH,)",
    )


def test_syntax_error_names_file_and_line() -> None:
    source = "revision = 'a'\ndown_revision = None\n\ndef upgrade(:\n    pass\n"
    with pytest.raises(ScriptSyntaxError) as info:
        parse_header(source, "versions/a.py")
    assert str(info.value).startswith("versions/a.py:4: syntax error")


def test_revision_script_without_revision_id_is_an_error() -> None:
    with pytest.raises(MissingFieldError, match=r"versions/x\.py: .*`revision = \.\.\.`"):
        parse_header("down_revision = 'a'\n\ndef upgrade():\n    pass\n", "versions/x.py")


def test_revision_script_without_down_revision_is_an_error() -> None:
    with pytest.raises(MissingFieldError, match="down_revision"):
        parse_header("revision = 'a'\n", "a.py")


@pytest.mark.parametrize(
    ("field", "literal"), [("revision", "3"), ("revision", "''"), ("down_revision", "(1, 2)")]
)
def test_wrong_literal_types_are_errors(field: str, literal: str) -> None:
    values = {"revision": "'a'", "down_revision": "None", field: literal}
    source = "".join(f"{k} = {v}\n" for k, v in values.items())
    with pytest.raises(BadFieldError, match=rf"a\.py:\d+: {field} must be"):
        parse_header(source, "a.py")


def test_multi_line_message_is_folded_to_one_line() -> None:
    source = (
        '"""Add the\n   customer table\n\nRevision ID: a\n"""\n'
        'revision = "a"\ndown_revision = None\n'
    )
    header = parse_header(source, "a.py")
    assert header is not None
    assert header.message == "Add the customer table"

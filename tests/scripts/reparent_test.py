"""Re-parenting a revision script: only the down_revision value and the Revises: line change."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.config import main as alembic_main

from migguard.scripts.header import MissingFieldError, ScriptSyntaxError, parse_header
from migguard.scripts.reparent import down_revision_line, reparent_file, rewrite_down_revision
from tests.testing.project import Project, revision_source

ALEMBIC_STYLE = '''"""add orders

Revision ID: f1e2d3c4b5a6
Revises: 0a1b2c3d4e5f
Create Date: 2024-05-01 10:00:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = "f1e2d3c4b5a6"
down_revision: Union[str, None] = "0a1b2c3d4e5f"  # was the head when written
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table("orders", sa.Column("id", sa.Integer(), primary_key=True))


def downgrade() -> None:
    op.drop_table("orders")
'''


def _changed_lines(before: bytes, after: bytes) -> list[tuple[bytes, bytes]]:
    old, new = before.splitlines(keepends=True), after.splitlines(keepends=True)
    assert len(old) == len(new)
    return [(a, b) for a, b in zip(old, new, strict=True) if a != b]


def test_an_annotated_union_assignment_and_its_revises_line_are_rewritten() -> None:
    source = ALEMBIC_STYLE.encode()
    result = rewrite_down_revision(source, "f1.py", ["9c8b7a6d5e4f"])
    assert _changed_lines(source, result) == [
        (b"Revises: 0a1b2c3d4e5f\n", b"Revises: 9c8b7a6d5e4f\n"),
        (
            b'down_revision: Union[str, None] = "0a1b2c3d4e5f"  # was the head when written\n',
            b'down_revision: Union[str, None] = "9c8b7a6d5e4f"  # was the head when written\n',
        ),
    ]
    header = parse_header(result.decode(), "f1.py")
    assert header is not None and header.down_revisions == ("9c8b7a6d5e4f",)


def test_a_plain_assignment_in_our_own_layout_keeps_its_single_quotes() -> None:
    source = revision_source("b2", "a1").encode()
    result = rewrite_down_revision(source, "b2.py", ["c3"])
    assert _changed_lines(source, result) == [
        (b"Revises: a1\n", b"Revises: c3\n"),
        (b"down_revision = 'a1'\n", b"down_revision = 'c3'\n"),
    ]


def test_pep_604_annotation_and_a_base_revision_that_gets_a_parent() -> None:
    source = (
        b'"""first\n\nRevision ID: a1\nRevises:\n"""\n'
        b'revision: str = "a1"\ndown_revision: str | None = None\n'
        b"def upgrade() -> None:\n    pass\n"
    )
    result = rewrite_down_revision(source, "a1.py", ["z9"])
    assert result == source.replace(b"Revises:", b"Revises: z9").replace(b"= None", b'= "z9"')


def test_several_parents_are_written_as_a_tuple_and_listed_on_the_revises_line() -> None:
    source = revision_source("m1", "a1").encode()
    result = rewrite_down_revision(source, "m1.py", ["b2", "c3"])
    assert b"down_revision = ('b2', 'c3')\n" in result
    assert b"Revises: b2, c3\n" in result
    header = parse_header(result.decode(), "m1.py")
    assert header is not None and header.down_revisions == ("b2", "c3")


def test_crlf_line_endings_and_non_ascii_text_before_the_value_survive() -> None:
    source = (
        '"""Ajoute la table « élève »\r\n\r\nRevision ID: b2\r\nRevises: a1\r\n"""\r\n'
        'revision = "b2"\r\n'
        'down_revision: "Über | None" = "a1"  # déjà publié\r\n'
        "def upgrade() -> None:\r\n    pass\r\n"
    ).encode()
    result = rewrite_down_revision(source, "b2.py", ["c3"])
    assert result == source.replace(b"Revises: a1", b"Revises: c3").replace(b'= "a1"', b'= "c3"')


def test_only_the_docstring_revises_line_changes_not_text_further_down() -> None:
    source = revision_source("b2", "a1", upgrade='op.execute("-- Revises: a1")').encode()
    result = rewrite_down_revision(source, "b2.py", ["c3"])
    assert result.count(b"Revises: a1") == 1
    assert b'op.execute("-- Revises: a1")' in result


def test_a_script_without_docstring_gets_only_its_assignment_changed() -> None:
    source = b"revision = 'b2'\ndown_revision = 'a1'\n\ndef upgrade():\n    pass\n"
    assert rewrite_down_revision(source, "b2.py", ["c3"]) == source.replace(b"'a1'", b"'c3'")


def test_the_last_assignment_is_the_one_rewritten_as_it_is_the_one_read() -> None:
    source = b"revision = 'b2'\ndown_revision = 'x'\ndown_revision = 'a1'\n"
    result = rewrite_down_revision(source, "b2.py", ["c3"])
    assert result == b"revision = 'b2'\ndown_revision = 'x'\ndown_revision = 'c3'\n"
    assert down_revision_line(source, "b2.py") == 3


def test_scripts_that_cannot_be_rewritten_say_why() -> None:
    with pytest.raises(MissingFieldError, match=r"h\.py: .* no module-level `down_revision"):
        rewrite_down_revision(b"revision = 'b2'\n", "h.py", ["c3"])
    with pytest.raises(ScriptSyntaxError, match=r"bad\.py:2: syntax error"):
        rewrite_down_revision(b"revision = 'b2'\ndown_revision = (\n", "bad.py", ["c3"])
    assert down_revision_line(b"x = 1\n", "h.py") is None


def test_a_script_written_by_alembic_itself_is_reparented(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    alembic_main(["-q", "init", "alembic"])
    alembic_main(["-q", "revision", "-m", "first", "--rev-id", "aaa111"])
    alembic_main(["-q", "revision", "-m", "second", "--rev-id", "bbb222"])
    script = next((tmp_path / "alembic" / "versions").glob("bbb222_*.py"))
    before = script.read_bytes()
    written = reparent_file(script, ["ccc333"], "bbb222.py")
    after = script.read_bytes()
    assert written == after
    changed = _changed_lines(before, after)
    assert len(changed) == 2
    assert all(old.replace(b"aaa111", b"ccc333") == new for old, new in changed)
    header = parse_header(after.decode(), "bbb222.py")
    assert header is not None and header.down_revisions == ("ccc333",)


def test_a_script_written_by_migguard_revision_is_reparented(project: Project) -> None:
    assert project.run("revision", "-m", "first", "--rev-id", "a1").code == 0
    assert project.run("revision", "-m", "second", "--rev-id", "b2").code == 0
    script = next(project.versions.glob("b2_*.py"))
    before = script.read_bytes()
    reparent_file(script, ["c3"], "b2.py")
    assert _changed_lines(before, script.read_bytes()) == [
        (b"Revises: a1\n", b"Revises: c3\n"),
        (b"down_revision = 'a1'\n", b"down_revision = 'c3'\n"),
    ]

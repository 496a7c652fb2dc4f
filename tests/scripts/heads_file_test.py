"""The heads file's format: a comment, then the head ids sorted, written only when it changes."""

from __future__ import annotations

from pathlib import Path

from migguard.scripts.heads_file import read_heads_file, render_heads_file, write_heads_file


def test_the_file_lists_sorted_heads_after_a_comment_and_reads_back(tmp_path: Path) -> None:
    path = tmp_path / "migrations" / "heads"
    assert write_heads_file(path, ["c3", "a1", "c3"])
    text = path.read_text()
    assert text == render_heads_file(["a1", "c3"])
    assert text.endswith("\na1\nc3\n")
    assert text.startswith("# ") and "migguard merge heads" in text
    assert read_heads_file(path) == (("a1", "c3"), None)
    assert not write_heads_file(path, ["a1", "c3"]), "unchanged content is not rewritten"

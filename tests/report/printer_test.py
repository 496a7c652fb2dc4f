"""Terminal output: rich on a terminal, plain text otherwise."""

from __future__ import annotations

import io

import pytest

from migguard.graph import Revision, RevisionGraph
from migguard.report.history import history_line
from migguard.report.printer import Printer, wants_color


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _graph() -> RevisionGraph:
    return RevisionGraph(
        [Revision("a1", message="base"), Revision("b2", ("a1",), ("feature",), message="next")]
    )


def test_plain_output_has_no_escape_codes() -> None:
    out = io.StringIO()
    Printer(out, color=False).line(history_line(_graph(), "b2"))
    assert out.getvalue() == "a1 -> b2 (feature) (head), next\n"


def test_color_output_styles_the_same_text() -> None:
    out = io.StringIO()
    Printer(out, color=True).line(history_line(_graph(), "b2"))
    text = out.getvalue()
    assert "\x1b[" in text
    assert "b2" in text
    assert "(head)" in text


def test_color_only_on_a_terminal_without_no_color(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm-256color")
    assert wants_color(FakeTerminal())
    assert not wants_color(io.StringIO())
    monkeypatch.setenv("NO_COLOR", "1")
    assert not wants_color(FakeTerminal())
    monkeypatch.delenv("NO_COLOR")
    monkeypatch.setenv("TERM", "dumb")
    assert not wants_color(FakeTerminal())


def test_messages_with_rich_markup_are_printed_literally() -> None:
    graph = RevisionGraph([Revision("a1", message="add [bold]weird[/bold] column")])
    out = io.StringIO()
    Printer(out, color=True).line(history_line(graph, "a1"))
    assert "[bold]weird[/bold]" in out.getvalue()


def test_progress_prints_lines_above_a_bar_on_a_terminal() -> None:
    out = io.StringIO()
    printer = Printer(out, color=True)
    with printer.progress(2) as progress:
        progress.line("upgrade <base> -> a1, base")
        progress.advance()
        progress.line("upgrade a1 -> b2, next")
        progress.advance()
    assert "upgrade <base> -> a1, base" in out.getvalue()
    assert "2/2" in out.getvalue()


def test_progress_without_colour_is_plain_lines() -> None:
    out = io.StringIO()
    with Printer(out, color=False).progress(2) as progress:
        progress.line("upgrade <base> -> a1, base")
        progress.advance()
    assert out.getvalue() == "upgrade <base> -> a1, base\n"

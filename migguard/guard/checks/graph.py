"""The ``graph`` check: the history loads (no cycle, no duplicate or unknown id, every script
readable). It runs first, as every other check reads the history it loads."""

from __future__ import annotations

from migguard.config import Config
from migguard.errors import HistoryError
from migguard.guard.findings import ERROR, WARNING, Finding
from migguard.scripts.directory import History, load_history

__all__ = ["check_graph"]


def check_graph(config: Config, *, report_warnings: bool) -> tuple[list[Finding], History | None]:
    """Load the history, and say what is wrong with it.

    Args:
        config: the configuration (version locations).
        report_warnings: report the history's warnings (header values that cannot be read);
            off when ``graph`` is not selected, and the history is loaded only for the others.

    Returns:
        ``([error], None)`` when the history does not load (the error names the file and line,
        and nothing else can be checked); else the ``graph`` warnings and the history.
    """
    try:
        history = load_history(config)
    except HistoryError as exc:
        finding = Finding(
            "graph",
            ERROR,
            _without_location(str(exc), exc.file, exc.line),
            file=exc.file,
            line=exc.line,
            hint=_GRAPH_HINT,
        )
        return [finding], None
    findings = []
    if report_warnings:
        findings = [Finding("graph", WARNING, warning) for warning in history.warnings]
    return findings, history


def _without_location(message: str, file: str | None, line: int | None) -> str:
    """The message without the ``file:line: `` it starts with (reports show the location
    in its own column or key)."""
    for prefix in (f"{file}:{line}: ", f"{file}: "):
        if file and message.startswith(prefix):
            return message[len(prefix) :]
    return message


_GRAPH_HINT = "fix the revision scripts named above; nothing else can be checked until then"

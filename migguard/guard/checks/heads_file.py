"""The ``heads`` check's part for the heads file (``heads_file`` in the configuration): does it
list exactly the history's heads? ``--fix`` rewrites a missing or outdated one. The file's
format is :mod:`migguard.scripts.heads_file`.
"""

from __future__ import annotations

from migguard.guard.checks.context import CheckContext
from migguard.guard.findings import ERROR, INFO, Finding
from migguard.scripts.directory import display_path
from migguard.scripts.heads_file import HeadsFile, read_heads_file, write_heads_file

__all__ = ["heads_file_findings"]


def heads_file_findings(context: CheckContext) -> list[Finding]:
    """Verify the heads file against the history's heads.

    With ``context.fix`` a missing or outdated file is rewritten (an info finding says so),
    except one holding a conflict between several heads: that is for ``migguard merge heads``
    to settle, which rewrites the file as it joins them.

    Args:
        context: the check run; ``config.heads_file`` must be set.

    Returns:
        Nothing when the file lists exactly the heads; else one ``heads`` finding: an error
        for a missing file (when there are revisions), an unreadable one, one with git
        conflict markers, or one listing other heads; an info after a ``--fix`` rewrite.
    """
    path = context.config.heads_file
    assert path is not None, "heads_file_findings needs config.heads_file"
    shown = display_path(path, context.config.root)
    heads = tuple(sorted(context.history.graph.heads))
    try:
        recorded: HeadsFile | None = read_heads_file(path)
    except FileNotFoundError:
        if not heads:
            return []
        recorded = None
    except (OSError, UnicodeDecodeError) as exc:
        return [Finding("heads", ERROR, f"heads file {shown} cannot be read: {exc}", shown)]
    if recorded is not None and recorded.conflict_line is None and recorded.heads == heads:
        return []
    conflicted = recorded is not None and recorded.conflict_line is not None
    if context.fix and not (conflicted and len(heads) > 1):
        write_heads_file(path, heads)
        return [
            Finding(
                "heads",
                INFO,
                f"heads file {shown} rewritten: {_listing(heads)}",
                shown,
                hint=f"stage it: git add {shown}",
            )
        ]
    return [_problem(shown, recorded, heads)]


def _problem(shown: str, recorded: HeadsFile | None, heads: tuple[str, ...]) -> Finding:
    """The error for a heads file that is missing, conflicted or outdated."""
    if recorded is None:
        return Finding(
            "heads",
            ERROR,
            f"heads file {shown} is missing (the heads are {_listing(heads)})",
            shown,
            hint="write it with: migguard check --fix (revision and merge keep it up to date)",
        )
    if recorded.conflict_line is not None:
        hint = (
            f'join the heads with: migguard merge heads -m "merge {" and ".join(heads)}" '
            "(it rewrites the file), or re-parent an unpublished revision (e.g. while "
            f"rebasing) with: migguard check --fix; then git add {shown}"
            if len(heads) > 1
            else f"rewrite it with: migguard check --fix, then git add {shown}"
        )
        return Finding(
            "heads",
            ERROR,
            f"heads file {shown} has git conflict markers: two branches each added a "
            f"revision (the heads are {_listing(heads)})",
            shown,
            recorded.conflict_line,
            hint=hint,
        )
    return Finding(
        "heads",
        ERROR,
        f"heads file {shown} lists {_listing(recorded.heads)} but the heads are {_listing(heads)}",
        shown,
        hint="rewrite it with: migguard check --fix (revision and merge keep it up to date)",
    )


def _listing(ids: tuple[str, ...]) -> str:
    return ", ".join(ids) if ids else "none"

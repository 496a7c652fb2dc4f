"""The heads file (``heads_file`` in the configuration): the history's head revision(s),
written down so that git sees them.

Two branches that each add a revision both rewrite this file's head line, so merging them
conflicts here, in git, instead of silently leaving two heads behind. ``migguard revision``
and ``migguard merge`` rewrite it; the ``heads`` check verifies it (and ``--fix`` rewrites a
missing or outdated one).

Format: comment lines starting with ``#``, then one head id per line, sorted.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import NamedTuple

from migguard.guard.context import CheckContext
from migguard.guard.findings import ERROR, INFO, Finding
from migguard.scripts.directory import display_path

__all__ = [
    "HeadsFile",
    "heads_file_findings",
    "read_heads_file",
    "render_heads_file",
    "write_heads_file",
]

_COMMENT = (
    "# The head revision(s) of this migration history, one per line; `migguard revision` and\n"
    "# `migguard merge` rewrite this file and `migguard check` verifies it. A git conflict\n"
    "# here means two branches each added a revision: join them with `migguard merge heads`.\n"
)
# Lines git writes around the two sides of a conflict (diff3 adds the "|||||||" one).
_CONFLICT_MARKERS = ("<<<<<<<", "|||||||", "=======", ">>>>>>>")


class HeadsFile(NamedTuple):
    """What a heads file says.

    Attributes:
        heads: the ids listed (conflict markers and comments left out), sorted, once each.
        conflict_line: the 1-based line of the first git conflict marker, or ``None``.
    """

    heads: tuple[str, ...]
    conflict_line: int | None


def render_heads_file(heads: Iterable[str]) -> str:
    """The text of a heads file listing ``heads`` (sorted, after the explaining comment)."""
    return _COMMENT + "".join(f"{head}\n" for head in sorted(set(heads)))


def write_heads_file(path: Path, heads: Iterable[str]) -> bool:
    """Write the heads file at ``path`` for ``heads``, unless it already says exactly that.

    Returns:
        Whether the file was (re)written.

    Raises:
        OSError: the file cannot be written (its folder is created when missing).
    """
    text = render_heads_file(heads)
    if path.is_file() and path.read_bytes() == text.encode("utf-8"):
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode("utf-8"))
    return True


def read_heads_file(path: Path) -> HeadsFile:
    """Read the heads file at ``path``.

    Raises:
        OSError: the file cannot be read (``FileNotFoundError`` when it is missing).
        UnicodeDecodeError: the file is not UTF-8 text.
    """
    heads: set[str] = set()
    conflict_line = None
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        text = line.strip()
        if text.startswith(_CONFLICT_MARKERS):
            conflict_line = conflict_line or number
        elif text and not text.startswith("#"):
            heads.add(text)
    return HeadsFile(tuple(sorted(heads)), conflict_line)


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

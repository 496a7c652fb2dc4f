"""The heads file (``heads_file`` in the configuration): the history's head revision(s),
written down so that git sees them.

Two branches that each add a revision both rewrite this file's head line, so merging them
conflicts here, in git, instead of silently leaving two heads behind. ``migguard revision``
and ``migguard merge`` rewrite it; ``migguard check`` verifies it.

Format: comment lines starting with ``#``, then one head id per line, sorted.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import NamedTuple

__all__ = [
    "HeadsFile",
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

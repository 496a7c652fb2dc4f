"""The revision graph: pure Python, never imports SQLAlchemy.

Build a :class:`RevisionGraph` from :class:`Revision` records, then ask it for heads, bases,
branches, labels, ancestors, identifiers (:func:`resolve`) and ordered walks
(:func:`newest_first`, :func:`history_range`).
"""

from __future__ import annotations

from migguard.graph.core import RevisionGraph
from migguard.graph.errors import (
    AmbiguousRevisionError,
    CycleError,
    DuplicateBranchLabelError,
    DuplicateRevisionError,
    IllegalRevisionIdError,
    MultipleHeadsError,
    ResolutionError,
    RevisionExistsError,
    UnknownParentError,
    UnknownRevisionError,
    UnreadableFieldError,
    WalkError,
)
from migguard.graph.order import history_range, newest_first
from migguard.graph.resolve import lookup, resolve, resolve_one
from migguard.graph.revision import ILLEGAL_ID_CHARS, Revision, Unreadable

__all__ = [
    "ILLEGAL_ID_CHARS",
    "AmbiguousRevisionError",
    "CycleError",
    "DuplicateBranchLabelError",
    "DuplicateRevisionError",
    "IllegalRevisionIdError",
    "MultipleHeadsError",
    "ResolutionError",
    "Revision",
    "RevisionExistsError",
    "RevisionGraph",
    "UnknownParentError",
    "UnknownRevisionError",
    "Unreadable",
    "UnreadableFieldError",
    "WalkError",
    "history_range",
    "lookup",
    "newest_first",
    "resolve",
    "resolve_one",
]

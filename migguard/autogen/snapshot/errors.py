"""Why stored snapshot bytes cannot be loaded."""

from __future__ import annotations

__all__ = ["SnapshotFormatError", "SnapshotVersionError"]


class SnapshotFormatError(ValueError):
    """The bytes are not a snapshot this version of migguard wrote (damaged, truncated, or
    something else entirely)."""


class SnapshotVersionError(SnapshotFormatError):
    """The snapshot was written with another format, Python or SQLAlchemy version: treat it
    as missing (a cache miss) and take a new one."""

"""Errors raised by the operations layer; all are misuse (``UsageError``, exit status 2).

Database errors are not wrapped: they propagate as SQLAlchemy exceptions.
"""

from __future__ import annotations

from migguard.errors import UsageError


class NotRunningError(UsageError, AttributeError):
    """An ``op.*`` operation was used outside a running migration."""


class IrreversibleError(UsageError):
    """An operation's reverse needs information the operation does not carry."""


class OfflineError(UsageError):
    """An operation needs a live database connection but the run is offline (``--sql``)."""


class BatchError(UsageError):
    """A batch (move-and-copy) change cannot be carried out as asked."""


class UnsupportedError(UsageError, AttributeError):
    """A name of Alembic's ``op`` / ``MigrationContext`` API that migguard does not provide, or
    not in this mode; the message names it. An ``AttributeError`` too, so that ``hasattr`` and
    ``getattr(..., default)`` in scripts see the name as missing."""


class UnknownOperationError(UsageError):
    """``op.invoke`` was given an object that is neither a migguard operation nor one an
    Alembic plugin registered an implementation for."""

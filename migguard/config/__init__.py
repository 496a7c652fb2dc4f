"""Configuration: discovery and precedence (``migguard.toml``, ``[tool.migguard]``,
``alembic.ini`` and ``[tool.alembic]``), the declared schema of every table, URLs and masking.

:class:`Config` is the package's public face; the loaders and helpers are imported from their
own modules (``migguard.config.load``, ``.sources``, ``.urls``, ...).
"""

from __future__ import annotations

from migguard.config.model import Config

__all__ = ["Config"]

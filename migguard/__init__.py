"""migguard: database migrations for SQLAlchemy, with a guard around them.

Importing this package is cheap: it pulls in no SQLAlchemy, rich, GitPython or Mako.
"""

from __future__ import annotations

# The one place the version is written: pyproject.toml takes it from here (setuptools reads
# the literal without importing the package).
__version__ = "0.1.0"

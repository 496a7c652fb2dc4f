"""The guard: checks that return findings, git helpers, and the git hook entry points.

Nothing heavy is imported here; each check module imports what it needs, so the ``graph`` and
``heads`` checks run without SQLAlchemy.
"""

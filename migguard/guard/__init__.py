"""The guard: ``checks/`` (each check a function returning findings), ``hooks/`` (post-merge,
post-checkout, install), ``git.py`` (the one thin git wrapper), and the findings they share.

Nothing heavy is imported here; each check module imports what it needs inside its functions,
so the ``graph`` and ``heads`` checks run without SQLAlchemy or GitPython.
"""

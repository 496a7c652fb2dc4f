"""Migration safety lint: rules over the operations a revision's ``upgrade()`` records.

A revision is run against a recording ``op`` (no database: the offline machinery renders each
statement for the lint's dialect), and each recorded operation is judged by the rules of
:mod:`migguard.lint.rules`, knowing which tables and columns are new on this branch. The
guard's ``lint`` check and ``migguard lint PATH`` use :func:`migguard.lint.run.lint_scripts`.
"""

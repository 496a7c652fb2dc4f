"""What Alembic projects expect of migguard: the ``alembic`` stand-in package scripts import,
an ``alembic.context`` for running a project's ``env.py``, Alembic's ``Config`` as scripts and
env.py files use it, and operations that plugins register on Alembic's ``Operations``.

Nothing here is imported unless an Alembic project or script needs it.
"""

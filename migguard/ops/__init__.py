"""The operations layer: ``Operation`` data classes, their DDL, and the ``op`` API behind them.

Importing this package is cheap; the modules that need SQLAlchemy import it themselves:

- ``context``: where SQL goes (a live connection, or SQL text for offline runs)
- ``binding``: which ``Operations`` the ``op`` facade uses during one revision
- ``base``: the ``Operation`` base classes; ``executor``: what an operation runs through
- ``schema``, ``constraints``, ``indexes``, ``data``: the operations themselves
- ``ddl``: SQL building shared by the operations
- ``mysql``: MySQL/MariaDB's spelling of ``alter_column`` and ``drop_constraint``, and
  ``mysql_*`` options under the ``mariadb`` dialect name
- ``sqlite``: ``batch_alter_table`` and SQLite's move-and-copy rebuild (``batch``,
  ``batch_operations``, ``table_spec``, ``move_and_copy``, ``catalog``)
- ``operations``: the ``Operations`` object whose methods are the ``op.*`` API
- ``errors``: the ``UsageError`` subclasses raised here

Imports point one way: ``operations`` uses ``sqlite``, which uses the operations (``schema``,
``constraints``, ``indexes``, ``data``), which use ``mysql``, ``ddl``, ``executor``,
``context``, ``base`` and ``errors``; ``binding`` (and ``migguard.op`` above it) needs only
``errors``. Nothing here imports ``migguard.runtime``. tests/import_cycles_test.py checks both.
"""

"""``batch_alter_table`` and SQLite's move-and-copy rebuild
(https://www.sqlite.org/lang_altertable.html#otheralter).

- ``batch``: ``BatchAlterTable``, the operation of one block (in place on other databases)
- ``batch_operations``: ``BatchOperations``, the ``batch_op`` a block receives
- ``table_spec``: the mutable description of a table while it is rebuilt
- ``move_and_copy``: the rebuild itself (new table, copy, drop, rename)
- ``catalog``: what SQLite's schema table and ``PRAGMA`` say about a table

Imports flow one way: ``batch`` uses ``move_and_copy``, which uses ``table_spec`` and
``catalog``; the operations of ``migguard.ops`` are below all of them.
"""

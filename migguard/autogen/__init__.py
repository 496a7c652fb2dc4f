"""Autogenerate: compare the user's models with a database and write what differs.

Data flows one way through three sub-packages, and ``generate`` sits on top:

* ``snapshot``: a database (reflected) or the models as plain records, and their JSON form;
  also importing the user's ``MetaData``.
* ``diff``: the models against a snapshot, as operations (``compare``), and those operations
  in words (``describe``).
* ``render``: operations as the Python source of a revision script.
* ``generate``: the entry points: compare with a database, write the revision.

Each sub-package names its public API in ``__all__``; callers import from the sub-package.
Nothing is imported here, so importing one sub-package costs only that one (and those below it).
"""

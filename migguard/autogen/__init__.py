"""Autogenerate: compare the user's models with a database and write what differs.

Modules:

* ``snapshot``: a database or the models as plain data (``Snapshot``), ``reflect``,
  ``snapshot_of_metadata``, and the JSON form; the records themselves live in ``records``.
* ``types``: SQLAlchemy types as data (``TypeSpec``) and back.
* ``models``: importing the user's ``MetaData`` from the configured import paths.

Nothing is imported here, so importing a submodule stays as cheap as that submodule.
"""

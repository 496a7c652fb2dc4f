"""Autogenerate: compare the user's models with a database and write what differs.

Modules of the snapshot layer:

* ``snapshot``: the public face: ``Snapshot`` and its records, ``reflect`` (a live database),
  ``snapshot_of_metadata`` (the models, no database), ``snapshot_to_json`` and
  ``snapshot_from_json``.
* ``records``: the immutable records a snapshot is made of (no SQLAlchemy import).
* ``types``: SQLAlchemy types as data (``TypeSpec``) and back.
* ``reflect``, ``sqlite_sql``: reading a database through SQLAlchemy's multi-table reflection,
  and SQLite's stored ``CREATE INDEX`` statements.
* ``from_metadata``, ``metadata_indexes``: the same records computed from ``MetaData``.
* ``models``: importing the user's ``MetaData`` from the configured import paths.

Nothing is imported here, so importing a submodule costs only that submodule.
"""

"""The diff: the models (``MetaData``) against a database snapshot, as operations.

``compare`` takes ``CompareOptions`` and returns a ``DiffResult`` (operations and ``Note``
items); ``describe`` and ``to_json`` put its operations in words. The diff builds on
``migguard.autogen.snapshot`` and knows nothing of the renderer, which turns its operations
into Python. Modules:

* ``compare``: the comparison and the order of its operations; ``options``: what it is asked
  and what it answers; ``context``: what one comparison carries around.
* ``tables``, ``columns``, ``keys`` (indexes and constraints), ``enums``, ``schemas``: one
  kind of object each; ``match`` pairs indexes and foreign keys; ``sql`` compares SQL text;
  ``casts`` and ``identity`` are PostgreSQL's column changes.
* ``build``, ``build_tables``: SQLAlchemy objects and operations made from records.
* ``describe``: the operations in words and as JSON.
"""

from __future__ import annotations

from migguard.autogen.diff.compare import compare, model_tables
from migguard.autogen.diff.context import TableKey, qualified
from migguard.autogen.diff.describe import describe, to_json
from migguard.autogen.diff.keys import DropUnnamedConstraint
from migguard.autogen.diff.options import CompareOptions, DiffResult, Item, Note, excluded

__all__ = [
    "CompareOptions",
    "DiffResult",
    "DropUnnamedConstraint",
    "Item",
    "Note",
    "TableKey",
    "compare",
    "describe",
    "excluded",
    "model_tables",
    "qualified",
    "to_json",
]

"""The renderer: the diff's operations as the Python source of ``upgrade()`` and ``downgrade()``.

``render_operations`` and ``render_downgrade`` return a ``Rendered`` body and its imports, or
raise ``RenderError`` (a ``UsageError``). Modules:

* ``render``: the two bodies, batch blocks on SQLite, and the downgrade steps left to the user.
* ``ops`` (tables, columns, SQL), ``keys`` (indexes and constraints): one operation as
  ``op.*`` calls.
* ``schema``: columns and constraints as ``sa.*`` source; ``types``: types, values, SQL
  expressions and names as source.
* ``scope``: where calls go (``op`` or ``batch_op``); ``code``: the expression tree and its
  layout into lines.
"""

from __future__ import annotations

from migguard.autogen.render.code import RenderError
from migguard.autogen.render.render import Rendered, render_downgrade, render_operations

__all__ = ["RenderError", "Rendered", "render_downgrade", "render_operations"]

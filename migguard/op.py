"""The ``op`` facade revision scripts call (``from migguard import op``).

Operations exist only while the runner executes a revision's ``upgrade()`` or ``downgrade()``:
the runner binds an ``Operations`` object with ``migguard.ops.binding.bind`` and every
``op.<name>`` attribute is looked up on it. Importing this module is always possible (so scripts
can be imported to read their headers) and cheap (no SQLAlchemy); using an operation outside a run
raises an error that says so.
"""

from __future__ import annotations

from migguard.ops.errors import NotRunningError


def __getattr__(name: str) -> object:
    if name.startswith("__"):
        raise AttributeError(name)
    from migguard.ops import binding

    try:
        operations = binding.current()
    except NotRunningError:
        raise NotRunningError(
            f"op.{name} is only available while migguard runs a revision "
            "(migguard upgrade / downgrade)"
        ) from None
    if name == "_proxy":
        # Alembic's ``op`` module forwards to an ``Operations`` object it keeps as ``_proxy``;
        # scripts reach ``op._proxy.migration_context`` through it.
        return operations
    return getattr(operations, name)

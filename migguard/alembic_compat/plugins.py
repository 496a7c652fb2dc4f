"""Operations that Alembic plugins register, run by migguard's ``op``.

Alembic's documented extension API adds an ``op.<name>`` by decorating a ``MigrateOperation``
subclass with ``Operations.register_operation(name, sourcename=None)`` and names the function
that carries it out with ``Operations.implementation_for(OperationClass)``, both from
``alembic.operations`` (https://alembic.sqlalchemy.org/en/latest/api/operations.html#operation-plugins).
Plugins (alembic-postgresql-enum's ``op.sync_enum_values``, alembic-utils' ``op.create_entity``)
and projects' own modules register this way when they are imported.

An ``op.<name>`` that migguard's :class:`~migguard.ops.operations.Operations` lacks is looked up
here on Alembic's ``Operations`` class, but only when ``alembic.operations`` is already
imported (a plugin imported it): looking never imports Alembic. Operations that Alembic itself
registers (its own ``op`` API) are not taken from there: migguard has its own. The registered
method and the implementations it reaches receive a :class:`PluginOperations`: the run's
migguard operations seen through the names plugin code uses on Alembic's (``execute``,
``invoke``, ``get_bind``, ``get_context``, ``migration_context`` with ``dialect``, ``as_sql``,
``bind`` and ``impl``, and every ``op.*`` method), online or offline (``--sql``), where the
plugin's SQL is written to the script.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from migguard.ops.errors import UnknownOperationError

if TYPE_CHECKING:
    from sqlalchemy import Connection
    from sqlalchemy.engine import Dialect
    from sqlalchemy.engine.mock import MockConnection
    from sqlalchemy.sql import Executable

    from migguard.ops.context import ExecutionContext
    from migguard.ops.operations import Operations

# Where Alembic's ``Operations`` lives; the extension API's registrations are made on it.
_ALEMBIC_OPERATIONS = "alembic.operations.base"


def registered_operation(operations: Operations, name: str) -> Callable[..., Any]:
    """``op.<name>`` for an operation a plugin registered on Alembic's ``Operations``.

    Args:
        operations: the run's migguard operations (the registered method runs against them).
        name: the attribute asked for on ``op``.

    Returns:
        The registered method bound to a :class:`PluginOperations` over ``operations``: called
        with the script's arguments, it returns what the plugin returns.

    Raises:
        AttributeError: ``name`` is private; or no module outside Alembic registered an
            operation of that name on Alembic's ``Operations`` (none can have when
            ``alembic.operations`` is not imported): the message names ``op.<name>`` and says
            to import the plugin, or that it is one of Alembic's own operations migguard lacks.
    """
    if name.startswith("_"):
        raise AttributeError(name)
    method = _registered_method(name)
    if method is None:
        raise AttributeError(
            f"op.{name} is not an operation migguard knows, and no Alembic operation plugin "
            "imported so far registers it (import the plugin in env.py or the revision script)"
        )
    if _from_alembic(method.__globals__["op_cls"]):
        raise AttributeError(f"op.{name} is one of Alembic's operations that migguard lacks")
    return functools.partial(method, PluginOperations(operations))


def _registered_method(name: str) -> Any:
    """The method ``Operations.register_operation`` made for ``name`` on Alembic's
    ``Operations``, or None (no such name, Alembic's own methods, Alembic not imported)."""
    base = sys.modules.get(_ALEMBIC_OPERATIONS)
    if base is None:
        return None
    method = getattr(base.Operations, name, None)
    # register_operation builds each method with the operation class in its globals (Alembic
    # 1.x); Alembic's methods proper (get_bind, batch_alter_table) have no such entry.
    if getattr(method, "__globals__", {}).get("op_cls") is None:
        return None
    return method


def _from_alembic(obj: Any) -> bool:
    """Whether ``obj`` (a class, a function) is defined by Alembic itself."""
    module = getattr(obj, "__module__", "") or ""
    return module == "alembic" or module.startswith("alembic.")


def invoke_registered(plugin_operations: PluginOperations, operation: Any) -> Any:
    """Run an Alembic ``MigrateOperation`` through the function registered for its class with
    ``Operations.implementation_for`` (for the class or a base class; one registered for the
    run's dialect name first, as Alembic dispatches).

    Args:
        plugin_operations: what the implementation receives as ``operations``.
        operation: the operation object (``op.invoke(SomeOp(...))``).

    Returns:
        What the implementation returns.

    Raises:
        UnknownOperationError: ``operation`` is not a migguard operation, and no module outside
            Alembic registered an implementation for its class.
    """
    base = sys.modules.get(_ALEMBIC_OPERATIONS)
    kind = type(operation).__name__
    implementation = None
    if base is not None:
        dialect_name = plugin_operations.migration_context.dialect.name
        try:
            implementation = base.Operations._to_impl.dispatch(operation, dialect_name)
        except ValueError:
            implementation = None
    if implementation is None or _from_alembic(implementation):
        raise UnknownOperationError(
            f"op.invoke({kind}(...)): migguard has no implementation for {kind} (only "
            "migguard's operations and those registered with Alembic's "
            "Operations.implementation_for by a plugin can be invoked)"
        )
    return implementation(plugin_operations, operation)


class PluginOperations:
    """The ``operations`` an Alembic plugin's code receives: one migguard run seen through
    the names of Alembic's ``Operations``.

    Every attribute not defined here is the migguard ``Operations``' own (``execute``,
    ``create_table``, ``batch_alter_table``, ``f``, ``inline_literal``, other plugins'
    operations).
    """

    def __init__(self, operations: Operations) -> None:
        self._operations = operations

    def __getattr__(self, name: str) -> Any:
        return getattr(self._operations, name)

    @property
    def migration_context(self) -> MigrationContextView:
        """The run's context with the attributes of Alembic's ``MigrationContext`` that
        plugins read (see :class:`MigrationContextView`)."""
        return MigrationContextView(self, self._operations.get_context())

    def get_context(self) -> MigrationContextView:
        """The same object as :attr:`migration_context`, as in Alembic."""
        return self.migration_context

    @property
    def impl(self) -> ImplView:
        """``migration_context.impl``."""
        return self.migration_context.impl

    def get_bind(self) -> Connection | MockConnection:
        """The live connection; offline (``--sql``), migguard's mock connection that writes
        what is executed on it to the script, as ``op.get_bind()`` gives it."""
        return self._operations.get_bind()

    def invoke(self, operation: Any) -> Any:
        """Run a migguard ``Operation``, or an Alembic ``MigrateOperation`` a plugin
        registered an implementation for (see :func:`invoke_registered`)."""
        return self._operations.invoke(operation)


class _RunView:
    """What plugin code reads on Alembic's ``MigrationContext`` and its ``impl`` alike, over
    migguard's ``ExecutionContext``: ``dialect``, ``as_sql`` (True offline), ``bind`` /
    ``connection`` (as :meth:`PluginOperations.get_bind`) and ``execute``."""

    def __init__(self, operations: PluginOperations, context: ExecutionContext) -> None:
        self._operations = operations
        self._context = context

    @property
    def dialect(self) -> Dialect:
        return self._context.dialect

    @property
    def as_sql(self) -> bool:
        return self._context.offline

    @property
    def bind(self) -> Connection | MockConnection:
        return self._operations.get_bind()

    @property
    def connection(self) -> Connection | MockConnection:
        return self._operations.get_bind()

    def execute(
        self, sql: str | Executable, execution_options: Mapping[str, Any] | None = None
    ) -> None:
        """Run ``sql`` as ``op.execute`` does."""
        self._operations.execute(sql, execution_options=execution_options)


class MigrationContextView(_RunView):
    """Alembic's ``MigrationContext`` as plugin code reads it: the :class:`_RunView` names,
    ``impl`` (:class:`ImplView`), and any other attribute of the execution context itself
    (``autocommit_block``, ``target_metadata``).
    """

    def __getattr__(self, name: str) -> Any:
        return getattr(self._context, name)

    @property
    def impl(self) -> ImplView:
        return ImplView(self._operations, self._context)


class ImplView(_RunView):
    """What plugin code uses of Alembic's dialect implementation (``migration_context.impl``):
    the :class:`_RunView` names and ``static_output``."""

    def static_output(self, text: str) -> None:
        """Offline, write ``text`` to the script as it is (followed by a blank line). Online
        there is no script to write to and nothing happens (Alembic would print it)."""
        write: Callable[[str], None] | None = getattr(self._context, "write", None)
        if self._context.offline and write is not None:
            write(f"{text}\n\n")

"""Where the SQL of operations goes: a live connection (online) or SQL text (offline, ``--sql``).

The runtime creates one context per run and may subclass these classes to carry more attributes
(``Operations.get_context()`` hands back whatever it was given).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from functools import cached_property
from typing import Any

from sqlalchemy import Connection, CursorResult, MetaData, text
from sqlalchemy.engine import Dialect
from sqlalchemy.engine.mock import MockConnection
from sqlalchemy.sql import Executable
from sqlalchemy.sql.elements import TextClause

from migguard.ops.errors import OfflineError, UnsupportedError

Params = Mapping[str, Any] | Sequence[Mapping[str, Any]]


def as_executable(statement: str | Executable) -> Executable:
    """Wrap a plain SQL string in ``sqlalchemy.text``; return other statements unchanged."""
    return text(statement) if isinstance(statement, str) else statement


class ExecutionContext(ABC):
    """The target of one migration run; what ``op.get_context()`` returns.

    Attributes: ``dialect`` (the SQLAlchemy dialect SQL is built for), ``offline`` (True when
    SQL is written out instead of executed), ``connection`` (None offline) and
    ``target_metadata`` (optional ``MetaData`` whose ``naming_convention`` names constraints
    and indexes created with ``name=None``; the runtime sets it from the environment).

    Scripts written for Alembic use it as Alembic's ``MigrationContext``: ``dialect``,
    ``bind``, ``as_sql``, ``opts``, ``impl``, ``execute()`` and ``autocommit_block()`` work as
    there; the rest of that class's names raise ``UnsupportedError`` naming them.
    """

    dialect: Dialect
    offline: bool
    connection: Connection | None
    target_metadata: MetaData | None = None

    @property
    def as_sql(self) -> bool:
        """Alembic's name for ``offline``."""
        return self.offline

    @property
    def bind(self) -> Connection | MockConnection:
        """The connection statements go to: the live ``Connection`` online; offline, a
        SQLAlchemy ``MockConnection`` for the dialect whose executed statements are written
        as SQL (so ``some_enum.create(bind)`` or ``metadata.create_all(bind)`` end up in the
        script; it returns no results), as Alembic's offline bind does."""
        if self.connection is None:
            raise OfflineError("this context has no connection")
        return self.connection

    @cached_property
    def opts(self) -> dict[str, Any]:
        """The options of the run, as Alembic's ``MigrationContext.opts``: ``as_sql``,
        ``literal_binds`` (True offline: values are written inline) and ``target_metadata``."""
        return {
            "as_sql": self.offline,
            "literal_binds": self.offline,
            "target_metadata": self.target_metadata,
        }

    @cached_property
    def impl(self) -> ContextImpl:
        """What Alembic scripts reach as ``op.impl`` (see :class:`ContextImpl`)."""
        return ContextImpl(self)

    def __getattr__(self, name: str) -> Any:
        # Only reached for names the context lacks.
        if name in ALEMBIC_CONTEXT_NAMES:
            raise UnsupportedError(
                f"op.get_context().{name} (Alembic's MigrationContext.{name}) is not "
                "supported by migguard"
            )
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    @abstractmethod
    def execute(
        self, statement: str | Executable, params: Params | None = None
    ) -> CursorResult[Any] | None:
        """Run one statement (a ``str`` is wrapped in ``sqlalchemy.text``).

        Returns the cursor result online and None offline.
        """

    def execute_unread(self, statement: Executable) -> None:
        """Run a statement whose result nobody reads (``op.execute``). A context may send it
        together with later statements, in order; by default it runs now."""
        self.execute(statement)

    @abstractmethod
    def execute_ddl(self, sql: str) -> None:
        """Run one statement the operations layer generated, given as SQL in the dialect's
        compiled form (as ``str(ddl_element.compile(dialect=...))`` renders it): unlike
        ``execute``, the text is not parsed for ``:name`` parameters."""

    @abstractmethod
    def autocommit_block(self) -> AbstractContextManager[None]:
        """A context manager running its body outside any transaction (see subclasses)."""

    @property
    def config(self) -> Any:
        """Alembic's ``Config`` of the project being migrated (``op.get_context().config``:
        ``get_main_option``, ``get_section``, ``attributes``, ``cmd_opts``...); an empty one
        when the run was started without a project configuration."""
        from migguard.alembic_compat.config import AlembicConfig, active_config

        return active_config() or AlembicConfig()

    @property
    def naming_convention(self) -> dict[str, Any] | None:
        """The naming convention of ``target_metadata``, or None when there is none."""
        if self.target_metadata is None:
            return None
        return dict(self.target_metadata.naming_convention)


class OnlineContext(ExecutionContext):
    """Operations executed on a live ``Connection``.

    Transactions belong to the caller: statements run inside whatever transaction the connection
    has (SQLAlchemy begins one on first use), and nothing here commits except
    ``autocommit_block``.
    """

    offline = False
    connection: Connection

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self.dialect = connection.dialect

    def execute(
        self, statement: str | Executable, params: Params | None = None
    ) -> CursorResult[Any]:
        """Execute ``statement`` with optional ``params`` (a mapping, or a list for many rows).

        Database errors propagate as ``sqlalchemy.exc.DBAPIError`` subclasses.
        """
        return self.connection.execute(as_executable(statement), params)

    def execute_ddl(self, sql: str) -> None:
        """Execute generated SQL as the driver's own statement (no ``text()`` parsing, so a
        ``:word`` or ``%`` inside a literal reaches the database unchanged)."""
        self.connection.exec_driver_sql(sql)

    @contextmanager
    def autocommit_block(self) -> Iterator[None]:
        """Run the block in ``AUTOCOMMIT`` isolation, outside any transaction.

        Some statements refuse to run inside a transaction, e.g. PostgreSQL's
        ``CREATE INDEX CONCURRENTLY`` (https://www.postgresql.org/docs/current/sql-createindex.html)
        and, before PostgreSQL 12, ``ALTER TYPE ... ADD VALUE``. On entry the current transaction
        is committed (``connection.commit()``) and the connection switched to
        ``isolation_level="AUTOCOMMIT"``; on exit (also after an error) the previous isolation
        level is restored and a new transaction is begun with ``connection.begin()``. The caller
        must therefore manage the transaction through the connection (``commit()`` /
        ``rollback()``), not through a ``with connection.begin():`` block opened before.
        """
        connection = self.connection
        if connection.in_transaction():
            connection.commit()
        previous = connection.get_execution_options().get("isolation_level")
        connection.execution_options(isolation_level="AUTOCOMMIT")
        try:
            yield
        finally:
            # SQLAlchemy still tracks a (no-op) transaction under AUTOCOMMIT; close it so the
            # isolation level may be changed back.
            if connection.in_transaction():
                connection.commit()
            connection.execution_options(
                isolation_level=previous or connection.default_isolation_level
            )
            connection.begin()


class OfflineContext(ExecutionContext):
    """Operations rendered as SQL text for ``dialect`` and handed to ``write``.

    Each statement is written as one call: the SQL, then ``";\\n\\n"`` (so a blank line separates
    statements). Bound parameters are rendered as literals (``literal_binds``), so a script's
    values must be literal-renderable: use ``op.inline_literal`` in UPDATE/INSERT statements.

    The script is run by the database's own client, not by a driver, so a dialect whose driver
    takes ``%``-style parameters (``format``, ``pyformat``; SQL compiled for it has its percent
    signs doubled) is replaced by one of the same class with ``named`` parameters.
    """

    offline = True
    connection = None

    def __init__(self, dialect: Dialect, write: Callable[[str], object]) -> None:
        if dialect.paramstyle in ("format", "pyformat"):
            # Every concrete dialect (a DefaultDialect) takes paramstyle; the Dialect
            # interface the annotation names declares no constructor arguments.
            dialect = type(dialect)(paramstyle="named")  # type: ignore[call-arg]
        self.dialect = dialect
        self.write = write

    def execute(self, statement: str | Executable, params: Params | None = None) -> None:
        """Render ``statement`` for the dialect with literal values and write it.

        ``params`` (a single mapping) are bound into the statement first. Raises
        ``OfflineError`` for a list of parameter sets (executemany has no SQL text form).
        """
        executable = as_executable(statement)
        if params:
            if not isinstance(params, Mapping):
                raise OfflineError(
                    "offline (--sql) execute cannot render a list of parameter sets; "
                    "use op.bulk_insert or one statement per row"
                )
            if isinstance(executable, TextClause):
                executable = executable.bindparams(**params)
            else:
                executable = _bind_literals(executable, params)
        self.write(f"{self.render(executable)};\n\n")

    def execute_ddl(self, sql: str) -> None:
        """Write generated SQL as it is."""
        self.write(f"{sql.strip()};\n\n")

    @cached_property
    def bind(self) -> MockConnection:
        """A ``MockConnection`` whose statements are written (see ``ExecutionContext.bind``)."""

        def record(statement: Executable, parameters: Params | None = None) -> None:
            self.execute(statement, parameters)

        return MockConnection(self.dialect, record)

    def render(self, executable: Executable) -> str:
        """Compile ``executable`` for the dialect with literal binds; return the SQL text."""
        # Every statement run here is a ClauseElement, which compiles; the stubs' Executable
        # does not declare compile().
        compiled = executable.compile(  # type: ignore[attr-defined]
            dialect=self.dialect, compile_kwargs={"literal_binds": True}
        )
        return str(compiled).strip()

    @contextmanager
    def autocommit_block(self) -> Iterator[None]:
        """Write ``COMMIT;`` before the block and ``BEGIN;`` after it."""
        self.write("COMMIT;\n\n")
        yield
        self.write("BEGIN;\n\n")


class ContextImpl:
    """``op.impl`` / ``op.get_context().impl``: the part of Alembic's dialect implementation
    object that revision scripts use.

    ``dialect``, ``bind``, ``connection``, ``as_sql``, ``literal_binds``, ``execute(sql)`` and
    ``static_output(text)`` work as in Alembic; any other public name raises
    ``UnsupportedError`` naming it.
    """

    def __init__(self, context: ExecutionContext) -> None:
        self._context = context

    @property
    def dialect(self) -> Dialect:
        return self._context.dialect

    @property
    def bind(self) -> Connection | MockConnection:
        return self._context.bind

    @property
    def connection(self) -> Connection | MockConnection:
        return self._context.bind

    @property
    def as_sql(self) -> bool:
        return self._context.offline

    @property
    def literal_binds(self) -> bool:
        return self._context.offline

    def execute(
        self, sql: str | Executable, execution_options: Mapping[str, Any] | None = None
    ) -> None:
        """Run (online) or write (offline) one statement; nothing is returned, as in
        Alembic."""
        statement = as_executable(sql)
        if execution_options:
            statement = statement.execution_options(**execution_options)
        self._context.execute_unread(statement)

    def static_output(self, text: str) -> None:
        """Write ``text`` as it is, followed by a blank line, into the offline SQL.

        Raises:
            UnsupportedError: the run is online (Alembic then writes the text to its output
                stream; a migguard run has SQL text only offline).
        """
        context = self._context
        if not isinstance(context, OfflineContext):
            raise UnsupportedError(
                "op.get_context().impl.static_output() writes SQL text, which only an offline "
                "(--sql) run has"
            )
        context.write(f"{text}\n\n")

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        raise UnsupportedError(
            f"op.impl.{name} is not supported by migguard (its op.impl has dialect, bind, "
            "connection, as_sql, literal_binds, execute and static_output)"
        )


# Alembic's public MigrationContext names the context does not provide
# (tests/alembic_compat/signature_parity_test.py keeps this list complete).
ALEMBIC_CONTEXT_NAMES = frozenset(
    {
        "begin_transaction",
        "config",
        "configure",
        "environment_context",
        "get_current_heads",
        "get_current_revision",
        "on_version_apply_callbacks",
        "output_buffer",
        "purge",
        "run_migrations",
        "script",
        "stamp",
        "transactional_ddl",
        "version_table",
        "version_table_schema",
    }
)


def _bind_literals(executable: Executable, params: Mapping[str, Any]) -> Executable:
    """``executable`` with each bound parameter named in ``params`` replaced by its value
    (``.params()`` does not exist for INSERT/UPDATE/DELETE)."""
    from sqlalchemy import bindparam
    from sqlalchemy.sql.elements import BindParameter
    from sqlalchemy.sql.visitors import replacement_traverse

    def swap(element: Any) -> Any:
        if isinstance(element, BindParameter) and element.key in params:
            return bindparam(element.key, params[element.key], type_=element.type)
        return None

    # The statements bound here are all ClauseElements (traversable); SQLAlchemy's stubs do not
    # say that of Executable.
    return replacement_traverse(executable, {}, swap)  # type: ignore[call-overload]

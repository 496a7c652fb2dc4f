"""Where the SQL of operations goes: a live connection (online) or SQL text (offline, ``--sql``).

The runtime creates one context per run and may subclass these classes to carry more attributes
(``Operations.get_context()`` hands back whatever it was given).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from typing import Any

from sqlalchemy import Connection, CursorResult, MetaData, text
from sqlalchemy.engine import Dialect
from sqlalchemy.sql import Executable
from sqlalchemy.sql.elements import TextClause

from migguard.ops.errors import OfflineError

Params = Mapping[str, Any] | Sequence[Mapping[str, Any]]


def as_executable(statement: str | Executable) -> Executable:
    """Wrap a plain SQL string in ``sqlalchemy.text``; return other statements unchanged."""
    return text(statement) if isinstance(statement, str) else statement


class ExecutionContext(ABC):
    """The target of one migration run.

    Attributes: ``dialect`` (the SQLAlchemy dialect SQL is built for), ``offline`` (True when
    SQL is written out instead of executed), ``connection`` (None offline) and
    ``target_metadata`` (optional ``MetaData`` whose ``naming_convention`` names constraints
    and indexes created with ``name=None``; the runtime sets it from the environment).
    """

    dialect: Dialect
    offline: bool
    connection: Connection | None
    target_metadata: MetaData | None = None

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

    def __init__(self, dialect: Dialect, write: Callable[[str], None]) -> None:
        if dialect.paramstyle in ("format", "pyformat"):
            dialect = type(dialect)(paramstyle="named")
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

    def render(self, executable: Executable) -> str:
        """Compile ``executable`` for the dialect with literal binds; return the SQL text."""
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

    return replacement_traverse(executable, {}, swap)  # type: ignore[return-value]

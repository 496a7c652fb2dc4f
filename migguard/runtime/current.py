"""Which revisions the database is at: the version table's rows, read with the driver alone.

``migguard current``, ``history --indicate-current``, the post-checkout hook and the drift check
read one table, and importing SQLAlchemy would cost more than the rest of such a command. So a
SQLite file is read with the standard library's ``sqlite3`` and PostgreSQL with psycopg (3),
issuing the statements :class:`~migguard.runtime.version_table.VersionTable` would. Any other URL
(other drivers, query parameters only SQLAlchemy understands, a schema on SQLite, which names an
attached database) is read through SQLAlchemy, as the commands that change the database are.

No SQLAlchemy import at module level: this module is on the start-up path of those commands.
"""

from __future__ import annotations

import importlib.util
import os
from urllib.parse import unquote

from migguard.config import Config
from migguard.config.load import connect_url
from migguard.config.urls import mask_password, scrub_secrets, written_password
from migguard.errors import ConfigError, DatabaseError

__all__ = ["database_url", "read_current", "shown_url", "version_table_label"]

_SQLITE_PREFIXES = ("sqlite:///", "sqlite+pysqlite:///")
_PSYCOPG_PREFIXES = ("postgresql://", "postgresql+psycopg://")


def database_url(config: Config) -> str:
    """The URL to connect to.

    Args:
        config: the configuration.

    Returns:
        ``config.url`` (``${VAR}`` already expanded) with a relative SQLite path made absolute
        (see :func:`migguard.config.load.connect_url`).

    Raises:
        ConfigError: none is configured.
    """
    if not config.url:
        where = config.path.name if config.path else "the configuration"
        raise ConfigError(
            f"no database URL: set `url` in {where}, the MIGGUARD_URL environment variable, "
            "or pass --url"
        )
    return connect_url(config) or config.url


def shown_url(config: Config) -> str:
    """The database URL for messages: as the user wrote it, credentials masked.

    Raises:
        ConfigError: no URL is configured.
    """
    database_url(config)
    return mask_password(config.url or "")


def version_table_label(config: Config) -> str:
    """The version table as messages and the migration lock name it.

    Args:
        config: the configuration (``version_table``, ``version_table_schema``).

    Returns:
        ``name``, or ``schema.name`` when a schema is configured.
    """
    schema = config.version_table_schema
    return f"{schema}.{config.version_table}" if schema else config.version_table


def read_current(config: Config) -> tuple[str, ...]:
    """The version table's rows, in ``ORDER BY version_num`` order.

    PostgreSQL URLs reach libpq as URIs with the scheme set to ``postgresql``, as libpq reads
    them (https://www.postgresql.org/docs/current/libpq-connect.html#LIBPQ-CONNSTRING-URIS);
    a URL libpq rejects or would read otherwise than SQLAlchemy goes through SQLAlchemy.

    Args:
        config: the configuration (``url``, ``version_table``, ``version_table_schema``).

    Returns:
        One revision id per applied head; ``()`` when the table does not exist yet, or (on
        SQLite) the database file does not, which reading does not create.

    Raises:
        ConfigError: no URL is configured.
        UsageError: SQLAlchemy cannot parse the URL.
        DatabaseError: the database cannot be reached (``cannot connect to URL: REASON``),
            the table cannot be read (``cannot read the version table NAME on URL: REASON``),
            or its version_num column holds something else than text; one line each, the
            password masked.
    """
    url = database_url(config)
    path = _sqlite_path(url) if config.version_table_schema is None else None
    if path is not None:
        rows = _read_sqlite(config, url, path)
    elif (uri := _libpq_uri(url)) is not None:
        rows = _read_psycopg(config, url, uri)
    else:
        rows = _read_sqlalchemy(config, url)
    odd = next((row for row in rows if not isinstance(row, str)), None)
    if odd is not None:
        raise DatabaseError(
            f"the version table {version_table_label(config)} on {mask_password(url)}: its "
            f"version_num column holds {type(odd).__name__} values, but revision ids are text "
            "(Alembic and migguard create it as VARCHAR(32))"
        )
    return rows


def _sqlite_path(url: str) -> str | None:
    """The file of a plain ``sqlite:///PATH`` URL (decoded as SQLAlchemy does); ``None`` for
    anything else: query options, in-memory databases, ``file:`` URIs, other dialects."""
    prefix = next((p for p in _SQLITE_PREFIXES if url.startswith(p)), None)
    if prefix is None or "?" in url:
        return None
    path = unquote(url[len(prefix) :])
    if not path or path == ":memory:" or path.startswith("file:"):
        return None
    return path


def _libpq_uri(url: str) -> str | None:
    """The URI to give libpq for a psycopg URL; ``None`` when psycopg is not installed, or
    when libpq would reject the URL or read it otherwise than SQLAlchemy."""
    if not url.startswith(_PSYCOPG_PREFIXES) or importlib.util.find_spec("psycopg") is None:
        return None
    import psycopg
    from psycopg.conninfo import conninfo_to_dict

    uri = "postgresql" + url[url.index("://") :]
    try:
        params = conninfo_to_dict(uri)
    except psycopg.ProgrammingError:
        return None  # e.g. a query parameter only SQLAlchemy knows
    if ":" in str(params.get("host", "")):
        return None  # SQLAlchemy's ``?host=HOST:PORT`` form (or an IPv6 address: no harm)
    written = written_password(url)
    if (params.get("password") or None) != (unquote(written) if written else None):
        return None  # an unescaped "/" in the password: libpq ends the user part there
    return uri


def _read_sqlite(config: Config, url: str, path: str) -> tuple[str, ...]:
    """The rows of a SQLite file's version table; ``()`` for a file that does not exist (in a
    folder that does), which is not created: reading leaves no empty database behind a
    mistyped path."""
    import sqlite3

    if not os.path.exists(path):
        folder = os.path.dirname(os.path.abspath(path))
        if not os.path.isdir(folder):
            # The message :func:`migguard.runtime.engine.connect` gives.
            raise DatabaseError(
                f"cannot connect to {mask_password(url)}: the folder {folder} does not exist"
            )
        return ()
    try:
        connection = sqlite3.connect(path)
    except sqlite3.Error as exc:
        raise _cannot_connect(url, exc) from None
    name = config.version_table
    quoted = '"' + name.replace('"', '""') + '"'
    try:
        # As SQLAlchemy's has_table does: a table (or view) of that name has columns.
        if connection.execute("SELECT 1 FROM pragma_table_info(?)", (name,)).fetchone() is None:
            return ()
        query = f"SELECT version_num FROM {quoted} ORDER BY version_num"
        return tuple(row[0] for row in connection.execute(query))
    except sqlite3.Error as exc:
        raise _cannot_read(config, url, exc) from None
    finally:
        connection.close()


def _read_psycopg(config: Config, url: str, uri: str) -> tuple[str, ...]:
    import psycopg
    from psycopg import errors, sql

    names = (config.version_table_schema, config.version_table)
    table = sql.Identifier(*(name for name in names if name))
    query = sql.SQL("SELECT version_num FROM {} ORDER BY version_num").format(table)
    try:
        connection = psycopg.connect(uri, autocommit=True)
    except psycopg.Error as exc:
        raise _cannot_connect(url, exc) from None
    with connection:
        try:
            return tuple(row[0] for row in connection.execute(query))
        except (errors.UndefinedTable, errors.InvalidSchemaName):
            return ()
        except psycopg.Error as exc:
            raise _cannot_read(config, url, exc) from None


def _read_sqlalchemy(config: Config, url: str) -> tuple[str, ...]:
    import sqlalchemy as sa

    from migguard.runtime.engine import connect
    from migguard.runtime.version_table import VersionTable

    table = VersionTable(config.version_table, config.version_table_schema)
    with connect(url, read_only=True) as connection:
        try:
            rows = table.read(connection)
        except sa.exc.DBAPIError as exc:
            raise _cannot_read(config, url, exc.orig or exc) from None
        connection.rollback()
    return rows


def _cannot_connect(url: str, exc: BaseException) -> DatabaseError:
    """The error :func:`migguard.runtime.engine.connect` raises for an unreachable database."""
    reason = scrub_secrets(_first_line(exc), url)
    return DatabaseError(f"cannot connect to {mask_password(url)}: {reason}")


def _cannot_read(config: Config, url: str, exc: BaseException) -> DatabaseError:
    label = version_table_label(config)
    reason = scrub_secrets(_first_line(exc), url)
    return DatabaseError(f"cannot read the version table {label} on {mask_password(url)}: {reason}")


def _first_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__

"""Schema-per-tenant on PostgreSQL: one history applied to each tenant's schema.

A target with a schema runs with that schema as its session's ``search_path``, set when the
connection opens through libpq's ``options`` parameter (``-c search_path=SCHEMA``,
https://www.postgresql.org/docs/current/libpq-connect.html#LIBPQ-CONNECT-OPTIONS), so the
revisions' unqualified names, the reflection of the drift check and the version table all
land in that schema, whichever code opens the connection. Its version table lives in that
schema too, so each schema has its own migration lock (the lock is named after the version
table): two runs on one database work on different schemas at once, never on one schema
twice.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from migguard.config.urls import mask_password
from migguard.errors import ConfigError

if TYPE_CHECKING:
    from migguard.fleet.targets import Target

__all__ = ["expand_schemas", "with_search_path"]

# Names PostgreSQL keeps as written without quotes (it folds unquoted names to lower case).
_PLAIN = re.compile(r"[a-z_][a-z0-9_$]*")


def with_search_path(url: str, schema: str) -> str:
    """``url`` opening sessions whose ``search_path`` is ``schema`` alone.

    The option is percent-escaped into the query by hand (spaces as ``%20``, never ``+``),
    because the URL also reaches libpq as a URI, which decodes only ``%XX``.

    Args:
        url: a PostgreSQL URL (any ``options`` it has are kept, the search path added last).
        schema: the schema name as it is stored (case kept; quoted when it needs to be).

    Returns:
        The URL with ``options=... -csearch_path=SCHEMA`` in its query.

    Raises:
        ConfigError: ``url`` is not a PostgreSQL URL (schemas are PostgreSQL's).
    """
    from urllib.parse import quote

    scheme = url.partition("://")[0].partition("+")[0].lower()
    if scheme not in ("postgresql", "postgres"):
        raise ConfigError(
            f"a target with schemas must be a PostgreSQL database, not {mask_password(url)}"
        )
    name = schema if _PLAIN.fullmatch(schema) else '"' + schema.replace('"', '""') + '"'
    # libpq splits options at spaces; a backslash keeps one inside a value.
    option = quote("-csearch_path=" + name.replace("\\", "\\\\").replace(" ", "\\ "), safe="")
    base, mark, query = url.partition("?")
    pairs = query.split("&") if mark and query else []
    for index, pair in enumerate(pairs):
        if pair.partition("=")[0] == "options":
            pairs[index] = f"{pair}%20{option}"
            break
    else:
        pairs.append(f"options={option}")
    return f"{base}?{'&'.join(pairs)}"


def expand_schemas(target: Target) -> tuple[Target, ...]:
    """The targets of a ``schemas = "SELECT ..."`` target: one per row of the query, run on the
    target's database (read only); a target without a query is returned alone.

    Args:
        target: the target.

    Returns:
        One target per schema the query returns (first column, text), named
        ``NAME.SCHEMA``, sorted.

    Raises:
        DatabaseError: the database cannot be reached or the query fails (one line, the
            password masked).
        ConfigError: the query returns something else than schema names.
    """
    if target.schemas_query is None:
        return (target,)
    import sqlalchemy as sa

    from migguard.runtime.engine import connect
    from migguard.runtime.migrate import database_errors

    where = f"[targets.{target.group or target.name}]"
    with (
        connect(target.url, read_only=True) as connection,
        database_errors(connection, target.url, f"list the schemas of {where}"),
    ):
        rows = connection.execute(sa.text(target.schemas_query)).all()
        connection.rollback()
    names = [row[0] for row in rows if row]
    if any(not isinstance(name, str) or not name for name in names):
        raise ConfigError(f"the schemas query of {where} must return schema names (text)")
    return tuple(target.in_schema(name) for name in sorted(set(names)))

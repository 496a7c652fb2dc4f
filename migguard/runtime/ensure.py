"""Creating the version table without running anything (``ensure-version``, Alembic's
``ensure_version``)."""

from __future__ import annotations

from collections.abc import Callable

from migguard.config import Config


def ensure_version_table(config: Config) -> bool:
    """Create the configured version table when the database lacks it; rows are not touched.

    Args:
        config: the configuration (URL, ``version_table``, ``version_table_schema``).

    Returns:
        Whether the table was created (``False``: it existed already).

    Raises:
        ConfigError: no URL is configured.
        DatabaseError: the database cannot be reached or refuses the ``CREATE TABLE`` (one
            line, the password masked).
    """
    import sqlalchemy as sa

    from migguard.runtime.current import database_url
    from migguard.runtime.engine import connect
    from migguard.runtime.migrate import database_errors, version_table

    url = database_url(config)
    table = version_table(config)
    with connect(url) as connection, database_errors(connection, url, "create the version table"):
        if table.exists(connection):
            return False
        try:
            connection.execute(table.create_statement())
            connection.commit()
        except sa.exc.DBAPIError:
            connection.rollback()
            raise
    return True


def ensure_version_sql(config: Config, write: Callable[[str], object]) -> None:
    """Write the ``CREATE TABLE`` of the version table for the configured dialect (``--sql``);
    no connection is made.

    Raises:
        ConfigError: no URL is configured (it names the dialect), or its dialect is unknown.
    """
    from migguard.runtime.current import database_url
    from migguard.runtime.engine import make_url
    from migguard.runtime.migrate import version_table
    from migguard.runtime.runner import write_stamp_offline

    dialect = make_url(database_url(config)).get_dialect()()
    write_stamp_offline(dialect, version_table(config), (), (), write, create_version_table=True)

"""Scratch databases: a SQLite file in a temporary folder, or a database created for the run on
a PostgreSQL server (from a template database when one is given), dropped afterwards or kept
under another name, or on a MySQL/MariaDB server (always empty: MySQL cannot copy a database),
dropped afterwards. The guard's replay (``check_url``, its store's templates) and the pytest
plugin's built-in tests use them."""

from __future__ import annotations

import hashlib
import os
import tempfile
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from migguard.config.urls import mask_password
from migguard.errors import DatabaseError

__all__ = [
    "PostgresScratch",
    "drop_templates",
    "mysql_scratch",
    "postgresql_scratch",
    "server_identity",
    "sqlite_scratch",
    "template_name",
]

_SHARED_MEMORY = "/dev/shm"
# PostgreSQL 13 added DROP DATABASE ... WITH (FORCE), which ends the scratch database's
# remaining sessions (a revision may have opened its own connection and leaked it).
_FORCE_DROP_FROM = (13,)
_TEMPLATE_PREFIX = "migguard_replay_"


@contextmanager
def sqlite_scratch() -> Iterator[Path]:
    """The path of a SQLite file (not created) in a new temporary folder, removed afterwards.

    The runner commits once per revision; in a memory-backed folder (Linux's ``/dev/shm``)
    those commits cost no disk flush, which makes a cold replay about a third faster."""
    memory = _SHARED_MEMORY if os.access(_SHARED_MEMORY, os.W_OK | os.X_OK) else None
    with tempfile.TemporaryDirectory(prefix="migguard-replay-", dir=memory) as folder:
        yield Path(folder) / "scratch.db"


def template_name(key: str, project: Path) -> str:
    """The name of the template database that keeps the state ``key`` of the project in the
    folder ``project`` on the server (projects sharing a server never share templates, so
    one's eviction never drops another's)."""
    digest = hashlib.sha256(f"{key}\0{project}".encode()).hexdigest()
    return f"{_TEMPLATE_PREFIX}{digest[:32]}"


def server_identity(server_url: str) -> str:
    """``server_url`` without its password: which server (and user) a template lives on."""
    from migguard.runtime.engine import make_url

    url = make_url(server_url)
    return f"{url.get_backend_name()}://{url.username or ''}@{url.host or ''}:{url.port or ''}"


class PostgresScratch:
    """The scratch database of one replay on a PostgreSQL server.

    Attributes:
        url: its URL (password included, for the runner).
        template: the stored template it was created from, or None (created empty).
    """

    def __init__(self, url: str, template: str | None) -> None:
        self.url = url
        self.template = template
        self.kept_as: str | None = None

    def keep_as(self, name: str) -> None:
        """Rename the database to ``name`` when the block ends, instead of dropping it."""
        self.kept_as = name


@contextmanager
def postgresql_scratch(server_url: str, templates: Sequence[str]) -> Iterator[PostgresScratch]:
    """A new database on ``server_url``'s server for the block: a copy of the first of
    ``templates`` that can be copied (``CREATE DATABASE ... TEMPLATE``, see
    https://www.postgresql.org/docs/current/manage-ag-templatedbs.html), else empty. It is
    dropped afterwards (also when the block raises), or renamed as asked by
    :meth:`PostgresScratch.keep_as` (dropped when the name is taken).

    Raises:
        DatabaseError: the server cannot be reached, or refuses to create or drop the
            database (one line, password masked).
    """
    import sqlalchemy as sa

    from migguard.runtime.engine import connect, make_url

    name = f"migguard_check_{uuid.uuid4().hex[:16]}"
    masked = mask_password(server_url)
    with connect(server_url) as admin:
        admin = admin.execution_options(isolation_level="AUTOCOMMIT")
        used = None
        for template in templates:
            try:
                admin.exec_driver_sql(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
            except sa.exc.DBAPIError:
                continue  # gone, or in use by another run: try the next, or start empty
            used = template
            break
        if used is None:
            try:
                admin.exec_driver_sql(f'CREATE DATABASE "{name}"')
            except sa.exc.DBAPIError as exc:
                raise DatabaseError(
                    f"cannot create the scratch database {name} on {masked}: {first_line(exc)}"
                ) from None
        # A connected PostgreSQL dialect knows the server's version; unknown reads as old.
        force = (admin.dialect.server_version_info or ()) >= _FORCE_DROP_FROM
        scratch = PostgresScratch(
            make_url(server_url).set(database=name).render_as_string(hide_password=False), used
        )
        try:
            yield scratch
        finally:
            if scratch.kept_as is not None:
                try:
                    admin.exec_driver_sql(f'ALTER DATABASE "{name}" RENAME TO "{scratch.kept_as}"')
                    name = ""
                except sa.exc.DBAPIError:
                    scratch.kept_as = None  # another run kept the same state first
            if name:
                try:
                    admin.exec_driver_sql(
                        f'DROP DATABASE IF EXISTS "{name}"' + (" WITH (FORCE)" if force else "")
                    )
                except sa.exc.DBAPIError as exc:
                    raise DatabaseError(
                        f"cannot drop the scratch database {name} on {masked} (drop it by "
                        f"hand): {first_line(exc)}"
                    ) from None


def drop_templates(server_url: str, names: Sequence[str]) -> None:
    """Drop the template databases ``names`` (evicted states); a template in use or already
    gone is left alone, and an unreachable server is ignored (the store only saves time)."""
    import sqlalchemy as sa

    from migguard.runtime.engine import connect

    if not names:
        return
    try:
        with connect(server_url) as admin:
            admin = admin.execution_options(isolation_level="AUTOCOMMIT")
            for name in names:
                if name.startswith(_TEMPLATE_PREFIX):
                    try:
                        admin.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}"')
                    except sa.exc.DBAPIError:
                        continue
    except DatabaseError:
        return


def first_line(exc: Exception) -> str:
    """The first line of a database error's message (the driver's, when wrapped)."""
    orig = getattr(exc, "orig", None) or exc
    lines = str(orig).strip().splitlines()
    return lines[0] if lines else type(orig).__name__


@contextmanager
def mysql_scratch(server_url: str) -> Iterator[str]:
    """A new, empty database on ``server_url``'s server for the block; yields its URL
    (password included, for the runner) and drops it afterwards, also when the block raises.

    Raises:
        DatabaseError: the server cannot be reached, or refuses to create or drop the
            database (one line, password masked).
    """
    import sqlalchemy as sa

    from migguard.runtime.engine import connect, make_url

    name = f"migguard_check_{uuid.uuid4().hex[:16]}"
    masked = mask_password(server_url)
    with connect(server_url) as admin:
        try:
            admin.exec_driver_sql(f"CREATE DATABASE `{name}`")
        except sa.exc.DBAPIError as exc:
            raise DatabaseError(
                f"cannot create the scratch database {name} on {masked}: {first_line(exc)}"
            ) from None
        try:
            yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
        finally:
            try:
                admin.exec_driver_sql(f"DROP DATABASE IF EXISTS `{name}`")
            except sa.exc.DBAPIError as exc:
                raise DatabaseError(
                    f"cannot drop the scratch database {name} on {masked} (drop it by hand): "
                    f"{first_line(exc)}"
                ) from None

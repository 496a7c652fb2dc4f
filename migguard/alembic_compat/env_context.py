"""The ``alembic.context`` an Alembic project's ``env.py`` sees when migguard runs it.

Alembic users keep their settings in ``env.py``: ``context.configure(target_metadata=...,
include_object=..., version_table=...)``. migguard runs that file in offline mode (as
``alembic upgrade --sql`` would) against the module built here, which records every
``configure()`` call and runs nothing: :func:`is_offline_mode` is true, so the templates take
the branch that needs only a URL, never a connection; ``run_migrations`` and ``execute`` only
note that they were called, and ``get_bind`` refuses (no database is touched offline).

The names and arguments follow Alembic's documented ``EnvironmentContext``
(https://alembic.sqlalchemy.org/en/latest/api/runtime.html).
"""

from __future__ import annotations

import types
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from migguard.alembic_compat.config import AlembicConfig
from migguard.errors import UsageError

__all__ = ["EnvRecorder", "OfflineEnvError", "build_context_module"]


class OfflineEnvError(UsageError):
    """env.py asked for something only a live connection has; migguard reads env.py offline."""


@dataclass
class EnvRecorder:
    """What one run of env.py did to the context, in call order.

    Attributes:
        config: the Config handed to env.py as ``context.config``.
        heads: called for ``get_head_revision(s)``; returns the history's heads.
        configure_calls: the keyword arguments of each ``configure()`` call.
        run_calls: the keyword arguments of each ``run_migrations()`` call.
    """

    config: AlembicConfig
    heads: Callable[[], tuple[str, ...]] = tuple
    configure_calls: list[dict[str, Any]] = field(default_factory=list)
    run_calls: list[dict[str, Any]] = field(default_factory=list)


class _MigrationContext:
    """What ``context.get_context()`` returns offline: the options of the last
    ``configure()`` and the Config; no connection."""

    def __init__(self, recorder: EnvRecorder) -> None:
        self.config = recorder.config
        self.opts: dict[str, Any] = dict(recorder.configure_calls[-1])
        self.as_sql = True
        self.connection = None

    def get_current_revision(self) -> None:
        """Offline there is no database to read: no current revision."""
        return None


def build_context_module(recorder: EnvRecorder) -> types.ModuleType:
    """A new ``alembic.context`` module whose functions record into ``recorder``.

    Args:
        recorder: where the calls go; its ``config`` becomes ``context.config``.

    Returns:
        A module (not registered in ``sys.modules``; the caller binds it as
        ``alembic.context`` while env.py runs).
    """
    module = types.ModuleType("alembic.context")
    module.__doc__ = "migguard's offline alembic.context, recording env.py's settings"

    def configure(**kwargs: Any) -> None:
        """Record the settings (every call: the multidb template calls once per database)."""
        recorder.configure_calls.append(dict(kwargs))

    def is_offline_mode() -> bool:
        """Always true: migguard reads env.py without connecting."""
        return True

    def is_transactional_ddl() -> bool:
        """True: there is no connection whose dialect could say otherwise."""
        return True

    @contextmanager
    def begin_transaction() -> Iterator[None]:
        """Nothing to begin offline."""
        yield

    def run_migrations(**kwargs: Any) -> None:
        """Record the call (the multidb template passes ``engine_name``); run nothing."""
        recorder.run_calls.append(dict(kwargs))

    def execute(sql: object, execution_options: Mapping[str, Any] | None = None) -> None:
        """Offline SQL from env.py itself is not part of reading its settings: ignored."""
        del sql, execution_options

    def get_bind() -> Any:
        raise OfflineEnvError(
            "env.py called context.get_bind(), but migguard reads env.py in offline mode "
            "(no database connection)"
        )

    def get_context() -> _MigrationContext:
        if not recorder.configure_calls:
            raise OfflineEnvError("env.py called context.get_context() before configure()")
        return _MigrationContext(recorder)

    def get_x_argument(as_dictionary: bool = False) -> list[str] | dict[str, str]:
        """The ``-x`` values: a list, or ``key=value`` pairs as a dict (a bare word maps to
        an empty string), as Alembic gives them."""
        values = list(getattr(recorder.config.cmd_opts, "x", None) or [])
        if not as_dictionary:
            return values
        return dict((value.split("=", 1) if "=" in value else (value, "")) for value in values)

    def get_head_revisions() -> tuple[str, ...]:
        return recorder.heads()

    def get_head_revision() -> str | None:
        heads = recorder.heads()
        if len(heads) > 1:
            raise OfflineEnvError(
                f"env.py called context.get_head_revision() but the history has "
                f"{len(heads)} heads ({', '.join(heads)})"
            )
        return heads[0] if heads else None

    def no_argument() -> None:
        """No revision, starting revision or tag is given while settings are read."""
        return None

    for function in (
        configure,
        is_offline_mode,
        is_transactional_ddl,
        begin_transaction,
        run_migrations,
        execute,
        get_bind,
        get_context,
        get_x_argument,
        get_head_revisions,
        get_head_revision,
    ):
        setattr(module, function.__name__, function)
    for name in ("get_revision_argument", "get_starting_revision_argument", "get_tag_argument"):
        setattr(module, name, no_argument)
    # A module built at run time: its attributes are the ones alembic.context has.
    module.config = recorder.config  # type: ignore[attr-defined]
    return module

"""The settings a project's configuration gives autogenerate: what ``migguard revision
--autogenerate``, ``migguard diff`` and the guard's ``sync`` check compare, and how; and the
``[autogenerate]`` table (``[tool.migguard.autogenerate]``): how the revision is written.

Kept apart from :mod:`migguard.autogen.generate` so that the check, which compares without
writing anything, does not import the renderer, the script writer and the runtime.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, NamedTuple

from migguard.autogen.diff.options import CompareOptions
from migguard.autogen.snapshot.models import load_callable
from migguard.config.schema import AUTOGENERATE, check_table

if TYPE_CHECKING:
    from migguard.config import Config

__all__ = ["AutogenerateSettings", "autogenerate_settings", "compare_options", "included_schemas"]


class AutogenerateSettings(NamedTuple):
    """``[autogenerate]``: how ``migguard revision --autogenerate`` writes a revision.

    Attributes:
        safe: on PostgreSQL, write the recipes that keep an existing table usable while it
            changes (indexes built and dropped ``CONCURRENTLY``, foreign keys and checks added
            ``NOT VALID`` then validated, unique constraints added over an index built
            concurrently; see :mod:`migguard.autogen.render.safe`). Other databases get the
            plain operations either way.
    """

    safe: bool = False


def autogenerate_settings(config: Config) -> AutogenerateSettings:
    """The ``[autogenerate]`` table of ``config``, checked against its schema
    (:data:`migguard.config.schema.AUTOGENERATE`).

    Raises:
        ConfigError: an unknown key or a value of the wrong type.
    """
    where = config.origins.get("autogenerate", "the configuration [autogenerate]")
    table = check_table(config.autogenerate, AUTOGENERATE, where)
    return AutogenerateSettings(safe=table.get("safe") is True)


def compare_options(config: Config, renames: Sequence[tuple[str, str]] = ()) -> CompareOptions:
    """The comparison settings from the configuration (``compare_type``,
    ``compare_server_default``, ``exclude_tables``, ``include_object``) and ``--rename``.

    An Alembic project's env.py hooks (``config.env_py``) are used when the configuration
    names none: its ``include_object``, and its ``include_name`` asked about each reflected
    table and column by name. A ``compare_server_default`` function counts as "compare".

    Raises:
        ConfigError: ``include_object`` cannot be imported.
    """
    include = (
        load_callable(config.include_object, config.root, "include_object")
        if config.include_object
        else _env_hook(config)
    )
    server_default = config.compare_server_default
    if config.env_py is not None and callable(config.env_py.get("compare_server_default")):
        server_default = True
    return CompareOptions(
        compare_type=config.compare_type,
        compare_server_default=server_default,
        exclude_tables=config.exclude_tables,
        include_object=include,
        renames=tuple(renames),
    )


def included_schemas(config: Config, available: Sequence[str]) -> tuple[str | None, ...]:
    """The schemas compared besides those the models name: the default one and, with env.py's
    ``include_schemas=True`` (Alembic's option), every schema of ``available`` (the database's,
    as ``database_schemas`` lists them) that env.py's ``include_name`` accepts when asked with
    ``type_="schema"``."""
    if config.env_py is None or not config.env_py.get("include_schemas"):
        return (None,)
    include_name = config.env_py.get("include_name")
    return (
        None,
        *(
            name
            for name in available
            if not callable(include_name) or include_name(name, "schema", {})
        ),
    )


def _env_hook(
    config: Config,
) -> Callable[[object, str | None, str, bool, object | None], bool] | None:
    """env.py's ``include_object`` and ``include_name`` as one ``include_object`` hook.

    Alembic asks ``include_name(name, type_, parent_names)`` before reflecting an object;
    here it is asked for the reflected side of tables and columns, with the parent names
    Alembic documents (``schema_name``, ``table_name``, ``schema_qualified_table_name``).
    """
    if config.env_py is None:
        return None
    include_object = config.env_py.get("include_object")
    include_name = config.env_py.get("include_name")
    if not callable(include_object) and not callable(include_name):
        return None

    def hook(
        obj: object, name: str | None, type_: str, reflected: bool, compare_to: object
    ) -> bool:
        asked = reflected and callable(include_name) and type_ in {"table", "column"}
        if asked and not include_name(name, type_, _parent_names(obj, type_)):
            return False
        if callable(include_object):
            return bool(include_object(obj, name, type_, reflected, compare_to))
        return True

    return hook


def _parent_names(obj: object, type_: str) -> dict[str, str | None]:
    """The ``parent_names`` Alembic gives ``include_name`` for a table or a column."""
    table = obj if type_ == "table" else getattr(obj, "table", None)
    schema = getattr(table, "schema", None)
    if type_ == "table":
        return {"schema_name": schema}
    name = getattr(table, "name", None)
    qualified = f"{schema}.{name}" if schema and name else name
    return {"schema_name": schema, "table_name": name, "schema_qualified_table_name": qualified}

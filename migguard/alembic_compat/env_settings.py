"""An Alembic project's ``env.py`` settings merged into migguard's configuration.

For a project whose ``script_location`` holds an ``env.py``, the settings Alembic takes from
``context.configure()`` (the models, ``include_object``, the version table, the URL env.py
computes, ...) are what the team's Alembic runs use, so migguard uses them too. migguard's
own configuration (``migguard.toml``, ``[tool.migguard]``, ``--url``, ``MIGGUARD_URL``) wins
key by key; values read from ``alembic.ini`` give way to env.py's, as they do under Alembic
(env.py decides what it passes on). ``migguard config`` names the source of each value taken
from env.py as ``env.py configure()``.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from migguard.alembic_compat.env_run import ENV_SOURCE, EnvSettings

if TYPE_CHECKING:
    from migguard.config import Config

__all__ = ["ENV_SOURCE", "env_py_path", "with_env_py"]

# configure() keyword -> Config field, for the plain values taken over as they are.
_PLAIN = {
    "version_table": "version_table",
    "version_table_schema": "version_table_schema",
    "compare_type": "compare_type",
}


def env_py_path(config: Config) -> Path | None:
    """The project's ``env.py`` (in ``script_location``), or ``None`` when it has none."""
    path = config.script_location / "env.py"
    return path if path.is_file() else None


def with_env_py(config: Config, *, x_arguments: Sequence[str] = (), sql: bool = False) -> Config:
    """``config`` with the settings of the project's env.py added (run once per call).

    Args:
        config: the configuration as loaded from files and options.
        x_arguments: ``-x`` values for ``context.get_x_argument()``.
        sql: the command writes SQL (``cmd_opts.sql``).

    Returns:
        ``config`` itself when there is no env.py or it was already read; else a copy whose
        ``env_py`` holds what env.py configured (or why it failed) and whose fields not set
        by migguard's own configuration take env.py's values, with ``sources`` saying so.
    """
    env_path = env_py_path(config)
    if env_path is None or config.env_py is not None:
        return config
    from migguard.alembic_compat.config import alembic_config_for, ini_of
    from migguard.alembic_compat.env_run import run_env_py

    settings = run_env_py(
        env_path,
        alembic_config_for(
            ini_of(config), x_arguments=x_arguments, sql=sql, ini_section=config.ini_section
        ),
        project_root=config.root,
        heads=lambda: _heads(config),
    )
    return merge(config, settings)


def merge(config: Config, settings: EnvSettings) -> Config:
    """``config`` with ``settings`` applied where migguard's own configuration is silent.

    Args:
        config: the configuration.
        settings: what env.py configured.

    Returns:
        A copy with ``env_py`` set to ``settings``; ``url``, ``version_table``,
        ``version_table_schema``, ``compare_type`` and ``compare_server_default`` (when
        a bool) replaced, and ``sources`` naming env.py for them and for ``metadata`` and
        ``include_object`` when env.py gave objects for those.
    """
    sources = dict(config.sources)
    # Config field -> new value: each field has its own type, which no one value type states.
    changes: dict[str, Any] = {"env_py": settings}
    for keyword, key in _PLAIN.items():
        value = settings.get(keyword)
        if value is not None and _yields(sources, key) and value != getattr(config, key):
            changes[key] = value
            sources[key] = ENV_SOURCE
    server_default = settings.get("compare_server_default")
    if isinstance(server_default, bool) and _yields(sources, "compare_server_default"):
        changes["compare_server_default"] = server_default
        sources["compare_server_default"] = ENV_SOURCE
    url = settings.url
    if url and _yields(sources, "url") and url != config.url:
        changes["url"] = url
        sources["url"] = ENV_SOURCE
    if not config.metadata and settings.target_metadata:
        sources["metadata"] = ENV_SOURCE
    if not config.include_object and callable(settings.get("include_object")):
        sources["include_object"] = ENV_SOURCE
    changes["sources"] = MappingProxyType(sources)
    return config._replace(**changes)


def _yields(sources: dict[str, str], key: str) -> bool:
    """Whether ``key``'s current value may be replaced by env.py's: it is a default, or it
    was read from Alembic's own files (``alembic.ini``, ``[tool.alembic]``)."""
    source = sources.get(key, "default")
    return source == "default" or "alembic" in source.lower()


def _heads(config: Config) -> tuple[str, ...]:
    """The history's heads, for ``context.get_head_revision(s)``."""
    from migguard.scripts.directory import load_history

    return load_history(config).graph.heads

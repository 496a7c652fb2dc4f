"""Helpers shared by command functions: loading the configuration and the history."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from migguard.config import Config
from migguard.config.load import load_config
from migguard.report.printer import print_warnings
from migguard.scripts.directory import History, load_history


def config_from(args: argparse.Namespace, *, env_py: bool = False) -> Config:
    """The configuration for this invocation (``-c`` and ``--url`` applied).

    The folders of ``prepend_sys_path`` are put first on ``sys.path`` for the rest of the
    command, as Alembic does, since models, env.py and scripts import the project through
    them; that is done here, at the command boundary, because it changes the process.

    Args:
        args: the parsed command line.
        env_py: also read an Alembic project's env.py settings (for commands that need the
            models, the version table or the URL env.py computes; never for ``heads`` and the
            hooks that must stay fast). When env.py cannot run, a warning says why and the
            configuration files' settings are used.

    Raises:
        ConfigError: no configuration found, or it is invalid.
    """
    config = load_config(
        Path(args.config) if args.config else None, url=args.url, ini_section=args.name
    )
    sys.path[:0] = [
        str(folder) for folder in config.prepend_sys_path if str(folder) not in sys.path
    ]
    return with_env_py_settings(args, config) if env_py else config


def with_env_py_settings(args: argparse.Namespace, config: Config) -> Config:
    """``config`` with an Alembic project's env.py settings (its URL, version table, models)
    taken in, as commands that read the database or the models need; a warning says why
    when env.py cannot run, and the configuration files' settings are kept.

    Args:
        args: the parsed command line (``-x`` and ``--sql`` reach env.py).
        config: the configuration from :func:`config_from`.

    Returns:
        The configuration to use; ``config`` itself for a project without env.py.
    """
    from migguard.alembic_compat.env_settings import with_env_py

    config = with_env_py(
        config, x_arguments=getattr(args, "x", None) or (), sql=bool(getattr(args, "sql", False))
    )
    if config.env_py is not None and config.env_py.failure is not None:
        print_warnings(
            [
                f"env.py could not be read offline ({config.env_py.failure.describe()}): "
                "using the configuration files' settings only"
            ]
        )
    return config


def history_from(args: argparse.Namespace, *, env_py: bool = False) -> tuple[Config, History]:
    """The configuration and the history, with history warnings printed to stderr.

    Args:
        args: the parsed command line.
        env_py: as :func:`config_from`.

    Raises:
        ConfigError, HistoryError: as :func:`config_from` and
            :func:`migguard.scripts.directory.load_history`.
    """
    config = config_from(args, env_py=env_py)
    history = load_history(config)
    print_warnings(history.warnings)
    return config, history


def add_format(parser: argparse.ArgumentParser) -> None:
    """``--format text|json``."""
    parser.add_argument("--format", choices=("text", "json"), default="text", help="output format")

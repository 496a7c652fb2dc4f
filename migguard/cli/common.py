"""Helpers shared by command functions: loading the configuration and the history."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from migguard.config import Config, load_config
from migguard.report import print_warnings
from migguard.scripts.directory import History, load_history


def config_from(args: argparse.Namespace) -> Config:
    """The configuration for this invocation (``-c`` and ``--url`` applied).

    The folders of ``prepend_sys_path`` are put first on ``sys.path`` for the rest of the
    command, as Alembic does, since models, env.py and scripts import the project through
    them; that is done here, at the command boundary, because it changes the process.

    Raises:
        ConfigError: no configuration found, or it is invalid.
    """
    config = load_config(
        Path(args.config) if args.config else None, url=args.url, ini_section=args.name
    )
    sys.path[:0] = [
        str(folder) for folder in config.prepend_sys_path if str(folder) not in sys.path
    ]
    return config


def history_from(args: argparse.Namespace) -> tuple[Config, History]:
    """The configuration and the history, with history warnings printed to stderr.

    Raises:
        ConfigError, HistoryError: as :func:`config_from` and
            :func:`migguard.scripts.directory.load_history`.
    """
    config = config_from(args)
    history = load_history(config)
    print_warnings(history.warnings)
    return config, history


def add_format(parser: argparse.ArgumentParser) -> None:
    """``--format text|json``."""
    parser.add_argument("--format", choices=("text", "json"), default="text", help="output format")

"""Helpers shared by command functions: loading the configuration and the history."""

from __future__ import annotations

import argparse
from pathlib import Path

from migguard.config import Config, load_config
from migguard.report import print_warnings
from migguard.scripts.directory import History, load_history


def config_from(args: argparse.Namespace) -> Config:
    """The configuration for this invocation (``-c`` and ``--url`` applied).

    Raises:
        ConfigError: no configuration found, or it is invalid.
    """
    return load_config(Path(args.config) if args.config else None, url=args.url)


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

"""``migguard`` entry point: parses arguments, runs one command, maps errors to exit codes."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from migguard import __version__
from migguard.cli import autogen, environment, guard, history, hooks, revision, runtime
from migguard.errors import MigguardError
from migguard.report import print_warnings

# An unexpected exception is a bug in migguard, not bad input: distinct from 0-4.
EXIT_INTERNAL = 70


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser (every sub-command registered)."""
    parser = argparse.ArgumentParser(
        prog="migguard",
        description="Database migrations for SQLAlchemy, with a guard around them.",
        epilog="Exit codes: 0 ok, 1 check found problems, 2 usage or configuration error, "
        "3 broken history, 4 database error.",
    )
    parser.add_argument("--version", action="version", version=f"migguard {__version__}")
    parser.add_argument(
        "-c", "--config", metavar="PATH", help="configuration file (default: discovered upward)"
    )
    parser.add_argument("--url", help="database URL (overrides MIGGUARD_URL and the configuration)")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module in (environment, history, revision, runtime, autogen, guard, hooks):
        module.register(commands)
    for command in commands.choices.values():
        # Also after the command, where pre-commit's `args:` put it (`migguard check -c x`).
        command.add_argument(
            "-c", "--config", metavar="PATH", default=argparse.SUPPRESS, help=argparse.SUPPRESS
        )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.handler(args))
    except MigguardError as exc:
        sys.stderr.write(f"migguard: error: {exc}\n")
        print_warnings(getattr(exc, "__notes__", ()))
        return exc.exit_code
    except KeyboardInterrupt:
        sys.stderr.write("migguard: interrupted\n")
        return 130
    except BrokenPipeError:
        # The reader went away (e.g. `migguard history | head`); that is not an error.
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - silence the flush at exit
        return 0
    except Exception as exc:
        if os.environ.get("MIGGUARD_DEBUG"):
            raise
        sys.stderr.write(
            f"migguard: internal error: {type(exc).__name__}: {exc} "
            "(a bug in migguard; set MIGGUARD_DEBUG=1 to see the traceback)\n"
        )
        return EXIT_INTERNAL

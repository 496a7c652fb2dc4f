"""``migguard`` entry point: parses arguments, runs one command, maps errors to exit codes."""

from __future__ import annotations

import argparse
import os
import re
import sys
from collections.abc import Sequence
from typing import NoReturn

from migguard import __version__
from migguard.cli import (
    autogen,
    edit,
    environment,
    guard,
    history,
    hooks,
    lint,
    revision,
    runtime,
)
from migguard.collector import freeze_loaded_objects
from migguard.errors import (
    EXIT_INTERNAL,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_USAGE,
    MigguardError,
    UsageError,
)
from migguard.report.printer import print_warnings


class Parser(argparse.ArgumentParser):
    """argparse with migguard's error form: one line, ``migguard: error: ...``, exit 2.

    argparse prints the usage block before its message; scripts that read our stderr expect
    one line, and ``--help`` still shows the usage.
    """

    def error(self, message: str) -> NoReturn:
        """Print ``message`` as one line and exit 2 (argparse calls this; it must not return)."""
        text = _suggest_command(" ".join(message.split()))
        where = "" if self.prog == "migguard" else f"{self.prog.removeprefix('migguard ')}: "
        sys.stderr.write(f"migguard: error: {where}{text} (see `{self.prog} --help`)\n")
        raise SystemExit(EXIT_USAGE)


_INVALID_CHOICE = re.compile(r"invalid choice: '(?P<typed>[^']*)' \(choose from (?P<choices>.*)\)$")


def _suggest_command(message: str) -> str:
    """argparse's ``invalid choice: 'hist' (choose from 'init', ...)`` with the list of every
    choice replaced by the close ones, as a mistyped revision id gets."""
    match = _INVALID_CHOICE.search(message)
    if match is None:
        return message
    import difflib  # error path only

    choices = re.findall(r"'([^']*)'", match["choices"])
    close = difflib.get_close_matches(match["typed"], choices, n=3, cutoff=0.6)
    close += [c for c in choices if c.startswith(match["typed"]) and c not in close][:3]
    hint = f"did you mean {', '.join(close)}?" if close else f"choose from {', '.join(choices)}"
    return f"{message[: match.start()]}invalid choice: {match['typed']!r}; {hint}"


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser (every sub-command registered)."""
    parser = Parser(
        prog="migguard",
        description="Database migrations for SQLAlchemy, with a guard around them.",
        epilog="Exit codes: 0 ok, 1 check found problems, 2 usage or configuration error, "
        "3 broken history, 4 database error, 5 some targets failed and some did not.",
    )
    parser.add_argument("--version", action="version", version=f"migguard {__version__}")
    parser.add_argument(
        "-c", "--config", metavar="PATH", help="configuration file (default: discovered upward)"
    )
    parser.add_argument("--url", help="database URL (overrides MIGGUARD_URL and the configuration)")
    parser.add_argument(
        "-n",
        "--name",
        default="alembic",
        metavar="SECTION",
        help="section of alembic.ini to read, as Alembic's -n (default: alembic)",
    )
    parser.add_argument(
        "--raiseerr",
        action="store_true",
        help="on an error show the full traceback, as Alembic's --raiseerr (or MIGGUARD_DEBUG=1)",
    )
    parser.add_argument(
        "-x",
        action="append",
        metavar="KEY=VALUE",
        help="an argument for an Alembic project's env.py (context.get_x_argument()); repeatable",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module in (environment, history, revision, edit, runtime, autogen, guard, lint, hooks):
        module.register(commands)
    # An alias maps to its command's parser: give each parser the options once.
    for command in {id(parser): parser for parser in commands.choices.values()}.values():
        # Also after the command, where pre-commit's `args:` put it (`migguard check -c x`).
        command.add_argument(
            "-c", "--config", metavar="PATH", default=argparse.SUPPRESS, help=argparse.SUPPRESS
        )
        command.add_argument("--url", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
        command.add_argument("--name", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    return parser


def _attach_ranges(argv: Sequence[str]) -> list[str]:
    """``-r -1:`` as ``--rev-range=-1:``: argparse takes a value starting with ``-`` that is
    not a plain negative number for an option, and Alembic users write ranges this way."""
    out: list[str] = []
    values = iter(argv)
    for arg in values:
        if arg == "--":
            out.append(arg)
            out.extend(values)
            break
        if arg in ("-r", "--rev-range"):
            value = next(values, None)
            if value is not None and value[:1] == "-" and value[1:2].isdigit():
                out.append(f"--rev-range={value}")
                continue
            out.append(arg)
            if value is not None:
                out.append(value)
            continue
        out.append(arg)
    return out


# Arguments that name files: any bytes the OS gives are fine there (Python keeps them as
# surrogate escapes and gives them back to the OS unchanged).
_PATH_ARGUMENTS = frozenset({"config", "directory", "version_path"})


def _check_text(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """Refuse text arguments that are not UTF-8 (a ``-m`` typed in a Latin-1 terminal):
    they would end up in a UTF-8 script or the database, where they cannot be encoded.

    Raises:
        UsageError: names the argument.
    """
    for name, value in vars(args).items():
        values = value if isinstance(value, list) else [value]
        for item in values:
            if name in _PATH_ARGUMENTS or not isinstance(item, str):
                continue
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                raise UsageError(
                    f"{_option_name(parser, args.command, name)} is not UTF-8 text; use a "
                    "UTF-8 locale (or pass the text in UTF-8)"
                ) from None


def _option_name(parser: argparse.ArgumentParser, command: str, dest: str) -> str:
    """How the user wrote the argument stored in ``dest`` (``--message``, ``REV``)."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for candidate in action.choices[command]._actions:
                if candidate.dest == dest:
                    if candidate.option_strings:
                        return max(candidate.option_strings, key=len)
                    return str(candidate.metavar or dest)
    return dest


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    if argv is None:
        # Run as the program (the console script, ``python -m migguard``): the process ends
        # with the command, so what it loads for good need not be rescanned.
        freeze_loaded_objects()
    parser = build_parser()
    args = parser.parse_args(_attach_ranges(sys.argv[1:] if argv is None else argv))
    try:
        _check_text(parser, args)
        return int(args.handler(args))
    except MigguardError as exc:
        if args.raiseerr:
            raise
        sys.stderr.write(f"migguard: error: {exc}\n")
        print_warnings(getattr(exc, "__notes__", ()))
        return exc.exit_code
    except KeyboardInterrupt:
        sys.stderr.write("migguard: interrupted\n")
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # The reader went away (e.g. `migguard history | head`); that is not an error.
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - silence the flush at exit
        return EXIT_OK
    except Exception as exc:
        if os.environ.get("MIGGUARD_DEBUG") or args.raiseerr:
            raise
        sys.stderr.write(
            f"migguard: internal error: {type(exc).__name__}: {exc} "
            "(a bug in migguard; set MIGGUARD_DEBUG=1 to see the traceback)\n"
        )
        return EXIT_INTERNAL

"""Commands that write scripts: ``revision`` and ``merge``."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from migguard.cli.autogen import add_rename
from migguard.cli.common import history_from
from migguard.config import Config
from migguard.errors import EXIT_OK, UsageError
from migguard.report.printer import Printer, print_warnings
from migguard.scripts.directory import History

if TYPE_CHECKING:
    from migguard.scripts.post_write import PostWriteHook


def register(commands: argparse._SubParsersAction) -> None:
    """Add the script-writing commands to the parser."""
    rev = commands.add_parser("revision", help="write a new revision script")
    rev.add_argument("-m", "--message", required=True, help="what the revision does")
    rev.add_argument(
        "--head",
        default="head",
        help="parent revision: head (default), base for a new base, or an identifier",
    )
    rev.add_argument(
        "--splice", action="store_true", help="allow a parent that is not a head (new branch)"
    )
    rev.add_argument(
        "--branch-label",
        action="append",
        default=[],
        metavar="LABEL",
        help="declare a branch label (repeatable)",
    )
    rev.add_argument(
        "--depends-on",
        action="append",
        default=[],
        metavar="REV",
        help="add a dependency: id, prefix or branch label (repeatable)",
    )
    rev.add_argument("--rev-id", help="use this revision id instead of a generated one")
    rev.add_argument(
        "--version-path", type=Path, help="version location to write into (several locations)"
    )
    rev.add_argument(
        "--autogenerate",
        action="store_true",
        help="fill upgrade()/downgrade() from comparing the models with the database",
    )
    add_rename(rev)
    rev.set_defaults(handler=cmd_revision)

    merge = commands.add_parser("merge", help="write a merge revision joining several heads")
    merge.add_argument("revisions", nargs="+", metavar="REV", help="e.g. heads, or two ids")
    merge.add_argument("-m", "--message", help="message (default: merge <ids>)")
    merge.add_argument(
        "--branch-label",
        action="append",
        default=[],
        metavar="LABEL",
        help="declare a branch label (repeatable)",
    )
    merge.add_argument("--rev-id", help="use this revision id instead of a generated one")
    # Alembic's merge accepts --splice too; joining heads never needs it.
    merge.add_argument("--splice", action="store_true", help=argparse.SUPPRESS)
    merge.set_defaults(handler=cmd_merge)


def cmd_revision(args: argparse.Namespace) -> int:
    """Write a revision with empty upgrade()/downgrade() bodies; print its path."""
    from migguard.scripts.create import create_revision

    if args.rename and not args.autogenerate:
        raise UsageError("--rename goes with --autogenerate")
    config, history = history_from(args, env_py=args.autogenerate)
    hooks = _hooks(config)
    if args.autogenerate:
        return _autogenerate(args, config, history, hooks)
    path = create_revision(
        config,
        history,
        args.message,
        head=args.head,
        splice=args.splice,
        branch_labels=args.branch_label,
        depends_on=args.depends_on,
        rev_id=args.rev_id,
        version_path=args.version_path,
    )
    _generated(Printer(), path, hooks)
    return EXIT_OK


def cmd_merge(args: argparse.Namespace) -> int:
    """Write a merge revision; print its path."""
    from migguard.scripts.create import create_merge

    config, history = history_from(args)
    hooks = _hooks(config)
    path = create_merge(
        config,
        history,
        args.revisions,
        args.message,
        branch_labels=args.branch_label,
        rev_id=args.rev_id,
    )
    _generated(Printer(), path, hooks)
    return EXIT_OK


def _autogenerate(
    args: argparse.Namespace, config: Config, history: History, hooks: tuple[PostWriteHook, ...]
) -> int:
    """``revision --autogenerate``: print what was detected, then the file written."""
    from migguard.autogen.diff import describe
    from migguard.autogen.generate import autogenerate_revision, parse_renames

    generated = autogenerate_revision(
        config,
        history,
        args.message,
        head=args.head,
        splice=args.splice,
        renames=parse_renames(args.rename),
        rev_id=args.rev_id,
        branch_labels=args.branch_label,
        depends_on=args.depends_on,
        version_path=args.version_path,
    )
    print_warnings(generated.diff.warnings)
    printer = Printer()
    operations = generated.diff.operations
    for operation in operations:
        printer.line(f"Detected {describe(operation, generated.diff.dialect)}")
    if generated.path is None:
        printer.line("No revision written: env.py's process_revision_directives asked for none.")
        return EXIT_OK
    if not operations:
        printer.line("No changes detected: the revision's upgrade() and downgrade() are empty.")
    _generated(printer, generated.path, hooks)
    return EXIT_OK


def _hooks(config: Config) -> tuple[PostWriteHook, ...]:
    """The configured post-write hooks, checked before any script is written.

    Raises:
        ConfigError: a hook is misconfigured.
    """
    if not config.post_write_hooks:
        return ()
    from migguard.scripts.post_write import post_write_hooks

    where = config.origins.get("post_write_hooks", "the configuration [post_write_hooks]")
    return post_write_hooks(config.post_write_hooks, root=config.root, where=where)


def _generated(printer: Printer, path: Path, hooks: tuple[PostWriteHook, ...]) -> None:
    """Say which script was written, then run the post-write hooks on it.

    A hook that exits non-zero is a warning: the script is written and stays as the hooks
    before it left it.

    Raises:
        ConfigError: a hook cannot be started (its program is missing).
    """
    printer.line(f"Generated {path}")
    if not hooks:
        return
    from migguard.scripts.post_write import run_post_write_hook

    for hook in hooks:
        printer.line(f"Running post-write hook {hook.name!r}")
        printer.stream.flush()  # before the hook's own output
        status = run_post_write_hook(hook, path)
        if status != 0:
            print_warnings([f"post-write hook {hook.name!r} exited with status {status}"])

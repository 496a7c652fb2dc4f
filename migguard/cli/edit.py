"""``edit``: open a revision script in the user's editor (Alembic's command of that name)."""

from __future__ import annotations

import argparse
import os

from migguard.cli.common import history_from
from migguard.errors import UsageError


def register(commands: argparse._SubParsersAction) -> None:
    """Add ``edit`` to the parser."""
    edit = commands.add_parser("edit", help="open a revision script in $EDITOR")
    edit.add_argument("rev", metavar="REV", help="an identifier naming one revision: id, head")
    edit.set_defaults(handler=cmd_edit)


def cmd_edit(args: argparse.Namespace) -> int:
    """Open the script REV names in ``$VISUAL`` or ``$EDITOR``; returns the editor's status.

    Raises:
        UsageError: REV names no revision or several, or no editor is set.
    """
    from migguard.graph import resolve

    _, history = history_from(args)
    rids = resolve(history.graph, args.rev)
    if len(rids) != 1:
        named = ", ".join(rids) if rids else "no revision (base)"
        raise UsageError(f"{args.rev!r} names {named}; edit opens one revision")
    editor = os.environ.get("VISUAL") or os.environ.get("EDITOR")
    if not editor:
        raise UsageError("no editor: set the EDITOR (or VISUAL) environment variable")
    path = os.fspath(history.files[rids[0]])
    # Imported here: every other command starts without subprocess (a few milliseconds).
    import shlex
    import subprocess

    try:
        return subprocess.call([*shlex.split(editor), path])
    except OSError as exc:
        raise UsageError(f"cannot start the editor {editor!r}: {exc.strerror}") from None

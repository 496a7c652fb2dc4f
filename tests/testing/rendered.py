"""Rendered revision scripts run for real: operations written through the generic template,
the script's source executed as a module, and its functions run with ``op`` bound to a
connection (for the render and diff tests)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

import migguard
from migguard.autogen.diff.options import Note
from migguard.autogen.render import render_downgrade, render_operations
from migguard.ops.base import Operation
from migguard.ops.binding import bind
from migguard.ops.context import OnlineContext
from migguard.ops.operations import Operations
from migguard.scripts.write import NewRevision, render_script

TEMPLATE = Path(migguard.__file__).parent / "templates" / "generic" / "script.py.mako"


def run_in_transaction(url: str, work: Callable[[Operations], None]) -> None:
    """Call ``work`` with ``Operations`` bound as ``op`` on a connection to ``url``, inside one
    transaction that is committed."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn, conn.begin():
            operations = Operations(OnlineContext(conn))
            with bind(operations):
                work(operations)
    finally:
        engine.dispose()


def write_script(items: Sequence[Operation | Note], dialect: str) -> str:
    """The revision script for ``items``, rendered through the generic ``script.py.mako``."""
    up = render_operations(items, dialect_name=dialect)
    down = render_downgrade(items, dialect_name=dialect)
    new = NewRevision(
        revision="ae1027a6acf0",
        down_revisions=(),
        message="render test",
        create_date=datetime(2024, 5, 1, 10, 0, 0),
        upgrades=up.body,
        downgrades=down.body,
        imports=tuple(sorted(set(up.imports + down.imports))),
    )
    return render_script(TEMPLATE, new)


def load_script(source: str) -> dict[str, Any]:
    """Execute a script's source; its module namespace (``upgrade``, ``downgrade``, ...)."""
    namespace: dict[str, Any] = {"__name__": "rendered_revision"}
    exec(compile(source, "<rendered revision>", "exec"), namespace)
    return namespace

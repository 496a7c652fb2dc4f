"""The fallback for header values that are not literals: import that one script.

``branch_labels = (cli.EXPAND_BRANCH,)`` cannot be read by ``ast``; importing the script
(with the project folder on ``sys.path``) usually can. When the import fails too, the revision
is kept with its literal fields and the unreadable ones are recorded, so that only commands
needing them fail.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

from migguard.errors import HistoryError
from migguard.graph import Unreadable
from migguard.scripts.header import Header, normalize_ids

# Without these two the graph cannot be built at all, so failing to evaluate them is fatal.
_STRUCTURAL = ("revision", "down_revision")


def evaluate_pending(
    header: Header, path: Path, display: str, project_root: Path
) -> tuple[Header, tuple[Unreadable, ...]]:
    """Evaluate the header's non-literal fields by importing the script.

    Args:
        header: a header with ``pending`` fields.
        path: the script file.
        display: the path to show in messages.
        project_root: put on ``sys.path`` during the import (the configuration's folder).

    Returns:
        The header with evaluated fields filled in (and ``pending`` emptied), and the fields
        that stayed unreadable.

    Raises:
        HistoryError: ``revision`` or ``down_revision`` could not be evaluated.
    """
    try:
        module = _import(path, project_root)
    except Exception as exc:  # any error raised by user code during import
        reason = f"{type(exc).__name__}: {exc}".splitlines()[0]
        for item in header.pending:
            if item.field in _STRUCTURAL:
                raise HistoryError(
                    f"{display}:{item.line}: {item.field} is not a literal ({item.expression}) "
                    f"and importing the script failed: {reason}"
                ) from None
        unreadable = tuple(
            Unreadable(p.field, p.line, p.expression, reason) for p in header.pending
        )
        return header._replace(pending=()), unreadable
    values: dict[str, tuple[str, ...]] = {}
    for item in header.pending:
        raw = getattr(module, item.field, None)
        values[item.field] = normalize_ids(raw, display, item.line, item.field)
    revision = values.get("revision")
    return (
        header._replace(
            revision=revision[0] if revision else header.revision,
            down_revisions=values.get("down_revision", header.down_revisions),
            branch_labels=values.get("branch_labels", header.branch_labels),
            depends_on=values.get("depends_on", header.depends_on),
            pending=(),
        ),
        (),
    )


def _import(path: Path, project_root: Path) -> object:
    name = f"_migguard_header_{abs(hash(str(path)))}"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    added = str(project_root) not in sys.path
    if added:
        sys.path.insert(0, str(project_root))
    try:
        spec.loader.exec_module(module)
    finally:
        if added:
            sys.path.remove(str(project_root))
    return module

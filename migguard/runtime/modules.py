"""Importing revision scripts to run their ``upgrade()`` / ``downgrade()``.

Scripts written for Alembic say ``from alembic import op``. While such a script is imported
for a run, ``alembic.op`` is migguard's ``op``, so existing histories run unchanged. This works
whether or not Alembic is installed: a stand-in ``alembic`` package is used only when the real
one cannot be imported, and the real one is given back its ``op`` afterwards.
"""

from __future__ import annotations

import importlib.util
import sys
import types
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path

from migguard.errors import HistoryError


def load_revision_module(path: Path, revision: str, project_root: Path) -> types.ModuleType:
    """Import one revision script.

    Args:
        path: the script.
        revision: its id (names the module, so tracebacks say which revision).
        project_root: put on ``sys.path`` during the import (scripts may import the app).

    Returns:
        The module, with ``upgrade`` and ``downgrade`` callables.

    Raises:
        HistoryError: the import failed, or the module lacks ``upgrade``/``downgrade``.
    """
    name = f"migguard_revision_{revision}"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise HistoryError(f"{path}: cannot be loaded as a Python module")
    module = importlib.util.module_from_spec(spec)
    root = str(project_root)
    added = root not in sys.path
    if added:
        sys.path.insert(0, root)
    # Importing the real Alembic package is slow; only scripts that name it need the alias.
    names_alembic = b"alembic" in path.read_bytes()
    alias: AbstractContextManager[None] = _alembic_op_is_ours() if names_alembic else nullcontext()
    try:
        with alias:
            # The loader, not compile(): it reuses the __pycache__ bytecode.
            spec.loader.exec_module(module)
    except Exception as exc:
        reason = f"{type(exc).__name__}: {exc}".splitlines()[0]
        raise HistoryError(f"{path}: importing revision {revision} failed: {reason}") from exc
    finally:
        if added:
            sys.path.remove(root)
    for function in ("upgrade", "downgrade"):
        if not callable(getattr(module, function, None)):
            raise HistoryError(f"{path}: revision {revision} has no {function}() function")
    return module


@contextmanager
def _alembic_op_is_ours() -> Iterator[None]:
    from migguard import op

    real = sys.modules.get("alembic")
    if real is None:
        try:
            import alembic as real
        except ImportError:
            real = None
    saved_module = sys.modules.get("alembic.op")
    if real is None:
        stand_in = types.ModuleType("alembic")
        stand_in.__path__ = []  # a package, so `import alembic.op` resolves too
        setattr(stand_in, "op", op)  # noqa: B010 - a module attribute, set dynamically
        sys.modules["alembic"] = stand_in
    saved_attr = getattr(real, "op", None) if real is not None else None
    if real is not None:
        setattr(real, "op", op)  # noqa: B010
    sys.modules["alembic.op"] = op
    try:
        yield
    finally:
        if real is None:
            sys.modules.pop("alembic", None)
        elif saved_attr is not None:
            setattr(real, "op", saved_attr)  # noqa: B010
        if saved_module is not None:
            sys.modules["alembic.op"] = saved_module
        else:
            sys.modules.pop("alembic.op", None)

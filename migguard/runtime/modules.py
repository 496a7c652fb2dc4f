"""Loading revision scripts to run their ``upgrade()`` / ``downgrade()``.

Scripts written for Alembic say ``from alembic import op``. While such a script is loaded for a
run, ``alembic.op`` is migguard's ``op``, so existing histories run unchanged, whether or not
Alembic is installed (see :mod:`migguard.alembic_compat.stand_in`).

A script is loaded without the import system's finders: its code object comes straight from the
bytecode cache in ``__pycache__`` (written on first use, as ``import`` does) and is executed in a
new module that is not registered in ``sys.modules``.
"""

from __future__ import annotations

import functools
import inspect
import os
import re
import sys
import types
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from importlib.machinery import ModuleSpec, SourceFileLoader
from pathlib import Path

from migguard.errors import HistoryError, UsageError

# Any import statement that names the alembic package.
_ALEMBIC_IMPORT = re.compile(rb"^[ \t]*(?:from[ \t]+alembic\b|import[ \t].*\balembic\b).*$", re.M)
# The one form the stand-in package serves: ``from alembic import op`` (optionally ``as name``,
# a comment, a Windows line end).
_OP_ONLY = re.compile(
    rb"[ \t]*from[ \t]+alembic[ \t]+import[ \t]+op(?:[ \t]+as[ \t]+\w+)?[ \t]*(?:#[^\r\n]*)?\r?"
)


def load_revision_module(
    path: str | os.PathLike[str], revision: str, project_root: Path
) -> types.ModuleType:
    """Load one revision script.

    Args:
        path: the script (a ``History.files`` entry, or a ``Path``).
        revision: its id (names the module, so tracebacks say which revision).
        project_root: put on ``sys.path`` while the script's top level runs (scripts may import
            the application).

    Returns:
        A new module (not registered in ``sys.modules``); ``__file__`` is the script's path.
        Its ``upgrade``/``downgrade`` are looked up by :func:`revision_function` when a step
        runs.

    Raises:
        HistoryError: the script cannot be read or compiled, or its top level raised.
    """
    name = f"migguard_revision_{revision}"
    location = os.fspath(path)
    loader = SourceFileLoader(name, location)
    try:
        with open(location, "rb") as script:
            source = script.read()
        # get_code, not compile(): it reuses (and writes) the __pycache__ bytecode.
        code = loader.get_code(name)
        if code is None:  # get_code's None means "no code object": never so for a .py file
            raise ValueError("no code object for the script")
    except (OSError, SyntaxError, ValueError) as exc:
        raise _import_failed(location, revision, exc) from exc
    module = types.ModuleType(name)
    spec = ModuleSpec(name, loader, origin=location)
    spec.has_location = True
    module.__spec__ = spec
    module.__loader__ = loader
    module.__file__ = location
    _dialects_as_attributes()
    root = str(project_root)
    added = root not in sys.path
    if added:
        sys.path.insert(0, root)
    try:
        with _alembic_alias(source):
            exec(code, module.__dict__)  # the project's own script, as import would run it
    except Exception as exc:
        raise _import_failed(location, revision, exc) from exc
    finally:
        if added:
            sys.path.remove(root)
    return module


def revision_function(
    module: types.ModuleType, revision: str, *, upgrade: bool, engine_name: str | None = None
) -> Callable[[], object]:
    """The ``upgrade()`` or ``downgrade()`` function of a loaded revision script.

    A script needs only the function of the direction it is run in: Alembic looks the function
    up when it runs the step, and many histories ship scripts without ``downgrade()``.

    Args:
        module: the script, from :func:`load_revision_module`.
        revision: its id, for the message.
        upgrade: ``True`` for ``upgrade()``, ``False`` for ``downgrade()``.
        engine_name: in Alembic's multidb layout, the engine the run is for: the function is
            then called as ``upgrade(engine_name=...)``, as Alembic's multidb ``env.py`` does
            through ``context.run_migrations(engine_name=...)``.

    Returns:
        A callable taking no arguments.

    Raises:
        HistoryError: the script has no such callable (``FILE: revision R has no downgrade()
            function``).
        UsageError: the function takes ``engine_name`` (Alembic's multidb layout) and none is
            given: the run is not for one of the layout's databases.
    """
    name = "upgrade" if upgrade else "downgrade"
    function = getattr(module, name, None)
    if not callable(function):
        raise HistoryError(f"{module.__file__}: revision {revision} has no {name}() function")
    if engine_name is not None:
        return functools.partial(function, engine_name=engine_name)
    if "engine_name" in inspect.signature(function).parameters:
        raise UsageError(
            f"revision {revision}'s {name}() takes an engine_name (Alembic's multidb layout): "
            "run it on the layout's databases with --all, --target NAME or --tag TAG"
        )
    return function


def _dialects_as_attributes() -> None:
    """Make ``sqlalchemy.dialects.<name>`` resolve for every dialect SQLAlchemy ships.

    Scripts written for Alembic reach dialect types as attributes (``from sqlalchemy import
    dialects`` then ``dialects.postgresql.UUID``, or ``sa.dialects.postgresql.JSONB``), which
    works under Alembic only because importing Alembic happens to import those modules. Importing
    all of them up front costs about 80 ms; instead the package gets a module ``__getattr__``
    (PEP 562) that imports a dialect the first time it is asked for, after which it is an
    ordinary attribute. Installed once per process; other names raise ``AttributeError`` as
    before.
    """
    import importlib

    from sqlalchemy import dialects

    if "__getattr__" in vars(dialects):
        return
    shipped = frozenset(dialects.__all__)

    def dialect_module(name: str) -> types.ModuleType:
        if name not in shipped:
            raise AttributeError(f"module {dialects.__name__!r} has no attribute {name!r}")
        return importlib.import_module(f"{dialects.__name__}.{name}")

    setattr(dialects, "__getattr__", dialect_module)  # noqa: B010 - PEP 562 hook


def _import_failed(location: str, revision: str, exc: BaseException) -> HistoryError:
    reason = f"{type(exc).__name__}: {exc}".splitlines()[0]
    return HistoryError(f"{location}: importing revision {revision} failed: {reason}")


def _alembic_alias(source: bytes) -> AbstractContextManager[None]:
    """What loading a script with this source needs: nothing, the stand-in, or the real
    Alembic package with migguard's ``op``."""
    if b"alembic" not in source:
        return nullcontext()
    imports = _ALEMBIC_IMPORT.findall(source)
    if not imports:
        return nullcontext()
    from migguard.alembic_compat.stand_in import real_alembic_serving, stand_in_alembic

    if "alembic" not in sys.modules and all(_OP_ONLY.fullmatch(line) for line in imports):
        return stand_in_alembic()
    return real_alembic_serving()

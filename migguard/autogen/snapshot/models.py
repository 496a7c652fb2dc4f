"""Loading the user's models: the ``MetaData`` objects named in the configuration.

The configuration's ``metadata`` holds import paths such as ``shop.models:Base.metadata``: a
module, a colon, and attribute names separated by dots. The configuration file's folder goes
first on ``sys.path`` so the project's packages import the way the application imports them.
"""

from __future__ import annotations

import importlib
import os
import sys
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from migguard.collector import collector_paused
from migguard.errors import ConfigError

if TYPE_CHECKING:
    from sqlalchemy import MetaData

    from migguard.config import Config

__all__ = ["configured_models", "has_models", "load_callable", "load_metadata"]


def has_models(config: Config) -> bool:
    """Whether ``config`` names models: the ``metadata`` setting, or the ``target_metadata``
    of an Alembic project's env.py (once read into ``config.env_py``)."""
    return bool(config.metadata) or bool(config.env_py and config.env_py.target_metadata)


def configured_models(config: Config) -> tuple[MetaData, ...]:
    """The models to compare: the ``metadata`` setting's (which wins, as migguard's own
    configuration does), else the ``target_metadata`` env.py passed to ``configure()``.

    Raises:
        ConfigError: as :func:`load_metadata`; also when env.py's ``target_metadata`` is not
            a ``MetaData`` (or a list of them), or two of them define the same table.
    """
    if config.metadata or config.env_py is None or not config.env_py.target_metadata:
        return load_metadata(config.metadata, config.root)
    from sqlalchemy import MetaData

    loaded = []
    for index, metadata in enumerate(config.env_py.target_metadata):
        if not isinstance(metadata, MetaData):
            raise ConfigError(
                f"target_metadata passed to context.configure() in {config.env_py.path} is "
                f"a {type(metadata).__name__}, not a sqlalchemy MetaData"
            )
        loaded.append((f"env.py target_metadata[{index}]", metadata))
    _check_each_table_once(loaded)
    return tuple(metadata for _, metadata in loaded)


def load_metadata(import_paths: Sequence[str], project_root: Path) -> tuple[MetaData, ...]:
    """Import each ``module:attr.attr`` path in ``import_paths`` and return the ``MetaData``
    objects they name, in order, each once.

    ``project_root`` (the configuration file's folder) is put first on ``sys.path``.

    Raises ``ConfigError`` (exit 2) with a one-line message when no path is configured, a path
    is malformed, its module fails to import (the message names the path, the file and line
    the error was raised at, and the underlying exception; a missing package under pre-commit
    hints at the hook's ``additional_dependencies``), an attribute is missing, the object found
    is not a ``MetaData``, or two ``MetaData`` define the same table (both paths named).
    """
    if not import_paths:
        raise ConfigError(
            "no models configured: set `metadata` in the configuration to the import path of "
            'your MetaData, e.g. metadata = "myapp.models:Base.metadata"'
        )
    _put_first_on_path(project_root)
    found: dict[int, tuple[str, MetaData]] = {}
    for import_path in import_paths:
        metadata = _load_one(import_path, project_root)
        found.setdefault(id(metadata), (import_path, metadata))
    _check_each_table_once(list(found.values()))
    return tuple(metadata for _, metadata in found.values())


def _check_each_table_once(loaded: Sequence[tuple[str, MetaData]]) -> None:
    """Raise ConfigError when two MetaData define a table of the same (schema-qualified) name:
    the comparison would hold two definitions of one table and keep either."""
    owner: dict[str, str] = {}
    for import_path, metadata in loaded:
        for key in metadata.tables:
            if key in owner:
                raise ConfigError(
                    f"table {key!r} is defined in two models, {owner[key]!r} and "
                    f"{import_path!r}: each table must belong to one MetaData in `metadata`"
                )
            owner[key] = import_path


def load_callable(import_path: str, project_root: Path, key: str) -> Callable[..., Any]:
    """Import a function named in the configuration (e.g. ``include_object``).

    Args:
        import_path: ``package.module:function``.
        project_root: put first on ``sys.path``.
        key: the configuration key, for messages.

    Raises:
        ConfigError: malformed path, failed import, missing attribute, or not callable.
    """
    _put_first_on_path(project_root)
    target = _import_object(import_path, key, "myapp.migrations:include_object", project_root)
    if not callable(target):
        raise ConfigError(f"{key} {import_path!r} is a {type(target).__name__}, not a function")
    return target


def _put_first_on_path(project_root: Path) -> None:
    root = str(Path(project_root).resolve())
    if root in sys.path:
        sys.path.remove(root)
    sys.path.insert(0, root)


def _import_object(import_path: str, what: str, example: str, project_root: Path) -> object:
    """The object ``module:attr.attr`` names; ConfigError (naming ``what``) otherwise."""
    module_name, colon, attributes = import_path.partition(":")
    if not colon or not module_name.strip() or not attributes.strip():
        raise ConfigError(
            f"{what} {import_path!r} is not an import path of the form "
            f"'package.module:attribute' (e.g. '{example}')"
        )
    try:
        # The models: thousands of objects alive for the whole run (see collector_paused).
        with collector_paused(long_lived=True):
            target: object = importlib.import_module(module_name.strip())
    except Exception as error:  # whatever the user's module raises is reported, not hidden
        where = _raised_at(error, project_root)
        raise ConfigError(
            f"cannot import {what} {import_path!r}: {where}{_one_line(error)}"
            f"{_pre_commit_hint(error, module_name.strip())}"
        ) from error
    walked = module_name.strip()
    for attribute in attributes.strip().split("."):
        if not hasattr(target, attribute):
            raise ConfigError(f"{what} {import_path!r}: {walked} has no attribute {attribute!r}")
        target = getattr(target, attribute)
        walked = f"{walked}.{attribute}"
    return target


def _load_one(import_path: str, project_root: Path) -> MetaData:
    from sqlalchemy import MetaData

    target = _import_object(import_path, "models", "myapp.models:Base.metadata", project_root)
    if not isinstance(target, MetaData):
        hint = ""
        if isinstance(getattr(target, "metadata", None), MetaData):
            hint = f" (did you mean '{import_path}.metadata'?)"
        what = (
            f"the class {target.__name__}"
            if isinstance(target, type)
            else f"a {type(target).__name__}"
        )
        raise ConfigError(f"models {import_path!r} is {what}, not a sqlalchemy MetaData{hint}")
    return target


def _one_line(error: BaseException) -> str:
    text = " ".join(str(error).split())
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


def _raised_at(error: BaseException, project_root: Path) -> str:
    """``"FILE, line N: "`` for where the user's code failed, or ``""`` when unknown.

    A syntax error names its own place; otherwise the deepest frame in the project's folder
    (the user's line that called into a library), else the deepest frame outside the import
    machinery. Files inside the project are shown relative to it.
    """
    root = os.path.realpath(project_root)
    if isinstance(error, SyntaxError) and error.filename and error.lineno:
        return f"{_shown(error.filename, root)}, line {error.lineno}: "
    frames = [
        frame
        for frame in traceback.extract_tb(error.__traceback__)
        if not frame.filename.startswith("<") and frame.filename != __file__
    ]
    inside = [frame for frame in frames if _within(frame.filename, root)]
    chosen = (inside or frames)[-1:] if frames else []
    if not chosen:
        return ""
    return f"{_shown(chosen[0].filename, root)}, line {chosen[0].lineno}: "


def _within(filename: str, root: str) -> bool:
    path = os.path.realpath(filename)
    return path.startswith(root + os.sep) and os.sep + "site-packages" + os.sep not in path


def _shown(filename: str, root: str) -> str:
    path = os.path.realpath(filename)
    return os.path.relpath(path, root) if path.startswith(root + os.sep) else filename


def _pre_commit_hint(error: BaseException, module_name: str) -> str:
    """Under pre-commit (which sets ``PRE_COMMIT=1`` in hooks), hooks run in their own
    environment: a package the models import must be listed in the hook's
    ``additional_dependencies``. Not said for the project's own modules (a wrong path)."""
    if not isinstance(error, ModuleNotFoundError) or not os.environ.get("PRE_COMMIT"):
        return ""
    missing = error.name or ""
    own = module_name.partition(".")[0]
    if not missing or missing.partition(".")[0] == own:
        return ""
    package = missing.partition(".")[0]
    return (
        f"; under pre-commit, add the package that provides {package!r} to this hook's "
        "additional_dependencies in .pre-commit-config.yaml"
    )

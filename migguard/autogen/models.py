"""Loading the user's models: the ``MetaData`` objects named in the configuration.

The configuration's ``metadata`` holds import paths such as ``shop.models:Base.metadata``: a
module, a colon, and attribute names separated by dots. The configuration file's folder goes
first on ``sys.path`` so the project's packages import the way the application imports them.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from migguard.errors import ConfigError

if TYPE_CHECKING:
    from sqlalchemy import MetaData

__all__ = ["load_callable", "load_metadata"]


def load_metadata(import_paths: Sequence[str], project_root: Path) -> tuple[MetaData, ...]:
    """Import each ``module:attr.attr`` path in ``import_paths`` and return the ``MetaData``
    objects they name, in order, each once.

    ``project_root`` (the configuration file's folder) is put first on ``sys.path``.

    Raises ``ConfigError`` (exit 2) with a one-line message when no path is configured, a path
    is malformed, its module fails to import (the message names the path and the underlying
    exception), an attribute is missing, or the object found is not a ``MetaData``.
    """
    if not import_paths:
        raise ConfigError(
            "no models configured: set `metadata` in the configuration to the import path of "
            'your MetaData, e.g. metadata = "myapp.models:Base.metadata"'
        )
    _put_first_on_path(project_root)
    found: dict[int, MetaData] = {}
    for import_path in import_paths:
        metadata = _load_one(import_path)
        found.setdefault(id(metadata), metadata)
    return tuple(found.values())


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
    target = _import_object(import_path, key, "myapp.migrations:include_object")
    if not callable(target):
        raise ConfigError(f"{key} {import_path!r} is a {type(target).__name__}, not a function")
    return target


def _put_first_on_path(project_root: Path) -> None:
    root = str(Path(project_root).resolve())
    if root in sys.path:
        sys.path.remove(root)
    sys.path.insert(0, root)


def _import_object(import_path: str, what: str, example: str) -> object:
    """The object ``module:attr.attr`` names; ConfigError (naming ``what``) otherwise."""
    module_name, colon, attributes = import_path.partition(":")
    if not colon or not module_name.strip() or not attributes.strip():
        raise ConfigError(
            f"{what} {import_path!r} is not an import path of the form "
            f"'package.module:attribute' (e.g. '{example}')"
        )
    try:
        target: object = importlib.import_module(module_name.strip())
    except Exception as error:  # whatever the user's module raises is reported, not hidden
        raise ConfigError(f"cannot import {what} {import_path!r}: {_one_line(error)}") from error
    walked = module_name.strip()
    for attribute in attributes.strip().split("."):
        if not hasattr(target, attribute):
            raise ConfigError(f"{what} {import_path!r}: {walked} has no attribute {attribute!r}")
        target = getattr(target, attribute)
        walked = f"{walked}.{attribute}"
    return target


def _load_one(import_path: str) -> MetaData:
    from sqlalchemy import MetaData

    target = _import_object(import_path, "models", "myapp.models:Base.metadata")
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

"""Resolving the paths written in a configuration file into absolute paths.

Relative paths are taken from the configuration file's folder, ``~`` is expanded, and folder
settings may name a package resource as ``package:path`` the way Alembic allows.
"""

from __future__ import annotations

import importlib.util
import os
import re
from pathlib import Path

from migguard.errors import ConfigError

__all__ = ["resolve_location", "resolve_path"]

_PACKAGE_RESOURCE = re.compile(r"(?P<package>[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*):(?P<path>.*)")
_WINDOWS_DRIVE = re.compile(r"[A-Za-z]:([\\/]|$)")


def resolve_path(value: str, root: Path) -> Path:
    """Resolve a path setting.

    Args:
        value: the path as written; ``~`` is expanded.
        root: the folder relative paths are taken from (the configuration file's folder).

    Returns:
        The absolute, normalised path (symlinks are kept, not resolved).
    """
    return _absolute(os.path.expanduser(value), root)


def resolve_location(value: str, root: Path, *, where: str) -> Path:
    """Resolve a folder setting that may also be written as ``package:path``.

    The ``package:path`` form applies only when the value is not an absolute path or a
    Windows drive path and the part before the first ``:`` is a dotted Python name; the path
    is then taken from the package's folder (found with ``importlib.util.find_spec``, which
    imports the parent packages of a dotted name).

    Args:
        value: the location as written.
        root: the folder relative paths are taken from.
        where: the key and file, for error messages (e.g. ``"'script_location' in /r/x.toml"``).

    Returns:
        The absolute, normalised folder path.

    Raises:
        ConfigError: the named package cannot be found or is a plain module.
    """
    expanded = os.path.expanduser(value)
    resource = _PACKAGE_RESOURCE.fullmatch(expanded)
    if resource is None or os.path.isabs(expanded) or _WINDOWS_DRIVE.match(expanded):
        return _absolute(expanded, root)
    return _absolute(resource["path"], _package_folder(resource["package"], where))


def _package_folder(package: str, where: str) -> Path:
    """Return the folder of an importable package, or raise ConfigError naming ``where``."""
    try:
        spec = importlib.util.find_spec(package)
    except (ImportError, ValueError) as exc:
        raise ConfigError(f"cannot find package '{package}' named in {where}: {exc}") from exc
    if spec is None:
        raise ConfigError(f"cannot find package '{package}' named in {where}")
    locations = list(spec.submodule_search_locations or ())
    if not locations:
        raise ConfigError(f"'{package}' named in {where} is a module, not a package")
    return Path(locations[0])


def _absolute(path: str, root: Path) -> Path:
    """Join a relative path to ``root`` and normalise it; absolute paths only get normalised."""
    # normpath rather than resolve(): symlinked project folders should stay as the user sees them.
    return Path(os.path.normpath(os.path.join(root, path)))

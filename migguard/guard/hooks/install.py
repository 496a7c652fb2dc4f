"""``migguard install-hooks``: the plain git hook scripts, for teams without pre-commit.

The scripts live in ``migguard/git_hooks/`` (package data; the repository's top-level
``hooks/`` links to that folder, so teams can copy them from a checkout). Each script calls
``migguard hook NAME``; installing records the running Python (``sys.executable``) in it, so
the hook finds migguard even when its virtualenv is not activated, and falls back to
``migguard`` on ``PATH`` when that Python is gone.

The hooks folder is the one git uses: ``git rev-parse --git-path hooks`` honours
``core.hooksPath`` and, in a linked worktree, names the shared repository's folder.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Literal, NamedTuple, get_args

from migguard.errors import UsageError
from migguard.guard import git

__all__ = [
    "HOOK_NAMES",
    "MARKER",
    "ForeignHookError",
    "HookName",
    "InstalledHook",
    "hook_script",
    "hooks_folder",
    "install_hooks",
    "parse_hook_names",
]

# pre-merge-commit: `git merge` runs it, not pre-commit, before committing a merge, which may
# leave two heads.
HookName = Literal["pre-commit", "pre-merge-commit", "post-merge", "post-rewrite", "post-checkout"]
HOOK_NAMES: tuple[HookName, ...] = get_args(HookName)
# What was at a hook's path before an install: our script, someone else's, or nothing.
Previous = Literal["ours", "foreign", ""]
# The second line of every script: how an installed hook is recognised as ours.
MARKER = "# migguard-hook "
_PYTHON_LINE = "INSTALL_PYTHON=''"
_CONFIG_LINE = "MIGGUARD_CONFIG=''"


class ForeignHookError(UsageError):
    """A hook that migguard did not write is in the way (exit 2)."""

    def __init__(self, path: Path) -> None:
        super().__init__(
            f"{path} exists and was not written by migguard; move it away, or overwrite it "
            "with `migguard install-hooks --force`"
        )


class InstalledHook(NamedTuple):
    """One hook written by :func:`install_hooks`.

    Attributes:
        name: the hook's name, e.g. ``"post-merge"``.
        path: the file written.
        replaced: what was there before: ``"ours"`` (an earlier install), ``"foreign"``
            (overwritten with ``force``) or ``""`` (nothing).
    """

    name: HookName
    path: Path
    replaced: Previous


def parse_hook_names(text: str) -> tuple[HookName, ...]:
    """Hook names from ``--hooks pre-commit,post-merge``, in :data:`HOOK_NAMES` order.

    Raises:
        UsageError: a name is not one of :data:`HOOK_NAMES`, or none is given.
    """
    names = {name.strip() for name in text.split(",") if name.strip()}
    unknown = sorted(names - set(HOOK_NAMES))
    if unknown or not names:
        raise UsageError(
            f"unknown hook name(s) {', '.join(unknown) or repr(text)} in --hooks "
            f"(known: {', '.join(HOOK_NAMES)})"
        )
    return tuple(name for name in HOOK_NAMES if name in names)


def hook_script(name: str, python: str | None, config: str | None = None) -> str:
    """The text of hook ``name``, recording ``python`` as the interpreter to run migguard with
    (``None``: look migguard up on ``PATH``, as the shipped copies in ``hooks/`` do) and
    ``config`` as the configuration file to pass (relative to the working tree's top, where
    git runs hooks; ``None``: discovered from there).

    Raises:
        UsageError: ``name`` is not one of :data:`HOOK_NAMES`.
    """
    # Imported here: every command loads this module (for HOOK_NAMES) and must start fast.
    import shlex
    from importlib import resources

    if name not in HOOK_NAMES:
        raise UsageError(f"unknown hook {name!r} (known: {', '.join(HOOK_NAMES)})")
    text = resources.files("migguard").joinpath("git_hooks", name).read_text(encoding="utf-8")
    if python is not None:
        text = text.replace(_PYTHON_LINE, f"INSTALL_PYTHON={shlex.quote(python)}", 1)
    if config is not None:
        text = text.replace(_CONFIG_LINE, f"MIGGUARD_CONFIG={shlex.quote(config)}", 1)
    return text


def hooks_folder(path: Path) -> tuple[Path, Path]:
    """The folder git runs hooks from for the repository holding ``path``, and the top of the
    working tree (where git runs them).

    Raises:
        UsageError: ``path`` is not inside a git working tree.
    """
    repo = git.working_repo(path)
    return git.git_path(repo, "hooks"), git.top(repo)


def install_hooks(
    path: Path,
    names: Sequence[HookName] = HOOK_NAMES,
    *,
    force: bool = False,
    python: str | None = None,
    config_file: Path | None = None,
) -> list[InstalledHook]:
    """Write the hooks ``names`` into the hooks folder of the repository holding ``path``.

    Nothing is written when any hook would overwrite one migguard did not write (unless
    ``force``). Our own hooks are replaced (e.g. to record a new Python).

    Args:
        path: a folder inside the working tree.
        names: which hooks (default: all of :data:`HOOK_NAMES`).
        force: overwrite hooks migguard did not write.
        python: the interpreter to record (default: ``sys.executable``).
        config_file: the configuration the hooks use. Recorded (relative to the working
            tree's top) when it is not in that folder, where git runs hooks and where
            migguard would otherwise look for it.

    Returns:
        The hooks written, in ``names`` order.

    Raises:
        UsageError: not inside a git working tree, or an unknown name. ForeignHookError: a
            hook migguard did not write is in the way and ``force`` is off.
    """
    folder, top = hooks_folder(path)
    config = _config_from_top(config_file, top)
    targets = [(name, folder / name, _previous(folder / name)) for name in names]
    if not force:
        for _, target, previous in targets:
            if previous == "foreign":
                raise ForeignHookError(target)
    interpreter = python or sys.executable
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, target, previous in targets:
        _write_executable(target, hook_script(name, interpreter, config))
        written.append(InstalledHook(name, target, previous))
    return written


def _config_from_top(config_file: Path | None, top: Path) -> str | None:
    """``config_file`` relative to ``top`` (posix), or ``None`` when it sits in ``top``."""
    if config_file is None:
        return None
    folder = os.path.realpath(config_file.parent)
    if folder == os.path.realpath(top):
        return None
    return Path(os.path.relpath(os.path.realpath(config_file), os.path.realpath(top))).as_posix()


def _previous(path: Path) -> Previous:
    """``"ours"``, ``"foreign"`` or ``""`` (no file) for an existing hook file."""
    if not path.exists() and not path.is_symlink():
        return ""
    try:
        with path.open(encoding="utf-8", errors="replace") as handle:
            head = [handle.readline(), handle.readline()]
    except OSError:
        return "foreign"
    return "ours" if head[1].startswith(MARKER) else "foreign"


def _write_executable(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` in one rename, executable by everyone who may read it."""
    temporary = path.with_name(f".{path.name}.migguard-tmp")
    temporary.write_text(text, encoding="utf-8")
    temporary.chmod(0o755)
    os.replace(temporary, path)

"""Post-write hooks: programs run on each new revision script (a formatter, a linter).

A hook is configured as ``[[post_write_hooks]]`` in ``migguard.toml`` (or
``[[tool.migguard.post_write_hooks]]`` in ``pyproject.toml``), or in the ``[post_write_hooks]``
section of an ``alembic.ini``, with the keys Alembic users know:

- ``name``: how messages refer to the hook;
- ``type``: ``exec`` (run ``executable``), ``console_scripts`` (run the console script named
  ``entrypoint`` with this Python) or ``module`` (``python -m module`` with this Python);
- ``options``: the command's arguments, split like a shell does; ``REVISION_SCRIPT_FILENAME``
  stands for the new script's path, which goes first when the token is absent;
- ``cwd``: the folder the command runs in (relative to the configuration file's folder);
  default: the current folder.

Hooks are checked before a script is written, so a misconfigured hook costs nothing; they run
after it is written, in the order configured.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import NamedTuple

from migguard.config.schema import POST_WRITE_HOOK, check_table
from migguard.errors import ConfigError

__all__ = ["FILENAME_TOKEN", "PostWriteHook", "post_write_hooks", "run_post_write_hook"]

FILENAME_TOKEN = "REVISION_SCRIPT_FILENAME"

# type -> the key naming what it runs.
_TARGET_KEYS = {"exec": "executable", "console_scripts": "entrypoint", "module": "module"}
_OPTIONAL_KEYS = ("cwd", "options")
_TYPES = ", ".join(_TARGET_KEYS)


class PostWriteHook(NamedTuple):
    """One checked hook.

    Attributes:
        name: the hook's name.
        type: ``exec``, ``console_scripts`` or ``module``.
        target: the executable, console script or module it runs.
        options: the argument text, unsplit.
        cwd: the folder it runs in, absolute; ``None`` for the current folder.
    """

    name: str
    type: str
    target: str
    options: str = ""
    cwd: Path | None = None

    def arguments(self, script: Path) -> list[str]:
        """The command's arguments for ``script``: ``options`` split the way a POSIX shell
        splits words, with ``REVISION_SCRIPT_FILENAME`` replaced by the script's path (put
        first when ``options`` does not mention it).

        Raises:
            ConfigError: ``options`` has an unclosed quote.
        """
        import shlex

        text = (
            self.options if FILENAME_TOKEN in self.options else f"{FILENAME_TOKEN} {self.options}"
        )
        try:
            words = shlex.split(text)
        except ValueError as exc:
            raise ConfigError(f"post-write hook {self.name!r}: options: {exc}") from None
        return [word.replace(FILENAME_TOKEN, str(script)) for word in words]


def post_write_hooks(
    entries: Sequence[Mapping[str, object]], *, root: Path, where: str
) -> tuple[PostWriteHook, ...]:
    """Check the configured hooks.

    Args:
        entries: one mapping per hook, as the configuration holds them.
        root: the configuration file's folder (relative ``cwd`` values start there).
        where: the file and table the hooks come from, for error messages (e.g.
            ``"/r/migguard.toml [post_write_hooks]"``).

    Returns:
        The hooks, in the order given.

    Raises:
        ConfigError: a hook has an unknown key or a value that is not a string (checked
            against :data:`migguard.config.schema.POST_WRITE_HOOK`), a key its type does not
            take, no name or a name used twice, no or an unknown ``type``, or misses the key
            its type needs.
    """
    hooks: list[PostWriteHook] = []
    for number, entry in enumerate(entries, start=1):
        hook = _hook(entry, number, root, where)
        if any(other.name == hook.name for other in hooks):
            raise ConfigError(f"post-write hook name {hook.name!r} is used twice in {where}")
        hooks.append(hook)
    return tuple(hooks)


def _hook(entry: Mapping[str, object], number: int, root: Path, where: str) -> PostWriteHook:
    """Check one hook entry (the ``number``-th) against its schema and its type's rules, and
    build it."""
    name = entry.get("name")
    named = isinstance(name, str) and bool(name.strip())
    table = f"{where} hook {name!r}" if named else f"{where} hook #{number}"
    values = check_table(entry, POST_WRITE_HOOK, table)
    name = _text(values, "name")
    if name is None:
        raise ConfigError(f"post-write hook #{number} in {where} needs a 'name' (text)")
    label = f"post-write hook {name!r} in {where}"
    kind = _text(values, "type")
    if kind is None:
        raise ConfigError(f"{label} needs a 'type' ({_TYPES})")
    if kind not in _TARGET_KEYS:
        raise ConfigError(f"{label} has type {kind!r}; migguard runs these types: {_TYPES}")
    target_key = _TARGET_KEYS[kind]
    known = ("name", "type", target_key, *_OPTIONAL_KEYS)
    for key in values:
        if key not in known:
            # The schema knows every type's keys; another type's target key is unknown here.
            raise ConfigError(
                f"unknown key '{key}' in {table} (type {kind} takes: {', '.join(known)})"
            )
    target = _text(values, target_key)
    if target is None:
        raise ConfigError(f"{label} needs '{target_key}', which its type ({kind}) runs")
    cwd = _text(values, "cwd")
    return PostWriteHook(
        name=name,
        type=kind,
        target=target,
        options=_text(values, "options") or "",
        cwd=None if cwd is None else root / cwd,
    )


def _text(values: Mapping[str, object], key: str) -> str | None:
    """An optional text value of a checked hook; empty counts as unset."""
    value = values.get(key)
    return value.strip() or None if isinstance(value, str) else None


def run_post_write_hook(hook: PostWriteHook, script: Path) -> int:
    """Run ``hook`` on ``script``; its output goes to this process's stdout and stderr.

    Args:
        hook: a checked hook.
        script: the revision script just written.

    Returns:
        The command's exit status (0 for success).

    Raises:
        ConfigError: the executable, console script or module cannot be found, the ``cwd``
            folder does not exist, or ``options`` cannot be split.
    """
    import subprocess

    command = [*_command(hook), *hook.arguments(script)]
    if hook.cwd is not None and not hook.cwd.is_dir():
        raise ConfigError(f"post-write hook {hook.name!r}: cwd {hook.cwd} is not a folder")
    try:
        return subprocess.run(command, cwd=hook.cwd, check=False).returncode
    except OSError as exc:
        raise ConfigError(
            f"post-write hook {hook.name!r} cannot run {command[0]}: {exc.strerror}"
        ) from None


def _command(hook: PostWriteHook) -> list[str]:
    """The program (and its leading arguments) that ``hook`` runs."""
    if hook.type == "exec":
        import shutil

        found = shutil.which(hook.target)
        if found is None:
            raise ConfigError(
                f"post-write hook {hook.name!r}: executable {hook.target!r} is not found "
                "(not on PATH, or not an executable file)"
            )
        return [found]
    if hook.type == "module":
        import importlib.util

        try:
            spec = importlib.util.find_spec(hook.target)
        except (ImportError, ValueError):
            spec = None
        if spec is None:
            raise ConfigError(
                f"post-write hook {hook.name!r}: module {hook.target!r} is not installed "
                f"in {sys.executable}"
            )
        return [sys.executable, "-m", hook.target]
    return [sys.executable, "-c", _console_script_runner(hook)]


def _console_script_runner(hook: PostWriteHook) -> str:
    """Python code that runs the console script ``hook.target`` and exits with its status.

    Raises:
        ConfigError: no installed distribution declares that console script.
    """
    from importlib.metadata import entry_points

    if not entry_points(group="console_scripts", name=hook.target):
        raise ConfigError(
            f"post-write hook {hook.name!r}: no installed package provides the console "
            f"script {hook.target!r}"
        )
    return (
        "import sys\n"
        "from importlib.metadata import entry_points\n"
        f"entry = next(iter(entry_points(group='console_scripts', name={hook.target!r})))\n"
        "sys.argv[0] = entry.name\n"
        "sys.exit(entry.load()())\n"
    )

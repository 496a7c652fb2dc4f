"""Running an Alembic project's ``env.py`` to learn its settings.

The file runs as Alembic runs it (as ``__main__``-less top-level code, the ini file's
``prepend_sys_path`` folders first on ``sys.path``), with ``alembic.context`` bound to
migguard's recording module (:mod:`migguard.alembic_compat.env_context`) in offline mode: no
database is touched and no URL or secret leaves the process. Whatever env.py does to the
interpreter's modules, paths and logging is undone afterwards, and its working folder is a
temporary one so that templates writing per-database ``.sql`` files (multidb) leave nothing in
the project.

Running env.py imports the project's models: the trust ``migguard check`` already extends to
the ``metadata`` setting. Nothing that runs on ``git checkout`` calls this.
"""

from __future__ import annotations

import logging
import os
import re
import runpy
import sys
import tempfile
import traceback
import types
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from migguard.alembic_compat.config import AlembicConfig
from migguard.alembic_compat.env_context import EnvRecorder, build_context_module
from migguard.collector import collector_paused
from migguard.config.urls import mask_password

__all__ = ["EnvFailure", "EnvSettings", "run_env_py"]

ENV_SOURCE = "env.py configure()"


@dataclass(frozen=True)
class EnvFailure:
    """Why env.py could not be run: ``"RuntimeError: Working outside of application
    context."`` raised at ``file``:``line`` (the deepest frame in the project, else env.py)."""

    error: str
    file: str | None = None
    line: int | None = None

    def describe(self) -> str:
        """``"migrations/env.py:12: RuntimeError: ..."`` (without a place when unknown)."""
        where = f"{self.file}:{self.line}: " if self.file and self.line else ""
        return f"{where}{self.error}"


@dataclass(frozen=True)
class EnvSettings:
    """What env.py passed to ``context.configure()``.

    Attributes:
        path: the env.py that ran.
        calls: each ``configure()`` call's keyword arguments, in order (the multidb template
            calls once per database).
        engine_names: the ``engine_name`` of each ``run_migrations()`` call, if any.
        failure: set when env.py raised; the calls made before that are kept.
    """

    path: Path
    # Not in the repr: the calls hold the URL, with its password, and a Config (whose repr
    # includes this) may end up in a traceback or a log.
    calls: tuple[Mapping[str, Any], ...] = field(default=(), repr=False)
    engine_names: tuple[str, ...] = ()
    failure: EnvFailure | None = None

    def get(self, key: str, default: Any = None) -> Any:
        """The first ``configure()`` call's value of ``key`` that is not ``None``, else
        ``default``."""
        for call in self.calls:
            if call.get(key) is not None:
                return call[key]
        return default

    def has(self, key: str) -> bool:
        """Whether some ``configure()`` call gave ``key`` a value other than ``None``."""
        return any(call.get(key) is not None for call in self.calls)

    @property
    def target_metadata(self) -> tuple[Any, ...]:
        """Every ``MetaData`` given as ``target_metadata`` (one, or a list/tuple of them) in
        every call, each once, in order."""
        found: dict[int, Any] = {}
        for call in self.calls:
            value = call.get("target_metadata")
            items = value if isinstance(value, list | tuple) else [value]
            for item in items:
                if item is not None:
                    found.setdefault(id(item), item)
        return tuple(found.values())

    def display(self, key: str) -> str:
        """How ``migguard config`` shows a setting env.py gave as an object: ``metadata``
        as ``target_metadata (3 tables)``, a hook as its qualified name; else ``""``."""
        if key == "metadata" and self.target_metadata:
            tables = sum(len(getattr(one, "tables", ())) for one in self.target_metadata)
            count = len(self.target_metadata)
            which = f"{count} MetaData, " if count > 1 else ""
            return f"target_metadata ({which}{tables} table{'s' if tables != 1 else ''})"
        hook = self.get(key)
        if key in {"include_object", "include_name", "process_revision_directives"} and hook:
            module = getattr(hook, "__module__", None) or ""
            name = getattr(hook, "__qualname__", None) or type(hook).__name__
            return f"{module}.{name}" if module and module != "env_py" else f"env.py:{name}"
        return ""

    @property
    def url(self) -> str | None:
        """The URL env.py configured (a ``sqlalchemy.engine.URL`` rendered with its
        password, since it is what to connect with), or ``None``."""
        value = self.get("url")
        if value is None:
            return None
        if isinstance(value, str):
            return value or None
        render = getattr(value, "render_as_string", None)
        return render(hide_password=False) if callable(render) else str(value)


def run_env_py(
    env_path: Path,
    config: AlembicConfig,
    *,
    project_root: Path,
    heads: Callable[[], tuple[str, ...]] = tuple,
) -> EnvSettings:
    """Run ``env_path`` offline against migguard's ``alembic.context`` and return what it
    configured.

    Args:
        env_path: the project's env.py.
        config: ``context.config`` for the run (its ``prepend_sys_path`` is honoured).
        project_root: the configuration file's folder: relative ``prepend_sys_path`` entries
            are taken from it, and failures are located against it.
        heads: the history's heads, for ``context.get_head_revision(s)``.

    Returns:
        The settings; ``failure`` says why env.py stopped, when it raised (any exception:
        env.py is the user's code, and the caller decides how to report it).
    """
    recorder = EnvRecorder(config, heads)
    context = build_context_module(recorder)
    failure: EnvFailure | None = None
    with (
        _bound(context),
        _sys_path(_prepend_paths(config, project_root)),
        _application(env_path, project_root) as not_pushed,
        _contained(),
    ):
        try:
            # env.py imports the models: thousands of objects alive for the whole run (see
            # collector_paused).
            with collector_paused(long_lived=True):
                runpy.run_path(str(env_path), run_name="env_py")
        except Exception as error:  # the user's code: reported as a finding, not a crash
            failure = _failure(error, env_path, project_root)
        except SystemExit as error:
            failure = EnvFailure(f"SystemExit: {error.code}", str(env_path))
    if failure is not None and not_pushed:
        failure = replace(failure, error=f"{failure.error} ({not_pushed})")
    return EnvSettings(
        path=env_path,
        calls=tuple(recorder.configure_calls),
        engine_names=tuple(
            str(call["engine_name"]) for call in recorder.run_calls if "engine_name" in call
        ),
        failure=failure,
    )


@contextmanager
def _application(env_path: Path, project_root: Path) -> Iterator[str | None]:
    """The Flask application context when env.py needs one (Flask-Migrate); yields why it
    could not be pushed, or ``None``."""
    from migguard.alembic_compat.env_flask import flask_app_context, uses_flask_app

    try:
        source = env_path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        source = ""
    if not uses_flask_app(source):
        yield None
        return
    # Flask-Migrate keeps alembic.ini inside the migrations folder: the application (and the
    # folder the `flask` command is run from) is the one above it.
    app_root = project_root.parent if env_path.parent == project_root else project_root
    with flask_app_context(app_root) as not_pushed:
        yield not_pushed


def _prepend_paths(config: AlembicConfig, root: Path) -> list[str]:
    """The ini file's ``prepend_sys_path`` entries made absolute against ``root`` (Alembic
    takes them from the folder it runs in, which is the ini file's for most users), then
    ``root`` itself, where ``migguard check`` imports models from too.

    Entries are split as Alembic splits them: on ``path_separator`` when the file sets it,
    else on spaces, commas and colons.
    """
    value = config.get_main_option("prepend_sys_path") or ""
    separator = _SEPARATORS.get(config.get_main_option("path_separator") or "")
    parts = re.split(r", *|(?: +)|:", value) if separator is None else value.split(separator)
    entries = [str((root / part.strip()).resolve()) for part in parts if part.strip()]
    return [*entries, str(root)]


_SEPARATORS = {"os": os.pathsep, "space": " ", "newline": "\n", ";": ";", ":": ":"}


def _bound(context: types.ModuleType) -> AbstractContextManager[None]:
    """``from alembic import context`` gives ``context`` while the block runs.

    Until the real Alembic package is imported, a stand-in package serves ``context`` (and
    migguard's ``op``): an env.py that imports nothing else of Alembic, which is most of them,
    does not pay for importing Alembic (a fifth of a second: Mako, Pygments, SQLAlchemy's
    dialects). Anything else of Alembic that env.py or a module it imports asks for
    (``alembic.config``, a plugin importing ``alembic.autogenerate``) brings the real package
    in, which then serves ``context`` until the block ends. When Alembic is imported already,
    its ``context`` is swapped from the start. Everything is put back afterwards (see
    :mod:`migguard.alembic_compat.stand_in`).
    """
    from migguard import op
    from migguard.alembic_compat.stand_in import real_alembic_serving, stand_in_alembic

    served = {"context": context, "op": op}
    if sys.modules.get("alembic") is None:
        return stand_in_alembic(served, user=_BEYOND_CONTEXT)
    return real_alembic_serving(served, user=_BEYOND_CONTEXT)


_BEYOND_CONTEXT = (
    "env.py (or a module it imports) uses Alembic beyond `from alembic import context, op`"
)


@contextmanager
def _sys_path(entries: Sequence[str]) -> Iterator[None]:
    """``entries`` first on ``sys.path`` while the block runs (then the old path back)."""
    saved = list(sys.path)
    sys.path[:0] = [entry for entry in entries if entry not in sys.path]
    try:
        yield
    finally:
        sys.path[:] = saved


@contextmanager
def _contained() -> Iterator[None]:
    """Undo what env.py does to the process besides importing: its logging setup
    (``fileConfig``, which would otherwise silence or redirect migguard's callers), and its
    working folder (a temporary one, removed afterwards)."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    manager = logging.Logger.manager
    disabled = {
        name: logger.disabled
        for name, logger in manager.loggerDict.items()
        if isinstance(logger, logging.Logger)
    }
    cwd = os.getcwd()
    with tempfile.TemporaryDirectory(prefix="migguard-env-") as scratch:
        os.chdir(scratch)
        try:
            yield
        finally:
            os.chdir(cwd)
            root.handlers[:] = handlers
            root.setLevel(level)
            for name, logger in list(manager.loggerDict.items()):
                if isinstance(logger, logging.Logger):
                    logger.disabled = disabled.get(name, False)


def _failure(error: BaseException, env_path: Path, root: Path) -> EnvFailure:
    """Locate ``error``: the deepest frame in the project (outside site-packages), else the
    deepest one in env.py."""
    text = _URL_IN_TEXT.sub(lambda found: mask_password(found[0]), " ".join(str(error).split()))
    message = f"{type(error).__name__}: {text}" if text else type(error).__name__
    frames = traceback.extract_tb(error.__traceback__)
    project = os.path.realpath(root)
    env_file = os.path.realpath(env_path)
    inside = [
        frame
        for frame in frames
        if os.path.realpath(frame.filename).startswith(project + os.sep)
        and os.sep + "site-packages" + os.sep not in frame.filename
    ]
    in_env = [frame for frame in frames if os.path.realpath(frame.filename) == env_file]
    candidates = inside or in_env
    chosen = candidates[-1] if candidates else None
    if isinstance(error, SyntaxError) and error.filename and error.lineno:
        return EnvFailure(message, _shown(error.filename, project), error.lineno)
    if chosen is None:
        return EnvFailure(message, _shown(str(env_path), project))
    return EnvFailure(message, _shown(chosen.filename, project), chosen.lineno)


# A URL inside an error message (SQLAlchemy echoes one it cannot parse): its password is
# masked before the message reaches a finding.
_URL_IN_TEXT = re.compile(r"[A-Za-z][\w+.-]*://[^\s'\"]+")


def _shown(filename: str, root: str) -> str:
    path = os.path.realpath(filename)
    return os.path.relpath(path, root) if path.startswith(root + os.sep) else filename

"""The Flask application context a Flask-Migrate ``env.py`` needs.

Flask-Migrate's env.py reaches the models and the URL through ``flask.current_app`` at import
time, so it only runs inside the application's context, which ``flask db`` pushes. migguard
finds the application the way the ``flask`` command does (the ``FLASK_APP`` environment
variable, else ``wsgi.py`` or ``app.py`` in the project folder) and pushes its context while
env.py runs. Loading the application runs the project's code: the trust ``check`` already
extends to the models.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = ["flask_app_context", "uses_flask_app"]


def uses_flask_app(env_source: str) -> bool:
    """Whether env.py reaches the application through Flask's ``current_app``."""
    return "current_app" in env_source and "flask" in env_source


@contextmanager
def flask_app_context(project_root: Path) -> Iterator[str | None]:
    """Push the project's Flask application context for the block.

    Args:
        project_root: the folder ``wsgi.py``/``app.py`` and a relative ``FLASK_APP`` are
            taken from (where users run ``flask db``).

    Yields:
        ``None`` when the context is pushed; else one line saying why not (Flask is not
        installed, or the application cannot be found or loaded), for the failure env.py
        will then report.
    """
    try:
        from flask.cli import ScriptInfo
    except ImportError:
        yield "Flask is not installed in migguard's environment"
        return
    cwd = os.getcwd()
    os.chdir(project_root)
    try:
        app = ScriptInfo(app_import_path=os.environ.get("FLASK_APP"), set_debug_flag=False)
        loaded = app.load_app()
    except Exception as error:  # the user's application: reported with env.py's failure
        reason = " ".join(str(error).split())
        yield f"loading the Flask application failed: {type(error).__name__}: {reason}"
        return
    finally:
        os.chdir(cwd)
    with loaded.app_context():
        yield None

"""A Flask-Migrate project (made by the real ``flask db init`` and ``flask db migrate``): its
env.py needs the application's context, which migguard pushes after finding the application
the way the ``flask`` command does."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from migguard.cli.main import main

APP = """\
from flask import Flask
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy

db = SQLAlchemy()
migrate = Migrate()


def create_app():
    app = Flask(__name__)
    app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite:///shop.db"
    db.init_app(app)
    migrate.init_app(app, db)
    import models  # noqa: F401  (registers the tables)

    return app
"""

MODELS = """\
from {app} import db


class Customer(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    name = db.Column(db.String(50))
"""

OWN_MODULES = ("app", "application", "models")


@pytest.fixture
def flask_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A Flask-Migrate project with one migration made by ``flask db migrate``, and no
    migguard configuration at all (Flask-Migrate keeps alembic.ini in ``migrations/``)."""
    (tmp_path / "app.py").write_text(APP)
    (tmp_path / "models.py").write_text(MODELS.format(app="app"))
    for command in (["db", "init"], ["db", "migrate", "-m", "customers"]):
        subprocess.run(
            [sys.executable, "-m", "flask", "--app", "app", *command],
            cwd=tmp_path,
            check=True,
            capture_output=True,
            env={**os.environ, "PYTHONPATH": str(tmp_path)},
        )
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("FLASK_APP", raising=False)
    monkeypatch.setenv("NO_COLOR", "1")
    yield tmp_path
    for name in OWN_MODULES:
        sys.modules.pop(name, None)


def check(capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    for name in OWN_MODULES:  # each command line is a new process
        sys.modules.pop(name, None)
    capsys.readouterr()
    code = main(["check", "--select", "sync,models-imported"])
    return code, capsys.readouterr().out


def add_email(root: Path, app: str = "app") -> None:
    models = MODELS.format(app=app) + "    email = db.Column(db.String(100))\n"
    (root / "models.py").write_text(textwrap.dedent(models))


@pytest.mark.slow
def test_a_model_change_without_a_migration_fails_the_check(
    flask_project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert check(capsys)[0] == 0

    add_email(flask_project)
    code, out = check(capsys)

    assert code == 1
    assert "add column 'customer.email'" in out


@pytest.mark.slow
def test_the_application_is_found_through_flask_app_or_the_check_warns(
    flask_project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (flask_project / "app.py").rename(flask_project / "application.py")
    add_email(flask_project, app="application")

    code, out = check(capsys)
    assert code == 0
    assert "warning [sync] the models were not compared" in out
    assert "Working outside of application context" in out
    assert "loading the Flask application failed: NoAppException" in out
    assert "All checks passed" not in out

    monkeypatch.setenv("FLASK_APP", "application")
    code, out = check(capsys)
    assert code == 1
    assert "add column 'customer.email'" in out

"""``[check.lint]``: the dialect from the table or the URL, ignored rules, severities, and one
clear error per mistake."""

from __future__ import annotations

import pytest

from migguard.config.load import load_config
from migguard.errors import ConfigError
from migguard.lint.settings import LintSettings, dialect_of_url, lint_settings
from tests.testing.project import Project


def _settings(project: Project, toml: str) -> LintSettings:
    with (project.root / "migguard.toml").open("a", encoding="utf-8") as config:
        config.write(toml)
    return lint_settings(load_config(cwd=project.root, environ={}))


@pytest.mark.parametrize(
    ("url", "dialect"),
    [
        ("postgresql+psycopg://u:p@h/db", "postgresql"),
        ("postgres://h/db", "postgresql"),
        ("sqlite:///app.db", "sqlite"),
        ("mysql+pymysql://h/db", "mysql"),
        ("mariadb://h/db", "mysql"),
        ("mssql+pyodbc://h/db", None),
        ("not a url", None),
        (None, None),
    ],
)
def test_the_dialect_of_a_url(url: str | None, dialect: str | None) -> None:
    assert dialect_of_url(url) == dialect


def test_defaults_follow_the_configured_url(project: Project) -> None:
    assert _settings(project, "") == LintSettings("postgresql", frozenset(), {})
    assert _settings(project, 'url = "sqlite:///app.db"\n').dialect == "sqlite"


def test_the_table_sets_dialect_ignore_and_severity(project: Project) -> None:
    settings = _settings(
        project,
        '[check.lint]\ndialect = "postgresql"\nignore = ["missing-lock-timeout", '
        '"squawk:ban-drop-column"]\nseverity = { drop-column = "error" }\n',
    )
    assert settings == LintSettings(
        "postgresql",
        frozenset({"missing-lock-timeout", "squawk:ban-drop-column"}),
        {"drop-column": "error"},
    )


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ('[check.lint]\ndialect = "oracle"\n', "must be postgresql, sqlite or mysql"),
        ('[check.lint]\nseverity = { drop-column = "fatal" }\n', "must be error, warning or info"),
        ('[check.lint]\nseverity = { no-such-rule = "info" }\n', "unknown lint rule"),
        ('[check.lint]\nignore = "drop-column"\n', "must be an array of strings"),
        ("[check.lint]\nselect = []\n", "unknown key 'select'"),
    ],
)
def test_each_mistake_is_one_error_naming_the_table(
    project: Project, toml: str, message: str
) -> None:
    with pytest.raises(ConfigError) as raised:
        _settings(project, toml)
    assert message in str(raised.value)
    assert "migguard.toml [check.lint]" in str(raised.value)

"""``[pytest]``: the tests to collect and the server for scratch databases, checked."""

from __future__ import annotations

import pytest

from migguard.config.load import load_config
from migguard.errors import ConfigError
from migguard.migration_tests.settings import (
    DEFAULT_TESTS,
    PytestSettings,
    parse_tests,
    pytest_settings,
)
from tests.testing.project import Project


def _settings(project: Project, toml: str) -> PytestSettings:
    with (project.root / "migguard.toml").open("a", encoding="utf-8") as config:
        config.write(toml)
    return pytest_settings(load_config(cwd=project.root, environ={}))


def test_every_test_but_downgrade_defined_runs_by_default(project: Project) -> None:
    assert _settings(project, "") == PytestSettings(DEFAULT_TESTS, None)
    assert "downgrade-defined" not in DEFAULT_TESTS


def test_the_table_selects_tests_and_a_server(project: Project) -> None:
    settings = _settings(project, '[pytest]\ntests = ["upgrade"]\nurl = "postgresql://h/db"\n')
    assert settings == PytestSettings(("upgrade",), "postgresql://h/db")


def test_the_password_of_its_url_is_masked_by_migguard_config(project: Project) -> None:
    with (project.root / "migguard.toml").open("a", encoding="utf-8") as config:
        config.write('[pytest]\nurl = "postgresql://u:s3cret@h/db"\n')
    shown = project.run("config")
    assert "s3cret" not in shown.out
    assert "postgresql://u:***@h/db" in shown.out


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ('[pytest]\ntests = ["stairway"]\n', "unknown built-in test 'stairway'"),
        ("[pytest]\nurl = 5\n", "key 'url' in"),
        ("[pytest]\nparallel = true\n", "unknown key 'parallel'"),
    ],
)
def test_each_mistake_is_one_error(project: Project, toml: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        _settings(project, toml)


def test_the_command_line_names_are_checked() -> None:
    assert parse_tests("upgrade, models-match") == ("upgrade", "models-match")
    with pytest.raises(ConfigError, match="--migguard-tests"):
        parse_tests("upgrade,nope")

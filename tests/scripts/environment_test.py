"""``migguard init``: the environment and its configuration."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from migguard.config.load import load_config
from migguard.errors import ConfigError, UsageError
from migguard.scripts.environment import init_environment, list_templates


def test_init_creates_the_environment_and_migguard_toml(tmp_path: Path) -> None:
    result = init_environment(Path("migrations"), "generic", tmp_path)
    env = tmp_path / "migrations"
    assert result.directory == env
    assert (env / "versions").is_dir()
    assert (env / "script.py.mako").read_text().startswith('"""${message}')
    assert "migration environment" in (env / "README").read_text()
    assert result.config_file == tmp_path / "migguard.toml"
    config = load_config(cwd=tmp_path)
    assert config.script_location == env
    assert config.version_locations == (env / "versions",)


def test_init_appends_to_an_existing_pyproject(tmp_path: Path) -> None:
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text('[project]\nname = "shop"\n')
    result = init_environment(Path("db/migrations"), "generic", tmp_path)
    assert not result.created_config
    data = tomllib.loads(pyproject.read_text())
    assert data["project"]["name"] == "shop"
    assert data["tool"]["migguard"]["script_location"] == "db/migrations"
    assert not (tmp_path / "migguard.toml").exists()


def test_dated_template_sets_the_file_template(tmp_path: Path) -> None:
    init_environment(Path("migrations"), "dated", tmp_path)
    assert load_config(cwd=tmp_path).file_template.startswith("%(year)d_%(month).2d")
    assert (tmp_path / "migrations" / "script.py.mako").exists()


def test_templates_are_listed_with_descriptions() -> None:
    names = {t.name: t.description for t in list_templates()}
    assert {"generic", "dated"} <= names.keys()
    assert all(names.values())


def test_init_refuses_a_non_empty_folder(tmp_path: Path) -> None:
    (tmp_path / "migrations").mkdir()
    (tmp_path / "migrations" / "keep.txt").write_text("mine")
    with pytest.raises(UsageError, match="exists and is not empty"):
        init_environment(Path("migrations"), "generic", tmp_path)
    assert not (tmp_path / "migguard.toml").exists()


def test_init_accepts_an_empty_existing_folder(tmp_path: Path) -> None:
    (tmp_path / "migrations").mkdir()
    init_environment(Path("migrations"), "generic", tmp_path)
    assert (tmp_path / "migrations" / "versions").is_dir()


@pytest.mark.parametrize(
    ("existing", "content"),
    [("migguard.toml", 'script_location = "x"\n'), ("pyproject.toml", "[tool.migguard]\n")],
)
def test_init_refuses_a_configured_folder(tmp_path: Path, existing: str, content: str) -> None:
    (tmp_path / existing).write_text(content)
    with pytest.raises(ConfigError, match="already"):
        init_environment(Path("migrations"), "generic", tmp_path)
    assert not (tmp_path / "migrations").exists()


def test_unknown_template_lists_the_known_ones(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="unknown template 'fancy'; available: dated, generic"):
        init_environment(Path("migrations"), "fancy", tmp_path)


ALEMBIC_INI = "[alembic]\nscript_location = %(here)s/alembic\nsqlalchemy.url = sqlite:///app.db\n"


@pytest.mark.parametrize(
    ("name", "content", "named"),
    [
        ("alembic.ini", ALEMBIC_INI, "alembic.ini [alembic]"),
        (
            "pyproject.toml",
            '[project]\nname = "app"\n[tool.alembic]\nscript_location = "%(here)s/alembic"\n',
            "pyproject.toml [tool.alembic]",
        ),
    ],
)
def test_init_refuses_to_shadow_an_alembic_environment(
    tmp_path: Path, name: str, content: str, named: str
) -> None:
    (tmp_path / name).write_text(content)
    before = sorted(tmp_path.iterdir())
    with pytest.raises(ConfigError) as caught:
        init_environment(Path("migrations"), "generic", tmp_path)
    message = str(caught.value)
    assert message == (
        f"{tmp_path}/{named} already configures an Alembic environment "
        f"({tmp_path / 'alembic'}) and migguard uses it as it is: run `migguard check` or "
        "`migguard upgrade head` here; put migguard's own settings in [tool.migguard] or "
        "migguard.toml, without script_location"
    )
    assert sorted(tmp_path.iterdir()) == before

"""Alembic's ``Config`` as env.py and scripts use it: each answer compared with the real
Alembic's ``Config`` reading the same file."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.config import Config as RealConfig

from migguard.alembic_compat.config import AlembicConfig, alembic_config_for
from migguard.errors import ConfigError
from tests.testing.alembic_project import set_ini_option

INI = """\
[alembic]
script_location = %(here)s/migrations
sqlalchemy.url = sqlite:///%(here)s/app.db
databases = engine1, engine2
percent = 100%%
derived = %(databases)s!

[engine1]
sqlalchemy.url = postgresql://u@h/one

[custom]
flag = yes
"""


@pytest.fixture
def ini(tmp_path: Path) -> Path:
    path = tmp_path / "alembic.ini"
    path.write_text(INI)
    return path


def both(ini: Path) -> tuple[AlembicConfig, RealConfig]:
    return AlembicConfig(str(ini)), RealConfig(str(ini))


def test_reads_answer_as_alembic_does(ini: Path) -> None:
    ours, real = both(ini)
    for name in ("script_location", "sqlalchemy.url", "percent", "derived", "missing"):
        assert ours.get_main_option(name) == real.get_main_option(name), name
    assert ours.get_main_option("missing", "fallback") == "fallback"
    assert ours.get_section_option("engine1", "sqlalchemy.url") == real.get_section_option(
        "engine1", "sqlalchemy.url"
    )
    assert ours.get_section("custom") == real.get_section("custom")
    assert ours.get_section("alembic") == real.get_section("alembic")
    assert ours.get_section("nowhere", {}) == real.get_section("nowhere", {}) == {}
    assert ours.config_file_name == real.config_file_name
    assert ours.config_ini_section == real.config_ini_section == "alembic"
    assert ours.get_alembic_option("script_location") == real.get_alembic_option("script_location")


def test_writes_stay_in_memory_and_interpolate_as_alembic_does(ini: Path) -> None:
    ours, real = both(ini)
    for config in (ours, real):
        config.set_main_option("sqlalchemy.url", "postgresql://app@db/%(databases)s")
        config.set_section_option("new", "key", "50%%")
        config.remove_main_option("percent")
    assert ours.get_main_option("sqlalchemy.url") == real.get_main_option("sqlalchemy.url")
    assert ours.get_section("new") == real.get_section("new")
    assert ours.get_main_option("percent") is real.get_main_option("percent") is None
    assert ini.read_text() == INI


def test_a_missing_section_is_an_error_as_in_alembic(ini: Path) -> None:
    with pytest.raises(ConfigError, match="no config section 'nowhere'"):
        AlembicConfig(str(ini)).get_section_option("nowhere", "key")


def test_attributes_and_command_options(ini: Path) -> None:
    config = alembic_config_for(ini, x_arguments=("tenant=acme", "dry"), sql=True)
    config.attributes["connection"] = "handed over"
    assert config.attributes == {"connection": "handed over"}
    assert config.cmd_opts.x == ["tenant=acme", "dry"]
    assert config.cmd_opts.sql is True
    assert config.cmd_opts.config == str(ini)


def test_a_toml_configuration_gives_an_empty_config(tmp_path: Path) -> None:
    config = alembic_config_for(tmp_path / "migguard.toml")
    assert config.config_file_name is None
    assert config.get_main_option("sqlalchemy.url") is None


SCRIPT_READING_CONFIG = """\
config = op.get_context().config
name = config.get_main_option("audit_table")
assert config.get_section(config.config_ini_section)["audit_table"] == name
assert config.get_section_option("audit", "retention_days") == "30"
config.attributes["ran"] = True
assert config.cmd_opts.x is None  # no -x given
op.create_table(name, sa.Column("id", sa.Integer(), primary_key=True))"""


@pytest.mark.slow
def test_scripts_reach_the_project_config_through_op_get_context(make_project, db_url: str) -> None:
    project = make_project()
    ini = project.root / "alembic.ini"
    set_ini_option(ini, "sqlalchemy.url", db_url)
    set_ini_option(ini, "audit_table", "audit_trail")
    ini.write_text(ini.read_text() + "\n[audit]\nretention_days = 30\n")
    project.add(
        "a1",
        None,
        SCRIPT_READING_CONFIG,
        'op.drop_table(op.get_context().config.get_main_option("audit_table"))',
    )

    offline = project.migguard("upgrade", "head", "--sql")
    assert offline.code == 0, offline.err
    assert "CREATE TABLE audit_trail" in offline.out
    assert "CREATE TABLE audit_trail" in project.alembic("upgrade", "head", "--sql").stdout

    assert project.migguard("upgrade", "head").code == 0
    assert "audit_trail" in table_names(db_url)
    project.alembic("downgrade", "base")  # Alembic reads the same setting to drop it
    assert "audit_trail" not in table_names(db_url)
    assert project.migguard("upgrade", "head").code == 0
    assert project.migguard("downgrade", "base").code == 0
    assert "audit_trail" not in table_names(db_url)


def table_names(url: str) -> list[str]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            return sa.inspect(connection).get_table_names()
    finally:
        engine.dispose()

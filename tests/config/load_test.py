from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from migguard.config import Config
from migguard.config.load import connect_url, load_config
from migguard.config.model import setting_keys
from migguard.errors import ConfigError

REPO_ROOT = Path(__file__).resolve().parents[1]
NO_ENV: dict[str, str] = {}


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def load(folder: Path, **kwargs: object) -> Config:
    """Discover from ``folder`` with an empty environment unless one is given."""
    kwargs.setdefault("environ", NO_ENV)
    return load_config(cwd=folder, **kwargs)  # type: ignore[arg-type]


def error_of(folder: Path, **kwargs: object) -> str:
    with pytest.raises(ConfigError) as caught:
        load(folder, **kwargs)
    message = str(caught.value)
    assert "\n" not in message
    return message


# --- the three file kinds -----------------------------------------------------------------

FULL_TOML = """
script_location = "db/migrations"
version_locations = ["db/migrations/versions", "/abs/extra"]
recursive_version_locations = true
url = "postgresql+psycopg://app:pw@localhost/app"
metadata = ["app.models:Base.metadata", "app.other:metadata"]
prepend_sys_path = ["src"]
file_template = "%(year)d_%(rev)s_%(slug)s"
timezone = "UTC"
truncate_slug_length = 30
version_table = "schema_versions"
version_table_schema = "meta"
sync_each_revision = true
exclude_tables = ["spatial_ref_sys"]
compare_type = true
compare_server_default = false
include_object = "app.db:include_object"
check_url = "postgresql://ci:cipw@ci/app"
base_branch = "main"
heads_file = "db/HEADS"
log = "logs/migguard.jsonl"

[check]
compare_server_default = true

[post_merge]
upgrade = false

[autogenerate]
safe = true

[pytest]
tests = ["upgrade"]

[targets.eu]
url = "postgresql://app:${EU_PW}@eu/app"
tags = ["prod"]

[[post_write_hooks]]
name = "ruff"
type = "exec"
executable = "ruff"
options = "format REVISION_SCRIPT_FILENAME"
"""


def test_migguard_toml_with_every_key(tmp_path: Path) -> None:
    write(tmp_path / "migguard.toml", FULL_TOML)
    config = load(tmp_path)
    assert config.path == tmp_path / "migguard.toml"
    assert config.root == tmp_path
    assert config.script_location == tmp_path / "db" / "migrations"
    assert config.version_locations == (tmp_path / "db/migrations/versions", Path("/abs/extra"))
    assert config.recursive_version_locations is True
    assert config.url == "postgresql+psycopg://app:pw@localhost/app"
    assert config.metadata == ("app.models:Base.metadata", "app.other:metadata")
    assert config.prepend_sys_path == (tmp_path / "src",)
    assert config.file_template == "%(year)d_%(rev)s_%(slug)s"
    assert config.timezone == "UTC"
    assert config.truncate_slug_length == 30
    assert config.version_table == "schema_versions"
    assert config.version_table_schema == "meta"
    assert config.sync_each_revision is True
    assert config.exclude_tables == ("spatial_ref_sys",)
    assert config.compare_type is True
    assert config.compare_server_default is False
    assert config.include_object == "app.db:include_object"
    assert config.check_url == "postgresql://ci:cipw@ci/app"
    assert config.base_branch == "main"
    assert config.heads_file == tmp_path / "db" / "HEADS"
    assert config.log == tmp_path / "logs" / "migguard.jsonl"
    assert dict(config.check) == {"compare_server_default": True}
    assert dict(config.post_merge) == {"upgrade": False}
    assert dict(config.autogenerate) == {"safe": True}
    assert dict(config.pytest) == {"tests": ["upgrade"]}
    # Read as written: migguard.fleet.targets checks and expands them where targets are used.
    assert dict(config.targets) == {
        "eu": {"url": "postgresql://app:${EU_PW}@eu/app", "tags": ["prod"]}
    }
    assert [dict(hook) for hook in config.post_write_hooks] == [
        {
            "name": "ruff",
            "type": "exec",
            "executable": "ruff",
            "options": "format REVISION_SCRIPT_FILENAME",
        }
    ]
    assert set(config.sources.values()) == {"migguard.toml"}


def test_minimal_toml_uses_defaults(tmp_path: Path) -> None:
    write(tmp_path / "migguard.toml", 'script_location = "migrations"\n')
    config = load(tmp_path)
    defaults = Config(path=None, root=tmp_path, script_location=tmp_path, version_locations=())
    assert config.version_locations == (tmp_path / "migrations" / "versions",)
    for key in setting_keys():
        if key not in {"script_location", "version_locations"}:
            assert getattr(config, key) == getattr(defaults, key), key
    assert config.sources["script_location"] == "migguard.toml"
    assert config.sources["version_locations"] == "default"
    assert config.sources["url"] == "default"


def test_sources_has_an_entry_for_every_setting(tmp_path: Path) -> None:
    write(tmp_path / "migguard.toml", 'script_location = "m"\ntimezone = "UTC"\n')
    config = load(tmp_path)
    assert set(config.sources) == set(setting_keys())
    assert config.sources["timezone"] == "migguard.toml"
    assert config.sources["file_template"] == "default"


def test_metadata_single_string_becomes_tuple(tmp_path: Path) -> None:
    write(tmp_path / "migguard.toml", 'script_location = "m"\nmetadata = "app.models:Base"\n')
    assert load(tmp_path).metadata == ("app.models:Base",)


def test_empty_values_count_as_unset(tmp_path: Path) -> None:
    write(
        tmp_path / "migguard.toml",
        'script_location = "m"\nurl = ""\ntimezone = ""\nversion_locations = []\n',
    )
    config = load(tmp_path)
    assert config.url is None
    assert config.timezone is None
    assert config.version_locations == (tmp_path / "m" / "versions",)
    assert config.sources["timezone"] == "default"


def test_pyproject_tool_table(tmp_path: Path) -> None:
    write(
        tmp_path / "pyproject.toml",
        '[project]\nname = "app"\n\n[tool.migguard]\nscript_location = "migrations"\n'
        'url = "sqlite:///app.db"\n',
    )
    config = load(tmp_path)
    assert config.path == tmp_path / "pyproject.toml"
    assert config.script_location == tmp_path / "migrations"
    assert config.url == "sqlite:///app.db"
    assert config.sources["url"] == "pyproject.toml [tool.migguard]"


def test_alembic_ini(tmp_path: Path) -> None:
    write(
        tmp_path / "alembic.ini",
        "[alembic]\n"
        "script_location = %(here)s/alembic\n"
        "file_template = %%(rev)s_%%(slug)s_custom\n"
        "sqlalchemy.url = driver://user:pass@localhost/dbname\n"
        "version_locations = versions_a, %(here)s/versions_b\n"
        "recursive_version_locations = false\n"
        "prepend_sys_path = .\n"
        "[loggers]\nkeys = root,sqlalchemy,alembic\n",
    )
    config = load(tmp_path)
    assert config.path == tmp_path / "alembic.ini"
    assert config.script_location == tmp_path / "alembic"
    assert config.file_template == "%(rev)s_%(slug)s_custom"
    assert config.url == "driver://user:pass@localhost/dbname"
    assert config.version_locations == (tmp_path / "versions_a", tmp_path / "versions_b")
    assert config.recursive_version_locations is False
    assert config.sources["url"] == "alembic.ini [alembic]"
    assert config.sources["recursive_version_locations"] == "alembic.ini [alembic]"
    assert config.sources["timezone"] == "default"


def test_post_write_hooks_in_each_file_kind(tmp_path: Path) -> None:
    ruff = {"name": "ruff", "type": "module", "module": "ruff", "options": "format"}
    write(
        tmp_path / "toml" / "migguard.toml",
        'script_location = "m"\n'
        "[[post_write_hooks]]\n"
        'name = "ruff"\ntype = "module"\nmodule = "ruff"\noptions = "format"\n',
    )
    write(
        tmp_path / "pyproject" / "pyproject.toml",
        '[tool.migguard]\nscript_location = "m"\n'
        "[[tool.migguard.post_write_hooks]]\n"
        'name = "ruff"\ntype = "module"\nmodule = "ruff"\noptions = "format"\n',
    )
    write(
        tmp_path / "ini" / "alembic.ini",
        "[alembic]\nscript_location = m\n"
        "[post_write_hooks]\n"
        "hooks = Ruff, lint\n"
        "ruff.type = module\nruff.module = ruff\nruff.options = format\n"
        "lint.type = exec\nlint.executable = %(here)s/bin/ruff\n"
        "lint.options = check --fix REVISION_SCRIPT_FILENAME\n",
    )
    for kind in ("toml", "pyproject"):
        assert load(tmp_path / kind).post_write_hooks == (ruff,)
    lint = {
        "name": "lint",
        "type": "exec",
        "executable": f"{tmp_path / 'ini'}/bin/ruff",
        "options": "check --fix REVISION_SCRIPT_FILENAME",
    }
    assert load(tmp_path / "ini").post_write_hooks == ({**ruff, "name": "Ruff"}, lint)


def test_post_write_hooks_must_be_an_array_of_tables(tmp_path: Path) -> None:
    write(tmp_path / "migguard.toml", 'script_location = "m"\npost_write_hooks = ["ruff"]\n')
    assert error_of(tmp_path) == (
        f"key 'post_write_hooks' in {tmp_path / 'migguard.toml'} must be an array of tables, "
        "got an array containing string"
    )


def test_alembic_ini_empty_url_is_unset(tmp_path: Path) -> None:
    write(tmp_path / "alembic.ini", "[alembic]\nscript_location = m\nsqlalchemy.url =\n")
    config = load(tmp_path)
    assert config.url is None
    assert config.sources["url"] == "default"


def test_alembic_ini_without_script_location(tmp_path: Path) -> None:
    write(tmp_path / "alembic.ini", "[alembic]\nsqlalchemy.url = sqlite://\n")
    message = error_of(tmp_path)
    assert message == f"missing required key 'script_location' in {tmp_path}/alembic.ini [alembic]"


# --- discovery and --config ---------------------------------------------------------------


def test_discovery_from_nested_folder(tmp_path: Path) -> None:
    write(tmp_path / "migguard.toml", 'script_location = "migrations"\n')
    nested = tmp_path / "app" / "models"
    nested.mkdir(parents=True)
    config = load(nested)
    assert config.path == tmp_path / "migguard.toml"
    # Relative paths follow the config file, not the folder the command ran in.
    assert config.script_location == tmp_path / "migrations"


def test_precedence_within_a_folder(tmp_path: Path) -> None:
    write(tmp_path / "alembic.ini", "[alembic]\nscript_location = ini\n")
    write(tmp_path / "pyproject.toml", '[tool.migguard]\nscript_location = "pyproject"\n')
    assert load(tmp_path).script_location == tmp_path / "pyproject"
    write(tmp_path / "migguard.toml", 'script_location = "toml"\n')
    assert load(tmp_path).script_location == tmp_path / "toml"


def test_pyproject_without_table_is_skipped(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", '[project]\nname = "app"\n')
    write(tmp_path / "alembic.ini", "[alembic]\nscript_location = ini\n")
    assert load(tmp_path).path == tmp_path / "alembic.ini"


def test_config_option_wins_over_discovery(tmp_path: Path) -> None:
    write(tmp_path / "migguard.toml", 'script_location = "discovered"\n')
    other = write(tmp_path / "elsewhere" / "custom.toml", 'script_location = "chosen"\n')
    config = load(tmp_path, config_path=other)
    assert config.path == other
    assert config.script_location == tmp_path / "elsewhere" / "chosen"
    assert config.sources["script_location"] == "custom.toml"


def test_config_option_reads_pyproject_and_ini(tmp_path: Path) -> None:
    pyproject = write(tmp_path / "a" / "pyproject.toml", '[tool.migguard]\nscript_location = "p"\n')
    ini = write(tmp_path / "b" / "setup.ini", "[alembic]\nscript_location = i\n")
    assert load(tmp_path, config_path=pyproject).script_location == tmp_path / "a" / "p"
    assert load(tmp_path, config_path=ini).script_location == tmp_path / "b" / "i"


def test_config_option_missing_file_names_path(tmp_path: Path) -> None:
    missing = tmp_path / "missing.toml"
    assert str(missing) in error_of(tmp_path, config_path=missing)


def test_nothing_found_suggests_init(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    message = error_of(empty)
    assert str(empty) in message
    assert "migguard init" in message


# --- checking keys and types --------------------------------------------------------------


def test_unknown_key_names_key_file_and_suggestion(tmp_path: Path) -> None:
    write(tmp_path / "migguard.toml", 'scrpt_location = "m"\n')
    message = error_of(tmp_path)
    assert message == (
        f"unknown key 'scrpt_location' in {tmp_path}/migguard.toml "
        "(did you mean 'script_location'?)"
    )


def test_unknown_key_in_pyproject_names_table(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", '[tool.migguard]\nscript_location = "m"\nzzz = 1\n')
    message = error_of(tmp_path)
    assert message.startswith(
        f"unknown key 'zzz' in {tmp_path}/pyproject.toml [tool.migguard] "
        "(known: script_location, version_locations, "
    )


def test_unknown_keys_in_alembic_ini_are_ignored(tmp_path: Path) -> None:
    write(tmp_path / "alembic.ini", "[alembic]\nscript_location = m\nscrpt_location = x\n")
    assert load(tmp_path).script_location == tmp_path / "m"


@pytest.mark.parametrize(
    ("line", "expected", "actual"),
    [
        ('script_location = ["m"]', "a string", "array"),
        ('version_locations = "v"', "an array of strings", "string"),
        ("version_locations = [1]", "an array of strings", "an array containing integer"),
        ('recursive_version_locations = "yes"', "a boolean", "string"),
        ("url = 5", "a string", "integer"),
        ("metadata = [true]", "a string or an array of strings", "an array containing boolean"),
        ('truncate_slug_length = "40"', "an integer", "string"),
        ("truncate_slug_length = true", "an integer", "boolean"),
        ("truncate_slug_length = 4.5", "an integer", "float"),
        ('check = "strict"', "a table", "string"),
        ("post_merge = []", "a table", "array"),
    ],
)
def test_wrong_type_names_key_file_expected_and_actual(
    tmp_path: Path, line: str, expected: str, actual: str
) -> None:
    key = line.split(" =")[0]
    body = line if key == "script_location" else f'script_location = "m"\n{line}'
    write(tmp_path / "migguard.toml", body + "\n")
    message = error_of(tmp_path)
    assert message == f"key '{key}' in {tmp_path}/migguard.toml must be {expected}, got {actual}"


def test_truncate_slug_length_must_be_positive(tmp_path: Path) -> None:
    write(tmp_path / "migguard.toml", 'script_location = "m"\ntruncate_slug_length = 0\n')
    assert "must be at least 1, got 0" in error_of(tmp_path)


def test_invalid_toml_names_file_and_line(tmp_path: Path) -> None:
    write(tmp_path / "migguard.toml", 'script_location = "m"\nurl = "unterminated\n')
    message = error_of(tmp_path)
    assert f"{tmp_path}/migguard.toml" in message
    assert "line 2" in message


def test_missing_script_location(tmp_path: Path) -> None:
    write(tmp_path / "migguard.toml", 'url = "sqlite://"\n')
    assert "missing required key 'script_location'" in error_of(tmp_path)


# --- paths --------------------------------------------------------------------------------


def test_absolute_paths_stay_and_relative_paths_normalise(tmp_path: Path) -> None:
    outside = tmp_path / "shared" / "versions"
    write(
        tmp_path / "project" / "migguard.toml",
        f'script_location = "../shared/./migrations"\nversion_locations = ["{outside}"]\n'
        f'log = "{tmp_path}/log.jsonl"\n',
    )
    config = load(tmp_path / "project")
    assert config.script_location == tmp_path / "shared" / "migrations"
    assert config.version_locations == (outside,)
    assert config.log == tmp_path / "log.jsonl"


def test_tilde_expands_to_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path / "home"
    monkeypatch.setenv("HOME", str(home))
    write(tmp_path / "migguard.toml", 'script_location = "~/migrations"\nheads_file = "~/H"\n')
    config = load(tmp_path)
    assert config.script_location == home / "migrations"
    assert config.heads_file == home / "H"


def test_package_resource_location(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    package = tmp_path / "site" / "mgpkg_for_test"
    write(package / "__init__.py", "")
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    write(
        tmp_path / "migguard.toml",
        'script_location = "mgpkg_for_test:migrations"\n'
        'version_locations = ["mgpkg_for_test:migrations/versions", "plain"]\n',
    )
    config = load(tmp_path)
    assert config.script_location == package / "migrations"
    assert config.version_locations == (package / "migrations" / "versions", tmp_path / "plain")


def test_package_resource_unknown_package(tmp_path: Path) -> None:
    write(tmp_path / "migguard.toml", 'script_location = "no_such_pkg_xyz:migrations"\n')
    message = error_of(tmp_path)
    assert "'no_such_pkg_xyz'" in message
    assert f"'script_location' in {tmp_path}/migguard.toml" in message


def test_package_resource_that_is_a_module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path / "site" / "mgmod_for_test.py", "")
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    write(tmp_path / "migguard.toml", 'script_location = "mgmod_for_test:m"\n')
    assert "is a module, not a package" in error_of(tmp_path)


def test_absolute_path_with_colon_is_a_path(tmp_path: Path) -> None:
    write(tmp_path / "migguard.toml", f'script_location = "{tmp_path}/a:b"\n')
    assert load(tmp_path).script_location == tmp_path / "a:b"


def test_relative_path_with_non_identifier_prefix_is_a_path(tmp_path: Path) -> None:
    write(tmp_path / "migguard.toml", 'script_location = "./dir:x"\n')
    assert load(tmp_path).script_location == tmp_path / "dir:x"


# --- URL precedence and expansion ---------------------------------------------------------


def url_config(tmp_path: Path) -> None:
    write(tmp_path / "migguard.toml", 'script_location = "m"\nurl = "sqlite:///file.db"\n')


def test_url_from_file(tmp_path: Path) -> None:
    url_config(tmp_path)
    config = load(tmp_path)
    assert (config.url, config.sources["url"]) == ("sqlite:///file.db", "migguard.toml")


def test_env_url_beats_file(tmp_path: Path) -> None:
    url_config(tmp_path)
    config = load(tmp_path, environ={"MIGGUARD_URL": "sqlite:///env.db"})
    assert (config.url, config.sources["url"]) == ("sqlite:///env.db", "env MIGGUARD_URL")


def test_url_option_beats_env_and_file(tmp_path: Path) -> None:
    url_config(tmp_path)
    config = load(tmp_path, url="sqlite:///cli.db", environ={"MIGGUARD_URL": "sqlite:///env.db"})
    assert (config.url, config.sources["url"]) == ("sqlite:///cli.db", "--url")


def test_empty_env_url_is_ignored(tmp_path: Path) -> None:
    url_config(tmp_path)
    config = load(tmp_path, environ={"MIGGUARD_URL": ""})
    assert config.sources["url"] == "migguard.toml"


def test_env_url_without_url_in_file(tmp_path: Path) -> None:
    write(tmp_path / "migguard.toml", 'script_location = "m"\n')
    config = load(tmp_path, environ={"MIGGUARD_URL": "sqlite://"})
    assert (config.url, config.sources["url"]) == ("sqlite://", "env MIGGUARD_URL")


def test_environ_defaults_to_os_environ(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url_config(tmp_path)
    monkeypatch.setenv("MIGGUARD_URL", "sqlite:///from-process-env.db")
    assert load_config(cwd=tmp_path).url == "sqlite:///from-process-env.db"


def test_url_and_check_url_are_expanded(tmp_path: Path) -> None:
    write(
        tmp_path / "migguard.toml",
        'script_location = "m"\nurl = "postgresql://app:${DB_PW}@${DB_HOST}/app"\n'
        'check_url = "postgresql://ci:${CI_PW}@ci/app"\n',
    )
    environ = {"DB_PW": "s3cret", "DB_HOST": "db.internal", "CI_PW": "c1"}
    config = load(tmp_path, environ=environ)
    assert config.url == "postgresql://app:s3cret@db.internal/app"
    assert config.check_url == "postgresql://ci:c1@ci/app"


def test_winning_url_is_expanded(tmp_path: Path) -> None:
    url_config(tmp_path)
    environ = {"MIGGUARD_URL": "sqlite:///${NAME}.db", "NAME": "envdb"}
    assert load(tmp_path, environ=environ).url == "sqlite:///envdb.db"
    assert load(tmp_path, environ=environ, url="sqlite:///${NAME}-cli.db").url == (
        "sqlite:///envdb-cli.db"
    )


def test_losing_url_is_not_expanded(tmp_path: Path) -> None:
    write(tmp_path / "migguard.toml", 'script_location = "m"\nurl = "postgresql://${UNSET}"\n')
    assert load(tmp_path, url="sqlite://").url == "sqlite://"


def test_unset_variable_in_file_url_names_variable_and_file(tmp_path: Path) -> None:
    write(tmp_path / "migguard.toml", 'script_location = "m"\nurl = "postgresql://${DB_URL_PW}"\n')
    message = error_of(tmp_path)
    assert "'DB_URL_PW'" in message
    assert f"'url' in {tmp_path}/migguard.toml" in message


def test_unset_variable_in_alembic_ini_names_sqlalchemy_url(tmp_path: Path) -> None:
    write(tmp_path / "alembic.ini", "[alembic]\nscript_location = m\nsqlalchemy.url = ${NOPE}\n")
    assert f"'sqlalchemy.url' in {tmp_path}/alembic.ini [alembic]" in error_of(tmp_path)


def test_unset_variable_in_option_or_env_names_origin(tmp_path: Path) -> None:
    url_config(tmp_path)
    assert "--url" in error_of(tmp_path, url="sqlite:///${NOPE}")
    assert "MIGGUARD_URL" in error_of(tmp_path, environ={"MIGGUARD_URL": "${NOPE}"})


def test_unset_variable_in_check_url(tmp_path: Path) -> None:
    write(tmp_path / "migguard.toml", 'script_location = "m"\ncheck_url = "${CI_DB}"\n')
    message = error_of(tmp_path)
    assert "'CI_DB'" in message
    assert "'check_url'" in message


# --- display ------------------------------------------------------------------------------


def test_display_items_cover_every_setting_and_hide_passwords(tmp_path: Path) -> None:
    write(tmp_path / "migguard.toml", FULL_TOML)
    config = load(tmp_path)
    items = config.display_items()
    assert [key for key, _, _ in items] == list(setting_keys())
    shown = dict((key, (text, source)) for key, text, source in items)
    assert shown["url"] == ("postgresql+psycopg://app:***@localhost/app", "migguard.toml")
    assert shown["check_url"] == ("postgresql://ci:***@ci/app", "migguard.toml")
    assert shown["recursive_version_locations"] == ("true", "migguard.toml")
    assert shown["exclude_tables"] == ("spatial_ref_sys", "migguard.toml")
    assert shown["check"] == ("compare_server_default=true", "migguard.toml")
    everything = " ".join(text for _, text, _ in items)
    assert "pw@" not in everything
    assert "cipw" not in everything


def test_display_items_hide_expanded_password_from_option(tmp_path: Path) -> None:
    url_config(tmp_path)
    config = load(tmp_path, url="postgresql://u:${PW}@h/db", environ={"PW": "t0psecret"})
    assert ("url", "postgresql://u:***@h/db", "--url") in config.display_items()
    assert all("t0psecret" not in text for _, text, _ in config.display_items())


def test_display_items_show_unset_values_as_empty(tmp_path: Path) -> None:
    write(tmp_path / "migguard.toml", 'script_location = "m"\n')
    shown = {key: (text, source) for key, text, source in load(tmp_path).display_items()}
    assert shown["url"] == ("", "default")
    assert shown["truncate_slug_length"] == ("40", "default")


def test_repr_does_not_show_urls(tmp_path: Path) -> None:
    write(tmp_path / "migguard.toml", FULL_TOML)
    text = repr(load(tmp_path))
    assert "pw@" not in text
    assert "cipw" not in text


def test_config_is_frozen(tmp_path: Path) -> None:
    url_config(tmp_path)
    config = load(tmp_path)
    with pytest.raises(AttributeError):
        config.url = "other"  # type: ignore[misc]
    with pytest.raises(TypeError):
        config.sources["url"] = "x"  # type: ignore[index]


# --- start-up cost ------------------------------------------------------------------------


def test_import_does_not_load_heavy_dependencies() -> None:
    code = (
        "import sys, migguard.config, migguard.config.sources, migguard.config.urls\n"
        "heavy = {'sqlalchemy', 'rich', 'git', 'mako'} & set(sys.modules)\n"
        "print(sorted(heavy))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.strip() == "[]"


# --- relative SQLite paths ---------------------------------------------------------------------


def test_relative_sqlite_file_in_the_file_is_taken_from_the_files_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A project in backend/: git runs hooks at the repository top, not in backend/.
    backend = tmp_path / "backend"
    backend.mkdir()
    write(backend / "migguard.toml", 'script_location = "m"\nurl = "sqlite:///app.db"\n')
    monkeypatch.chdir(tmp_path)
    config = load_config(backend / "migguard.toml", environ=NO_ENV)
    assert config.url == "sqlite:///app.db"  # as written, for messages
    assert connect_url(config) == f"sqlite:///{backend / 'app.db'}"


def test_relative_sqlite_file_in_alembic_ini_is_taken_from_its_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    backend = tmp_path / "backend"
    backend.mkdir()
    write(
        backend / "alembic.ini",
        "[alembic]\nscript_location = m\nsqlalchemy.url = sqlite:///data/app.db\n",
    )
    monkeypatch.chdir(tmp_path)
    config = load_config(backend / "alembic.ini", environ=NO_ENV)
    assert connect_url(config) == f"sqlite:///{backend / 'data' / 'app.db'}"


def test_relative_sqlite_file_in_url_option_or_env_is_taken_from_the_current_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    backend = tmp_path / "backend"
    backend.mkdir()
    write(backend / "migguard.toml", 'script_location = "m"\nurl = "sqlite:///app.db"\n')
    monkeypatch.chdir(tmp_path)
    path = backend / "migguard.toml"
    from_option = load_config(path, url="sqlite:///x.db", environ=NO_ENV)
    from_env = load_config(path, environ={"MIGGUARD_URL": "sqlite:///y.db"})
    assert connect_url(from_option) == f"sqlite:///{tmp_path / 'x.db'}"
    assert connect_url(from_env) == f"sqlite:///{tmp_path / 'y.db'}"


@pytest.mark.parametrize("url", ["sqlite://", "sqlite:///:memory:", "postgresql://u@h/db"])
def test_in_memory_and_server_urls_are_opened_as_written(tmp_path: Path, url: str) -> None:
    write(tmp_path / "migguard.toml", f'script_location = "m"\nurl = "{url}"\n')
    assert connect_url(load(tmp_path)) == url


def test_no_url_is_none(tmp_path: Path) -> None:
    write(tmp_path / "migguard.toml", 'script_location = "m"\n')
    assert connect_url(load(tmp_path)) is None


# --- Alembic settings as the base layer (issue #19) -----------------------------------------

ALEMBIC_INI = (
    "[alembic]\n"
    "script_location = %(here)s/migrations\n"
    "path_separator = os\n"
    "sqlalchemy.url = sqlite:///%(here)s/app.db\n"
)


def test_tool_migguard_without_script_location_adds_to_alembic_ini(tmp_path: Path) -> None:
    # The user adopts migguard for the guard: the table names only the models; the
    # environment and the URL stay where Alembic reads them.
    write(tmp_path / "alembic.ini", ALEMBIC_INI)
    write(
        tmp_path / "pyproject.toml",
        '[tool.migguard]\nmetadata = "app.models:Base.metadata"\nbase_branch = "main"\n',
    )
    config = load(tmp_path)
    assert config.script_location == tmp_path / "migrations"
    assert config.url == f"sqlite:///{tmp_path}/app.db"
    assert config.metadata == ("app.models:Base.metadata",)
    assert config.sources["script_location"] == "alembic.ini [alembic]"
    assert config.sources["url"] == "alembic.ini [alembic]"
    assert config.sources["metadata"] == "pyproject.toml [tool.migguard]"
    assert config.sources["timezone"] == "default"
    assert config.path == tmp_path / "pyproject.toml"
    assert config.files == (tmp_path / "alembic.ini", tmp_path / "pyproject.toml")


def test_migguard_toml_overrides_alembic_ini_key_by_key(tmp_path: Path) -> None:
    write(tmp_path / "alembic.ini", ALEMBIC_INI + "truncate_slug_length = 20\n")
    write(tmp_path / "migguard.toml", 'url = "sqlite:///other.db"\ntimezone = "UTC"\n')
    config = load(tmp_path)
    assert config.url == "sqlite:///other.db"
    assert config.sources["url"] == "migguard.toml"
    assert config.timezone == "UTC"
    assert config.truncate_slug_length == 20
    assert config.sources["truncate_slug_length"] == "alembic.ini [alembic]"
    assert config.script_location == tmp_path / "migrations"


def test_only_the_nearest_folder_is_merged(tmp_path: Path) -> None:
    # A migguard.toml in a sub-project does not borrow the parent's alembic.ini.
    write(tmp_path / "alembic.ini", ALEMBIC_INI)
    write(tmp_path / "sub" / "migguard.toml", 'metadata = "app:metadata"\n')
    message = error_of(tmp_path / "sub")
    assert message == f"missing required key 'script_location' in {tmp_path}/sub/migguard.toml"


TOOL_ALEMBIC = """
[project]
name = "app"

[tool.alembic]
script_location = "%(here)s/migrations"
file_template = "%%(year)d_%%(rev)s_%%(slug)s"
prepend_sys_path = ["."]
version_locations = ["%(here)s/migrations/versions", "%(here)s/more"]
recursive_version_locations = true
truncate_slug_length = 30
timezone = "UTC"
output_encoding = "utf-8"

[[tool.alembic.post_write_hooks]]
name = "ruff"
type = "exec"
executable = "%(here)s/bin/ruff"
options = "check --fix REVISION_SCRIPT_FILENAME"
"""


def test_tool_alembic_in_pyproject(tmp_path: Path) -> None:
    # What `alembic init -t pyproject` writes: settings in pyproject.toml, the URL in
    # alembic.ini.
    write(tmp_path / "pyproject.toml", TOOL_ALEMBIC)
    write(tmp_path / "alembic.ini", "[alembic]\nsqlalchemy.url = sqlite:///app.db\n")
    config = load(tmp_path)
    assert config.script_location == tmp_path / "migrations"
    assert config.file_template == "%(year)d_%(rev)s_%(slug)s"
    assert config.prepend_sys_path == (tmp_path,)
    assert config.version_locations == (tmp_path / "migrations" / "versions", tmp_path / "more")
    assert config.recursive_version_locations is True
    assert config.truncate_slug_length == 30
    assert config.timezone == "UTC"
    assert config.post_write_hooks == (
        {
            "name": "ruff",
            "type": "exec",
            "executable": f"{tmp_path}/bin/ruff",
            "options": "check --fix REVISION_SCRIPT_FILENAME",
        },
    )
    assert config.url == "sqlite:///app.db"
    assert config.sources["script_location"] == "pyproject.toml [tool.alembic]"
    assert config.sources["url"] == "alembic.ini [alembic]"
    assert config.path == tmp_path / "alembic.ini"


def test_tool_alembic_without_alembic_ini(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", TOOL_ALEMBIC)
    config = load(tmp_path)
    assert config.script_location == tmp_path / "migrations"
    assert config.url is None
    assert config.path == tmp_path / "pyproject.toml"


def test_alembic_ini_wins_over_tool_alembic_as_in_alembic(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", TOOL_ALEMBIC)
    write(tmp_path / "alembic.ini", "[alembic]\nscript_location = ini_env\n")
    config = load(tmp_path)
    assert config.script_location == tmp_path / "ini_env"
    assert config.timezone == "UTC"


def test_tool_alembic_wrong_type_names_key_and_table(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", '[tool.alembic]\nscript_location = "m"\ntimezone = 3\n')
    assert error_of(tmp_path) == (
        f"key 'timezone' in {tmp_path}/pyproject.toml [tool.alembic] must be a string, got integer"
    )


def test_tool_migguard_and_tool_alembic_in_one_pyproject(tmp_path: Path) -> None:
    write(
        tmp_path / "pyproject.toml", TOOL_ALEMBIC + '\n[tool.migguard]\ntimezone = "Europe/Paris"\n'
    )
    config = load(tmp_path)
    assert config.script_location == tmp_path / "migrations"
    assert config.timezone == "Europe/Paris"
    assert config.sources["timezone"] == "pyproject.toml [tool.migguard]"


def test_alembic_ini_metadata_key(tmp_path: Path) -> None:
    # Import paths hold a colon, so the list is split on commas and whitespace, never on
    # path_separator.
    write(
        tmp_path / "alembic.ini",
        ALEMBIC_INI + "metadata = app.models:Base.metadata, app.audit:metadata\n",
    )
    config = load(tmp_path)
    assert config.metadata == ("app.models:Base.metadata", "app.audit:metadata")
    assert config.sources["metadata"] == "alembic.ini [alembic]"


def test_alembic_ini_prepend_sys_path(tmp_path: Path) -> None:
    write(tmp_path / "alembic.ini", ALEMBIC_INI + f"prepend_sys_path = .{os.pathsep}src\n")
    assert load(tmp_path).prepend_sys_path == (tmp_path, tmp_path / "src")


def test_alembic_ini_prepend_sys_path_legacy_split(tmp_path: Path) -> None:
    # Without path_separator Alembic splits on spaces, commas and colons.
    write(
        tmp_path / "alembic.ini",
        "[alembic]\nscript_location = m\nprepend_sys_path = .:src, lib\n",
    )
    config = load(tmp_path)
    assert config.prepend_sys_path == (tmp_path, tmp_path / "src", tmp_path / "lib")


def test_config_option_toml_adds_to_alembic_ini_beside_it(tmp_path: Path) -> None:
    write(tmp_path / "proj" / "alembic.ini", ALEMBIC_INI)
    ci = write(tmp_path / "proj" / "ci.toml", 'url = "sqlite:///ci.db"\n')
    config = load(tmp_path, config_path=ci)
    assert config.script_location == tmp_path / "proj" / "migrations"
    assert config.url == "sqlite:///ci.db"
    assert config.sources["url"] == "ci.toml"


def test_config_option_ini_reads_tool_alembic_beside_it_not_migguard_files(
    tmp_path: Path,
) -> None:
    write(tmp_path / "proj" / "pyproject.toml", TOOL_ALEMBIC)
    write(tmp_path / "proj" / "migguard.toml", 'url = "sqlite:///dev.db"\n')
    ini = write(tmp_path / "proj" / "test.ini", "[alembic]\nsqlalchemy.url = sqlite:///test.db\n")
    config = load(tmp_path, config_path=ini)
    assert config.script_location == tmp_path / "proj" / "migrations"
    assert config.url == "sqlite:///test.db"
    assert config.path == ini


def test_config_option_pyproject_with_only_tool_alembic(tmp_path: Path) -> None:
    pyproject = write(tmp_path / "proj" / "pyproject.toml", TOOL_ALEMBIC)
    write(tmp_path / "proj" / "alembic.ini", "[alembic]\nsqlalchemy.url = sqlite:///a.db\n")
    config = load(tmp_path, config_path=pyproject)
    assert config.script_location == tmp_path / "proj" / "migrations"
    assert config.url == "sqlite:///a.db"


def test_ini_section_names_another_section_as_alembic_n(tmp_path: Path) -> None:
    # `alembic -n db2`: one alembic.ini, a section per database.
    write(
        tmp_path / "alembic.ini",
        ALEMBIC_INI + "[db2]\nscript_location = %(here)s/db2\nsqlalchemy.url = sqlite:///db2.db\n",
    )
    write(tmp_path / "pyproject.toml", '[tool.migguard]\nmetadata = "app:metadata"\n')
    config = load(tmp_path, ini_section="db2")
    assert config.script_location == tmp_path / "db2"
    assert config.url == "sqlite:///db2.db"
    assert config.sources["url"] == "alembic.ini [db2]"
    assert config.metadata == ("app:metadata",)
    assert load(tmp_path).url == f"sqlite:///{tmp_path}/app.db"
    assert error_of(tmp_path, ini_section="db3") == f"no [db3] section in {tmp_path}/alembic.ini"
    ini = tmp_path / "alembic.ini"
    assert load(tmp_path, config_path=ini, ini_section="db2").script_location == tmp_path / "db2"

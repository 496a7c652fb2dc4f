from __future__ import annotations

import os
from pathlib import Path

import pytest

from migguard.config.alembic_ini import parse_bool, read_alembic_ini, split_version_locations
from migguard.config.sources import (
    RawConfig,
    discover_config,
    read_config_file,
    read_pyproject,
    toml_type_name,
)
from migguard.errors import ConfigError


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def found(layers: tuple[RawConfig, ...]) -> RawConfig:
    """The top layer: the file whose values win."""
    assert layers
    return layers[-1]


# --- discovery ----------------------------------------------------------------------------


def test_discovers_migguard_toml_in_start_folder(tmp_path: Path) -> None:
    write(tmp_path / "migguard.toml", 'script_location = "migrations"\n')
    raw = found(discover_config(tmp_path))
    assert raw.path == tmp_path / "migguard.toml"
    assert raw.values == {"script_location": "migrations"}
    assert raw.label == "migguard.toml"
    assert raw.strict is True


def test_discovers_upward_from_nested_folder(tmp_path: Path) -> None:
    write(tmp_path / "alembic.ini", "[alembic]\nscript_location = migrations\n")
    nested = tmp_path / "src" / "app" / "deep"
    nested.mkdir(parents=True)
    raw = found(discover_config(nested))
    assert raw.path == tmp_path / "alembic.ini"
    assert raw.label == "alembic.ini [alembic]"


def test_nearest_folder_wins_over_parent(tmp_path: Path) -> None:
    write(tmp_path / "migguard.toml", 'script_location = "outer"\n')
    write(tmp_path / "sub" / "alembic.ini", "[alembic]\nscript_location = inner\n")
    raw = found(discover_config(tmp_path / "sub"))
    assert raw.values["script_location"] == "inner"


def test_migguard_toml_wins_over_pyproject_and_alembic_ini(tmp_path: Path) -> None:
    write(tmp_path / "migguard.toml", 'script_location = "from_toml"\n')
    write(tmp_path / "pyproject.toml", '[tool.migguard]\nscript_location = "from_pyproject"\n')
    write(tmp_path / "alembic.ini", "[alembic]\nscript_location = from_ini\n")
    assert found(discover_config(tmp_path)).values["script_location"] == "from_toml"


def test_pyproject_wins_over_alembic_ini(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", '[tool.migguard]\nscript_location = "from_pyproject"\n')
    write(tmp_path / "alembic.ini", "[alembic]\nscript_location = from_ini\n")
    raw = found(discover_config(tmp_path))
    assert raw.values["script_location"] == "from_pyproject"
    assert raw.label == "pyproject.toml [tool.migguard]"
    assert raw.where == f"{tmp_path / 'pyproject.toml'} [tool.migguard]"


def test_pyproject_without_table_falls_through_to_alembic_ini(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", '[project]\nname = "app"\n[tool.ruff]\nline-length = 99\n')
    write(tmp_path / "alembic.ini", "[alembic]\nscript_location = from_ini\n")
    assert found(discover_config(tmp_path)).path == tmp_path / "alembic.ini"


def test_pyproject_without_table_falls_through_to_parent(tmp_path: Path) -> None:
    write(tmp_path / "migguard.toml", 'script_location = "parent"\n')
    write(tmp_path / "pkg" / "pyproject.toml", '[project]\nname = "pkg"\n')
    raw = found(discover_config(tmp_path / "pkg"))
    assert raw.path == tmp_path / "migguard.toml"


def test_discovery_finds_nothing(tmp_path: Path) -> None:
    # tmp_path's parents could in principle hold a config; a fresh folder tree under it is
    # only safe to assert on if no ancestor has one, which is the case for pytest's tmp dirs.
    if any(_has_config(folder) for folder in tmp_path.parents):
        pytest.skip("an ancestor of the temporary folder holds a configuration file")
    write(tmp_path / "pyproject.toml", '[project]\nname = "x"\n')
    assert discover_config(tmp_path) == ()


def _has_config(folder: Path) -> bool:
    return any((folder / name).is_file() for name in ("migguard.toml", "alembic.ini")) or (
        (folder / "pyproject.toml").is_file()
        and read_pyproject(folder / "pyproject.toml") is not None
    )


def test_discovery_reports_invalid_toml(tmp_path: Path) -> None:
    write(tmp_path / "migguard.toml", "script_location = \n")
    with pytest.raises(ConfigError) as caught:
        discover_config(tmp_path)
    message = str(caught.value)
    assert str(tmp_path / "migguard.toml") in message
    assert "line 1" in message


def test_discovery_accepts_relative_start(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path / "migguard.toml", 'script_location = "m"\n')
    (tmp_path / "sub").mkdir()
    monkeypatch.chdir(tmp_path)
    assert found(discover_config(Path("sub"))).path == tmp_path / "migguard.toml"


# --- explicit files -----------------------------------------------------------------------


def test_read_config_file_other_toml_uses_top_level(tmp_path: Path) -> None:
    path = write(tmp_path / "ci.toml", 'script_location = "m"\n[tool.migguard]\nx = 1\n')
    raw = found(read_config_file(path))
    assert raw.section is None
    assert raw.values["script_location"] == "m"
    assert raw.label == "ci.toml"


def test_read_config_file_pyproject_uses_tool_table(tmp_path: Path) -> None:
    path = write(tmp_path / "pyproject.toml", '[tool.migguard]\nscript_location = "m"\n')
    raw = found(read_config_file(path))
    assert raw.section == "tool.migguard"
    assert raw.values == {"script_location": "m"}


def test_read_config_file_pyproject_without_table_is_an_error(tmp_path: Path) -> None:
    path = write(tmp_path / "pyproject.toml", '[project]\nname = "x"\n')
    with pytest.raises(
        ConfigError, match=r"no \[tool\.migguard\] or \[tool\.alembic\] table in .*pyproject\.toml"
    ):
        found(read_config_file(path))


def test_read_config_file_ini(tmp_path: Path) -> None:
    path = write(tmp_path / "db.ini", "[alembic]\nscript_location = m\n")
    raw = found(read_config_file(path))
    assert raw.strict is False
    assert raw.values == {"script_location": "m"}
    assert raw.label == "db.ini [alembic]"


def test_read_config_file_sniffs_ini_without_known_suffix(tmp_path: Path) -> None:
    path = write(tmp_path / "migrations.conf", "[alembic]\nscript_location = m\n")
    assert found(read_config_file(path)).section == "alembic"


def test_read_config_file_sniffs_toml_without_known_suffix(tmp_path: Path) -> None:
    path = write(tmp_path / "migguard.conf", 'script_location = "m"\n')
    assert found(read_config_file(path)).values == {"script_location": "m"}


def test_read_config_file_missing_names_path(tmp_path: Path) -> None:
    missing = tmp_path / "nope.toml"
    with pytest.raises(ConfigError, match=f"{missing} does not exist"):
        found(read_config_file(missing))


def test_read_config_file_folder_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="is a folder"):
        found(read_config_file(tmp_path))


def test_read_config_file_makes_relative_path_absolute(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path / "x.toml", 'script_location = "m"\n')
    monkeypatch.chdir(tmp_path)
    assert found(read_config_file(Path("x.toml"))).path == tmp_path / "x.toml"


def test_pyproject_with_non_table_tool_migguard_is_an_error(tmp_path: Path) -> None:
    path = write(tmp_path / "pyproject.toml", '[tool]\nmigguard = "yes"\n')
    with pytest.raises(ConfigError, match=r"'tool.migguard' .* must be a table, got string"):
        read_pyproject(path)


def test_invalid_toml_message_has_file_and_position(tmp_path: Path) -> None:
    path = write(tmp_path / "x.toml", 'script_location = "m"\nurl = = "x"\nversion_table = "v"\n')
    with pytest.raises(ConfigError) as caught:
        found(read_config_file(path))
    message = str(caught.value)
    assert message.startswith(f"invalid TOML in {path}: ")
    assert "line 2" in message


def test_toml_type_names() -> None:
    assert [toml_type_name(v) for v in (True, 1, 1.5, "s", [], {})] == [
        "boolean",
        "integer",
        "float",
        "string",
        "array",
        "table",
    ]


# --- alembic.ini --------------------------------------------------------------------------


def test_ini_here_and_escaped_file_template(tmp_path: Path) -> None:
    path = write(
        tmp_path / "alembic.ini",
        "[alembic]\n"
        "script_location = %(here)s/migrations\n"
        "file_template = %%(year)d_%%(rev)s_%%(slug)s\n"
        "sqlalchemy.url = sqlite:///%(here)s/app.db\n",
    )
    values = read_alembic_ini(path)
    assert values["script_location"] == f"{tmp_path}/migrations"
    assert values["file_template"] == "%(year)d_%(rev)s_%(slug)s"
    assert values["url"] == f"sqlite:///{tmp_path}/app.db"


def test_ini_here_with_percent_in_folder_name(tmp_path: Path) -> None:
    folder = tmp_path / "100%real"
    path = write(folder / "alembic.ini", "[alembic]\nscript_location = %(here)s/m\n")
    assert read_alembic_ini(path)["script_location"] == f"{folder}/m"


def test_ini_reads_all_known_keys_and_ignores_others(tmp_path: Path) -> None:
    path = write(
        tmp_path / "alembic.ini",
        "[alembic]\n"
        "script_location = m\n"
        "prepend_sys_path = .\n"
        "output_encoding = utf-8\n"
        "timezone = UTC\n"
        "truncate_slug_length = 20\n"
        "recursive_version_locations = yes\n"
        "version_table = my_versions\n"
        "version_table_schema = meta\n"
        "sqlalchemy.url =\n"
        "\n"
        "[post_write_hooks]\n"
        "hooks = black\n"
        "black.type = console_scripts\n"
        "black.entrypoint = black\n"
        "[formatter_generic]\n"
        "format = %(levelname)-5.5s [%(name)s] %(message)s\n",
    )
    assert read_alembic_ini(path) == {
        "script_location": "m",
        "prepend_sys_path": ["."],
        "timezone": "UTC",
        "truncate_slug_length": 20,
        "recursive_version_locations": True,
        "version_table": "my_versions",
        "version_table_schema": "meta",
        "post_write_hooks": [{"name": "black", "type": "console_scripts", "entrypoint": "black"}],
    }


def test_ini_without_alembic_section_is_an_error(tmp_path: Path) -> None:
    path = write(tmp_path / "alembic.ini", "[loggers]\nkeys = root\n")
    with pytest.raises(ConfigError, match=rf"no \[alembic\] section in {path}"):
        read_alembic_ini(path)


def test_ini_parse_error_is_one_line(tmp_path: Path) -> None:
    path = write(tmp_path / "alembic.ini", "script_location = m\n")
    with pytest.raises(ConfigError) as caught:
        read_alembic_ini(path)
    assert str(path) in str(caught.value)
    assert "\n" not in str(caught.value)


def test_ini_bad_interpolation_names_key(tmp_path: Path) -> None:
    path = write(tmp_path / "alembic.ini", "[alembic]\nscript_location = %(nope)s/m\n")
    with pytest.raises(ConfigError, match=r"'script_location' in .*alembic.ini"):
        read_alembic_ini(path)


def test_ini_bad_integer_names_key(tmp_path: Path) -> None:
    path = write(tmp_path / "alembic.ini", "[alembic]\ntruncate_slug_length = long\n")
    with pytest.raises(ConfigError, match=r"'truncate_slug_length' .* must be an integer"):
        read_alembic_ini(path)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("true", True),
        ("True", True),
        ("yes", True),
        ("1", True),
        ("on", True),
        ("false", False),
        ("No", False),
        ("0", False),
        ("off", False),
    ],
)
def test_parse_bool_accepts_ini_words(text: str, expected: bool) -> None:
    assert parse_bool(text, where="x") is expected


def test_ini_bad_boolean_names_key_and_file(tmp_path: Path) -> None:
    path = write(tmp_path / "alembic.ini", "[alembic]\nrecursive_version_locations = maybe\n")
    with pytest.raises(ConfigError) as caught:
        read_alembic_ini(path)
    assert "'recursive_version_locations'" in str(caught.value)
    assert str(path) in str(caught.value)


def _locations(tmp_path: Path, lines: str) -> object:
    path = write(tmp_path / "alembic.ini", "[alembic]\nscript_location = m\n" + lines)
    return read_alembic_ini(path)["version_locations"]


def test_ini_legacy_split_on_spaces_and_commas(tmp_path: Path) -> None:
    assert _locations(tmp_path, "version_locations = a b,c , d,  e\n") == ["a", "b", "c", "d", "e"]


def test_ini_separator_os(tmp_path: Path) -> None:
    value = os.pathsep.join(["a b", "c"])
    text = f"version_path_separator = os\nversion_locations = {value}\n"
    assert _locations(tmp_path, text) == ["a b", "c"]


def test_ini_separator_colon(tmp_path: Path) -> None:
    text = "version_path_separator = :\nversion_locations = a b:c,d\n"
    assert _locations(tmp_path, text) == ["a b", "c,d"]


def test_ini_separator_semicolon(tmp_path: Path) -> None:
    text = "version_path_separator = ;\nversion_locations = a b; c:d\n"
    assert _locations(tmp_path, text) == ["a b", "c:d"]


def test_ini_separator_space(tmp_path: Path) -> None:
    text = "version_path_separator = space\nversion_locations = a,b  c\n"
    assert _locations(tmp_path, text) == ["a,b", "c"]


def test_ini_separator_newline(tmp_path: Path) -> None:
    text = "path_separator = newline\nversion_locations =\n    a b\n    c,d\n"
    assert _locations(tmp_path, text) == ["a b", "c,d"]


def test_ini_path_separator_wins_over_version_path_separator(tmp_path: Path) -> None:
    text = "path_separator = ;\nversion_path_separator = space\nversion_locations = a b;c\n"
    assert _locations(tmp_path, text) == ["a b", "c"]


def test_ini_unknown_separator_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"'path_separator' .* got 'comma'"):
        _locations(tmp_path, "path_separator = comma\nversion_locations = a\n")


def test_ini_version_locations_with_here(tmp_path: Path) -> None:
    text = "version_locations = %(here)s/a %(here)s/b\n"
    assert _locations(tmp_path, text) == [f"{tmp_path}/a", f"{tmp_path}/b"]


def test_split_version_locations_drops_empty_entries() -> None:
    assert split_version_locations(";a;;b;", ";") == ["a", "b"]
    assert split_version_locations(" , ", None) == []


# --- layers (issue #19) ---------------------------------------------------------------------


def test_folder_layers_lowest_first(tmp_path: Path) -> None:
    write(
        tmp_path / "pyproject.toml",
        '[tool.alembic]\nscript_location = "%(here)s/m"\n[tool.migguard]\nmetadata = "a:b"\n',
    )
    write(tmp_path / "alembic.ini", "[alembic]\nsqlalchemy.url = sqlite://\n")
    labels = [layer.label for layer in discover_config(tmp_path)]
    assert labels == [
        "pyproject.toml [tool.alembic]",
        "alembic.ini [alembic]",
        "pyproject.toml [tool.migguard]",
    ]


def test_migguard_toml_replaces_tool_migguard_as_own_layer(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", '[tool.migguard]\nscript_location = "p"\n')
    write(tmp_path / "migguard.toml", 'script_location = "t"\n')
    assert [layer.label for layer in discover_config(tmp_path)] == ["migguard.toml"]


def test_tool_alembic_reads_its_keys_with_here_and_ignores_others(tmp_path: Path) -> None:
    write(
        tmp_path / "pyproject.toml",
        "[tool.alembic]\n"
        'script_location = "%(here)s/migrations"\n'
        'file_template = "%%(rev)s_%%(slug)s"\n'
        'version_locations = ["%(here)s/a", "b"]\n'
        "sourceless = false\n"
        'output_encoding = "utf-8"\n',
    )
    (layer,) = discover_config(tmp_path)
    assert layer.strict is False
    assert layer.values == {
        "script_location": f"{tmp_path.as_posix()}/migrations",
        "file_template": "%(rev)s_%(slug)s",
        "version_locations": [f"{tmp_path.as_posix()}/a", "b"],
    }


def test_tool_alembic_unknown_token_names_key(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", '[tool.alembic]\nscript_location = "%(there)s/m"\n')
    with pytest.raises(ConfigError) as caught:
        discover_config(tmp_path)
    assert str(caught.value) == (
        f"'script_location' in {tmp_path / 'pyproject.toml'} [tool.alembic] names unknown "
        "token 'there'; only %(here)s is known"
    )


def test_ini_metadata_split_on_commas_and_whitespace_not_colons(tmp_path: Path) -> None:
    path = write(
        tmp_path / "alembic.ini",
        "[alembic]\npath_separator = :\nmetadata =\n    app.models:Base.metadata\n"
        "    app.audit:metadata,app.x:md\n",
    )
    assert read_alembic_ini(path)["metadata"] == [
        "app.models:Base.metadata",
        "app.audit:metadata",
        "app.x:md",
    ]


def test_flask_migrate_layout_is_found_with_its_folder_as_script_location(tmp_path: Path) -> None:
    # `flask db init` writes migrations/alembic.ini without script_location beside env.py.
    ini = write(tmp_path / "migrations" / "alembic.ini", "[alembic]\n# template only\n")
    write(tmp_path / "migrations" / "env.py", "")
    nested = tmp_path / "app" / "views"
    nested.mkdir(parents=True)

    layer = found(discover_config(nested))

    assert layer.path == ini
    assert layer.values["script_location"] == str(tmp_path / "migrations")


def test_a_migrations_folder_without_env_py_is_not_taken_for_flask_migrate(tmp_path: Path) -> None:
    write(tmp_path / "migrations" / "alembic.ini", "[alembic]\n")

    assert discover_config(tmp_path) == ()


def test_a_folders_own_configuration_wins_over_a_flask_migrate_layout(tmp_path: Path) -> None:
    write(tmp_path / "migrations" / "alembic.ini", "[alembic]\n")
    write(tmp_path / "migrations" / "env.py", "")
    own = write(tmp_path / "migguard.toml", 'script_location = "db"\n')

    assert found(discover_config(tmp_path)).path == own

"""``[targets.NAME]`` tables: read, checked with one-line errors naming the file and the table,
URLs expanded and resolved, passwords never shown."""

from __future__ import annotations

from pathlib import Path

import pytest

from migguard.config.load import load_config
from migguard.errors import ConfigError
from migguard.fleet.targets import Target, for_target, read_targets
from tests.testing.fleet import add_targets
from tests.testing.project import Project

SECRET = "Zq7S3cr3tPw"


def test_targets_are_read_sorted_with_urls_expanded_and_sqlite_paths_resolved(
    project: Project,
) -> None:
    add_targets(
        project,
        {
            "us": {"url": "postgresql://app:${PW}@db-us/app", "tags": ["prod", "us"]},
            "eu": {"url": "sqlite:///dbs/eu.db", "version_table_schema": "tenant_eu"},
        },
    )
    config = load_config(cwd=project.root)
    eu, us = read_targets(config, {"PW": SECRET})
    assert eu == Target("eu", f"sqlite:///{project.root}/dbs/eu.db", (), "tenant_eu")
    assert us == Target("us", f"postgresql://app:{SECRET}@db-us/app", ("prod", "us"), None)
    assert us.shown_url == "postgresql://app:***@db-us/app"
    assert SECRET not in repr(us)
    assert for_target(config, eu).url == eu.url
    assert for_target(config, eu).version_table_schema == "tenant_eu"
    assert for_target(config, us).version_table_schema is None


def test_no_targets_table_means_no_targets(project: Project) -> None:
    assert read_targets(load_config(cwd=project.root), {}) == ()


@pytest.mark.parametrize(
    ("table", "message"),
    [
        (
            '[targets.eu]\nurl = "sqlite:///a.db"\nport = 5432\n',
            "unknown key 'port' in {toml} [targets.eu] (known: url, from_file, from_command, "
            "timeout, tags, version_table_schema, schema, schemas, engine_name, script_location, "
            "version_table)",
        ),
        (
            '[targets.eu]\nurl = "sqlite:///a.db"\ntags = "prod"\n',
            "key 'tags' in {toml} [targets.eu] must be an array of strings, got string",
        ),
        ("[targets.eu]\ntags = []\n", "missing required key 'url' in {toml} [targets.eu]"),
        ('[targets]\neu = "sqlite:///a.db"\n', "{toml} [targets.eu] must be a table"),
        (
            '[targets.eu]\nurl = "postgresql://u:${NOT_SET_ANYWHERE}@h/d"\n',
            "environment variable 'NOT_SET_ANYWHERE' is not set (used in 'url' in {toml} "
            "[targets.eu])",
        ),
        (
            '[targets.eu]\nurl = "sqlite:///a.db"\nfrom_file = "f.txt"\n',
            "{toml} [targets.eu] takes one of url, from_file, from_command, not "
            "['url', 'from_file']",
        ),
        (
            '[targets.eu]\nurl = "postgresql://h/d"\nschema = "a"\nschemas = ["b"]\n',
            "{toml} [targets.eu] takes schema or schemas, not both",
        ),
        (
            '[targets.eu]\nurl = "postgresql://h/d"\nschemas = ["a", "a"]\n',
            "key 'schemas' in {toml} [targets.eu] holds an empty or repeated name",
        ),
        (
            '[targets.eu]\nfrom_file = "missing.txt"\n',
            "cannot read {root}/missing.txt (from_file in {toml} [targets.eu]): No such file",
        ),
        (
            '[targets.eu]\nurl = "postgresql://h/d"\nschemas = ["a"]\n'
            '[targets."eu.a"]\nurl = "postgresql://h/e"\n',
            "two targets are named 'eu.a'",
        ),
    ],
    ids=[
        "unknown-key",
        "wrong-type",
        "no-url",
        "not-a-table",
        "unset-variable",
        "two-sources",
        "schema-and-schemas",
        "repeated-schema",
        "missing-file",
        "same-name",
    ],
)
def test_a_wrong_target_table_is_one_line_naming_file_and_table(
    project: Project, table: str, message: str
) -> None:
    toml = project.root / "migguard.toml"
    toml.write_text(toml.read_text(encoding="utf-8") + table, encoding="utf-8")
    with pytest.raises(ConfigError) as raised:
        read_targets(load_config(cwd=project.root), {})
    text = str(raised.value)
    assert text.startswith(message.format(toml=toml, root=project.root))
    assert "\n" not in text


def test_pyproject_targets_are_named_as_written_there(tmp_path: Path) -> None:
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text(
        '[tool.migguard]\nscript_location = "migrations"\n\n'
        '[tool.migguard.targets.eu]\nurl = "sqlite:///eu.db"\nport = 1\n',
        encoding="utf-8",
    )
    with pytest.raises(ConfigError, match=r"in .*pyproject.toml \[tool.migguard.targets.eu\]"):
        read_targets(load_config(cwd=tmp_path), {})


def test_a_target_error_stops_only_the_commands_that_use_targets(project: Project) -> None:
    add_targets(project, {"eu": {"url": "sqlite:///eu.db", "tag": "prod"}})
    assert project.run("--url", "sqlite:///one.db", "upgrade", "head").code == 0
    result = project.run("upgrade", "head", "--all")
    assert result.code == 2
    assert result.err == (
        f"migguard: error: unknown key 'tag' in {project.root / 'migguard.toml'} "
        "[targets.eu] (did you mean 'tags'?)\n"
    )


def test_migguard_config_masks_every_target_password(project: Project) -> None:
    add_targets(
        project,
        {
            "eu": {"url": f"postgresql://app:{SECRET}@db-eu/app"},
            "us": {"url": f"postgresql://app@db-us/app?password={SECRET}"},
        },
    )
    result = project.run("config")
    assert result.code == 0
    assert SECRET not in result.out + result.err
    assert "eu={url=postgresql://app:***@db-eu/app}" in result.out
    assert SECRET not in repr(load_config(cwd=project.root))


def test_schemas_fan_a_target_out_with_its_search_path_and_version_table(
    project: Project,
) -> None:
    add_targets(
        project,
        {
            "tenants": {"url": f"postgresql://app:{SECRET}@h/shop", "schemas": ["acme", "Big Co"]},
            "one": {"url": "postgresql://h/shop?options=-cstatement_timeout%3D0", "schema": "x"},
            "query": {"url": "postgresql://h/shop", "schemas": "SELECT 'q'"},
        },
    )
    config = load_config(cwd=project.root)
    targets = {target.name: target for target in read_targets(config, {})}
    assert sorted(targets) == ["one", "query", "tenants.Big Co", "tenants.acme"]
    acme = targets["tenants.acme"]
    assert (acme.group, acme.schema, acme.version_table_schema) == ("tenants", "acme", "acme")
    assert targets["query"].schemas_query == "SELECT 'q'"
    assert for_target(config, acme).url == (
        f"postgresql://app:{SECRET}@h/shop?options=-csearch_path%3Dacme"
    )
    assert for_target(config, acme).version_table_schema == "acme"
    # Quoted (the name has a capital and a space), the space kept by a backslash for libpq.
    assert for_target(config, targets["tenants.Big Co"]).url == (
        f"postgresql://app:{SECRET}@h/shop?options=-csearch_path%3D%22Big%5C%20Co%22"
    )
    assert for_target(config, targets["one"]).url == (
        "postgresql://h/shop?options=-cstatement_timeout%3D0%20-csearch_path%3Dx"
    )
    sqlite = Target("s", "sqlite:///a.db", schema="a")
    with pytest.raises(ConfigError, match="a target with schemas must be a PostgreSQL database"):
        for_target(config, sqlite)


def test_an_engine_name_reaches_the_target_and_its_configuration(project: Project) -> None:
    add_targets(project, {"one": {"url": "sqlite:///one.db", "engine_name": "engine1"}})
    config = load_config(cwd=project.root)
    [one] = read_targets(config, {})
    assert one.engine_name == "engine1"
    assert for_target(config, one).engine_name == "engine1"
    assert config.engine_name is None


def test_alembic_multidb_databases_become_targets(tmp_path: Path) -> None:
    """``databases`` in ``[alembic]`` names the engines; each section holds its URL. A name
    without a section is named when a command uses the targets, not before."""
    (tmp_path / "migrations").mkdir()
    (tmp_path / "alembic.ini").write_text(
        "[alembic]\nscript_location = migrations\ndatabases = engine1, engine2,reports\n"
        "[engine1]\nsqlalchemy.url = sqlite:///%(here)s/one.db\n"
        "[engine2]\nsqlalchemy.url = postgresql://app:" + SECRET + "@db/two\n",
        encoding="utf-8",
    )
    config = load_config(cwd=tmp_path, environ={})
    assert config.targets["engine1"] == {
        "engine_name": "engine1",
        "url": f"sqlite:///{tmp_path}/one.db",
    }
    assert config.targets["reports"] == {"engine_name": "reports"}
    assert SECRET not in repr(config)
    with pytest.raises(ConfigError, match=r"missing required key 'url' in .*reports"):
        read_targets(config, {})

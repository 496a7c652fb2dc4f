"""Reading the version table with the driver alone (SQLite file, PostgreSQL through psycopg),
and through SQLAlchemy for other URLs: the same rows as ``VersionTable.read``, the same errors,
and no SQLAlchemy import for ``current`` and ``history --indicate-current``."""

from __future__ import annotations

import subprocess
import sys

import psycopg
import pytest
from psycopg.conninfo import conninfo_to_dict

from migguard.config import Config
from migguard.config.load import load_config
from migguard.errors import ConfigError, DatabaseError
from migguard.runtime.current import read_current
from migguard.runtime.engine import connect
from migguard.runtime.version_table import VersionTable
from tests.testing.postgres import psql
from tests.testing.project import Project


def config_for(project: Project, url: str) -> Config:
    return load_config(cwd=project.root, url=url)


def through_sqlalchemy(config: Config) -> tuple[str, ...]:
    """What ``VersionTable.read`` says on a SQLAlchemy connection."""
    assert config.url
    with connect(config.url) as connection:
        return VersionTable(config.version_table, config.version_table_schema).read(connection)


def upgraded(project: Project, url: str, target: str = "heads") -> Config:
    assert project.run("--url", url, "upgrade", target).code == 0
    return config_for(project, url)


def test_no_version_table_is_base(project: Project, db_url: str) -> None:
    config = config_for(project, db_url)
    assert read_current(config) == () == through_sqlalchemy(config)


def test_a_missing_sqlite_file_is_base_and_is_not_created(project: Project) -> None:
    missing = project.root / "mistyped.db"
    assert project.run("--url", f"sqlite:///{missing}", "current", "--verbose").out.endswith(
        "Current: base (no revision applied)\n"
    )
    assert not missing.exists()


def test_the_rows_after_an_upgrade(project: Project, db_url: str) -> None:
    project.add("a1")
    project.add("b2", "a1")
    config = upgraded(project, db_url, "a1")
    assert read_current(config) == ("a1",) == through_sqlalchemy(config)
    upgraded(project, db_url)
    assert read_current(config) == ("b2",) == through_sqlalchemy(config)


def test_two_heads_are_sorted(project: Project, db_url: str) -> None:
    project.add("f9")
    project.add("0c")
    config = upgraded(project, db_url)
    assert read_current(config) == ("0c", "f9") == through_sqlalchemy(config)


def test_a_custom_version_table(project: Project, db_url: str) -> None:
    with (project.root / "migguard.toml").open("a", encoding="utf-8") as toml:
        toml.write('version_table = "Deploy Log"\n')
    project.add("a1")
    config = upgraded(project, db_url)
    assert config.version_table == "Deploy Log"
    assert read_current(config) == ("a1",) == through_sqlalchemy(config)


def test_a_version_table_in_a_schema(project: Project, pg_url: str) -> None:
    with (project.root / "migguard.toml").open("a", encoding="utf-8") as toml:
        toml.write('version_table = "deploy_log"\nversion_table_schema = "meta"\n')
    config = config_for(project, pg_url)
    assert read_current(config) == ()  # the schema does not exist yet
    psql(pg_url, "CREATE SCHEMA meta")
    assert read_current(config) == ()
    project.add("a1")
    upgraded(project, pg_url)
    assert psql(pg_url, "SELECT version_num FROM meta.deploy_log") == "a1\n"
    assert read_current(config) == ("a1",) == through_sqlalchemy(config)


def test_a_schema_on_sqlite_names_an_attached_database(project: Project, sqlite_url: str) -> None:
    project.add("a1")
    upgraded(project, sqlite_url)
    config = config_for(project, sqlite_url)._replace(version_table_schema="main")
    assert read_current(config) == ("a1",) == through_sqlalchemy(config)


@pytest.mark.parametrize(
    "url",
    [
        "postgresql+psycopg://u:secret@127.0.0.1:1/x",
        "postgresql://u:secret@127.0.0.1:1/x",
        "sqlite:////nonexistent-folder/x.db",
    ],
)
def test_an_unreachable_database_is_the_one_line_connect_error(project: Project, url: str) -> None:
    config = config_for(project, url)
    with pytest.raises(DatabaseError) as direct:
        read_current(config)
    with pytest.raises(DatabaseError) as sqlalchemy:
        through_sqlalchemy(config)
    message = str(direct.value)
    assert message == str(sqlalchemy.value)
    assert message.startswith(f"cannot connect to {url.replace(':secret@', ':***@')}: ")
    assert "secret" not in message
    assert "\n" not in message


def test_a_table_it_may_not_read_is_a_read_error(project: Project, pg_url: str) -> None:
    project.add("a1")
    upgraded(project, pg_url)
    psql(pg_url, "CREATE ROLE version_reader LOGIN PASSWORD 'secret'")
    try:
        url = pg_url.replace("postgres@", "version_reader:secret@")
        with pytest.raises(DatabaseError) as error:
            read_current(config_for(project, url))
        assert str(error.value) == (
            "cannot read the version table alembic_version on "
            f"{url.replace(':secret@', ':***@')}: permission denied for table alembic_version"
        )
    finally:
        psql(pg_url, "DROP OWNED BY version_reader; DROP ROLE version_reader")


def test_a_file_that_is_no_database_is_a_read_error(project: Project, sqlite_url: str) -> None:
    path = sqlite_url.removeprefix("sqlite:///")
    with open(path, "w", encoding="utf-8") as garbage:
        garbage.write("not a database, " * 10)
    with pytest.raises(DatabaseError) as error:
        read_current(config_for(project, sqlite_url))
    assert str(error.value) == (
        f"cannot read the version table alembic_version on {sqlite_url}: file is not a database"
    )


def test_a_query_parameter_only_sqlalchemy_knows(project: Project, pg_url: str) -> None:
    url = f"{pg_url}?autocommit=true"
    with pytest.raises(psycopg.ProgrammingError, match="autocommit"):
        conninfo_to_dict(url.replace("+psycopg", ""))
    project.add("a1")
    config = upgraded(project, url)
    assert read_current(config) == ("a1",) == through_sqlalchemy(config)


@pytest.mark.parametrize(
    "spelling",
    [
        "postgresql+psycopg://postgres@/{dbname}?host={authority}",
        "{scheme}://postgres:pa/ss@{rest}",
    ],
    ids=["sqlalchemy-host-port-parameter", "unescaped-slash-in-password"],
)
def test_urls_libpq_would_read_otherwise(project: Project, pg_url: str, spelling: str) -> None:
    """SQLAlchemy's ``?host=HOST:PORT`` form; a password with an unescaped ``/``, which libpq
    takes for the end of the user part (the test server trusts every password)."""
    scheme, rest = pg_url.split("://postgres@")
    authority, dbname = rest.split("/")
    url = spelling.format(scheme=scheme, rest=rest, authority=authority, dbname=dbname)
    project.add("a1")
    upgraded(project, pg_url)
    assert read_current(config_for(project, url)) == ("a1",)


def test_other_drivers_go_through_sqlalchemy(project: Project, sqlite_url: str) -> None:
    project.add("a1")
    upgraded(project, sqlite_url)
    for url in (f"{sqlite_url}?timeout=1", sqlite_url.replace("sqlite:", "sqlite+pysqlite:")):
        config = config_for(project, url)
        assert read_current(config) == ("a1",) == through_sqlalchemy(config)
    psycopg2 = config_for(project, "postgresql+psycopg2://u:secret@127.0.0.1:1/x")
    # No psycopg2 here: a configuration error naming the package, not a database error.
    with pytest.raises(ConfigError, match=r"^the driver for postgresql\+psycopg2://u:\*\*\*@"):
        read_current(psycopg2)


SQLALCHEMY_IMPORTED = """
import sys
from migguard.cli.main import main
code = main(sys.argv[1:])
print(code, "sqlalchemy" in sys.modules, file=sys.stderr)
"""


@pytest.mark.parametrize("command", [["current"], ["history", "--indicate-current"]])
def test_commands_that_only_read_it_do_not_import_sqlalchemy(
    project: Project, db_url: str, command: list[str]
) -> None:
    project.add("a1")
    upgraded(project, db_url)
    done = subprocess.run(
        [sys.executable, "-c", SQLALCHEMY_IMPORTED, "--url", db_url, *command],
        cwd=project.root,
        capture_output=True,
        text=True,
        check=False,
    )
    assert "a1 (head)" in done.stdout
    assert done.stderr.splitlines()[-1] == "0 False"

"""Connecting: driver options from the URL reach psycopg with the types it needs."""

from __future__ import annotations

import sys

import pytest

from migguard.errors import UsageError
from migguard.runtime.engine import connect, create_engine
from tests.testing.project import Project


@pytest.mark.parametrize(
    ("written", "threshold"), [("0", 0), ("7", 7), ("none", None), ("None", None)]
)
def test_prepare_threshold_reaches_psycopg_as_a_number_or_none(
    pg_url: str, written: str, threshold: int | None
) -> None:
    url = f"{pg_url}?prepare_threshold={written}"
    with connect(url) as connection:
        # psycopg compares the threshold with its execution count at each query: a threshold
        # left as text failed there.
        for _ in range(2):
            assert connection.exec_driver_sql("SELECT 1").scalar_one() == 1
        assert connection.connection.dbapi_connection.prepare_threshold == threshold
        assert "prepare_threshold" not in connection.engine.url.query


def test_a_prepare_threshold_that_is_no_number_is_named(pg_url: str) -> None:
    url = f"{pg_url.replace('postgres@', 'postgres:secret@')}?prepare_threshold=often"
    with pytest.raises(UsageError) as raised:
        create_engine(url)
    assert str(raised.value) == (
        f"prepare_threshold='often' in {url.replace(':secret@', ':***@')} must be an integer "
        "or 'none'"
    )


def test_commands_accept_a_prepare_threshold(project: Project, pg_url: str) -> None:
    project.add("a1")
    url = f"{pg_url}?prepare_threshold=0"
    assert project.run("--url", url, "upgrade", "head").code == 0
    assert project.run("--url", url, "current").out == "a1 (head)\n"
    assert project.run("--url", url, "downgrade", "base").code == 0


def test_other_drivers_keep_their_query_as_it_is(sqlite_url: str) -> None:
    engine = create_engine(f"{sqlite_url}?timeout=3")
    assert dict(engine.url.query) == {"timeout": "3"}
    engine.dispose()


# --- no command creates a SQLite file it does not write to ---------------------------------

MODELS = """
from sqlalchemy import Column, Integer, MetaData, Table

metadata = MetaData()
Table("customer", metadata, Column("id", Integer, primary_key=True))
"""


@pytest.fixture
def modelled(project: Project, monkeypatch: pytest.MonkeyPatch) -> Project:
    """The project with models and a configured SQLite file that does not exist yet."""
    (project.root / "shop_models_engine.py").write_text(MODELS)
    monkeypatch.delitem(sys.modules, "shop_models_engine", raising=False)
    config = project.root / "migguard.toml"
    config.write_text(
        config.read_text() + 'url = "sqlite:///app.db"\nmetadata = "shop_models_engine:metadata"\n'
    )
    return project


@pytest.mark.parametrize(
    "command",
    [
        ("upgrade", "head", "--dry-run"),
        ("diff",),
        ("revision", "--autogenerate", "-m", "first"),
        ("upgrade", "head"),  # an empty history: nothing to do
        ("upgrade", "nosuchrev"),
        ("downgrade", "base"),
        ("current",),
        ("stamp", "base"),
    ],
)
def test_commands_that_write_nothing_leave_no_database_file(
    modelled: Project, command: tuple[str, ...]
) -> None:
    modelled.run(*command)
    assert not (modelled.root / "app.db").exists()


def test_a_bad_target_on_a_history_leaves_no_database_file(modelled: Project) -> None:
    modelled.add("a1")
    result = modelled.run("upgrade", "nosuchrev")
    assert result.code == 2, result.err
    assert "nosuchrev" in result.err
    assert not (modelled.root / "app.db").exists()


def test_upgrade_creates_the_file_when_it_writes(modelled: Project) -> None:
    modelled.add("a1")
    assert modelled.run("upgrade", "head").code == 0
    assert (modelled.root / "app.db").stat().st_size > 0
    assert modelled.run("current").out == "a1 (head)\n"


def test_an_empty_file_the_user_made_is_kept(modelled: Project) -> None:
    (modelled.root / "app.db").touch()
    modelled.run("upgrade", "head")
    assert (modelled.root / "app.db").exists()


def test_a_missing_folder_is_one_line_naming_it(modelled: Project) -> None:
    modelled.add("a1")
    url = "sqlite:///nowhere/app.db"
    for command in (("upgrade", "head"), ("upgrade", "head", "--dry-run"), ("diff",)):
        result = modelled.run("--url", url, *command)
        assert result.code == 4, result.err
        folder = modelled.root / "nowhere"
        assert f"the folder {folder} does not exist" in result.err
        assert len(result.err.strip().splitlines()) == 1
    assert not (modelled.root / "nowhere").exists()


def test_in_memory_and_file_uri_urls_keep_working(modelled: Project) -> None:
    modelled.add("a1")
    assert modelled.run("--url", "sqlite://", "upgrade", "head").code == 0
    uri = "sqlite:///file:memdb1?mode=memory&cache=shared&uri=true"
    assert modelled.run("--url", uri, "upgrade", "head").code == 0
    file_uri = "sqlite:///file:uri.db?uri=true"
    assert modelled.run("--url", file_uri, "upgrade", "head").code == 0
    assert modelled.run("--url", file_uri, "current").out == "a1 (head)\n"
    assert (modelled.root / "uri.db").exists()


# --- unknown databases and missing drivers are configuration errors ------------------------


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("nosuchdb://h/db", "unknown database 'nosuchdb' in nosuchdb://h/db"),
        (
            "postgres://u:hunter22@h/db",
            "unknown database 'postgres' in postgres://u:***@h/db: SQLAlchemy needs "
            "postgresql:// (write postgresql+psycopg://u:***@h/db and install psycopg[binary])",
        ),
        (
            "driver://user:pass@localhost/dbname",
            "driver://user:***@localhost/dbname is Alembic's placeholder URL",
        ),
        ("postgresql+nosuch://h/db", "unknown driver 'nosuch' for postgresql"),
        (
            "postgresql+psycopg2://u:hunter22@h/db",
            "the driver for postgresql+psycopg2://u:***@h/db is not installed: pip install "
            "psycopg2-binary (or write postgresql+psycopg:// and install psycopg[binary])",
        ),
        ("mysql+mysqldb://u@h/db", "is not installed: pip install mysqlclient"),
    ],
)
def test_unknown_database_or_missing_driver_is_one_configuration_line(
    modelled: Project, url: str, expected: str
) -> None:
    modelled.add("a1")
    for command in (("upgrade", "head"), ("current",), ("diff",)):
        result = modelled.run("--url", url, *command)
        assert result.code == 2, result.err
        assert expected in result.err
        assert len(result.err.strip().splitlines()) == 1
        assert "hunter22" not in result.err
        assert "database error" not in result.err.lower()


def test_a_missing_driver_under_pre_commit_names_additional_dependencies(
    modelled: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PRE_COMMIT", "1")
    result = modelled.run("--url", "mysql+mysqldb://u@h/db", "current")
    assert result.code == 2
    assert "additional_dependencies" in result.err


def test_sqlalchemy_on_this_machine_reads_plain_postgresql_as_psycopg(pg_url: str) -> None:
    # The README's driver advice rests on this: SQLAlchemy 2.1 (or migguard's own choice when
    # psycopg2 is missing under 2.0) gives plain postgresql:// to psycopg 3.
    plain = "postgresql://" + pg_url.split("://", 1)[1]
    with connect(plain) as connection:
        assert connection.dialect.driver == "psycopg"


def test_an_at_sign_in_the_password_must_be_escaped(modelled: Project) -> None:
    result = modelled.run("--url", "postgresql://u:ab@cd?ef@localhost/db", "current")
    assert result.code == 2
    assert "write each '@' of the password (or of a query value) as %40" in result.err
    assert "cd" not in result.err.replace("--url", "")


def test_a_failure_quoting_the_password_does_not_show_it(project: Project, pg_url: str) -> None:
    # The database's message quotes the literal, which happens to be the password.
    project.add("a1", upgrade="op.execute(\"SELECT 'Zq7S3cr3tPw'::int\")")
    for url in (
        pg_url.replace("postgres@", "postgres:Zq7S3cr3tPw@", 1),
        f"{pg_url}?password=Zq7S3cr3tPw",
    ):
        result = project.run("--url", url, "upgrade", "head", "--verbose")
        assert result.code == 4, result.err
        assert "Traceback" in result.err
        assert "invalid input syntax for type integer" in result.err
        assert "Zq7S3cr3tPw" not in result.out + result.err

"""Connecting: driver options from the URL reach psycopg with the types it needs."""

from __future__ import annotations

import pytest

from migguard.errors import UsageError
from migguard.runtime.engine import connect, create_engine
from tests.conftest import Project


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

"""The ``drift`` check: a live database (SQLite and PostgreSQL) against the models."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from migguard.errors import ConfigError
from migguard.guard.checks.run import run_checks
from migguard.guard.findings import ERROR, Finding
from migguard.guard.settings import CheckSettings
from tests.testing.project import Project
from tests.testing.shop import Shop, only, open_shop


@pytest.fixture
def shop(project: Project, monkeypatch: pytest.MonkeyPatch) -> Iterator[Shop]:
    with open_shop(project, monkeypatch) as opened:
        yield opened


@pytest.fixture
def live(shop: Shop, db_url: str) -> Shop:
    """The shop with ``url`` set to a fresh database, upgraded to head."""
    shop.configure(f'url = "{db_url}"')
    assert shop.project.run("upgrade", "head").code == 0
    return shop


def drift(shop: Shop) -> list[Finding]:
    return run_checks(shop.config(), ("drift",), CheckSettings(), db=True)


def test_a_database_at_head_matching_the_models_passes(live: Shop) -> None:
    assert drift(live) == []


def test_a_column_the_database_lacks_is_drift(live: Shop, db_url: str) -> None:
    live.write_models(extra="age: Mapped[int | None]")
    assert only(drift(live)) == Finding(
        "drift",
        ERROR,
        f"{db_url} at b2 differs from the models: 1 operation missing",
        hint='write a revision with: migguard revision --autogenerate -m "<message>"',
        details=("add column 'customer.age'",),
    )


def test_a_database_behind_the_heads_is_told_to_upgrade_first(shop: Shop, db_url: str) -> None:
    shop.configure(f'url = "{db_url}"')
    assert shop.project.run("upgrade", "a1").code == 0
    finding = only(drift(shop))
    assert finding.message.endswith(" at a1 differs from the models: 1 operation missing")
    assert finding.details == ("add table 'purchase'",)
    assert finding.hint == (
        "the database is at a1, 1 revision(s) behind the heads: run `migguard upgrade heads` "
        "first, then check again"
    )


def test_a_database_at_an_unknown_revision_is_an_error(live: Shop, db_url: str) -> None:
    engine = sa.create_engine(db_url)
    with engine.begin() as connection:
        connection.execute(sa.text("UPDATE alembic_version SET version_num = 'ffff'"))
    engine.dispose()
    finding = only(drift(live))
    assert finding.severity == ERROR
    assert finding.message.startswith(
        f"{db_url}: the database is at revision ffff, which is not in this history"
    )


def test_the_password_is_masked(shop: Shop, pg_url: str) -> None:
    # The test server trusts local connections, so any password is accepted and shown masked.
    with_password = pg_url.replace("postgres@", "postgres:s3cret@", 1)
    shop.configure(f'url = "{with_password}"')
    assert shop.project.run("upgrade", "head").code == 0
    shop.write_models(extra="age: Mapped[int | None]")
    finding = only(drift(shop))
    assert "postgres:***@" in finding.message
    assert "s3cret" not in finding.message


def test_without_a_url_drift_is_a_config_error(shop: Shop) -> None:
    with pytest.raises(ConfigError, match="no database URL"):
        drift(shop)

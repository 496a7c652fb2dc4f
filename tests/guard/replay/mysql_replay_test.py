"""The guard's replay on a MariaDB server (``check_url``): the ``sync`` check finds what the
models add, a scratch database is made for the run and dropped after it, also when a revision
fails, and an unchanged history is not replayed again."""

from __future__ import annotations

import sqlalchemy as sa

from migguard.guard.replay.build import scratch_dialect
from tests.testing.mariadb import PASSWORD
from tests.testing.shop import Shop, only


def scratch_databases(url: str) -> list[str]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            names = connection.exec_driver_sql("SHOW DATABASES").scalars()
            return [name for name in names if name.startswith("migguard_check_")]
    finally:
        engine.dispose()


def test_replay_on_mariadb_finds_the_same_and_drops_its_database(
    shop: Shop, mariadb_url: str
) -> None:
    shop.configure(f'check_url = "{mariadb_url}"')
    assert scratch_dialect(shop.config()) == "mysql"
    assert shop.check("sync", "models-imported") == []
    assert shop.check("sync") == []
    assert shop.replays == 1
    shop.write_models(extra="age: Mapped[int | None]")
    assert only(shop.check("sync")).details == ("add column 'customer.age'",)
    assert shop.replays == 1
    assert scratch_databases(mariadb_url) == []


def test_a_failure_on_mariadb_names_the_revision_and_drops_the_scratch_database(
    shop: Shop, mariadb_url: str
) -> None:
    shop.configure(f'check_url = "{mariadb_url}"')
    shop.project.add("c3", "b2", upgrade='op.execute("INSERT INTO nowhere VALUES (1)")')
    finding = only(shop.check("sync"))
    assert "failed at revision c3" in finding.message
    assert "nowhere" in finding.message
    assert PASSWORD not in f"{finding.message} {finding.hint}"
    assert scratch_databases(mariadb_url) == []


def test_a_uuid_column_replayed_on_mariadb_through_a_mysql_url_is_in_sync(
    shop: Shop, mariadb_url: str
) -> None:
    # The runner's connected dialect makes a UUID column; the comparison's (not connected,
    # named mysql) would write CHAR(32) for the same model type.
    shop.configure(f'check_url = "{mariadb_url}"')
    shop.project.add(
        "c3", "b2", upgrade='op.add_column("customer", sa.Column("uid", sa.Uuid(), nullable=True))'
    )
    shop.write_models(extra="uid: Mapped[object | None] = mapped_column(sa.Uuid(), nullable=True)")
    assert shop.check("sync") == []

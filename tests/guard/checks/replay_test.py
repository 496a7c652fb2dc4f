"""Replaying the history into a scratch database, and the content-hash cache of its schema."""

from __future__ import annotations

import json
import random
from collections.abc import Iterator

import pytest

from migguard.autogen.snapshot import snapshot_to_json
from migguard.errors import ConfigError, DatabaseError
from migguard.guard.checks.replay import (
    BuiltSchema,
    ReplayFailure,
    build_schema,
    cache_key,
    cache_path,
    comparison_dialect,
)
from migguard.scripts.cache import read_cache_file, write_cache_file
from migguard.scripts.directory import load_history
from tests.testing.project import Project
from tests.testing.shop import Shop, open_shop


@pytest.fixture
def shop(project: Project, monkeypatch: pytest.MonkeyPatch) -> Iterator[Shop]:
    with open_shop(project, monkeypatch) as opened:
        yield opened


def build(shop: Shop) -> BuiltSchema | ReplayFailure:
    config = shop.config()
    return build_schema(config, load_history(config))


def built(shop: Shop) -> BuiltSchema:
    outcome = build(shop)
    assert isinstance(outcome, BuiltSchema), outcome
    return outcome


def test_the_replayed_schema_has_the_tables_but_not_the_version_table(shop: Shop) -> None:
    schema = built(shop)
    assert schema.replayed
    assert [t.name for t in schema.snapshot.tables] == ["customer", "purchase"]
    assert schema.snapshot.dialect == "sqlite"
    assert schema.default_schema == "main"


def test_a_second_build_reads_the_cache_and_runs_nothing(shop: Shop) -> None:
    first = built(shop)
    second = built(shop)
    assert not second.replayed
    assert second.snapshot == first.snapshot
    assert shop.replays == 1


def test_editing_a_version_file_replays_again(shop: Shop) -> None:
    built(shop)
    shop.project.add("c3", "b2", upgrade='op.add_column("customer", sa.Column("age", sa.Integer))')
    schema = built(shop)
    assert schema.replayed
    assert [c.name for c in schema.snapshot.tables[0].columns] == ["id", "name", "age"]
    assert shop.replays == 2


def test_a_helper_module_in_the_versions_folder_is_part_of_the_key(shop: Shop) -> None:
    config = shop.config()
    before = cache_key(config, "sqlite")
    (shop.project.versions / "helpers.py").write_text("WIDTH = 100\n")
    assert cache_key(config, "sqlite") != before


def test_the_key_depends_on_dialect_and_version_table(shop: Shop) -> None:
    config = shop.config()
    keys = {
        cache_key(config, "sqlite"),
        cache_key(config, "postgresql"),
        cache_key(config._replace(version_table="schema_version"), "sqlite"),
        cache_key(config._replace(version_table_schema="audit"), "sqlite"),
    }
    assert len(keys) == 4


@pytest.mark.parametrize(
    "damage",
    [
        "not json at all",
        "",
        '{"format": 1, "key": "0"}\n{}',
        "\udcff",
    ],
    ids=["garbage", "empty", "stale-key", "bad-utf8"],
)
def test_a_damaged_cache_is_a_miss_and_is_rewritten(shop: Shop, damage: str) -> None:
    built(shop)
    path = cache_path(shop.config(), "sqlite")
    path.write_bytes(damage.encode("utf-8", "surrogateescape"))
    assert built(shop).replayed
    assert not built(shop).replayed


def _payload(shop: Shop) -> list[str]:
    payload = read_cache_file(cache_path(shop.config(), "sqlite"))
    assert payload is not None
    return payload.decode().split("\n")


def test_a_snapshot_from_another_sqlalchemy_is_a_miss(shop: Shop) -> None:
    built(shop)
    path = cache_path(shop.config(), "sqlite")
    header, snapshot, _ = _payload(shop)
    document = json.loads(snapshot)
    document["sqlalchemy"] = "1.4.0"
    write_cache_file(path.parent, path.name, f"{header}\n{json.dumps(document)}\n".encode())
    assert built(shop).replayed


def test_the_cache_file_round_trips_the_snapshot(shop: Shop) -> None:
    first = built(shop)
    header, snapshot, _ = _payload(shop)
    assert json.loads(header)["default_schema"] == "main"
    assert snapshot == snapshot_to_json(first.snapshot)


@pytest.mark.parametrize(
    "payload",
    ["{}\n{}", '{"format": 1, "key": "KEY", "default_schema": 5}\n{}', "[]\n[]", "\n"],
    ids=["no-key", "bad-schema", "lists", "empty-lines"],
)
def test_a_checksummed_cache_of_the_wrong_shape_is_a_miss(shop: Shop, payload: str) -> None:
    built(shop)
    path = cache_path(shop.config(), "sqlite")
    key = cache_key(shop.config(), "sqlite")
    write_cache_file(path.parent, path.name, payload.replace("KEY", key).encode())
    assert built(shop).replayed


@pytest.mark.slow
def test_random_byte_flips_in_the_cache_never_change_the_schema(shop: Shop) -> None:
    uncached = built(shop)
    path = cache_path(shop.config(), "sqlite")
    pristine = path.read_bytes()
    rng = random.Random(11)
    for _ in range(60):
        damaged = bytearray(pristine)
        damaged[rng.randrange(len(damaged))] ^= 1 << rng.randrange(8)
        path.write_bytes(bytes(damaged))
        outcome = built(shop)
        assert outcome.snapshot == uncached.snapshot
        assert outcome.default_schema == uncached.default_schema
        assert outcome.replayed


def test_a_failed_replay_is_not_cached(shop: Shop) -> None:
    shop.project.add("c3", "b2", upgrade='raise RuntimeError("disk on fire")')
    failure = build(shop)
    assert failure == ReplayFailure("c3", "migrations/versions/c3_rev.py", failure.reason)
    assert failure.reason.startswith("RuntimeError: disk on fire")
    assert not cache_path(shop.config(), "sqlite").exists()


def test_a_cache_in_an_unwritable_folder_is_skipped(shop: Shop) -> None:
    (shop.root / ".migguard").write_text("a file where the folder should be")
    assert built(shop).replayed
    assert built(shop).replayed


def test_the_comparison_dialect_has_the_scratch_default_schema(shop: Shop) -> None:
    schema = built(shop)
    dialect = comparison_dialect(shop.config(), schema)
    assert (dialect.name, dialect.default_schema_name) == ("sqlite", "main")


def test_check_url_must_name_postgresql(
    shop: Shop, tmp_path_factory: pytest.TempPathFactory
) -> None:
    shop.configure(f'check_url = "sqlite:///{tmp_path_factory.mktemp("x")}/db.sqlite"')
    with pytest.raises(ConfigError, match="must name a PostgreSQL server"):
        build(shop)


def test_an_unreachable_check_url_is_a_database_error_without_password(shop: Shop) -> None:
    shop.configure('check_url = "postgresql+psycopg://ci:s3cret@127.0.0.1:1/postgres"')
    with pytest.raises(DatabaseError) as raised:
        build(shop)
    message = str(raised.value)
    assert message.startswith("cannot connect to postgresql+psycopg://ci:***@127.0.0.1:1/postgres")
    assert "s3cret" not in message
    assert "\n" not in message


def test_postgresql_replay_then_a_hit_needs_no_server(shop: Shop, pg_url: str) -> None:
    config = shop.config()._replace(check_url=pg_url)
    history = load_history(config)
    first = build_schema(config, history)
    assert isinstance(first, BuiltSchema)
    assert (first.snapshot.dialect, first.default_schema) == ("postgresql", "public")
    # The key names the kind of database, not the server: a hit connects to nothing, so it
    # works even with the server unreachable.
    away = config._replace(check_url="postgresql+psycopg://nobody@127.0.0.1:1/postgres")
    second = build_schema(away, history)
    assert isinstance(second, BuiltSchema)
    assert not second.replayed
    assert second.snapshot == first.snapshot
    assert comparison_dialect(away, second).default_schema_name == "public"
    assert shop.replays == 1

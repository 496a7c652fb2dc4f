"""Replaying the history into a scratch database, incrementally from the replay store."""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from migguard.errors import ConfigError, DatabaseError
from migguard.guard.replay import store as store_module
from migguard.guard.replay.build import build_schema
from migguard.guard.replay.judges import comparison_dialect
from migguard.guard.replay.outcome import BuiltSchema, ReplayFailure
from migguard.scripts.cache import read_cache_file
from migguard.scripts.directory import load_history
from tests.testing.project import Project
from tests.testing.shop import Shop, open_shop

ADD_AGE = 'op.add_column("customer", sa.Column("age", sa.Integer))'
# Keeps SQLite busy for a few hundred milliseconds.
SLOW = (
    'op.execute("CREATE TABLE slow AS WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL '
    'SELECT x + 1 FROM c WHERE x < 2000000) SELECT count(*) AS n FROM c")'
)


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


def store_folder(shop: Shop, dialect: str = "sqlite") -> Path:
    return shop.root / ".migguard" / "replay" / dialect


def from_scratch(shop: Shop) -> BuiltSchema:
    """The schema replayed with no store at all (the reference an incremental replay must
    equal)."""
    shutil.rmtree(shop.root / ".migguard", ignore_errors=True)
    return built(shop)


def test_the_replayed_schema_has_the_tables_but_not_the_version_table(shop: Shop) -> None:
    schema = built(shop)
    assert schema.replayed
    assert [t.name for t in schema.snapshot.tables] == ["customer", "purchase"]
    assert schema.snapshot.dialect == "sqlite"
    assert schema.default_schema == "main"


def test_a_second_build_reads_the_store_and_runs_nothing(shop: Shop) -> None:
    first = built(shop)
    second = built(shop)
    assert (first.revisions_run, second.replayed, second.revisions_run) == (2, False, 0)
    assert second.snapshot == first.snapshot
    assert shop.replays == 1


def test_a_new_revision_runs_alone_on_the_stored_parent_state(shop: Shop) -> None:
    built(shop)
    shop.project.add("c3", "b2", upgrade=ADD_AGE)
    schema = built(shop)
    assert (schema.replayed, schema.revisions_run, shop.replays) == (True, 1, 1)
    assert [c.name for c in schema.snapshot.table("customer").columns] == ["id", "name", "age"]
    assert schema.snapshot == from_scratch(shop).snapshot


def test_editing_the_newest_revision_resumes_below_it(shop: Shop) -> None:
    built(shop)
    shop.project.add("c3", "b2", upgrade=ADD_AGE)
    built(shop)
    shop.project.add("c3", "b2", upgrade=ADD_AGE.replace("age", "height"))
    schema = built(shop)
    assert (schema.revisions_run, shop.replays) == (1, 1)
    names = [c.name for c in schema.snapshot.table("customer").columns]
    assert names == ["id", "name", "height"]
    assert schema.snapshot == from_scratch(shop).snapshot


def test_editing_the_first_revision_replays_everything(shop: Shop) -> None:
    built(shop)
    path = shop.project.versions / "a1_rev.py"
    path.write_text(path.read_text().replace("length=100", "length=120"))
    schema = built(shop)
    assert (schema.revisions_run, shop.replays) == (2, 2)
    assert ("length", 120) in schema.snapshot.table("customer").columns[1].type.args


def test_a_revision_inserted_in_the_middle_resumes_below_it(project: Project, shop: Shop) -> None:
    for number in range(3, 30):
        project.add(
            f"r{number:02d}",
            f"r{number - 1:02d}" if number > 3 else "b2",
            upgrade=(
                f'op.create_table("t{number:02d}", sa.Column("id", sa.Integer, primary_key=True))'
            ),
        )
    assert built(shop).revisions_run == 29
    # r15 now sits on a new revision between r14 and it: the states up to r14 still hold.
    project.add("new", "r14", upgrade='op.add_column("t14", sa.Column("x", sa.Integer))')
    path = project.versions / "r15_rev.py"
    path.write_text(path.read_text().replace("down_revision = 'r14'", "down_revision = 'new'"))
    schema = built(shop)
    assert 0 < schema.revisions_run < 30 - 7
    assert schema.snapshot == from_scratch(shop).snapshot


def test_a_helper_module_in_the_versions_folder_replays_everything(shop: Shop) -> None:
    built(shop)
    (shop.project.versions / "helpers.py").write_text("WIDTH = 100\n")
    assert built(shop).revisions_run == 2


def test_another_version_table_replays_everything(shop: Shop) -> None:
    built(shop)
    shop.configure('version_table = "schema_version"')
    assert built(shop).revisions_run == 2


@pytest.mark.parametrize("suffix", [".meta", ".snap", ".db"])
@pytest.mark.parametrize("damage", ["garbage", "empty", "flip"])
def test_a_damaged_store_file_is_a_miss(shop: Shop, suffix: str, damage: str) -> None:
    reference = built(shop)
    shop.project.add("c3", "b2", upgrade=ADD_AGE)
    expected = from_scratch(shop)
    shutil.rmtree(shop.root / ".migguard")
    built(shop)  # stores the state {a1, b2} only
    for path in store_folder(shop).glob(f"*{suffix}"):
        data = path.read_bytes()
        if damage == "garbage":
            path.write_bytes(b"not a store file")
        elif damage == "empty":
            path.write_bytes(b"")
        else:
            flipped = bytearray(data)
            flipped[len(data) // 2] ^= 0x10
            path.write_bytes(bytes(flipped))
    shop.project.add("c3", "b2", upgrade=ADD_AGE)
    outcome = built(shop)
    assert outcome.snapshot == expected.snapshot
    assert reference.snapshot != expected.snapshot


@pytest.mark.slow
def test_random_byte_flips_in_the_store_never_change_the_schema(shop: Shop) -> None:
    shop.project.add("c3", "b2", upgrade=ADD_AGE)
    expected = from_scratch(shop)
    path_c3 = shop.project.versions / "c3_rev.py"
    path_c3.unlink()
    shutil.rmtree(shop.root / ".migguard")
    built(shop)
    files = sorted(store_folder(shop).glob("*.*"))
    pristine = {path: path.read_bytes() for path in files}
    rng = random.Random(11)
    shop.project.add("c3", "b2", upgrade=ADD_AGE)
    for _ in range(30):
        victim = rng.choice(files)
        damaged = bytearray(pristine[victim])
        damaged[rng.randrange(len(damaged))] ^= 1 << rng.randrange(8)
        for path, data in pristine.items():
            path.write_bytes(bytes(damaged) if path == victim else data)
        for extra in set(store_folder(shop).glob("*.*")) - set(files):
            extra.unlink()
        outcome = built(shop)
        assert outcome.snapshot == expected.snapshot
        assert outcome.default_schema == expected.default_schema


def test_a_failed_replay_stores_no_result_but_resumes_at_the_failure(shop: Shop) -> None:
    for number in range(3, 20):
        shop.project.add(f"r{number:02d}", f"r{number - 1:02d}" if number > 3 else "b2")
    shop.project.add("c3", "r19", upgrade='raise RuntimeError("disk on fire")')
    failure = build(shop)
    assert failure == ReplayFailure("c3", "migrations/versions/c3_rev.py", failure.reason)
    assert failure.reason.startswith("RuntimeError: disk on fire")
    assert not list(store_folder(shop).glob("*.snap"))
    shop.project.add("c3", "r19", upgrade=ADD_AGE)
    schema = built(shop)
    assert (schema.revisions_run, shop.replays) == (1, 1)
    assert schema.snapshot == from_scratch(shop).snapshot


def test_a_statement_failing_behind_a_slow_revision_resumes_right_below_it(shop: Shop) -> None:
    # SQLite runs the statements on a worker thread: the replay's Python has run revisions
    # past c3 by the time c3's statement fails; c3 is still the one named, and the states
    # stored on the way and at the failure hold exactly the revisions below it.
    for number in range(3, 20):
        shop.project.add(f"r{number:02d}", f"r{number - 1:02d}" if number > 3 else "b2")
    shop.project.add("r19", "r18", upgrade=SLOW)
    shop.project.add("c3", "r19", upgrade='op.execute("INSERT INTO nowhere VALUES (1)")')
    shop.project.add("d4", "c3", upgrade=ADD_AGE)
    result = shop.project.run("check", "--select", "sync,models-imported")
    assert result.code == 1
    assert (
        "replaying the migrations into a scratch database failed at revision c3: "
        "OperationalError: no such table: nowhere [while running: INSERT INTO nowhere VALUES (1)]"
    ) in " ".join(result.out.split())
    shop.project.add("c3", "r19", upgrade="pass")
    schema = built(shop)
    assert (schema.revisions_run, shop.replays) == (2, 1)
    assert schema.snapshot == from_scratch(shop).snapshot


def test_a_store_in_an_unwritable_folder_is_skipped(shop: Shop) -> None:
    (shop.root / ".migguard").write_text("a file where the folder should be")
    assert built(shop).replayed
    assert built(shop).replayed


def test_the_store_keeps_the_most_recently_used_states(
    shop: Shop, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(store_module, "MAX_STATES", 2)
    built(shop)
    for number in range(3, 7):
        shop.project.add(f"c{number}", f"c{number - 1}" if number > 3 else "b2")
        built(shop)
    assert len(list(store_folder(shop).glob("*.meta"))) == 2
    assert len(list(store_folder(shop).glob("*.db"))) == 2
    # The newest state is among those kept.
    assert not built(shop).replayed


def test_leftovers_of_a_killed_run_are_removed(shop: Shop) -> None:
    built(shop)
    folder = store_folder(shop)
    orphan = folder / f"{'0' * 64}.db"
    orphan.write_bytes(b"x")
    temporary = folder / ".abc.db.123.tmp"
    temporary.write_bytes(b"x")
    os.utime(temporary, (0, 0))
    ignore = folder / ".gitignore"
    os.utime(ignore, (0, 0))
    shop.project.add("c3", "b2")
    built(shop)
    assert not orphan.exists()
    assert not temporary.exists()
    assert ignore.exists()


def test_the_comparison_dialect_has_the_scratch_default_schema(shop: Shop) -> None:
    schema = built(shop)
    dialect = comparison_dialect(shop.config(), schema.default_schema)
    assert (dialect.name, dialect.default_schema_name) == ("sqlite", "main")


def test_meanwhile_runs_once_while_a_replay_waits_and_never_on_a_stored_schema(
    shop: Shop,
) -> None:
    config = shop.config()
    calls: list[int] = []
    first = build_schema(config, load_history(config), meanwhile=lambda: calls.append(1))
    assert isinstance(first, BuiltSchema)
    assert first.replayed
    assert calls == [1]
    second = build_schema(config, load_history(config), meanwhile=lambda: calls.append(2))
    assert isinstance(second, BuiltSchema)
    assert not second.replayed
    assert calls == [1]


def test_check_url_must_name_postgresql_or_mysql(
    shop: Shop, tmp_path_factory: pytest.TempPathFactory
) -> None:
    shop.configure(f'check_url = "sqlite:///{tmp_path_factory.mktemp("x")}/db.sqlite"')
    with pytest.raises(ConfigError, match="must name a PostgreSQL, MySQL or MariaDB server"):
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
    assert comparison_dialect(away, second.default_schema).default_schema_name == "public"
    assert shop.replays == 1


def _templates(shop: Shop, pg_url: str) -> set[str]:
    """The template databases of the shop's stored states that exist on the server."""

    named = {
        json.loads(read_cache_file(path) or b"{}")["database"]["name"]
        for path in store_folder(shop, "postgresql").glob("*.meta")
    }
    return named & _databases(pg_url)


def _databases(pg_url: str) -> set[str]:
    from migguard.runtime.engine import connect

    with connect(pg_url) as connection:
        return {row[0] for row in connection.exec_driver_sql("SELECT datname FROM pg_database")}


@pytest.mark.postgresql
def test_postgresql_resumes_from_the_template_of_the_parent_state(
    shop: Shop, pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    shop.configure(f'check_url = "{pg_url}"')
    assert built(shop).revisions_run == 2
    shop.project.add("c3", "b2", upgrade=ADD_AGE)
    schema = built(shop)
    assert (schema.revisions_run, shop.replays) == (1, 1)
    assert [c.name for c in schema.snapshot.table("customer").columns] == ["id", "name", "age"]
    kept = _templates(shop, pg_url)
    assert len(kept) == 2
    # Evicted states take their template databases with them.
    monkeypatch.setattr(store_module, "MAX_STATES", 1)
    shop.project.add("d4", "c3")
    assert built(shop).revisions_run == 1
    assert len(_templates(shop, pg_url)) == 1
    assert not kept & _databases(pg_url)


def _concurrent_checks(shop: Shop, count: int) -> list[subprocess.CompletedProcess[str]]:
    env = {**os.environ, "NO_COLOR": "1", "PYTHONPATH": str(shop.root)}
    env.pop("MIGGUARD_URL", None)
    argv = [sys.executable, "-m", "migguard", "check", "--select", "sync"]
    running = [
        subprocess.Popen(argv, cwd=shop.root, env=env, stdout=subprocess.PIPE, text=True)
        for _ in range(count)
    ]
    return [subprocess.CompletedProcess(argv, p.wait(), p.communicate()[0], "") for p in running]


@pytest.mark.slow
def test_concurrent_checks_share_the_store_and_never_give_a_wrong_answer(shop: Shop) -> None:
    for number in range(3, 40):
        shop.project.add(f"r{number:02d}", f"r{number - 1:02d}" if number > 3 else "b2")
    assert [r.returncode for r in _concurrent_checks(shop, 3)] == [0, 0, 0]
    # A new revision the models lack, checked by three runs at once from the stored parent.
    shop.project.add("c3", "r39", upgrade=ADD_AGE)
    for result in _concurrent_checks(shop, 3):
        assert result.returncode == 1, result.stdout
        assert "customer.age" in result.stdout
    outcome = built(shop)
    assert not outcome.replayed
    assert outcome.snapshot == from_scratch(shop).snapshot


def test_an_empty_history_is_stored_too(project: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    with open_shop(project, monkeypatch) as shop:
        for path in shop.project.versions.glob("*.py"):
            path.unlink()
        first = built(shop)
        second = built(shop)
        assert (first.replayed, second.replayed) == (True, False)
        assert second.snapshot.tables == ()

"""A run's commits on a SQLite file: one per revision, synced together at the end of the run.

Each revision records the journal mode and the ``synchronous`` level its transaction ran
with, read through ``op.get_bind()``, so the tests see what every commit was made with.
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from tests.testing.postgres import sqlite3 as sqlite3_client
from tests.testing.project import Project

CREATE_SEEN = 'op.execute("CREATE TABLE seen (revision TEXT, mode TEXT, level INTEGER)")\n'
RECORD = """
bind = op.get_bind()
mode = bind.exec_driver_sql("PRAGMA journal_mode").scalar()
level = bind.exec_driver_sql("PRAGMA synchronous").scalar()
op.execute(f"INSERT INTO seen VALUES ('{revision}', '{mode}', {level})")
"""
NORMAL, FULL = 1, 2


def add_recording_history(project: Project, count: int, first_body: str = "") -> None:
    """Revisions r1..rN; each records how its transaction runs, r1 first creates the table."""
    down = None
    for number in range(1, count + 1):
        rid = f"r{number}"
        body = (CREATE_SEEN + first_body if number == 1 else "") + RECORD
        project.add(rid, down, upgrade=body)
        down = rid


def seen(path: Path) -> list[tuple[str, str, int]]:
    with sqlite3.connect(path) as connection:
        return connection.execute("SELECT * FROM seen ORDER BY revision").fetchall()


def journal_mode(path: Path) -> str:
    return sqlite3_client(path, "PRAGMA journal_mode;").strip()


def test_commits_are_synced_at_the_end_and_the_journal_mode_is_restored(
    project: Project, tmp_path: Path
) -> None:
    add_recording_history(project, 3)
    path = tmp_path / "app.db"
    result = project.run("--url", f"sqlite:///{path}", "upgrade", "head")
    assert result.code == 0, result.err
    assert result.err == ""
    assert seen(path) == [("r1", "wal", NORMAL), ("r2", "wal", NORMAL), ("r3", "wal", FULL)]
    assert journal_mode(path) == "delete"
    assert not Path(f"{path}-wal").exists()
    assert sqlite3_client(path, "SELECT version_num FROM alembic_version;").strip() == "r3"


def test_sync_each_revision_keeps_every_commit_synced(project: Project, tmp_path: Path) -> None:
    with (project.root / "migguard.toml").open("a", encoding="utf-8") as config:
        config.write("sync_each_revision = true\n")
    add_recording_history(project, 3)
    path = tmp_path / "app.db"
    assert project.run("--url", f"sqlite:///{path}", "upgrade", "head").code == 0
    assert seen(path) == [("r1", "delete", FULL), ("r2", "delete", FULL), ("r3", "delete", FULL)]


def test_a_database_in_wal_mode_stays_in_it(project: Project, tmp_path: Path) -> None:
    add_recording_history(project, 2)
    path = tmp_path / "app.db"
    assert sqlite3_client(path, "PRAGMA journal_mode=WAL;").strip() == "wal"
    assert project.run("--url", f"sqlite:///{path}", "upgrade", "head").code == 0
    assert seen(path) == [("r1", "wal", NORMAL), ("r2", "wal", FULL)]
    assert journal_mode(path) == "wal"


def test_a_single_revision_commits_as_usual(project: Project, tmp_path: Path) -> None:
    add_recording_history(project, 1)
    path = tmp_path / "app.db"
    assert project.run("--url", f"sqlite:///{path}", "upgrade", "head").code == 0
    assert seen(path) == [("r1", "delete", FULL)]


def test_a_failed_run_restores_the_journal_mode(project: Project, tmp_path: Path) -> None:
    add_recording_history(project, 2)
    project.add("r3", "r2", upgrade='raise RuntimeError("boom")')
    path = tmp_path / "app.db"
    result = project.run("--url", f"sqlite:///{path}", "upgrade", "head")
    assert result.code == 3
    assert "the database stays at r2" in result.err
    assert seen(path) == [("r1", "wal", NORMAL), ("r2", "wal", NORMAL)]
    assert journal_mode(path) == "delete"
    assert not Path(f"{path}-wal").exists()
    assert sqlite3_client(path, "SELECT version_num FROM alembic_version;").strip() == "r2"


def test_an_interrupted_run_restores_the_journal_mode(project: Project, tmp_path: Path) -> None:
    add_recording_history(project, 2)
    project.add(
        "r3", "r2", upgrade='op.execute("CREATE TABLE half (id INT)")\nraise KeyboardInterrupt'
    )
    path = tmp_path / "app.db"
    result = project.run("--url", f"sqlite:///{path}", "upgrade", "head")
    assert result.code == 130
    assert journal_mode(path) == "delete"
    assert not Path(f"{path}-wal").exists()
    assert sqlite3_client(path, "SELECT version_num FROM alembic_version;").strip() == "r2"
    assert "half" not in sqlite3_client(path, ".tables")


# The first revision signals that the run is under way, then waits until the test says go.
WAIT_FOR_GO = """
from pathlib import Path as _Path
import time as _time
_Path(r"{started}").touch()
_deadline = _time.monotonic() + 60
while not _Path(r"{go}").exists() and _time.monotonic() < _deadline:
    _time.sleep(0.01)
"""


def test_a_connection_opened_during_the_run_keeps_wal_mode_with_a_warning(
    project: Project, tmp_path: Path
) -> None:
    started, go = tmp_path / "started", tmp_path / "go"
    add_recording_history(project, 2, WAIT_FOR_GO.format(started=started, go=go))
    path = tmp_path / "app.db"
    run = subprocess.Popen(
        [sys.executable, "-m", "migguard", "--url", f"sqlite:///{path}", "upgrade", "head"],
        cwd=project.root,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    while not started.exists() and time.monotonic() < deadline and run.poll() is None:
        time.sleep(0.01)
    # The application reads while the migration runs: its connection stays open after.
    reader = sqlite3.connect(path)
    try:
        assert reader.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        reader.execute("SELECT count(*) FROM sqlite_master").fetchall()
        go.touch()
        _, err = run.communicate(timeout=60)
        assert run.returncode == 0, err
        assert f"migguard: warning: {path} stays in WAL journal mode" in err
        assert "another connection has it open" in err
        assert "`PRAGMA journal_mode=DELETE`" in err
        assert reader.execute("SELECT * FROM seen ORDER BY revision").fetchall() == [
            ("r1", "wal", NORMAL),
            ("r2", "wal", FULL),
        ]
    finally:
        reader.close()
    assert journal_mode(path) == "wal"


def test_after_kill_9_the_next_run_restores_the_journal_mode(
    project: Project, tmp_path: Path
) -> None:
    started, go = tmp_path / "started", tmp_path / "go"
    add_recording_history(project, 2)
    project.add("r3", "r2", upgrade=WAIT_FOR_GO.format(started=started, go=go))
    project.add("r4", "r3")
    path = tmp_path / "app.db"
    _kill_9_inside_r3(project, path, started)
    # The killed run could not switch back: the database is left in WAL mode, at r2.
    assert journal_mode(path) == "wal"
    assert sqlite3_client(path, "SELECT version_num FROM alembic_version;").strip() == "r2"

    go.touch()
    result = project.run("--url", f"sqlite:///{path}", "upgrade", "head")
    assert result.code == 0, result.err
    assert journal_mode(path) == "delete"
    assert not Path(f"{path}-wal").exists()
    assert not Path(f"{path}-migguard-journal").exists()
    # The new run took the database's own mode as the one to restore, not WAL.
    assert seen(path)[-1] == ("r2", "wal", NORMAL)
    assert sqlite3_client(path, "SELECT version_num FROM alembic_version;").strip() == "r4"


def test_after_kill_9_a_run_with_nothing_to_do_restores_the_journal_mode(
    project: Project, tmp_path: Path
) -> None:
    started, go = tmp_path / "started", tmp_path / "go"
    add_recording_history(project, 2)
    project.add("r3", "r2", upgrade=WAIT_FOR_GO.format(started=started, go=go))
    path = tmp_path / "app.db"
    _kill_9_inside_r3(project, path, started)
    assert journal_mode(path) == "wal"

    result = project.run("--url", f"sqlite:///{path}", "upgrade", "r2")
    assert result.code == 0, result.err
    assert "Nothing to do" in result.out
    assert journal_mode(path) == "delete"


def _kill_9_inside_r3(project: Project, path: Path, started: Path) -> None:
    """Run ``upgrade head`` on the SQLite file ``path`` in a child process and kill it with
    SIGKILL once revision r3 has written ``started`` (at most 60 s)."""
    run = subprocess.Popen(
        [sys.executable, "-m", "migguard", "--url", f"sqlite:///{path}", "upgrade", "head"],
        cwd=project.root,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    while not started.exists():
        assert run.poll() is None, run.communicate()
        assert time.monotonic() < deadline, "r3 never started"
        time.sleep(0.01)
    run.kill()
    run.communicate(timeout=30)

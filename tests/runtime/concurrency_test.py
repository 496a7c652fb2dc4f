"""Eight processes run ``upgrade head`` at once, on SQLite, PostgreSQL and MariaDB: each
revision runs exactly once."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
import sqlalchemy as sa

from tests.testing.project import Project
from tests.testing.seeds import versions

PROCESSES = 8
REVISIONS = 6


@pytest.mark.slow
def test_concurrent_upgrades_apply_each_revision_once(project: Project, any_db_url: str) -> None:
    project.add(
        "r0",
        message="run log",
        upgrade=(
            'op.create_table("run_log", sa.Column("rev", sa.String(32), nullable=False))\n'
            "op.execute(\"INSERT INTO run_log (rev) VALUES ('r0')\")"
        ),
    )
    for i in range(1, REVISIONS):
        project.add(
            f"r{i}",
            f"r{i - 1}",
            upgrade=(
                f'op.create_table("t{i}", sa.Column("id", sa.Integer(), primary_key=True))\n'
                f"op.execute(\"INSERT INTO run_log (rev) VALUES ('r{i}')\")"
            ),
        )
    command = [sys.executable, "-m", "migguard", "--url", any_db_url, "upgrade", "head", "-q"]
    # MariaDB's DDL is slow: eight runs queued on one lock may wait longer than the default.
    command += ["--lock-timeout", "120"]
    env = {**os.environ, "NO_COLOR": "1"}
    runs = [
        subprocess.Popen(command, cwd=project.root, env=env, stderr=subprocess.PIPE, text=True)
        for _ in range(PROCESSES)
    ]
    errors = [run.communicate(timeout=180)[1] for run in runs]
    assert [run.returncode for run in runs] == [0] * PROCESSES, errors

    engine = sa.create_engine(any_db_url)
    try:
        with engine.connect() as connection:
            counts = dict(
                connection.exec_driver_sql("SELECT rev, COUNT(*) FROM run_log GROUP BY rev").all()
            )
    finally:
        engine.dispose()
    assert counts == {f"r{i}": 1 for i in range(REVISIONS)}
    assert versions(any_db_url) == [f"r{REVISIONS - 1}"]

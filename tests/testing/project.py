"""A real migguard project on disk (the ``project`` fixture), revision scripts as Alembic users
write them, and the CLI run in-process or as a subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

from migguard.cli.main import main


def header_value(ids: Sequence[str] | str | None) -> str:
    """How a script writes down_revision / branch_labels / depends_on."""
    if ids is None or isinstance(ids, str):
        return repr(ids)
    if not ids:
        return "None"
    return repr(ids[0]) if len(ids) == 1 else repr(tuple(ids))


def revision_source(
    rid: str,
    down: Sequence[str] | str | None = None,
    *,
    message: str | None = None,
    branch_labels: Sequence[str] | str | None = None,
    depends_on: Sequence[str] | str | None = None,
    upgrade: str = "pass",
    downgrade: str = "pass",
    op_import: str = "from migguard import op",
) -> str:
    """A revision script in the layout Alembic users know; ``upgrade``/``downgrade`` are
    function bodies (indented by four spaces here)."""
    revises = ", ".join([down] if isinstance(down, str) else (down or ()))
    return (
        f'"""{message or f"revision {rid}"}\n\nRevision ID: {rid}\nRevises: {revises}\n'
        'Create Date: 2024-05-01 10:00:00.000000\n\n"""\n'
        f"{op_import}\nimport sqlalchemy as sa\n\n"
        f"revision = {rid!r}\n"
        f"down_revision = {header_value(down)}\n"
        f"branch_labels = {header_value(branch_labels)}\n"
        f"depends_on = {header_value(depends_on)}\n\n\n"
        f"def upgrade() -> None:\n{_indent(upgrade)}\n\n\n"
        f"def downgrade() -> None:\n{_indent(downgrade)}\n"
    )


def _indent(body: str) -> str:
    return "\n".join(f"    {line}" if line else "" for line in body.strip("\n").splitlines())


@dataclass
class Result:
    """The outcome of one CLI run."""

    code: int
    out: str
    err: str


@dataclass
class Project:
    """A project folder with ``migguard.toml`` and ``migrations/versions``."""

    root: Path
    capsys: pytest.CaptureFixture[str]

    @property
    def versions(self) -> Path:
        return self.root / "migrations" / "versions"

    def add(
        self,
        rid: str,
        down: Sequence[str] | str | None = None,
        *,
        filename: str | None = None,
        message: str | None = None,
        branch_labels: Sequence[str] | str | None = None,
        depends_on: Sequence[str] | str | None = None,
        upgrade: str = "pass",
        downgrade: str = "pass",
        op_import: str = "from migguard import op",
    ) -> Path:
        """Write a revision script named ``<rid>_rev.py`` (or ``filename``)."""
        path = self.versions / (filename or f"{rid}_rev.py")
        path.parent.mkdir(parents=True, exist_ok=True)
        source = revision_source(
            rid,
            down,
            message=message,
            branch_labels=branch_labels,
            depends_on=depends_on,
            upgrade=upgrade,
            downgrade=downgrade,
            op_import=op_import,
        )
        path.write_text(source, encoding="utf-8")
        return path

    def run(self, *args: str) -> Result:
        """Run ``migguard ARGS`` in-process from the project folder."""
        self.capsys.readouterr()
        code = main(list(args))
        captured = self.capsys.readouterr()
        return Result(code, captured.out, captured.err)


@pytest.fixture
def project(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Project:
    """An initialised project (``migguard init migrations``), the working folder."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("MIGGUARD_URL", raising=False)
    monkeypatch.setenv("NO_COLOR", "1")
    assert main(["init", "migrations"]) == 0
    return Project(tmp_path, capsys)


def run_process(
    args: Sequence[str], cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run ``python -m migguard ARGS`` as a real process."""
    full_env = {**os.environ, "NO_COLOR": "1", **(env or {})}
    full_env.pop("MIGGUARD_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "migguard", *args],
        cwd=cwd,
        env=full_env,
        capture_output=True,
        text=True,
        check=False,
    )

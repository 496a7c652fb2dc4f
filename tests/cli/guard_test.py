"""``migguard check --format github|sarif`` on a project in a sub-folder of its repository:
files are shown from the repository's top, where GitHub resolves them, and SARIF results
without a file point at the configuration file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from migguard.cli.main import main
from tests.testing.gitrepo import commit, init_repo
from tests.testing.project import revision_source


@pytest.fixture
def backend(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A repository whose project is in ``backend/``, with two heads and a revision that
    drops a column; the working folder is ``backend``."""
    init_repo(tmp_path)
    project = tmp_path / "backend"
    project.mkdir()
    monkeypatch.chdir(project)
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.delenv("MIGGUARD_URL", raising=False)
    assert main(["init", "migrations"]) == 0
    versions = project / "migrations" / "versions"
    for rid, body in (("a1", "pass"), ("b1", "op.drop_column('users', 'name')")):
        (versions / f"{rid}_rev.py").write_text(revision_source(rid, upgrade=body))
    commit(tmp_path, "two bases")
    return project


def test_sarif_paths_start_at_the_repository_top(
    backend: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    assert main(["check", "--select", "heads,lint", "--all", "--format", "sarif"]) == 1
    results = json.loads(capsys.readouterr().out)["runs"][0]["results"]
    where = {
        result["ruleId"]: result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        for result in results
    }
    assert where == {
        "heads": "backend/migguard.toml",
        "lint/drop-column": "backend/migrations/versions/b1_rev.py",
        "lint/missing-lock-timeout": "backend/migrations/versions/b1_rev.py",
    }


def test_github_annotations_name_files_from_the_repository_top(
    backend: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    main(["check", "--select", "lint", "--all", "--format", "github"])
    out = capsys.readouterr().out
    assert "::warning file=backend/migrations/versions/b1_rev.py,line=" in out
    capsys.readouterr()
    main(["check", "--select", "lint", "--all", "--format", "text"])
    assert "migrations/versions/b1_rev.py:" in capsys.readouterr().out

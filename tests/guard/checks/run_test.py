"""Choosing and running checks: selection, the table, lazy imports, ``--fix`` first."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from migguard.guard.checks.run import CHECKS, selected_codes
from migguard.guard.findings import CODES
from migguard.guard.settings import CheckSettings
from tests.testing.project import Project


def test_selection_follows_config_then_options_and_drift_needs_db() -> None:
    settings = CheckSettings(ignore=("edited",))
    assert selected_codes(settings) == (
        "graph",
        "heads",
        "sync",
        "models-imported",
        "stale-parent",
        "lint",
    )
    assert selected_codes(settings, ("heads", "edited")) == ("heads",)
    assert selected_codes(settings, ("heads",), ("heads",)) == ()
    assert selected_codes(settings, ("heads",), db=True) == ("heads", "drift")
    assert selected_codes(CheckSettings(ignore=("drift",)), ("heads",), db=True) == ("heads",)


def test_the_table_holds_every_code_but_graph_in_report_order() -> None:
    assert ("graph", *CHECKS) == CODES
    assert all(code == check.code for code, check in CHECKS.items())
    assert [code for code, check in CHECKS.items() if check.needs_db] == ["drift"]
    assert [code for code, check in CHECKS.items() if check.needs_staged] == ["unstaged"]


def test_the_graph_and_heads_checks_import_no_sqlalchemy(project: Project) -> None:
    project.add("a1")
    code = (
        "import sys\n"
        "from migguard.cli.main import main\n"
        "status = main(['check', '--select', 'graph,heads'])\n"
        "heavy = sorted(m for m in ('sqlalchemy', 'git', 'rich') if m in sys.modules)\n"
        "print(status, heavy)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=project.root,
        capture_output=True,
        text=True,
        check=True,
        env={"NO_COLOR": "1", "PATH": "/usr/bin:/bin"},
    ).stdout
    assert out.splitlines()[-1] == "0 []"


def _git(root: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
        cwd=root,
        check=True,
        capture_output=True,
    )


def test_fix_runs_first_so_the_other_checks_see_the_repaired_history(project: Project) -> None:
    project.add("a1")
    _git(project.root, "init", "-q", "-b", "main")
    _git(project.root, "add", "-A")
    _git(project.root, "commit", "-qm", "a1")
    _git(project.root, "checkout", "-qb", "feature")
    project.add("f1", "a1")
    _git(project.root, "add", "-A")
    _git(project.root, "commit", "-qm", "f1")
    _git(project.root, "checkout", "-q", "main")
    project.add("m1", "a1")
    _git(project.root, "add", "-A")
    _git(project.root, "commit", "-qm", "m1")
    _git(project.root, "checkout", "-q", "feature")
    _git(project.root, "rebase", "-q", "main")
    assert project.run("check", "--select", "heads,stale-parent").code == 1

    fixed = project.run("check", "--select", "heads,stale-parent", "--fix", "--format", "json")
    report = json.loads(fixed.out)
    assert fixed.code == 0
    assert [(f["code"], f["severity"]) for f in report["findings"]] == [("stale-parent", "info")]
    assert "down_revision = 'm1'" in (project.versions / "f1_rev.py").read_text()

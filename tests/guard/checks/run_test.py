"""Choosing and running checks: selection, a broken history, lazy imports."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from migguard.guard.checks.run import CHECKS, selected_codes
from migguard.guard.findings import CODES
from migguard.guard.settings import CheckSettings
from tests.conftest import Project


def test_selection_follows_config_then_options_and_drift_needs_db() -> None:
    settings = CheckSettings(ignore=("edited",))
    assert selected_codes(settings) == (
        "graph",
        "heads",
        "sync",
        "models-imported",
        "stale-parent",
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


def test_a_broken_history_is_a_graph_error_with_exit_3(project: Project) -> None:
    project.add("a1", "zz")
    result = project.run("check", "--select", "heads")
    assert result.code == 3
    assert result.out.startswith(
        "migrations/versions/a1_rev.py: error [graph] revision a1 "
        "(migrations/versions/a1_rev.py) has down_revision 'zz', which is not in the history\n"
    )


def test_a_syntax_error_carries_file_and_line_in_json_and_github_output(
    project: Project,
) -> None:
    project.add("a1")
    broken = project.add("b2", "a1")
    broken.write_text(broken.read_text().replace("def upgrade() -> None:", "def upgrade( -> None:"))
    line = broken.read_text().splitlines().index("def upgrade( -> None:") + 1
    result = project.run("check", "--select", "graph", "--format", "json")
    assert result.code == 3
    [finding] = json.loads(result.out)["findings"]
    assert (finding["code"], finding["file"], finding["line"]) == (
        "graph",
        "migrations/versions/b2_rev.py",
        line,
    )
    assert finding["message"].startswith("syntax error: ")
    github = project.run("check", "--select", "graph", "--format", "github")
    assert github.out.startswith(
        f"::error file=migrations/versions/b2_rev.py,line={line},title=migguard graph::syntax error"
    )
    text = project.run("check", "--select", "graph")
    assert text.out.startswith(f"migrations/versions/b2_rev.py:{line}: error [graph] syntax error")


def test_unreadable_header_values_are_graph_warnings(project: Project) -> None:
    path = project.add("a1")
    path.write_text(path.read_text().replace("branch_labels = None", "branch_labels = LABELS"))
    result = project.run("check", "--select", "graph", "--format", "json")
    report = json.loads(result.out)
    assert result.code == 0
    assert [f["severity"] for f in report["findings"]] == ["warning"]
    assert "cannot read branch_labels = LABELS" in report["findings"][0]["message"]


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

"""The ``graph`` check: a history that does not load is an error with its file and line (exit
3); header values that cannot be read are warnings."""

from __future__ import annotations

import json

from tests.testing.project import Project


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

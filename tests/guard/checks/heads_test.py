"""The heads check: names every head and gives the merge command."""

from __future__ import annotations

from tests.testing.project import Project


def test_one_head_is_clean(project: Project) -> None:
    project.add("a1")
    project.add("b2", "a1")
    result = project.run("check", "--select", "heads")
    assert result.code == 0, result.out
    assert result.out == "All checks passed (checks: heads)\n"


def test_two_heads_are_named_with_the_merge_command(project: Project) -> None:
    project.add("a1")
    project.add("b2", "a1", message="add email")
    project.add("c3", "a1", message="add phone")
    result = project.run("check", "--select", "heads")
    assert result.code == 1
    lines = result.out.splitlines()
    assert lines[0] == (
        "error [heads] 2 heads where one is expected: b2 (migrations/versions/b2_rev.py), "
        "c3 (migrations/versions/c3_rev.py); `upgrade head` cannot choose between them"
    )
    assert "    - b2: add email" in lines
    assert '    hint: join them with: migguard merge heads -m "merge b2 and c3"' in lines
    assert lines[-1] == "1 error (checks: heads)"


def test_the_merge_command_it_gives_resolves_the_finding(project: Project) -> None:
    project.add("a1")
    project.add("b2", "a1")
    project.add("c3", "a1")
    assert project.run("merge", "heads", "-m", "merge b2 and c3").code == 0
    assert project.run("check", "--select", "heads").code == 0


def test_labelled_branches_listed_in_branch_heads_keep_their_own_head(project: Project) -> None:
    with (project.root / "migguard.toml").open("a") as config:
        config.write('\n[check]\nbranch_heads = ["audit"]\n')
    project.add("a1")
    project.add("b2", "a1")
    project.add("x1", branch_labels="audit")
    project.add("x2", "x1")
    assert project.run("check", "--select", "heads").code == 0

    project.add("x3", "x1")
    result = project.run("check", "--select", "heads")
    assert result.code == 1
    assert "2 heads on branch 'audit' where one is expected" in result.out
    # `merge heads` would also join the main branch's head: the ids are named instead.
    assert 'migguard merge x2 x3 -m "merge x2 and x3"' in result.out

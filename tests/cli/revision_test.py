"""``init``, ``list-templates``, ``revision`` and ``merge`` through the command line."""

from __future__ import annotations

from tests.conftest import Project


def _created(out: str) -> str:
    """The revision id of the file a ``Generated <path>`` line names."""
    return out.strip().rsplit("/", 1)[1].split("_", 1)[0]


def test_first_day_revision_and_history(project: Project) -> None:
    first = project.run("revision", "-m", "Add customer table")
    assert first.code == 0
    assert first.out.startswith("Generated ")
    assert first.out.strip().endswith("_add_customer_table.py")
    second = project.run("revision", "-m", "Add age column")
    a, b = _created(first.out), _created(second.out)
    assert project.run("history").out.splitlines() == [
        f"{a} -> {b} (head), Add age column",
        f"<base> -> {a}, Add customer table",
    ]


def test_branch_then_merge(project: Project) -> None:
    project.run("revision", "-m", "base", "--rev-id", "a1")
    project.run("revision", "-m", "left", "--rev-id", "b2")
    spliced = project.run("revision", "-m", "right", "--head", "a1", "--rev-id", "c3")
    assert spliced.code == 2
    assert "--splice" in spliced.err
    assert (
        project.run("revision", "-m", "right", "--head", "a1", "--splice", "--rev-id", "c3").code
        == 0
    )
    blocked = project.run("revision", "-m", "more")
    assert blocked.code == 2
    assert 'migguard merge heads -m "merge heads"' in blocked.err
    merged = project.run("merge", "heads", "-m", "merge heads", "--rev-id", "m4")
    assert merged.code == 0
    assert project.run("heads").out == "m4 (head) (mergepoint)\n"


def test_branch_labels_and_depends_on_from_the_command_line(project: Project) -> None:
    project.run("revision", "-m", "core", "--rev-id", "a1", "--branch-label", "core")
    result = project.run(
        "revision",
        "-m",
        "audit",
        "--head",
        "base",
        "--branch-label",
        "audit",
        "--depends-on",
        "core",
        "--rev-id",
        "z1",
    )
    assert result.code == 0
    assert "Also depends on: core" in project.run("show", "audit@head").out


def test_existing_rev_id_is_refused(project: Project) -> None:
    project.run("revision", "-m", "first", "--rev-id", "a1")
    result = project.run("revision", "-m", "again", "--rev-id", "a1")
    assert result.code == 2
    assert "revision id 'a1' already exists (migrations/versions/a1_first.py)" in result.err


def test_init_refuses_a_second_time(project: Project) -> None:
    result = project.run("init", "other")
    assert result.code == 2
    assert "exists already" in result.err


def test_list_templates(project: Project) -> None:
    out = project.run("list-templates").out
    assert "generic" in out
    assert "dated" in out

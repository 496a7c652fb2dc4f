"""``heads``, ``branches``, ``history`` and ``show`` as a user types them."""

from __future__ import annotations

import json

from tests.testing.project import Project

REVISION_KEYS = {
    "revision",
    "down_revisions",
    "branch_labels",
    "depends_on",
    "message",
    "path",
    "create_date",
    "is_head",
    "is_base",
    "is_merge",
    "is_branch_point",
    "children",
}


def _seed_history(project: Project) -> None:
    project.add("b4352a83e78a", message="Add customer table")
    project.add("c2e7eea3f80e", "b4352a83e78a", message="Add age column")


def test_history_reads_like_the_walkthrough(project: Project) -> None:
    _seed_history(project)
    result = project.run("history")
    assert result.code == 0
    assert result.out.splitlines() == [
        "b4352a83e78a -> c2e7eea3f80e (head), Add age column",
        "<base> -> b4352a83e78a, Add customer table",
    ]


def test_history_marks_branch_and_merge_points_and_labels(project: Project) -> None:
    project.add("a1", message="base")
    project.add("b2", "a1", message="left", branch_labels="feature")
    project.add("c3", "a1", message="right")
    project.add("m4", ("b2", "c3"), message="merge")
    lines = project.run("history").out.splitlines()
    assert lines == [
        "(b2, c3) -> m4 (feature) (head) (mergepoint), merge",
        "a1 -> b2 (feature), left",
        "a1 -> c3, right",
        "<base> -> a1 (branchpoint), base",
    ]


def test_history_range(project: Project) -> None:
    project.add("a1")
    project.add("b2", "a1")
    project.add("c3", "b2")
    project.add("d4", "c3")
    assert [
        line.split(" -> ")[1][:2] for line in project.run("history", "-r", "b2:c3").out.splitlines()
    ] == ["c3", "b2"]
    assert len(project.run("history", "-r", "c3:").out.splitlines()) == 2
    assert len(project.run("history", "-r", ":b2").out.splitlines()) == 2
    bad = project.run("history", "-r", "b2")
    assert bad.code == 2
    assert "expected START:END" in bad.err


def test_heads_verbose_and_json(project: Project) -> None:
    _seed_history(project)
    assert project.run("heads").out == "c2e7eea3f80e (head)\n"
    verbose = project.run("heads", "--verbose").out
    assert "Rev: c2e7eea3f80e (head)" in verbose
    assert "Parent: b4352a83e78a" in verbose
    assert "Path: migrations/versions/c2e7eea3f80e_rev.py" in verbose
    assert "    Revision ID: c2e7eea3f80e" in verbose
    assert "    Create Date: 2024-05-01 10:00:00.000000" in verbose
    [record] = json.loads(project.run("heads", "--format", "json").out)
    assert set(record) == REVISION_KEYS
    assert record["revision"] == "c2e7eea3f80e"
    assert record["down_revisions"] == ["b4352a83e78a"]
    assert record["is_head"] is True
    assert record["path"] == "migrations/versions/c2e7eea3f80e_rev.py"


def test_history_json_is_newest_first(project: Project) -> None:
    _seed_history(project)
    records = json.loads(project.run("history", "--format", "json").out)
    assert [r["revision"] for r in records] == ["c2e7eea3f80e", "b4352a83e78a"]
    assert records[1]["is_base"] is True


def test_show_accepts_partial_ids_and_symbols(project: Project) -> None:
    _seed_history(project)
    shown = project.run("show", "b435")
    assert shown.code == 0
    assert "Rev: b4352a83e78a" in shown.out
    assert "Add customer table" in shown.out
    assert "Rev: c2e7eea3f80e (head)" in project.run("show", "head").out
    [record] = json.loads(project.run("show", "b4352a83e78a+1", "--format", "json").out)
    assert record["revision"] == "c2e7eea3f80e"


def test_branches_lists_each_branch_point_with_its_branches(project: Project) -> None:
    project.add("a1", message="base")
    project.add("b2", "a1", message="left")
    project.add("c3", "a1", message="right")
    assert project.run("branches").out.splitlines() == [
        "a1 (branchpoint)",
        "  -> b2, left",
        "  -> c3, right",
    ]


def _ids(result_out: str) -> list[str]:
    return [line.split(" -> ")[1][:2] for line in result_out.splitlines()]


def test_alembic_forms_counting_from_the_database(project: Project, sqlite_url: str) -> None:
    project.add("a1")
    project.add("b2", "a1")
    project.add("c3", "b2")
    project.add("d4", "c3")
    assert project.run("upgrade", "b2", "--url", sqlite_url).code == 0
    since = project.run("history", "-r", "current:", "--url", sqlite_url)
    assert (since.code, _ids(since.out)) == (0, ["d4", "c3", "b2"])
    below = project.run("history", "-r", "-1:", "--url", sqlite_url)
    assert (below.code, _ids(below.out)) == (0, ["d4", "c3", "b2", "a1"])
    assert _ids(project.run("history", "-r-1:current", "--url", sqlite_url).out) == ["b2", "a1"]
    assert _ids(project.run("history", "--rev-range", "-1:+1", "--url", sqlite_url).out) == [
        "c3",
        "b2",
        "a1",
    ]
    shown = project.run("show", "current", "--url", sqlite_url)
    assert (shown.code, shown.out.splitlines()[0]) == (0, "Rev: b2")
    assert project.run("show", "current-1", "--url", sqlite_url).out.startswith("Rev: a1\n")


def test_forms_counting_from_the_database_need_its_url(project: Project) -> None:
    project.add("a1")
    result = project.run("show", "current")
    assert result.code == 2
    assert result.err.startswith("migguard: error: no database URL")


def test_url_is_accepted_after_the_command_as_config_is(project: Project, sqlite_url: str) -> None:
    project.add("a1")
    assert project.run("upgrade", "head", "--url", sqlite_url).code == 0
    assert project.run("current", "--url", sqlite_url).out.startswith("a1 (head)")


def test_a_mistyped_keyword_gets_a_did_you_mean(project: Project) -> None:
    project.add("a1", branch_labels="core")
    assert project.run("show", "haed").err == (
        "migguard: error: no revision or branch label 'haed'; did you mean head, heads?\n"
    )
    assert "did you mean current" in project.run("history", "-r", "curent:").err
    assert "did you mean base?" in project.run("show", "core@bsae").err


def test_unknown_and_ambiguous_ids_are_one_line_usage_errors(project: Project) -> None:
    project.add("abc111")
    project.add("abc222", "abc111")
    unknown = project.run("show", "abd111")
    assert unknown.code == 2
    assert unknown.err == (
        "migguard: error: no revision or branch label 'abd111'; did you mean abc111?\n"
    )
    ambiguous = project.run("show", "abc")
    assert ambiguous.code == 2
    assert "matches 2 revisions (abc111, abc222)" in ambiguous.err


def test_head_with_several_heads_gives_the_merge_command(project: Project) -> None:
    project.add("a1")
    project.add("b2", "a1")
    project.add("c3", "a1")
    result = project.run("show", "head")
    assert result.code == 2
    assert 'migguard merge heads -m "merge heads"' in result.err
    assert project.run("heads").out.splitlines() == ["b2 (head)", "c3 (head)"]


def test_broken_history_exits_3_naming_the_file(project: Project) -> None:
    project.add("a1")
    project.add("b2", "zz")
    result = project.run("heads")
    assert result.code == 3
    assert result.err == (
        "migguard: error: revision b2 (migrations/versions/b2_rev.py) has down_revision "
        "'zz', which is not in the history\n"
    )


def test_cycle_is_named(project: Project) -> None:
    project.add("a1", "c3")
    project.add("b2", "a1")
    project.add("c3", "b2")
    result = project.run("history")
    assert result.code == 3
    assert "cycle in the revision history: a1 -> b2 -> c3 -> a1" in result.err


def test_duplicate_ids_name_both_files(project: Project) -> None:
    project.add("a1", filename="one.py")
    project.add("a1", filename="two.py")
    result = project.run("heads")
    assert result.code == 3
    assert "migrations/versions/one.py and in migrations/versions/two.py" in result.err

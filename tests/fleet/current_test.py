"""``current --all``: each target's revisions, the fleet grouped by revision, stragglers named."""

from __future__ import annotations

import json

from migguard.errors import EXIT_FINDINGS, EXIT_OK, EXIT_PARTIAL
from migguard.fleet.current import Group, TargetRevisions, group_fleet
from migguard.graph import RevisionGraph
from tests.testing.fleet import REVISIONS, add_targets, recording_history, sqlite_fleet
from tests.testing.graph_builders import build, rev
from tests.testing.project import Project

FIRST, SECOND, HEAD = REVISIONS


def test_current_all_groups_the_fleet_and_flags_the_stragglers(project: Project) -> None:
    recording_history(project)
    sqlite_fleet(project, 5)
    assert project.run("upgrade", "head", "--target", "db000", "--target", "db003").code == 0
    assert project.run("upgrade", FIRST, "--target", "db001").code == 0
    assert project.run("upgrade", SECOND, "--target", "db004").code == 0
    result = project.run("current", "--all")
    assert result.code == EXIT_OK, result.err
    assert result.out.splitlines() == [
        f"db000: {HEAD}",
        f"db001: {FIRST}",
        "db002: base",
        f"db003: {HEAD}",
        f"db004: {SECOND}",
        "",
        f"2 target(s) at {HEAD}",
        f"1 target(s) at {SECOND} (stragglers: db004)",
        f"1 target(s) at {FIRST} (stragglers: db001)",
        "1 target(s) at base (stragglers: db002)",
    ]
    report = json.loads(project.run("current", "--all", "--format", "json").out)
    assert report["stragglers"] == ["db004", "db001", "db002"]
    assert report["groups"][0] == {
        "revisions": [HEAD],
        "targets": ["db000", "db003"],
        "newest": True,
    }
    assert project.run("current", "--all", "--check-heads").code == EXIT_FINDINGS
    assert project.run("current", "--target", "db000", "--check-heads").code == EXIT_OK


def test_an_unreadable_target_is_named_and_the_others_still_shown(project: Project) -> None:
    recording_history(project)
    sqlite_fleet(project, 2)
    add_targets(project, {"gone": {"url": "sqlite:///no/such/folder/x.db"}})
    result = project.run("current", "--all")
    assert result.code == EXIT_PARTIAL
    assert result.out.splitlines()[:3] == [
        "db000: base",
        "db001: base",
        f"gone: unreadable: cannot connect to sqlite:///{project.root}/no/such/folder/x.db: "
        f"the folder {project.root}/no/such/folder does not exist",
    ]
    assert result.out.splitlines()[-1] == "2 target(s) at base"


def test_groups_order_by_how_far_the_history_has_been_applied_not_by_file_order() -> None:
    graph: RevisionGraph = build(rev("r4", "r3"), rev("r1"), rev("r3", "r2"), rev("r2", "r1"))
    fleet = [
        TargetRevisions("a", "sqlite:///a.db", ("r2",)),
        TargetRevisions("b", "sqlite:///b.db", ("r4",)),
        TargetRevisions("c", "sqlite:///c.db", ()),
        TargetRevisions("d", "sqlite:///d.db", None, "unreachable"),
        TargetRevisions("e", "sqlite:///e.db", ("r4",)),
    ]
    assert group_fleet(graph, fleet) == [
        Group(("r4",), ("b", "e"), True),
        Group(("r2",), ("a",), False),
        Group((), ("c",), False),
    ]

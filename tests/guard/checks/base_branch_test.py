"""Finding the base branch in real git repositories."""

from __future__ import annotations

import pytest

from migguard.config import Config
from migguard.config.load import load_config
from migguard.guard.checks.base_branch import MissingBaseBranch, NoBaseBranch, find_base_branch
from migguard.guard.findings import ERROR, INFO
from tests.testing.branches import check, feature
from tests.testing.gitrepo import add_origin, commit, git, head, init_repo
from tests.testing.project import Project


def _config(project: Project) -> Config:
    return load_config(cwd=project.root)


def test_outside_a_repository_there_is_nothing_to_compare_with(project: Project) -> None:
    with pytest.raises(NoBaseBranch, match="is not inside a git working tree"):
        find_base_branch(_config(project))


def test_a_repository_without_commits_is_skipped(project: Project) -> None:
    init_repo(project.root)
    with pytest.raises(NoBaseBranch, match="no commits yet"):
        find_base_branch(_config(project))


def test_a_feature_branch_is_compared_with_main_where_it_left_it(repo: Project) -> None:
    branched = head(repo.root)
    git(repo.root, "switch", "-q", "-c", "feature")
    repo.add("f1", "a1")
    commit(repo.root, "f1")
    git(repo.root, "switch", "-q", "main")
    repo.add("a2", "a1")
    main_tip = commit(repo.root, "a2")
    git(repo.root, "switch", "-q", "feature")

    base = find_base_branch(_config(repo))
    assert (base.name, base.tip, base.merge_base) == ("main", main_tip, branched)
    assert base.upstream is None and base.upstream_name is None


def test_committing_on_main_without_upstream_compares_with_nothing(repo: Project) -> None:
    with pytest.raises(NoBaseBranch, match="on main, the base branch itself, which has no"):
        find_base_branch(_config(repo))


def test_on_main_the_base_is_what_is_published_upstream(
    repo: Project, tmp_path_factory: pytest.TempPathFactory
) -> None:
    add_origin(repo.root, tmp_path_factory.mktemp("remote") / "origin.git")
    git(repo.root, "push", "-q", "-u", "origin", "main")
    pushed = head(repo.root)
    repo.add("a2", "a1")
    commit(repo.root, "a2, not pushed yet")

    base = find_base_branch(_config(repo))
    assert (base.name, base.tip, base.merge_base) == ("origin/main", pushed, pushed)
    assert base.upstream_name == "origin/main"


def test_a_pushed_feature_branch_is_based_on_origin_main_not_on_its_own_copy(
    repo: Project, tmp_path_factory: pytest.TempPathFactory
) -> None:
    add_origin(repo.root, tmp_path_factory.mktemp("remote") / "origin.git")
    git(repo.root, "push", "-q", "-u", "origin", "main")
    git(repo.root, "switch", "-q", "-c", "feature")
    repo.add("f1", "a1")
    commit(repo.root, "f1")
    git(repo.root, "push", "-q", "-u", "origin", "feature")

    base = find_base_branch(_config(repo))
    assert (base.name, base.upstream_name) == ("origin/main", "origin/feature")
    assert base.upstream is not None and base.upstream == head(repo.root)


def test_a_branch_tracking_another_branch_uses_it_as_base(repo: Project) -> None:
    git(repo.root, "branch", "develop")
    git(repo.root, "switch", "-q", "-c", "feature", "--track", "develop")
    assert find_base_branch(_config(repo)).name == "develop"


def test_base_branch_from_the_configuration_wins(repo: Project) -> None:
    git(repo.root, "branch", "release")
    git(repo.root, "switch", "-q", "-c", "feature")
    with (repo.root / "migguard.toml").open("a") as handle:
        handle.write('base_branch = "release"\n')
    assert find_base_branch(_config(repo)).name == "release"


def test_a_configured_base_branch_that_does_not_exist_is_an_error(repo: Project) -> None:
    with (repo.root / "migguard.toml").open("a") as handle:
        handle.write('base_branch = "origin/develop"\n')
    with pytest.raises(
        MissingBaseBranch,
        match=r"base_branch 'origin/develop' \(from migguard.toml\) names no branch or commit",
    ):
        find_base_branch(_config(repo))


def test_configured_base_branch_that_is_the_current_branch_falls_back_to_nothing(
    repo: Project,
) -> None:
    with (repo.root / "migguard.toml").open("a") as handle:
        handle.write('base_branch = "main"\n')
    with pytest.raises(NoBaseBranch, match="on main, the base branch itself"):
        find_base_branch(_config(repo))


def test_without_main_or_master_the_checks_are_told_what_to_set(project: Project) -> None:
    init_repo(project.root, branch="trunk")
    project.add("a1")
    commit(project.root, "a1")
    git(project.root, "switch", "-q", "-c", "feature")
    with pytest.raises(NoBaseBranch, match=r"no base branch: set base_branch .* create main"):
        find_base_branch(_config(project))


def test_a_detached_head_is_compared_with_main(repo: Project) -> None:
    repo.add("a2", "a1")
    commit(repo.root, "a2")
    git(repo.root, "switch", "-q", "--detach", "HEAD~1")
    base = find_base_branch(_config(repo))
    assert (base.name, base.merge_base) == ("main", head(repo.root))


def test_unrelated_histories_have_no_merge_base(repo: Project) -> None:
    config = _config(repo)
    git(repo.root, "switch", "-q", "--orphan", "other")
    repo.add("z1")
    commit(repo.root, "z1")
    with pytest.raises(NoBaseBranch, match="HEAD and main have no commit in common"):
        find_base_branch(config)


def test_a_shallow_clone_says_why_the_merge_base_is_missing(
    repo: Project, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """CI checkouts are often shallow: the branch point is not there to compare with."""
    origin = tmp_path_factory.mktemp("remote") / "origin.git"
    add_origin(repo.root, origin)
    git(repo.root, "switch", "-q", "-c", "feature")
    repo.add("f1", "a1")
    commit(repo.root, "f1")
    git(repo.root, "switch", "-q", "main")
    repo.add("a2", "a1")
    commit(repo.root, "a2")
    git(repo.root, "push", "-q", "origin", "main", "feature")
    ci = tmp_path_factory.mktemp("ci") / "checkout"
    url = f"file://{origin}"
    git(ci.parent, "clone", "-q", "--depth", "1", "--no-single-branch", url, ci.name)
    git(ci, "switch", "-q", "feature")

    with pytest.raises(NoBaseBranch, match=r"no commit in common in this shallow clone \(fetch"):
        find_base_branch(load_config(cwd=ci))


# -- what the checks report without a base branch (base_for) -----------------------------


def test_without_a_repository_both_checks_say_they_were_skipped(project: Project) -> None:
    project.add("a1")
    findings = check(project, "edited", "stale-parent")
    assert [(f.code, f.severity) for f in findings] == [("edited", INFO), ("stale-parent", INFO)]
    assert all(
        f.message == f"skipped: {project.root} is not inside a git working tree" for f in findings
    )


def test_on_main_without_upstream_the_checks_are_skipped(repo: Project) -> None:
    findings = check(repo, "edited", "stale-parent")
    assert {f.message for f in findings} == {
        "skipped: on main, the base branch itself, which has no upstream: nothing is "
        "published to compare with"
    }


def test_a_configured_base_branch_that_is_missing_fails_both_checks(repo: Project) -> None:
    with (repo.root / "migguard.toml").open("a") as handle:
        handle.write('base_branch = "origin/develop"\n')
    feature(repo)
    findings = check(repo, "edited", "stale-parent")
    assert [(f.code, f.severity) for f in findings] == [("edited", ERROR), ("stale-parent", ERROR)]
    assert findings[0].hint == "fetch it (git fetch origin) or fix base_branch"

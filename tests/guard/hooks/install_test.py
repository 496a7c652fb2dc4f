"""``install_hooks``: the hook scripts land where git looks for them, run migguard, and never
overwrite someone else's hook without ``force``."""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

import pytest

from migguard.errors import UsageError
from migguard.guard.hooks.install import (
    HOOK_NAMES,
    MARKER,
    ForeignHookError,
    InstalledHook,
    hook_script,
    hooks_folder,
    install_hooks,
    parse_hook_names,
)
from tests.testing.gitrepo import add_revision, commit, git, head, init_project

REPOSITORY = Path(__file__).resolve().parents[3]


def test_all_five_hooks_are_installed_executable_with_this_python(tmp_path: Path) -> None:
    root = init_project(tmp_path / "app")

    installed = install_hooks(root)

    folder = root / ".git" / "hooks"
    assert installed == [InstalledHook(name, folder / name, "") for name in HOOK_NAMES]
    for name in HOOK_NAMES:
        text = (folder / name).read_text(encoding="utf-8")
        assert text.splitlines()[1].startswith(f"{MARKER}{name}:")
        assert f"INSTALL_PYTHON={sys.executable}\n" in text
        assert (
            f'-P -m migguard ${{MIGGUARD_CONFIG:+--config "$MIGGUARD_CONFIG"}} hook {name}' in text
        )
        assert "MIGGUARD_CONFIG=''\n" in text  # the configuration is found from the top
        assert (folder / name).stat().st_mode & stat.S_IXUSR


def test_installing_again_replaces_our_own_hooks(tmp_path: Path) -> None:
    root = init_project(tmp_path / "app")
    install_hooks(root, ("post-merge",), python="/old/venv/bin/python")

    [again] = install_hooks(root, ("post-merge",))

    assert again.replaced == "ours"
    assert f"INSTALL_PYTHON={sys.executable}\n" in again.path.read_text(encoding="utf-8")


def test_a_foreign_hook_is_refused_and_nothing_is_written(tmp_path: Path) -> None:
    root = init_project(tmp_path / "app")
    foreign = root / ".git" / "hooks" / "post-checkout"
    foreign.write_text("#!/bin/sh\necho team hook\n", encoding="utf-8")

    with pytest.raises(ForeignHookError) as raised:
        install_hooks(root)

    assert str(raised.value) == (
        f"{foreign} exists and was not written by migguard; move it away, or overwrite it "
        "with `migguard install-hooks --force`"
    )
    assert raised.value.exit_code == 2
    assert not (root / ".git" / "hooks" / "pre-commit").exists()
    assert foreign.read_text(encoding="utf-8") == "#!/bin/sh\necho team hook\n"


def test_force_overwrites_a_foreign_hook(tmp_path: Path) -> None:
    root = init_project(tmp_path / "app")
    foreign = root / ".git" / "hooks" / "pre-commit"
    foreign.write_text("#!/bin/sh\nexit 0\n", encoding="utf-8")

    [hook] = install_hooks(root, ("pre-commit",), force=True)

    assert hook.replaced == "foreign"
    assert MARKER in foreign.read_text(encoding="utf-8")


def test_core_hooks_path_is_honoured(tmp_path: Path) -> None:
    root = init_project(tmp_path / "app")
    git(root, "config", "core.hooksPath", "tools/git-hooks")

    installed = install_hooks(root, ("post-merge",))

    assert hooks_folder(root) == (root / "tools" / "git-hooks", root)
    assert installed[0].path == root / "tools" / "git-hooks" / "post-merge"
    assert not (root / ".git" / "hooks" / "post-merge").exists()


def test_a_linked_worktree_installs_into_the_shared_hooks_folder(tmp_path: Path) -> None:
    root = init_project(tmp_path / "app")
    commit(root, "start")
    git(root, "worktree", "add", "-q", "-b", "side", str(tmp_path / "wt"))

    [hook] = install_hooks(tmp_path / "wt", ("post-checkout",))

    assert hook.path.resolve() == (root / ".git" / "hooks" / "post-checkout").resolve()


def test_outside_a_repository_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="is not inside a git working tree"):
        install_hooks(tmp_path)


def test_hook_names_are_checked() -> None:
    assert parse_hook_names("post-merge, pre-commit") == ("pre-commit", "post-merge")
    with pytest.raises(UsageError, match=r"unknown hook name.*post-commit"):
        parse_hook_names("post-commit")
    with pytest.raises(UsageError, match="unknown hook name"):
        parse_hook_names(",")


def _assert_two_heads_are_refused(root: Path, top: Path) -> None:
    """Write b2 and c3, both on a1, in the project at ``root``, stage everything in the
    repository at ``top``, and check that the installed pre-commit hook refuses the commit."""
    add_revision(root, "b2", "a1")
    add_revision(root, "c3", "a1")
    git(top, "add", "-A")
    blocked = git(top, "commit", "-q", "-m", "b2 and c3", check=False)
    assert blocked.returncode == 1
    assert "2 heads where one is expected" in blocked.stdout + blocked.stderr


@pytest.mark.slow
def test_installed_hooks_fire_on_commit_merge_and_checkout(tmp_path: Path) -> None:
    root = init_project(tmp_path / "app")
    add_revision(root, "a1")
    commit(root, "a1")
    install_hooks(root)

    # pre-commit: the checks see two heads and block the commit.
    _assert_two_heads_are_refused(root, root)
    (root / "migrations" / "versions" / "c3_rev.py").unlink()
    git(root, "add", "-A")
    assert git(root, "commit", "-q", "-m", "b2").returncode == 0

    git(root, "checkout", "-q", "-b", "feature")
    add_revision(root, "c3", "b2")
    commit(root, "c3")
    checkout = git(root, "checkout", "-q", "main")
    assert "migguard: migrations changed in " in checkout.stderr

    merge = git(root, "merge", "-q", "feature")
    assert "migguard: revision files arrived (1 added, " in merge.stderr


@pytest.mark.slow
def test_the_pre_merge_commit_hook_stops_a_merge_that_leaves_two_heads(tmp_path: Path) -> None:
    """`git merge` runs pre-merge-commit, not pre-commit, before it commits a merge."""
    root = init_project(tmp_path / "app")
    add_revision(root, "a1")
    commit(root, "a1")
    install_hooks(root)
    git(root, "checkout", "-q", "-b", "feature")
    add_revision(root, "b2", "a1")
    commit(root, "b2")
    git(root, "checkout", "-q", "main")
    add_revision(root, "c3", "a1")
    commit(root, "c3")

    merge = git(root, "merge", "--no-edit", "feature", check=False)

    assert merge.returncode != 0
    assert "2 heads where one is expected" in merge.stdout + merge.stderr
    assert head(root) == head(root, "main")
    assert git(root, "rev-parse", "-q", "--verify", "MERGE_HEAD", check=False).returncode == 0


@pytest.mark.slow
def test_hooks_of_a_project_in_a_sub_folder_pass_its_configuration(tmp_path: Path) -> None:
    top = init_project(tmp_path / "monorepo")
    root = top / "services" / "shop dept"
    root.mkdir(parents=True)
    (top / "migguard.toml").rename(root / "migguard.toml")
    add_revision(root, "a1")
    commit(top, "a1")

    install_hooks(root, ("pre-commit",), config_file=root / "migguard.toml")

    text = (top / ".git" / "hooks" / "pre-commit").read_text(encoding="utf-8")
    assert "MIGGUARD_CONFIG='services/shop dept/migguard.toml'\n" in text
    _assert_two_heads_are_refused(root, top)


def test_a_hook_without_its_python_falls_back_to_migguard_on_path(tmp_path: Path) -> None:
    root = init_project(tmp_path / "app")
    add_revision(root, "a1")
    commit(root, "a1")
    install_hooks(root, ("post-merge",), python=str(tmp_path / "gone" / "python"))
    git(root, "checkout", "-q", "-b", "feature")
    add_revision(root, "b2", "a1")
    commit(root, "b2")
    git(root, "checkout", "-q", "main")

    found = git(root, "merge", "-q", "feature")
    assert "migguard: revision files arrived" in found.stderr

    git(root, "reset", "-q", "--hard", "HEAD~1")
    no_path = git(root, "merge", "-q", "feature", env={"PATH": os.defpath})
    assert no_path.returncode == 0
    assert "the post-merge hook cannot find migguard" in no_path.stderr


def test_the_shipped_hooks_folder_is_the_package_data() -> None:
    shipped = REPOSITORY / "hooks"
    assert shipped.resolve() == (REPOSITORY / "migguard" / "git_hooks").resolve()
    for name in HOOK_NAMES:
        assert (shipped / name).read_text(encoding="utf-8") == hook_script(name, None)
        assert os.access(shipped / name, os.X_OK)

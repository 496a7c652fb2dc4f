"""Creating revisions and merges in a real project folder."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

from migguard.config.load import load_config
from migguard.errors import UsageError
from migguard.graph import (
    MultipleHeadsError,
    RevisionExistsError,
    UnknownRevisionError,
)
from migguard.scripts.create import create_merge, create_revision
from migguard.scripts.directory import History, load_history
from migguard.scripts.heads_file import read_heads_file
from tests.testing.project import Project


def _history(project: Project) -> History:
    return load_history(load_config(cwd=project.root))


def _new(project: Project, message: str = "next", **kw: Any) -> Path:
    config = load_config(cwd=project.root)
    return create_revision(config, load_history(config), message, **kw)


def test_first_revision_is_a_base_and_the_next_builds_on_it(project: Project) -> None:
    first = _new(project, "Add customer table", rev_id="b4352a83e78a")
    assert first.name == "b4352a83e78a_add_customer_table.py"
    second = _new(project, "Add age column")
    graph = _history(project).graph
    rid = second.name.split("_")[0]
    assert graph.get(rid).down_revisions == ("b4352a83e78a",)
    assert graph.heads == (rid,)


def test_several_heads_need_a_choice(project: Project) -> None:
    project.add("a1")
    project.add("b2", "a1")
    project.add("c3", "a1")
    with pytest.raises(MultipleHeadsError, match="migguard merge heads"):
        _new(project)
    path = _new(project, head="c3", rev_id="d4")
    assert "down_revision = 'c3'" in path.read_text()


def test_a_parent_that_is_not_a_head_needs_splice(project: Project) -> None:
    project.add("a1")
    project.add("b2", "a1")
    with pytest.raises(UsageError, match=r"a1 is not a head .* --splice"):
        _new(project, head="a1")
    _new(project, head="a1", splice=True, rev_id="x9")
    assert set(_history(project).graph.heads) == {"b2", "x9"}


def test_new_base_with_a_branch_label(project: Project) -> None:
    project.add("a1")
    _new(project, head="base", branch_labels=["audit"], rev_id="z1")
    graph = _history(project).graph
    assert set(graph.bases) == {"a1", "z1"}
    assert graph.branch_labels("z1") == {"audit"}


def test_depends_on_keeps_labels_and_completes_prefixes(project: Project) -> None:
    project.add("a1aaaa", branch_labels="core")
    project.add("b2bbbb", "a1aaaa")
    _new(project, head="base", depends_on=["core", "b2b"], rev_id="p1")
    assert _history(project).graph.get("p1").depends_on == ("core", "b2bbbb")


def test_taken_or_illegal_rev_ids_and_labels_are_refused(project: Project) -> None:
    project.add("a1", branch_labels="core")
    with pytest.raises(RevisionExistsError, match=r"'a1' already exists \(migrations/versions"):
        _new(project, rev_id="a1")
    with pytest.raises(UsageError, match="must not be empty or contain"):
        _new(project, rev_id="bad-id")
    with pytest.raises(UsageError, match="branch label 'core' is already used by a1"):
        _new(project, branch_labels=["core"])
    with pytest.raises(UnknownRevisionError):
        _new(project, depends_on=["nope"])


@pytest.mark.parametrize(
    "rev_id",
    ["../x", "{outside}/x", "a/b", "a\\b", "..", ".hidden", "", " ", "a b", "a\x00b", "a\tb"],
)
def test_a_rev_id_that_is_a_path_or_unreadable_is_refused_and_nothing_is_written(
    project: Project, rev_id: str
) -> None:
    project.add("a1")
    project.add("b2", "a1")
    project.add("c3", "a1")
    outside = project.root.parent / f"{project.root.name}-outside"
    outside.mkdir()
    rev_id = rev_id.format(outside=outside)
    _history(project)  # the caches in .migguard/ exist before the snapshot

    def tree() -> list[str]:
        return sorted(str(p) for p in [*project.root.rglob("*"), *outside.rglob("*")])

    before = tree()
    with pytest.raises(UsageError, match="--rev-id"):
        _new(project, head="b2", rev_id=rev_id)
    with pytest.raises(UsageError, match="--rev-id"):
        create_merge(
            load_config(cwd=project.root), _history(project), ["heads"], "m", rev_id=rev_id
        )
    assert tree() == before


def test_merge_joins_the_heads(project: Project) -> None:
    project.add("a1")
    project.add("b2", "a1")
    project.add("c3", "a1")
    config = load_config(cwd=project.root)
    path = create_merge(config, load_history(config), ["heads"], "merge heads", rev_id="m4")
    assert "down_revision = ('b2', 'c3')" in path.read_text()
    graph = _history(project).graph
    assert graph.heads == ("m4",)
    assert graph.is_merge_point("m4")


def test_merge_refuses_one_head_and_ancestors(project: Project) -> None:
    project.add("a1")
    project.add("b2", "a1")
    config = load_config(cwd=project.root)
    history = load_history(config)
    with pytest.raises(UsageError, match="nothing to merge"):
        create_merge(config, history, ["heads"])
    with pytest.raises(UsageError, match="a1 is an ancestor of b2"):
        create_merge(config, history, ["a1", "b2"])


def test_several_version_locations_need_a_version_path_for_a_new_base(
    project: Project,
) -> None:
    (project.root / "other").mkdir()
    config_file = project.root / "migguard.toml"
    config_file.write_text(
        config_file.read_text() + 'version_locations = ["migrations/versions", "other"]\n'
    )
    with pytest.raises(UsageError, match="--version-path"):
        _new(project)
    path = _new(project, version_path=project.root / "other", rev_id="o1")
    assert path.parent == project.root / "other"
    child = _new(project, rev_id="o2")
    assert child.parent == project.root / "other"
    with pytest.raises(UsageError, match="not a version location"):
        _new(project, version_path=project.root / "elsewhere")


def test_with_a_heads_file_revision_and_merge_rewrite_it(project: Project) -> None:
    config_file = project.root / "migguard.toml"
    config_file.write_text(config_file.read_text() + 'heads_file = "migrations/heads"\n')
    heads = project.root / "migrations" / "heads"
    _new(project, rev_id="a1")
    assert read_heads_file(heads).heads == ("a1",)
    _new(project, head="a1", splice=True, rev_id="c3")
    _new(project, head="a1", splice=True, rev_id="b2")
    assert read_heads_file(heads).heads == ("b2", "c3")
    assert heads.read_text().endswith("\nb2\nc3\n")
    config = load_config(cwd=project.root)
    create_merge(config, load_history(config), ["heads"], rev_id="m4")
    assert read_heads_file(heads).heads == ("m4",)


def test_without_a_heads_file_nothing_else_is_written(project: Project) -> None:
    _new(project, rev_id="a1")
    assert sorted(p.name for p in (project.root / "migrations").iterdir()) == [
        "README",
        "script.py.mako",
        "versions",
    ]


def test_autogenerate_rewrites_the_heads_file(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    (project.root / "models.py").write_text(
        "import sqlalchemy as sa\n\nmetadata = sa.MetaData()\n"
        "sa.Table('users', metadata, sa.Column('id', sa.Integer, primary_key=True))\n"
    )
    monkeypatch.delitem(sys.modules, "models", raising=False)
    config_file = project.root / "migguard.toml"
    config_file.write_text(
        config_file.read_text()
        + 'heads_file = "migrations/heads"\nmetadata = "models:metadata"\n'
        + f'url = "sqlite:///{project.root / "app.db"}"\n'
    )
    result = project.run("revision", "--autogenerate", "-m", "users", "--rev-id", "u1")
    assert result.code == 0, result.err
    assert "Detected add table 'users'" in result.out
    assert (project.root / "migrations" / "heads").read_text().splitlines()[-1] == "u1"

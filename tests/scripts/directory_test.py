"""Loading histories from version locations: the layouts real projects have."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from migguard.config.load import load_config
from migguard.errors import ConfigError, HistoryError
from migguard.graph import UnreadableFieldError, resolve
from migguard.scripts.directory import load_history
from tests.testing.project import Project, revision_source


def _load(root: Path, use_cache: bool = True):
    return load_history(load_config(cwd=root), use_cache=use_cache)


def _age(path: Path, seconds: int = 3600) -> None:
    """Make a file look as old as a checked-out one (the cache skips just-written files)."""
    past = time.time() - seconds
    os.utime(path, (past, past))


def test_file_names_that_disagree_with_ids_and_prefixed_names(project: Project) -> None:
    project.add("b4352a83e78a", filename="0001_initial.py")
    project.add("kilo", "b4352a83e78a", filename="2024_05_01_1000-whatever.py")
    project.add("2024_1_expand01", "kilo", filename="zz.py")
    history = _load(project.root)
    assert history.graph.heads == ("2024_1_expand01",)
    assert history.display_path("kilo") == "migrations/versions/2024_05_01_1000-whatever.py"


def test_init_files_helpers_and_caches_are_ignored(project: Project) -> None:
    project.add("a1")
    (project.versions / "__init__.py").write_text("revision = 'not me'\n")
    (project.versions / "helpers.py").write_text("def make_table():\n    return 1\n")
    (project.versions / ".#a1_rev.py").write_text("garbage(")
    (project.versions / "notes.txt").write_text("revision = 'x'")
    cache = project.versions / "__pycache__"
    cache.mkdir()
    (cache / "a1_rev.cpython-311.py").write_text("garbage(")
    assert list(_load(project.root).graph.ids) == ["a1"]


def test_nested_release_folders_need_recursive_version_locations(project: Project) -> None:
    project.add("a1", filename="release_1/a1.py")
    project.add("b2", "a1", filename="release_2/sub/b2.py")
    project.add("c3", "b2")
    # Without recursion only c3 (top level) is read, and its parent is missing.
    with pytest.raises(HistoryError, match="down_revision 'b2'"):
        _load(project.root, use_cache=False)
    config = project.root / "migguard.toml"
    config.write_text(config.read_text() + "recursive_version_locations = true\n")
    history = _load(project.root)
    assert set(history.graph.ids) == {"a1", "b2", "c3"}
    assert history.graph.heads == ("c3",)


def test_several_version_locations_and_several_bases(project: Project) -> None:
    other = project.root / "plugins" / "versions"
    other.mkdir(parents=True)
    (other / "p1.py").write_text(revision_source("p1", None, branch_labels="plugins"))
    (other / "p2.py").write_text(revision_source("p2", "p1"))
    project.add("a1")
    config = project.root / "migguard.toml"
    config.write_text(
        config.read_text() + 'version_locations = ["migrations/versions", "plugins/versions"]\n'
    )
    graph = _load(project.root).graph
    assert graph.bases == ("a1", "p1")
    assert graph.heads == ("a1", "p2")
    assert resolve(graph, "plugins@head") == ("p2",)


def test_missing_script_location_is_a_config_error(project: Project) -> None:
    config = project.root / "migguard.toml"
    config.write_text('script_location = "nowhere"\n')
    with pytest.raises(ConfigError, match="script_location nowhere does not exist"):
        _load(project.root)


def test_missing_version_location_is_a_warning(project: Project) -> None:
    project.add("a1")
    config = project.root / "migguard.toml"
    config.write_text(config.read_text() + 'version_locations = ["migrations/versions", "gone"]\n')
    history = _load(project.root)
    assert history.warnings == ("version location gone does not exist",)


def test_non_literal_label_falls_back_to_importing_the_script(project: Project) -> None:
    (project.root / "myapp").mkdir()
    (project.root / "myapp" / "__init__.py").write_text("")
    (project.root / "myapp" / "cli.py").write_text("EXPAND_BRANCH = 'expand'\n")
    path = project.add("e1")
    path.write_text(
        path.read_text()
        .replace("branch_labels = None", "branch_labels = (cli.EXPAND_BRANCH,)")
        .replace("import sqlalchemy as sa", "import sqlalchemy as sa\nfrom myapp import cli")
    )
    history = _load(project.root)
    assert history.warnings == ()
    assert history.graph.branch_labels("e1") == {"expand"}


def test_unreadable_label_keeps_heads_and_history_working(project: Project) -> None:
    project.add("a1")
    path = project.add("b2", "a1")
    text = path.read_text().replace("branch_labels = None", "branch_labels = (cli.EXPAND,)")
    path.write_text(text.replace("import sqlalchemy as sa", "from nowhere_pkg import cli"))
    history = _load(project.root)
    [warning] = history.warnings
    assert warning.startswith("migrations/versions/b2_rev.py:")
    assert "branch_labels = (cli.EXPAND,)" in warning
    assert "ModuleNotFoundError" in warning
    assert history.graph.heads == ("b2",)
    with pytest.raises(UnreadableFieldError, match=r"b2_rev\.py:\d+: branch_labels"):
        resolve(history.graph, "expand@head")


def test_unreadable_revision_id_is_a_history_error(project: Project) -> None:
    path = project.add("a1")
    path.write_text(path.read_text().replace("revision = 'a1'", "revision = make_id()"))
    with pytest.raises(HistoryError, match=r"a1_rev\.py:\d+: revision is not a literal"):
        _load(project.root)


def test_cache_serves_old_files_and_notices_edits(project: Project) -> None:
    first = project.add("a1")
    second = project.add("b2", "a1", message="first message")
    for path in (first, second):
        _age(path)
    assert _load(project.root).graph.get("b2").message == "first message"
    assert (project.root / ".migguard" / "headers.cache").exists()
    assert (project.root / ".migguard" / ".gitignore").read_text().endswith("*\n")

    second.write_text(revision_source("b2", "a1", message="second message"))
    _age(second, 60)
    assert _load(project.root).graph.get("b2").message == "second message"
    second.unlink()
    assert list(_load(project.root).graph.ids) == ["a1"]


def test_a_corrupt_cache_is_ignored(project: Project) -> None:
    _age(project.add("a1"))
    _load(project.root)
    (project.root / ".migguard" / "headers.cache").write_bytes(b"\x00garbage")
    assert list(_load(project.root).graph.ids) == ["a1"]


def test_cached_runs_give_the_same_history_and_repeat_warnings(project: Project) -> None:
    for path in (project.add("a1"), project.add("b2", "a1", branch_labels="feature")):
        _age(path)
    odd = project.add("c3", "b2")
    odd.write_text(
        odd.read_text()
        .replace("branch_labels = None", "branch_labels = (cli.X,)")
        .replace("import sqlalchemy as sa", "from nowhere_pkg import cli")
    )
    _age(odd)
    first = _load(project.root)
    again = _load(project.root)
    assert list(again.graph) == list(first.graph)
    assert again.files == first.files
    assert len(again.warnings) == len(first.warnings) == 1

    odd.write_text(revision_source("c3", "b2"))
    _age(odd, 60)
    clean = _load(project.root)
    assert clean.warnings == ()
    cached = _load(project.root)
    assert (project.root / ".migguard" / "history.cache").exists()
    assert list(cached.graph) == list(clean.graph)
    assert cached.graph.branch_labels("c3") == {"feature"}


def test_a_script_that_is_not_utf8_is_a_broken_history_naming_file_and_line(
    project: Project,
) -> None:
    project.add("a1")
    latin = project.versions / "b2_latin.py"
    latin.write_bytes(revision_source("b2", "a1", message="caf\u00e9 table").encode("latin-1"))
    for use_cache in (True, False):
        with pytest.raises(HistoryError, match=r"^migrations/versions/b2_latin\.py:1: not UTF-8"):
            _load(project.root, use_cache)


def test_a_byte_order_mark_at_the_top_of_a_script_is_read_as_python_reads_it(
    project: Project,
) -> None:
    path = project.add("a1", message="with a BOM")
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    history = _load(project.root)
    assert history.graph.get("a1").message == "with a BOM"
    assert history.docstring("a1").startswith("with a BOM")


def test_a_dangling_link_named_like_a_script_is_one_error_naming_it(project: Project) -> None:
    project.add("a1")
    (project.versions / "b2_gone.py").symlink_to(project.root / "nowhere.py")
    with pytest.raises(HistoryError, match=r"^migrations/versions/b2_gone\.py: cannot read: "):
        _load(project.root)


def test_a_link_that_points_at_itself_is_one_error_naming_it(project: Project) -> None:
    project.add("a1")
    (project.versions / "loop.py").symlink_to("loop.py")
    with pytest.raises(HistoryError, match=r"^migrations/versions/loop\.py: cannot read: "):
        _load(project.root)


def test_a_fifo_named_like_a_script_is_refused_without_waiting_for_a_writer(
    project: Project,
) -> None:
    project.add("a1")
    os.mkfifo(project.versions / "pipe.py")
    with pytest.raises(HistoryError, match=r"migrations/versions/pipe\.py: cannot read: not a"):
        _load(project.root)


def test_a_link_loop_under_recursive_version_locations_is_walked_once(project: Project) -> None:
    config = project.root / "migguard.toml"
    config.write_text(config.read_text() + "recursive_version_locations = true\n")
    project.add("a1")
    release = project.versions / "release2"
    release.mkdir()
    (release / "b2_rev.py").write_text(revision_source("b2", "a1"))
    (release / "back").symlink_to("..")
    (release / "self").symlink_to(".")
    history = _load(project.root, use_cache=False)
    assert list(history.graph.ids) == ["a1", "b2"]


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any folder whatever its mode")
def test_a_version_folder_that_cannot_be_read_is_one_error_naming_it(project: Project) -> None:
    config = project.root / "migguard.toml"
    config.write_text(config.read_text() + "recursive_version_locations = true\n")
    project.add("a1")
    locked = project.versions / "locked"
    locked.mkdir()
    locked.chmod(0)
    try:
        with pytest.raises(HistoryError, match=r"migrations/versions/locked: cannot read: "):
            _load(project.root, use_cache=False)
    finally:
        locked.chmod(0o755)

"""The caches in .migguard/: damage of any kind is a miss, never a different history."""

from __future__ import annotations

import marshal
import os
import random
import time
from pathlib import Path

import pytest

from migguard.config.load import load_config
from migguard.scripts.cache import read_cache_file, write_cache_file
from migguard.scripts.directory import History, load_history
from tests.testing.project import Project


def _aged_history(project: Project) -> None:
    """Four scripts old enough to be cached (a branch, a label, a merge)."""
    paths = [
        project.add("a1", message="create customer"),
        project.add("b2", "a1", branch_labels="billing"),
        project.add("c3", "a1", depends_on="b2"),
        project.add("d4", ("b2", "c3"), message="merge"),
    ]
    past = time.time() - 3600
    for path in paths:
        os.utime(path, (past, past))


def _load(project: Project, use_cache: bool = True) -> History:
    return load_history(load_config(cwd=project.root), use_cache=use_cache)


def _facts(history: History) -> tuple[object, ...]:
    return (list(history.graph), dict(history.files), history.warnings)


@pytest.mark.slow
@pytest.mark.parametrize("name", ["headers.cache", "history.cache"])
def test_random_byte_flips_in_a_cache_file_never_change_the_history(
    project: Project, name: str
) -> None:
    _aged_history(project)
    uncached = _facts(_load(project, use_cache=False))
    _load(project)
    _load(project)  # the second run writes history.cache from the headers cache
    path = project.root / ".migguard" / name
    pristine = path.read_bytes()
    rng = random.Random(name)
    for _ in range(300):
        damaged = bytearray(pristine)
        damaged[rng.randrange(len(damaged))] ^= 1 << rng.randrange(8)
        # Both caches damaged at once for headers.cache: history.cache would hide it.
        (project.root / ".migguard" / "history.cache").unlink(missing_ok=True)
        path.write_bytes(bytes(damaged))
        assert _facts(_load(project)) == uncached


@pytest.mark.parametrize(
    ("name", "payload"),
    [
        ("headers.cache", []),
        ("headers.cache", {"x": 1}),
        ("headers.cache", {"PATH": (0, 0)}),
        ("headers.cache", {"PATH": ("m", "s", None)}),
        ("headers.cache", {"PATH": ("MTIME", "SIZE", ("a1", 5, (), (), "", None, ()))}),
        ("headers.cache", {"PATH": ("MTIME", "SIZE", (None, (), (), (), "", None, ()))}),
        ("headers.cache", {"PATH": ("MTIME", "SIZE", ("a1", (), (), (), "", None))}),
        ("history.cache", ()),
        ("history.cache", ("KEY", [("a1",)], {"a1": "x"})),
        ("history.cache", ("KEY", [("a1", (), (), (), "", "", None, ())], {})),
        ("history.cache", ("KEY", [("a1", ("",), (), (), "", "", None, ())], {"a1": "p"})),
        ("history.cache", ("KEY", "records", {"a1": "p"})),
    ],
)
def test_a_cache_with_the_right_checksum_but_the_wrong_shape_is_a_miss(
    project: Project, name: str, payload: object
) -> None:
    project.add("a1", message="only")
    path = project.versions / "a1_rev.py"
    past = time.time() - 3600
    os.utime(path, (past, past))
    uncached = _facts(_load(project, use_cache=False))
    stat = path.stat()
    key = [(str(path), stat.st_mtime_ns, stat.st_size)]

    def fill(value: object) -> object:
        replacements = {"PATH": str(path), "MTIME": stat.st_mtime_ns, "SIZE": stat.st_size}
        if isinstance(value, str):
            return key if value == "KEY" else replacements.get(value, value)
        if isinstance(value, tuple):
            return tuple(fill(v) for v in value)
        if isinstance(value, list):
            return [fill(v) for v in value]
        if isinstance(value, dict):
            return {fill(k): fill(v) for k, v in value.items()}
        return value

    folder = project.root / ".migguard"
    folder.mkdir(exist_ok=True)
    write_cache_file(folder, name, marshal.dumps(fill(payload)))
    assert _facts(_load(project)) == uncached


def test_cache_files_are_written_through_a_fresh_temporary_file(
    project: Project, tmp_path_factory: pytest.TempPathFactory
) -> None:
    victim = tmp_path_factory.mktemp("elsewhere") / "victim.txt"
    victim.write_text("precious\n")
    folder = project.root / ".migguard"
    folder.mkdir()
    # The name the old writer used: a link planted there must not be followed.
    for name in ("headers.cache", "history.cache"):
        (folder / f"{name}.{os.getpid()}.tmp").symlink_to(victim)
    (folder / ".gitignore").symlink_to(victim.with_name("created-by-the-link"))
    _aged_history(project)
    _load(project)
    _load(project)
    assert victim.read_text() == "precious\n"
    assert not victim.with_name("created-by-the-link").exists()
    assert read_cache_file(folder / "headers.cache") is not None
    assert read_cache_file(folder / "history.cache") is not None
    leftovers = [p.name for p in folder.iterdir() if p.name.endswith(".tmp") and not p.is_symlink()]
    assert leftovers == []


def test_a_cache_file_is_payload_under_a_checksummed_first_line(tmp_path: Path) -> None:
    write_cache_file(tmp_path, "x.cache", b"payload\nwith lines")
    assert read_cache_file(tmp_path / "x.cache") == b"payload\nwith lines"
    data = (tmp_path / "x.cache").read_bytes()
    (tmp_path / "x.cache").write_bytes(data[:-1])
    assert read_cache_file(tmp_path / "x.cache") is None
    assert read_cache_file(tmp_path / "missing.cache") is None

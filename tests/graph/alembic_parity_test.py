"""Parity of the revision graph and script reader with Alembic, on histories written to disk.

Each history is written as a real Alembic project (``alembic.ini`` + ``mig/versions/*.py``)
and read by both tools: migguard through ``load_config``/``load_history``, Alembic through
``ScriptDirectory``. Then heads, revisions, ``history`` order, per-revision ``show`` facts,
history ranges and identifier resolution must agree.

Histories come from hand-written shapes and from hypothesis. The generator keeps to what
Alembic answers deterministically:

* at most one ``depends_on`` per revision: Alembic orders several dependencies by Python set
  order (string hashes), which changes from run to run;
* a new revision only names existing revisions, so no cycle can arise;
* partial identifiers are only compared when they are at least four characters long and
  unique among revision ids *and* branch labels: Alembic also prefix-matches branch labels
  and never prefix-matches ids of three characters or fewer, while migguard matches ids of
  any length and no labels. Ambiguity is compared only where both agree it is ambiguous.
"""

from __future__ import annotations

import itertools
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import pytest
from alembic.config import Config as AlembicConfig
from alembic.script import ScriptDirectory
from alembic.script.revision import RevisionError
from alembic.util import CommandError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from migguard.config.load import load_config
from migguard.graph import (
    RevisionGraph,
    history_range,
    newest_first,
    resolve,
)
from migguard.graph.errors import ResolutionError
from migguard.scripts.directory import load_history

ALEMBIC_ERRORS = (CommandError, RevisionError)


# -- writing histories ---------------------------------------------------------------------


@dataclass(frozen=True)
class Spec:
    """One revision script to write."""

    rid: str
    down: tuple[str, ...] = ()
    labels: tuple[str, ...] = ()
    depends: str | None = None
    message: str = "change"
    prefix: str = ""
    # write a single label as a plain string instead of a 1-tuple
    label_as_str: bool = False

    @property
    def filename(self) -> str:
        return f"{self.prefix}_{self.rid}.py" if self.prefix else f"{self.rid}.py"


def _literal(values: tuple[str, ...], as_str: bool = True) -> str:
    if not values:
        return "None"
    if len(values) == 1 and as_str:
        return repr(values[0])
    return repr(tuple(values))


def render(spec: Spec) -> str:
    revises = ", ".join(spec.down)
    return (
        f'"""{spec.message}\n\n'
        f"Revision ID: {spec.rid}\n"
        f"Revises: {revises}\n"
        "Create Date: 2024-01-01 00:00:00.000000\n\n"
        '"""\n'
        f"revision = {spec.rid!r}\n"
        f"down_revision = {_literal(spec.down)}\n"
        f"branch_labels = {_literal(spec.labels, spec.label_as_str)}\n"
        f"depends_on = {spec.depends!r}\n"
        "\n\n"
        "def upgrade():\n    pass\n\n\n"
        "def downgrade():\n    pass\n"
    )


def write_project(root: Path, specs: Iterable[Spec]) -> Path:
    """Write an Alembic project under ``root``; return the ``alembic.ini`` path."""
    ini = root / "alembic.ini"
    ini.write_text("[alembic]\nscript_location = %(here)s/mig\n", encoding="utf-8")
    versions = root / "mig" / "versions"
    versions.mkdir(parents=True)
    (root / "mig" / "env.py").write_text("# not run by these tests\n", encoding="utf-8")
    (root / "mig" / "script.py.mako").write_text('"""${message}"""\n', encoding="utf-8")
    for spec in specs:
        (versions / spec.filename).write_text(render(spec), encoding="utf-8")
    return ini


# -- comparing -----------------------------------------------------------------------------


def _fold(text: str) -> str:
    return " ".join(text.split())


def _tuple(value: str | Iterable[str] | None) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    return tuple(value)


def _ids(found: Iterable[object]) -> tuple[str, ...]:
    return tuple(getattr(s, "revision", s) for s in found if s is not None)


Outcome = tuple[str, tuple[str, ...]] | tuple[str, None]


def _attempt(fn: Callable[[], Iterable[str]], errors: tuple[type[Exception], ...]) -> Outcome:
    try:
        return ("ok", tuple(fn()))
    except errors:
        return ("error", None)


def check_parity(root: Path, specs: list[Spec]) -> None:
    ini = write_project(root, specs)
    history = load_history(load_config(ini, environ={}), use_cache=False)
    graph = history.graph
    script_dir = ScriptDirectory.from_config(AlembicConfig(str(ini)))

    # heads: both list them in file order (Alembic: load order = sorted file names).
    assert list(graph.heads) == script_dir.get_heads()
    assert list(graph.real_heads) == script_dir.get_heads(consider_depends_on=True)
    assert set(graph.ids) == {s.revision for s in script_dir.walk_revisions()}
    assert set(graph.ids) == {s.rid for s in specs}

    # history order
    ours = newest_first(graph, graph.ids, graph.real_heads)
    theirs = [s.revision for s in script_dir.walk_revisions()]
    assert ours == theirs

    check_show(graph, script_dir)
    check_ranges(graph, script_dir)
    check_resolve(graph, script_dir)


def check_show(graph: RevisionGraph, script_dir: ScriptDirectory) -> None:
    for rid in graph.ids:
        rev = graph.get(rid)
        script = script_dir.get_revision(rid)
        assert script is not None
        facts = (
            rev.down_revisions,
            graph.is_head(rid),
            rid in graph.bases,
            graph.is_branch_point(rid),
            graph.is_merge_point(rid),
            graph.branch_labels(rid),
            rev.depends_on,
            graph.dependencies(rid),
            rev.message,
        )
        expected = (
            _tuple(script.down_revision),
            script.is_head,
            script.is_base,
            script.is_branch_point,
            script.is_merge_point,
            frozenset(script.branch_labels),
            _tuple(script.dependencies),
            script._resolved_dependencies,  # depends_on with labels resolved to ids
            _fold(script.doc),
        )
        assert facts == expected, rid


def _range_pairs(graph: RevisionGraph) -> list[tuple[str, str]]:
    """Every (ancestor, descendant) pair, plus base and heads ends and label@head."""
    pairs: list[tuple[str, str]] = []
    for end in graph.ids:
        pairs.append(("base", end))
        pairs.extend((start, end) for start in sorted(graph.ancestors([end])))
    pairs.extend((start, "heads") for start in graph.ids)
    for label in graph.label_owners:
        pairs.append(("base", f"{label}@head"))
        pairs.append((label, "heads"))
    pairs.append(("base", "heads"))
    return pairs


def check_ranges(graph: RevisionGraph, script_dir: ScriptDirectory) -> None:
    for start, end in _range_pairs(graph):

        def ours(start: str = start, end: str = end) -> list[str]:
            return history_range(graph, resolve(graph, start), resolve(graph, end))

        def theirs(start: str = start, end: str = end) -> list[str]:
            return [s.revision for s in script_dir.walk_revisions(base=start, head=end)]

        try:
            expected = _attempt(theirs, ALEMBIC_ERRORS)
        except AssertionError:
            # Alembic 1.20 has no answer here: its topological sort fails `assert not todo`
            # when the range holds revisions that the upper end reaches only through a
            # revision outside the range (a start reached from the end only via depends_on;
            # "heads" from a start whose branch ends in a head that something depends on; a
            # dependency leaving the start's descendants and coming back). migguard lists
            # what it reaches from the end; only check that it answers in a valid order.
            found = ours()
            for i, rid in enumerate(found):
                assert not set(graph.ancestors([rid])) & set(found[:i]), (start, end)
            continue
        if expected[0] == "error":
            # Alembic refuses, e.g. label@head on a label whose branch has several heads.
            assert _attempt(ours, (ResolutionError,))[0] == "error", (start, end)
        else:
            assert _attempt(ours, (ResolutionError,)) == expected, (start, end)


def _partials(graph: RevisionGraph) -> tuple[list[str], list[str]]:
    """(unique prefixes, ambiguous prefixes) usable for parity, see the module docstring."""
    names = [*graph.ids, *graph.label_owners]
    unique: list[str] = []
    ambiguous: set[str] = set()
    for rid in graph.ids:
        if len(rid) <= 4:
            continue
        for size in range(4, len(rid)):
            prefix = rid[:size]
            matching = [n for n in names if n.startswith(prefix)]
            long_ids = [n for n in graph.ids if n.startswith(prefix) and len(n) > 3]
            if prefix in graph or prefix in graph.label_owners:
                break
            if len(matching) == 1:
                unique.append(prefix)
                break
            if len(long_ids) > 1 and len(long_ids) == len(matching):
                ambiguous.add(prefix)
    return unique, sorted(ambiguous)


def _alembic_walk(script_dir: ScriptDirectory, rid: str, steps: int) -> tuple[str, ...]:
    # ScriptDirectory.get_revisions() does not parse ``rev+N``; Alembic resolves it for
    # upgrade/downgrade targets with RevisionMap._walk, which is what we compare with.
    found = script_dir.revision_map._walk(rid, steps)
    if found is None:
        raise RevisionError("walked too far")
    return () if found == "base" else (found.revision,)


def check_resolve(graph: RevisionGraph, script_dir: ScriptDirectory) -> None:
    idents = ["heads", "head", *graph.ids]
    for label in graph.label_owners:
        # label@heads counts every head of the branch, even one another revision depends
        # on (plain "heads" leaves those out), in both tools.
        idents += [f"{label}@head", f"{label}@heads", label]
        idents += [f"{label}@{rid}" for rid in graph.ids]
    unique, ambiguous = _partials(graph)
    idents += unique + ambiguous
    for label in graph.label_owners:
        idents += [f"{label}@{prefix}" for prefix in unique]

    for ident in idents:
        expected = _attempt(lambda i=ident: _ids(script_dir.get_revisions(i)), ALEMBIC_ERRORS)
        got = _attempt(lambda i=ident: resolve(graph, i), (ResolutionError,))
        assert got == expected, ident

    for rid, steps in itertools.product(graph.ids, (1, -1)):
        ident = f"{rid}{steps:+d}"
        expected = _attempt(lambda r=rid, s=steps: _alembic_walk(script_dir, r, s), ALEMBIC_ERRORS)
        got = _attempt(lambda i=ident: resolve(graph, i), (ResolutionError,))
        assert got == expected, ident


# -- hand-written shapes -------------------------------------------------------------------


def S(rid: str, *down: str, **kw: object) -> Spec:
    return Spec(rid, tuple(down), **kw)  # type: ignore[arg-type]


def numbered(*specs: Spec) -> list[Spec]:
    """File names in creation order."""
    return [
        Spec(s.rid, s.down, s.labels, s.depends, s.message, f"{i:03d}", s.label_as_str)
        for i, s in enumerate(specs)
    ]


SHAPES: dict[str, list[Spec]] = {
    "single": numbered(S("a1b2c3d4e5f6")),
    "linear": numbered(
        S("1975ea83b712", message="create account table"),
        S("ae1027a6acf", "1975ea83b712", message="Add a column\nto account"),
        S("27c6a30d7c24", "ae1027a6acf"),
    ),
    "linear_reverse_files": [
        Spec("aaaa0001", prefix="c"),
        Spec("aaaa0002", ("aaaa0001",), prefix="b"),
        Spec("aaaa0003", ("aaaa0002",), prefix="a"),
    ],
    "diamond": numbered(
        S("base0001"),
        S("left0001", "base0001"),
        S("right001", "base0001"),
        S("merge001", "left0001", "right001"),
        S("top00001", "merge001"),
    ),
    "diamond_files_swapped": [
        Spec("base0001", prefix="0"),
        Spec("left0001", ("base0001",), prefix="9"),
        Spec("left0002", ("left0001",), prefix="1"),
        Spec("right001", ("base0001",), prefix="5"),
        Spec("merge001", ("right001", "left0002"), prefix="2"),
    ],
    "two_bases": numbered(
        S("kilo"),
        S("lima", "kilo"),
        S("mike"),
        S("november", "mike"),
    ),
    "two_heads": numbered(
        S("2024_1_expand01"),
        S("2024_1_expand02", "2024_1_expand01"),
        S("2024_2_contract01", "2024_1_expand01"),
        S("2024_2_contract02", "2024_2_contract01"),
    ),
    "labelled_branch": numbered(
        S("root0001"),
        S("trunk001", "root0001"),
        S("feat0001", "root0001", labels=("feature",), label_as_str=True),
        S("feat0002", "feat0001"),
        S("trunk002", "trunk001"),
    ),
    "labelled_new_base": numbered(
        S("core0001", labels=("core",)),
        S("core0002", "core0001"),
        S("plug0001", labels=("plugin", "extras")),
        S("plug0002", "plug0001"),
        S("plug0003", "plug0002"),
    ),
    "label_mid_line": numbered(
        S("line0001"),
        S("line0002", "line0001"),
        S("line0003", "line0002", labels=("tail",)),
        S("line0004", "line0003"),
    ),
    "depends_across": numbered(
        S("aaaa1111", labels=("alpha",)),
        S("aaaa2222", "aaaa1111"),
        S("bbbb1111", labels=("beta",)),
        S("bbbb2222", "bbbb1111", depends="aaaa2222"),
        S("bbbb3333", "bbbb2222"),
        S("aaaa3333", "aaaa2222", depends="beta"),
    ),
    "depends_on_head": numbered(
        S("x0000001"),
        S("x0000002", "x0000001"),
        S("y0000001"),
        S("y0000002", "y0000001", depends="x0000002"),
    ),
    "redundant_dependency": numbered(
        S("r0000001"),
        S("r0000002", "r0000001"),
        S("r0000003", "r0000002", depends="r0000001"),
        S("r0000004", "r0000003", depends="r0000003"),
        S("r0000005", "r0000004", labels=("redundant",)),
    ),
    "nested_merges": numbered(
        S("n0"),
        S("n1a", "n0"),
        S("n1b", "n0"),
        S("n2a", "n1a"),
        S("n2b", "n1a"),
        S("m1", "n2a", "n2b"),
        S("m2", "m1", "n1b"),
        S("n3", "n0"),
        S("m3", "m2", "n3"),
    ),
    "merge_of_three": numbered(
        S("abc"),
        S("abd1", "abc"),
        S("abd2", "abc"),
        S("abd3", "abc"),
        S("abe0", "abd1", "abd2", "abd3"),
    ),
    "merge_of_three_bases": [
        Spec("zulu", prefix="3"),
        Spec("yankee", prefix="2"),
        Spec("xray", prefix="1"),
        Spec("whiskey", ("xray", "zulu", "yankee"), prefix="0"),
    ],
}


@pytest.mark.parametrize("name", sorted(SHAPES))
def test_shape(name: str, tmp_path: Path) -> None:
    check_parity(tmp_path, SHAPES[name])


# -- random histories ----------------------------------------------------------------------

WORDS = ("kilo", "lima", "oscar", "papa", "tango", "delta", "echo", "sierra")
HEX = "0123456789abcdef"


@st.composite
def histories(draw: st.DrawFn) -> list[Spec]:
    size = draw(st.integers(1, 16))
    shuffle_files = draw(st.booleans())
    specs: list[Spec] = []
    taken: set[str] = set()
    heads: list[str] = []
    # ancestors through down_revision and depends_on, each revision included
    above: dict[str, set[str]] = {}
    label_count = 0

    for i in range(size):
        style = draw(st.sampled_from(("hex", "hex", "word", "dated", "short")))
        if style == "hex":
            rid = draw(st.text(HEX, min_size=12, max_size=12))
        elif style == "word":
            rid = draw(st.sampled_from(WORDS))
        elif style == "dated":
            rid = f"2024_{i}_{draw(st.sampled_from(WORDS))}{draw(st.integers(0, 99)):02d}"
        else:
            rid = draw(st.text(HEX, min_size=3, max_size=3))
        if rid in taken:
            rid = f"{rid}x{i}"
        taken.add(rid)

        kind = draw(st.sampled_from(("extend", "extend", "branch", "merge", "base")))
        if not specs:
            kind = "base"
        down: tuple[str, ...]
        if kind == "merge" and len(heads) >= 2:
            count = draw(st.integers(2, min(3, len(heads))))
            down = tuple(draw(st.permutations(heads)))[:count]
        elif kind in ("extend", "merge"):
            down = (draw(st.sampled_from(heads)),)
        elif kind == "branch":
            down = (draw(st.sampled_from([s.rid for s in specs])),)
        else:
            down = ()

        labels: tuple[str, ...] = ()
        if draw(st.integers(0, 4)) == 0:
            count = draw(st.integers(1, 2))
            labels = tuple(f"lbl{label_count + n}" for n in range(count))
            label_count += count

        mine = set().union(*(above[d] for d in down))
        depends: str | None = None
        # Mostly a revision that is no ancestor (on another branch); now and then any
        # revision, so redundant dependencies on ancestors are covered too.
        any_target = draw(st.integers(0, 5)) == 0
        others = [s for s in specs if any_target or s.rid not in mine]
        if others and draw(st.integers(0, 3)) == 0:
            target = draw(st.sampled_from(others))
            use_label = target.labels and draw(st.booleans())
            depends = target.labels[0] if use_label else target.rid
            mine |= above[target.rid]

        above[rid] = mine | {rid}
        heads = [h for h in heads if h not in down] + [rid]
        message = draw(st.sampled_from(("add table", "drop\ncolumn x", "merge heads", "fix")))
        prefix = draw(st.text(HEX, min_size=1, max_size=2)) if shuffle_files else f"{i:03d}"
        specs.append(
            Spec(rid, down, labels, depends, message, prefix, label_as_str=draw(st.booleans()))
        )
    return specs


@pytest.mark.slow
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(histories())
def test_random_history(specs: list[Spec]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        check_parity(Path(folder), specs)

"""Random histories for property tests: revisions that each create a table, may index their
parent's table and may add a column with raw SQL, changed by appends, edits, inserts in the
middle, branches and merges."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from hypothesis import strategies as st

from tests.testing.project import revision_source


@dataclass
class Script:
    """One revision: it creates its own table, may index its parent's table (indexes, unlike
    columns, do not depend on the order sibling branches run in) and may add a column to its
    own table with raw SQL."""

    rid: str
    down: tuple[str, ...]
    width: int = 10
    index_parent: bool = False
    raw_column: bool = False

    def body(self) -> str:
        lines = [
            f'op.create_table("t_{self.rid}", sa.Column("id", sa.Integer, primary_key=True), '
            f'sa.Column("name", sa.String({self.width})))'
        ]
        if self.index_parent and self.down:
            parent = self.down[0]
            lines.append(f'op.create_index("ix_{self.rid}", "t_{parent}", ["name"])')
        if self.raw_column:
            lines.append(f'op.execute("ALTER TABLE t_{self.rid} ADD COLUMN extra INTEGER")')
        return "\n".join(lines)


@dataclass
class History:
    scripts: dict[str, Script] = field(default_factory=dict)
    counter: int = 0

    def new_id(self) -> str:
        self.counter += 1
        return f"r{self.counter:03d}"

    def heads(self) -> list[str]:
        below = {p for s in self.scripts.values() for p in s.down}
        return sorted(r for r in self.scripts if r not in below)

    def children(self, rid: str) -> list[str]:
        return sorted(r for r, s in self.scripts.items() if rid in s.down)


ACTIONS = st.sampled_from(["append", "edit", "insert", "branch", "merge"])
# One change to a history: the action, which revision it picks, and the new script's flags.
Change = tuple[str, int, tuple[bool, bool]]
# Every list of changes starts from a history of one revision.
FIRST: Change = ("append", 0, (False, False))


def change_lists(max_size: int) -> st.SearchStrategy[list[Change]]:
    """Lists of 2 to ``max_size`` changes for :func:`apply`."""
    return st.lists(
        st.tuples(ACTIONS, st.integers(0, 50), st.tuples(st.booleans(), st.booleans())),
        min_size=2,
        max_size=max_size,
    )


def apply(history: History, action: str, choice: int, flags: tuple[bool, bool]) -> None:
    ids = sorted(history.scripts)
    heads = history.heads()
    if action == "edit" and ids:
        script = history.scripts[ids[choice % len(ids)]]
        script.width += 1
        script.raw_column = not script.raw_column
        return
    if action == "insert" and ids:
        below = ids[choice % len(ids)]
        new = Script(history.new_id(), (below,), index_parent=flags[0], raw_column=flags[1])
        for child in history.children(below):
            script = history.scripts[child]
            script.down = tuple(new.rid if d == below else d for d in script.down)
        history.scripts[new.rid] = new
        return
    if action == "branch" and ids:
        below = (ids[choice % len(ids)],)
    elif action == "merge" and len(heads) > 1:
        below = tuple(heads[:2])
    else:
        below = (heads[choice % len(heads)],) if heads else ()
    rid = history.new_id()
    history.scripts[rid] = Script(rid, below, index_parent=flags[0], raw_column=flags[1])


def write(folder: Path, history: History) -> None:
    versions = folder / "migrations" / "versions"
    for path in versions.glob("*.py"):
        path.unlink()
    for script in history.scripts.values():
        source = revision_source(script.rid, list(script.down) or None, upgrade=script.body())
        (versions / f"{script.rid}_rev.py").write_text(source)

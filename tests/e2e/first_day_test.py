"""The README's first day, typed as real ``migguard`` processes in a fresh folder, on SQLite, on
PostgreSQL and on MariaDB: the database is checked after every step.

The README's "Quick start: a first day" section is the script: each command this test types
must be the README's next command, word for word, and on SQLite (the README's database) each
output line the README shows must be one the command printed. The configuration and models
the test writes are the README's. So the README cannot drift from what migguard does.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

import pytest

from tests.testing.project import run_process
from tests.testing.seeds import schema, versions

README = Path(__file__).resolve().parents[2] / "README.md"
SECTION_START = "## Quick start: a first day\n"
SECTION_END = "## Adopting migguard in an existing Alembic project\n"
# How the README writes the project folder in the paths migguard prints.
README_PROJECT = "/home/you/project"
README_URL = "sqlite:///application.db"
# The revision ids the README shows, in the order the walkthrough creates them.
FIRST = "b4352a83e78a"
SECOND = "c2e7eea3f80e"
SPLICED = "1f8d5c0a9b37"
MERGE = "d5a0e47c2b19"

CONFIG = f"""\
script_location = "migrations"
url = "{README_URL}"          # or postgresql://app:${{DB_PASSWORD}}@db/app
metadata = "models:base_meta_data"
"""
MODELS = """\
from sqlalchemy import Column, Integer, MetaData, String, Table

base_meta_data = MetaData()

table = Table(
    "customer",
    base_meta_data,
    Column("id", Integer, autoincrement=True, primary_key=True),
    Column("first_name", String(), nullable=False),
    Column("last_name", String(), nullable=False),
    Column("address", String(), nullable=False),
    Column("city", String(), nullable=False),
)
"""
CITY_COLUMN = 'Column("city", String(), nullable=False),'
AGE_COLUMN = 'Column("age", Integer, nullable=False),'
CUSTOMER = ["id", "first_name", "last_name", "address", "city"]

REVISION_ID = re.compile(r"(?<![0-9a-f])[0-9a-f]{12}(?![0-9a-f])")
GENERATED = re.compile(r"^Generated .*/([0-9a-f]{12})_\w+\.py$", re.MULTILINE)
# A revision id or unique prefix as typed, optionally relative: "b435", "b435+1".
TYPED_ID = re.compile(r"([0-9a-f]{4,12})([+-]\d+)?")
TIMING = re.compile(r"\bin \d+(\.\d+)? s\b")
DATE = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d+)?")


class Block(NamedTuple):
    """A fenced code block: its language tag and its text."""

    language: str
    text: str


class Shown(NamedTuple):
    """A command the README types (its words) and the output lines it shows under it."""

    words: list[str]
    output: list[str]


def readme_section() -> str:
    """The text of the README's first-day section, headings excluded at the end."""
    text = README.read_text(encoding="utf-8")
    return text[text.index(SECTION_START) : text.index(SECTION_END)]


def section_blocks() -> list[Block]:
    """The fenced code blocks of the first-day section, in order."""
    pattern = re.compile(r"^```(\w*)\n(.*?)^```$", re.MULTILINE | re.DOTALL)
    return [Block(m[1], m[2]) for m in pattern.finditer(readme_section())]


def shown_commands() -> list[Shown]:
    """The ``migguard`` commands of the section in order: the lines of ``bash`` blocks that
    start with ``migguard``, and every ``$ `` line of ``console`` blocks with the lines under
    it. Trailing ``# comments`` are dropped."""
    commands: list[Shown] = []
    for block in section_blocks():
        for line in block.text.splitlines():
            if block.language == "bash":
                words = shlex.split(line, comments=True)
                if words[:1] == ["migguard"]:
                    commands.append(Shown(words, []))
            elif block.language == "console" and line.startswith("$ "):
                commands.append(Shown(shlex.split(line[2:], comments=True), []))
            elif block.language == "console":
                commands[-1].output.append(line)
    return commands


def readme_block(language: str, starts_with: str) -> str:
    """The section's first ``language`` block whose text starts with ``starts_with``."""
    return next(
        block.text
        for block in section_blocks()
        if block.language == language and block.text.startswith(starts_with)
    )


def normalised(line: str) -> str:
    """``line`` with timings and dates made constant, as they differ from run to run."""
    return DATE.sub("<date>", TIMING.sub("in <t> s", line))


def same_line(shown: str, printed: str) -> bool:
    """Whether a README line and a printed line (ids already translated) say the same, with
    the revision ids inside a line in any order (``heads`` sorts them, the README cannot
    know how the random ids of a run sort)."""

    def key(line: str) -> tuple[str, list[str]]:
        return REVISION_ID.sub("<id>", line), sorted(REVISION_ID.findall(line))

    return key(normalised(shown)) == key(normalised(printed))


@dataclass
class FirstDay:
    """A fresh project folder where the README's commands are typed one after the other."""

    root: Path
    url: str  # the database, as the test inspects it (absolute)
    config: str  # the migguard.toml the user writes
    compare_output: bool  # True on the README's own database (SQLite)
    # MySQL and MariaDB need a length for VARCHAR: the models give one there.
    string_type: str = "String()"
    readme: list[Shown] = field(default_factory=shown_commands)
    ids: dict[str, str] = field(default_factory=dict)  # README id -> id of this run
    typed: list[list[str]] = field(default_factory=list)

    def type(self, command: str, code: int = 0) -> str:
        """Run ``command`` (``migguard ...``, the README's ids) as a real process.

        Asserts that it is the README's next command, that it exits with ``code`` and, when
        comparing output, that every line the README shows under it was printed (stdout and
        stderr). Revision ids are translated both ways: the README's ids (and unique
        prefixes) in the arguments to this run's, and this run's ids in the output back.

        Returns: the output (stdout then stderr) with this run's ids.
        """
        words = shlex.split(command)
        step = len(self.typed)
        assert step < len(self.readme), f"the README's first day ends before {command!r}"
        shown = self.readme[step]
        assert shown.words == words, f"README step {step + 1} is {shlex.join(shown.words)!r}"
        self.typed.append(words)
        done = run_process([self.translate(word) for word in words[1:]], self.root)
        output = done.stdout + done.stderr
        assert done.returncode == code, output
        readme_ids = GENERATED.findall("\n".join(shown.output))
        run_ids = GENERATED.findall(done.stdout)
        assert len(readme_ids) == len(run_ids), f"README shows {readme_ids}, run wrote {run_ids}"
        self.ids.update(zip(readme_ids, run_ids, strict=True))
        if self.compare_output:
            printed = self.in_readme_terms(output).splitlines()
            for line in filter(None, shown.output):
                assert any(same_line(line, p) for p in printed), (line, printed)
        return output

    def id(self, readme_id: str) -> str:
        """This run's id for the revision the README shows as ``readme_id``."""
        return self.ids[readme_id]

    def translate(self, word: str) -> str:
        """``word`` with a README revision id or prefix (``b435``, ``b435+1``) replaced by
        the same revision's id in this run, prefixed just as long as needed to be unique."""
        match = TYPED_ID.fullmatch(word)
        if match is None:
            return word
        prefix, relative = match[1], match[2] or ""
        full = next(run for shown, run in self.ids.items() if shown.startswith(prefix))
        length = len(prefix)
        while sum(run.startswith(full[:length]) for run in self.ids.values()) > 1:
            length += 1
        return full[:length] + relative

    def in_readme_terms(self, text: str) -> str:
        """``text`` with this run's ids and project folder written as the README writes
        them."""
        for readme_id, run_id in self.ids.items():
            text = text.replace(run_id, readme_id)
        return text.replace(str(self.root), README_PROJECT)

    def write(self, name: str, text: str) -> None:
        """Write the project file ``name``, as the user does in their editor."""
        (self.root / name).write_text(text, encoding="utf-8")

    def write_models(self, text: str) -> None:
        """Write ``models.py``, its strings given the length the database needs."""
        self.write("models.py", text.replace("String()", self.string_type))

    def tables(self) -> dict[str, list[str]]:
        """The database's tables (the version table left out) and their columns."""
        found = schema(self.url)
        found.pop("alembic_version", None)
        return found

    def at(self) -> list[str]:
        """The rows of the version table, sorted; empty when it does not exist yet."""
        return versions(self.url) if "alembic_version" in schema(self.url) else []


@pytest.fixture
def day(any_db_url: str, tmp_path: Path) -> FirstDay:
    """A first day on SQLite (the README's own configuration, ``application.db`` in the
    project folder), PostgreSQL or MariaDB (the same configuration with the fixture's URL;
    on MariaDB the strings have a length, ``String(100)``)."""
    root = tmp_path / "project"
    root.mkdir()
    if any_db_url.startswith("sqlite"):
        return FirstDay(root, f"sqlite:///{root / 'application.db'}", CONFIG, True)
    string_type = "String(100)" if any_db_url.startswith("mysql") else "String()"
    return FirstDay(root, any_db_url, CONFIG.replace(README_URL, any_db_url), False, string_type)


def test_the_readme_shows_the_files_this_test_writes() -> None:
    assert readme_block("toml", "script_location") == CONFIG
    assert readme_block("python", "from sqlalchemy") == MODELS
    assert f"`{AGE_COLUMN}`" in readme_section()
    console_lines = [
        line
        for block in section_blocks()
        if block.language == "console"
        for line in block.text.splitlines()
        if line.startswith("$ ")
    ]
    assert console_lines
    assert all(line.startswith("$ migguard ") for line in console_lines)


@pytest.mark.slow
def test_first_day(day: FirstDay) -> None:
    init = day.type("migguard init migrations")
    assert "Wrote" in init
    assert (day.root / "migrations" / "versions").is_dir()
    assert (day.root / "migrations" / "script.py.mako").is_file()
    day.write("migguard.toml", day.config)
    day.write_models(MODELS)

    # Autogenerate compares with the database but changes nothing in it.
    created = day.type('migguard revision --autogenerate -m "Add customer table"')
    assert "Detected add table 'customer'" in created
    first = day.id(FIRST)
    first_script = day.root / "migrations" / "versions" / f"{first}_add_customer_table.py"
    assert "op.create_table(" in first_script.read_text()
    assert day.tables() == {}
    assert day.at() == []

    day.type("migguard upgrade head")
    assert day.tables() == {"customer": CUSTOMER}
    assert day.at() == [first]

    day.write_models(MODELS.replace(CITY_COLUMN, f"{CITY_COLUMN}\n    {AGE_COLUMN}"))
    added = day.type('migguard revision --autogenerate -m "Add age column"')
    assert "Detected add column 'customer.age'" in added
    second = day.id(SECOND)
    script = (day.root / "migrations" / "versions" / f"{second}_add_age_column.py").read_text()
    assert "op.add_column('customer', sa.Column('age', sa.Integer(), nullable=False))" in script
    assert f"down_revision = '{first}'" in script
    if day.compare_output:
        shown_script = readme_block("python", '"""Add age column')
        assert normalised(day.in_readme_terms(script)) == normalised(shown_script)

    plan = day.type("migguard upgrade head --dry-run")
    assert f"would upgrade {first} -> {second}, Add age column" in plan
    assert day.tables() == {"customer": CUSTOMER}
    assert day.at() == [first]

    day.type("migguard upgrade head")
    assert day.tables() == {"customer": [*CUSTOMER, "age"]}
    assert day.at() == [second]

    diff = day.type("migguard diff")
    assert diff == "No differences: the database matches the models.\n"

    history = day.type("migguard history")
    assert history.splitlines() == [
        f"{first} -> {second} (head), Add age column",
        f"<base> -> {first}, Add customer table",
    ]
    shown = day.type("migguard show c2e7")
    assert shown.splitlines()[:3] == [
        f"Rev: {second} (head)",
        f"Parent: {first}",
        f"Path: migrations/versions/{second}_add_age_column.py",
    ]
    assert day.at() == [second]

    day.type("migguard downgrade -1")
    assert day.tables() == {"customer": CUSTOMER}
    assert day.at() == [first]

    day.type("migguard upgrade +1")
    assert day.tables() == {"customer": [*CUSTOMER, "age"]}
    assert day.at() == [second]

    day.type("migguard downgrade base")
    assert day.tables() == {}
    assert day.at() == []

    day.type("migguard upgrade b435")
    assert day.tables() == {"customer": CUSTOMER}
    assert day.at() == [first]

    day.type("migguard upgrade b435+1")
    assert day.tables() == {"customer": [*CUSTOMER, "age"]}
    assert day.at() == [second]

    assert day.type("migguard current") == f"{second} (head)\n"

    verbose = day.type("migguard history --verbose")
    for rid, parent, message in (
        (second, first, "Add age column"),
        (first, "<base>", "Add customer table"),
    ):
        assert f"Rev: {rid}" in verbose
        assert f"Parent: {parent}" in verbose
        assert f"Path: migrations/versions/{rid}_" in verbose
        assert f"\n    {message}\n" in verbose

    # A branch from the first revision: two heads until they are merged.
    day.type('migguard revision -m "search index" --head b435 --splice')
    spliced = day.id(SPLICED)
    assert day.at() == [second]

    heads = day.type("migguard heads")
    assert sorted(heads.splitlines()) == sorted([f"{spliced} (head)", f"{second} (head)"])

    refused = day.type('migguard revision -m "more"', code=2)
    assert refused.startswith("migguard: error: 'head' is ambiguous")
    assert 'migguard merge heads -m "merge heads"' in refused
    assert len(list((day.root / "migrations" / "versions").glob("*.py"))) == 3

    day.type('migguard merge heads -m "merge heads"')
    merge = day.id(MERGE)
    assert day.at() == [second]

    day.type("migguard upgrade head")
    assert day.tables() == {"customer": [*CUSTOMER, "age"]}
    assert day.at() == [merge]

    branches = day.type("migguard branches")
    assert branches.splitlines()[0] == f"{first} (branchpoint)"

    assert day.typed == [shown.words for shown in day.readme]

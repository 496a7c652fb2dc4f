"""Bad input of every kind through the real ``migguard`` program: one line, the documented
exit code, no traceback, and the project folder left exactly as it was.

Each case is one row of ``CASES``: an id, the files to write into a freshly initialised
project (``migguard init migrations``, whose ``migrations/versions/`` holds ``a1`` <- ``b2``),
an optional extra setup (links, FIFOs, a database), the arguments, the exit code and a text
the error line must contain. Add a row to cover a new input.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from migguard.errors import EXIT_DATABASE, EXIT_HISTORY, EXIT_USAGE
from tests.testing.project import revision_source

MIGGUARD = Path(sys.executable).with_name("migguard")
VERSIONS = "migrations/versions"
DB_URL = "sqlite:///app.db"

Setup = Callable[[Path], None]


@dataclass(frozen=True)
class Case:
    """One bad input and what migguard must answer.

    Attributes:
        id: the test id.
        argv: the arguments after ``migguard`` (bytes for arguments that are not UTF-8).
        code: the exit status.
        says: a text the ``migguard: error:`` line contains.
        files: project-relative path -> content (text, or bytes written as they are).
        setup: anything files cannot say (links, FIFOs, a database), run after ``files``.
        remove: project-relative paths deleted before the run (e.g. the seeded scripts).
    """

    id: str
    argv: Sequence[str | bytes]
    code: int
    says: str
    files: Mapping[str, str | bytes] = field(default_factory=dict)
    setup: Setup | None = None
    remove: Sequence[str] = ()


def _script(rid: str, down: str | Sequence[str] | None = None) -> str:
    return revision_source(rid, down)


def _link(name: str, target: str) -> Setup:
    return lambda root: (root / VERSIONS / name).symlink_to(target)


def _fifo(name: str) -> Setup:
    return lambda root: os.mkfifo(root / VERSIONS / name)


def _database_at(revision: str) -> Setup:
    def setup(root: Path) -> None:
        with sqlite3.connect(root / "app.db") as connection:
            connection.execute("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)")
            connection.execute("INSERT INTO alembic_version VALUES (?)", (revision,))
        connection.close()

    return setup


def _version_table(columns: str, row: object = None) -> Setup:
    def setup(root: Path) -> None:
        with sqlite3.connect(root / "app.db") as connection:
            connection.execute(f"CREATE TABLE alembic_version ({columns})")
            if row is not None:
                connection.execute("INSERT INTO alembic_version VALUES (?)", (row,))
        connection.close()

    return setup


SEEDED = (f"{VERSIONS}/a1_rev.py", f"{VERSIONS}/b2_rev.py")

CASES = [
    # --- revision scripts on disk (exit 3, naming the file) ---
    Case(
        "script-not-utf8",
        ["heads"],
        EXIT_HISTORY,
        f"{VERSIONS}/c3_latin.py:1: not UTF-8",
        files={
            f"{VERSIONS}/c3_latin.py": revision_source("c3", "b2", message="café").encode("latin-1")
        },
    ),
    Case(
        "script-dangling-link",
        ["history"],
        EXIT_HISTORY,
        f"{VERSIONS}/c3_gone.py: cannot read",
        setup=_link("c3_gone.py", "../nowhere.py"),
    ),
    Case(
        "script-link-loop",
        ["heads"],
        EXIT_HISTORY,
        f"{VERSIONS}/loop.py: cannot read",
        setup=_link("loop.py", "loop.py"),
    ),
    Case(
        "script-fifo",
        ["heads"],
        EXIT_HISTORY,
        f"{VERSIONS}/pipe.py: cannot read: not a regular file",
        setup=_fifo("pipe.py"),
    ),
    Case(
        "script-nul-byte",
        ["heads"],
        EXIT_HISTORY,
        f"{VERSIONS}/c3_nul.py:1: syntax error",
        files={f"{VERSIONS}/c3_nul.py": b"revision = 'c3'\x00\n"},
    ),
    Case(
        "script-syntax-error",
        ["history"],
        EXIT_HISTORY,
        f"{VERSIONS}/c3_rev.py:",
        files={
            f"{VERSIONS}/c3_rev.py": _script("c3", "b2").replace("def upgrade()", "def upgrade(")
        },
    ),
    Case(
        "history-cycle",
        ["heads"],
        EXIT_HISTORY,
        "cycle in the revision history",
        files={
            f"{VERSIONS}/x1_rev.py": _script("x1", "x2"),
            f"{VERSIONS}/x2_rev.py": _script("x2", "x1"),
        },
    ),
    Case(
        "history-duplicate-id",
        ["heads"],
        EXIT_HISTORY,
        "revision id 'b2' is declared twice",
        files={f"{VERSIONS}/b2_again.py": _script("b2", "a1")},
    ),
    Case(
        "history-unknown-down-revision",
        ["history"],
        EXIT_HISTORY,
        "has down_revision 'zz9', which is not in the history",
        files={f"{VERSIONS}/c3_rev.py": _script("c3", "zz9")},
    ),
    # --- arguments (exit 2) ---
    Case("unknown-option", ["history", "--bogus"], EXIT_USAGE, "unrecognized arguments: --bogus"),
    Case("unknown-command", ["histroy"], EXIT_USAGE, "'histroy'; did you mean history?"),
    Case("unknown-format", ["check", "--format", "jsn"], EXIT_USAGE, "did you mean json?"),
    Case("missing-argument", ["show"], EXIT_USAGE, "the following arguments are required: REV"),
    Case("no-command", [], EXIT_USAGE, "the following arguments are required: COMMAND"),
    Case(
        "message-not-utf8",
        ["revision", "-m", b"caf\xe9"],
        EXIT_USAGE,
        "--message is not UTF-8 text",
    ),
    Case("unknown-revision", ["show", "zz9"], EXIT_USAGE, "no revision or branch label 'zz9'"),
    Case("mistyped-keyword", ["show", "haed"], EXIT_USAGE, "did you mean head, heads?"),
    Case("mistyped-id", ["history", "-r", "a1x:"], EXIT_USAGE, "did you mean a1?"),
    Case(
        "head-current-without-database",
        ["revision", "-m", "x", "--head", "current"],
        EXIT_USAGE,
        "'current'",
    ),
    Case(
        "range-walks-below-base",
        ["history", "-r", "-5:", "--url", DB_URL],
        EXIT_USAGE,
        "base reached",
        setup=_database_at("a1"),
    ),
    Case("range-without-colon", ["history", "-r", "b2"], EXIT_USAGE, "expected START:END"),
    Case("current-without-url", ["show", "current"], EXIT_USAGE, "no database URL"),
    Case("unknown-check-code", ["check", "--select", "nonsense"], EXIT_USAGE, "unknown check"),
    *(
        Case(f"rev-id-{name}", ["revision", "-m", "x", "--rev-id", rev_id], EXIT_USAGE, "--rev-id")
        for name, rev_id in (
            ("parent-folder", "../x"),
            ("absolute", "/tmp/migguard_bad_input_x"),
            ("sub-folder", "a/b"),
            ("backslash", "a\\b"),
            ("dot-dot", ".."),
            ("hidden", ".x"),
            ("empty", ""),
            ("space", "a b"),
            ("tab", "a\tb"),
            ("grammar", "a-b"),
        )
    ),
    Case(
        "merge-rev-id-path",
        ["merge", "heads", "--rev-id", "../m"],
        EXIT_USAGE,
        "--rev-id",
        files={f"{VERSIONS}/c3_rev.py": _script("c3", "a1")},
    ),
    # --- configuration (exit 2) ---
    Case(
        "config-missing", ["-c", "nowhere.toml", "heads"], EXIT_USAGE, "nowhere.toml does not exist"
    ),
    Case(
        "config-missing-after-command",
        ["heads", "-c", "nowhere.toml"],
        EXIT_USAGE,
        "nowhere.toml does not exist",
    ),
    Case(
        "config-bad-toml",
        ["-c", "bad.toml", "heads"],
        EXIT_USAGE,
        "invalid TOML in",
        files={"bad.toml": 'script_location = "migrations"\nurl = \n'},
    ),
    # --- the database ahead of the code (exit 4, as upgrade says it) ---
    *(
        Case(
            f"database-ahead-{'-'.join(argv)}",
            [*argv, "--url", DB_URL],
            EXIT_DATABASE,
            "the database is at revision f00dfeed, which is not in this history",
            setup=_database_at("f00dfeed"),
        )
        for argv in (["current"], ["upgrade", "head"], ["history", "-r", "current:"])
    ),
    # --- URLs that name no database SQLAlchemy has (exit 2, password masked, no file) ---
    Case(
        "url-unknown-dialect",
        ["upgrade", "head", "--url", "nosuchdb://x/y"],
        EXIT_USAGE,
        "unknown database 'nosuchdb'",
    ),
    Case(
        "url-heroku-postgres",
        ["upgrade", "head", "--url", "postgres://u:pw1@localhost/db"],
        EXIT_USAGE,
        "postgres://u:***@localhost/db",
    ),
    Case(
        "url-alembic-placeholder",
        ["current", "--url", "driver://user:pass@localhost/dbname"],
        EXIT_USAGE,
        "Alembic's placeholder URL",
    ),
    # --- databases migguard cannot use (exit 4) ---
    *(
        Case(f"{kind}-{argv[0]}", [*argv, "--url", DB_URL], EXIT_DATABASE, says, setup=setup)
        for kind, setup, says in (
            (
                "not-a-database",
                lambda root: (root / "app.db").write_text("x" * 200),
                "not a database",
            ),
            (
                "version-num-integer",
                _version_table("version_num INTEGER", 5),
                "version_num column",
            ),
            ("version-num-missing", _version_table("other TEXT"), "version_num"),
        )
        for argv in (["current"], ["upgrade", "head"], ["stamp", "b2"])
    ),
]


def _tree(root: Path) -> dict[str, tuple[int, int, int]]:
    """Every entry under ``root`` (links not followed): its type bits, size and mtime."""
    found: dict[str, tuple[int, int, int]] = {}
    for folder, dirs, files in os.walk(root):
        for name in [*dirs, *files]:
            path = os.path.join(folder, name)
            stat = os.lstat(path)
            found[os.path.relpath(path, root)] = (stat.st_mode, stat.st_size, stat.st_mtime_ns)
    return found


def _settle(root: Path) -> None:
    """Make the project look checked out a while ago, and let migguard cache it once, as any
    earlier command would have: a failing command must then change nothing, caches included
    (files written within the last two seconds are never cached, see migguard.scripts.cache).
    """
    past = time.time() - 3600
    for folder, _, files in os.walk(root):
        for name in files:
            os.utime(os.path.join(folder, name), (past, past), follow_symlinks=False)
    subprocess.run(
        [MIGGUARD, "heads"], cwd=root, capture_output=True, check=False, timeout=60, env=_env()
    )


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MIGGUARD_")}
    return {**env, "NO_COLOR": "1", "LC_ALL": "C.UTF-8"}


@pytest.fixture
def seeded(tmp_path: Path) -> Path:
    """A project made by the real ``migguard init``, with a1 <- b2."""
    root = tmp_path / "project"
    root.mkdir()
    subprocess.run([MIGGUARD, "init", "migrations"], cwd=root, capture_output=True, check=True)
    (root / SEEDED[0]).write_text(_script("a1"))
    (root / SEEDED[1]).write_text(_script("b2", "a1"))
    return root


@pytest.mark.slow
@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_bad_input_is_one_line_with_its_exit_code_and_changes_nothing(
    seeded: Path, case: Case
) -> None:
    for name, content in case.files.items():
        path = seeded / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    if case.setup is not None:
        case.setup(seeded)
    for name in case.remove:
        (seeded / name).unlink()
    _settle(seeded)
    before = _tree(seeded)
    done = subprocess.run(
        [MIGGUARD, *case.argv],
        cwd=seeded,
        capture_output=True,
        env=_env(),
        timeout=60,
        check=False,
    )
    stderr = done.stderr.decode("utf-8", "replace")
    assert "Traceback" not in stderr
    assert done.returncode == case.code, stderr
    lines = stderr.splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith("migguard: error: "), stderr
    assert case.says in lines[0]
    assert done.stdout == b""
    assert _tree(seeded) == before
    assert not list(Path("/tmp").glob("migguard_bad_input_x*"))

"""``init``, ``list-templates``, ``revision`` and ``merge`` through the command line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.testing.project import Project


def _created(out: str) -> str:
    """The revision id of the file a ``Generated <path>`` line names."""
    return out.strip().rsplit("/", 1)[1].split("_", 1)[0]


def test_first_day_revision_and_history(project: Project) -> None:
    first = project.run("revision", "-m", "Add customer table")
    assert first.code == 0
    assert first.out.startswith("Generated ")
    assert first.out.strip().endswith("_add_customer_table.py")
    second = project.run("revision", "-m", "Add age column")
    a, b = _created(first.out), _created(second.out)
    assert project.run("history").out.splitlines() == [
        f"{a} -> {b} (head), Add age column",
        f"<base> -> {a}, Add customer table",
    ]


def test_branch_then_merge(project: Project) -> None:
    project.run("revision", "-m", "base", "--rev-id", "a1")
    project.run("revision", "-m", "left", "--rev-id", "b2")
    spliced = project.run("revision", "-m", "right", "--head", "a1", "--rev-id", "c3")
    assert spliced.code == 2
    assert "--splice" in spliced.err
    assert (
        project.run("revision", "-m", "right", "--head", "a1", "--splice", "--rev-id", "c3").code
        == 0
    )
    blocked = project.run("revision", "-m", "more")
    assert blocked.code == 2
    assert 'migguard merge heads -m "merge heads"' in blocked.err
    merged = project.run("merge", "heads", "-m", "merge heads", "--rev-id", "m4")
    assert merged.code == 0
    assert project.run("heads").out == "m4 (head) (mergepoint)\n"


def test_branch_labels_and_depends_on_from_the_command_line(project: Project) -> None:
    project.run("revision", "-m", "core", "--rev-id", "a1", "--branch-label", "core")
    result = project.run(
        "revision",
        "-m",
        "audit",
        "--head",
        "base",
        "--branch-label",
        "audit",
        "--depends-on",
        "core",
        "--rev-id",
        "z1",
    )
    assert result.code == 0
    assert "Also depends on: core" in project.run("show", "audit@head").out


def test_existing_rev_id_is_refused(project: Project) -> None:
    project.run("revision", "-m", "first", "--rev-id", "a1")
    result = project.run("revision", "-m", "again", "--rev-id", "a1")
    assert result.code == 2
    assert "revision id 'a1' already exists (migrations/versions/a1_first.py)" in result.err


def test_init_refuses_a_second_time(project: Project) -> None:
    result = project.run("init", "other")
    assert result.code == 2
    assert "exists already" in result.err


def test_list_templates(project: Project) -> None:
    out = project.run("list-templates").out
    assert "generic" in out
    assert "dated" in out


HOOKS = """
[[post_write_hooks]]
name = "format"
type = "module"
module = "ruff"
options = "format --isolated REVISION_SCRIPT_FILENAME"

[[post_write_hooks]]
name = "lint"
type = "exec"
executable = "{ruff}"
options = "check --isolated --fix --select I,F401 REVISION_SCRIPT_FILENAME"
"""


def add_hooks(project: Project, text: str) -> None:
    config = project.root / "migguard.toml"
    config.write_text(config.read_text(encoding="utf-8") + text, encoding="utf-8")


def ruff() -> str:
    return str(Path(sys.executable).with_name("ruff"))


def test_post_write_hooks_run_on_revision_and_merge_scripts(project: Project) -> None:
    add_hooks(project, HOOKS.format(ruff=ruff()))
    project.run("revision", "-m", "base", "--rev-id", "a1")
    project.run("revision", "-m", "left", "--rev-id", "b2")
    created = project.run("revision", "-m", "right", "--head", "a1", "--splice", "--rev-id", "c3")
    merged = project.run("merge", "heads", "--rev-id", "m4")
    for result in (created, merged):
        assert result.code == 0
        assert result.out.splitlines()[1:] == [
            "Running post-write hook 'format'",
            "Running post-write hook 'lint'",
        ]
    for script in project.versions.glob("*.py"):
        source = script.read_text(encoding="utf-8")
        assert 'revision = "' in source  # formatted
        assert "import sqlalchemy" not in source  # unused imports fixed away
    assert project.run("heads").out == "m4 (head) (mergepoint)\n"


def test_a_hook_that_fails_is_a_warning_and_the_script_stays(project: Project) -> None:
    add_hooks(
        project,
        '[[post_write_hooks]]\nname = "lint"\ntype = "module"\nmodule = "ruff"\n'
        'options = "check --isolated --select F401 REVISION_SCRIPT_FILENAME"\n',
    )
    result = project.run("revision", "-m", "first", "--rev-id", "a1")
    assert result.code == 0
    assert result.err == "migguard: warning: post-write hook 'lint' exited with status 1\n"
    assert (project.versions / "a1_first.py").is_file()


def test_a_misconfigured_hook_stops_before_the_script_is_written(project: Project) -> None:
    add_hooks(project, '[[post_write_hooks]]\nname = "lint"\nexecutable = "ruff"\n')
    result = project.run("revision", "-m", "first")
    assert result.code == 2
    assert result.err == (
        f"migguard: error: post-write hook 'lint' in {project.root / 'migguard.toml'} "
        "[post_write_hooks] needs a 'type' (exec, console_scripts, module)\n"
    )
    assert list(project.versions.glob("*.py")) == []


def test_a_hook_whose_program_is_missing_is_an_error_after_the_script(project: Project) -> None:
    add_hooks(
        project,
        '[[post_write_hooks]]\nname = "lint"\ntype = "exec"\nexecutable = "no-such-linter"\n',
    )
    result = project.run("revision", "-m", "first", "--rev-id", "a1")
    assert result.code == 2
    assert result.out.startswith("Generated ")
    assert "post-write hook 'lint': executable 'no-such-linter' is not found" in result.err
    assert (project.versions / "a1_first.py").is_file()


def test_hooks_from_alembic_ini_run(project: Project) -> None:
    (project.root / "migguard.toml").unlink()
    (project.root / "alembic.ini").write_text(
        "[alembic]\nscript_location = %(here)s/migrations\n"
        "[post_write_hooks]\nhooks = ruff\n"
        "ruff.type = exec\nruff.executable = " + ruff() + "\n"
        "ruff.options = format --isolated REVISION_SCRIPT_FILENAME\n",
        encoding="utf-8",
    )
    result = project.run("revision", "-m", "first", "--rev-id", "a1")
    assert result.code == 0
    assert 'revision = "a1"' in (project.versions / "a1_first.py").read_text(encoding="utf-8")


def test_new_scripts_pass_ruffs_lint_rules_but_unused_imports(project: Project) -> None:
    # Import order, blank lines and trailing spaces as ruff (isort rules included) wants them;
    # an empty revision leaves `op` and `sa` unused until it is filled in.
    project.run("revision", "-m", "base", "--rev-id", "a1")
    project.run("revision", "-m", "left", "--rev-id", "b2", "--branch-label", "left")
    project.run("revision", "-m", "right", "--head", "a1", "--splice", "--rev-id", "c3")
    project.run("merge", "heads", "--rev-id", "m4")
    lint = subprocess.run(
        [ruff(), "check", "--isolated", "--select", "E,F,W,I,UP", "--ignore", "F401"],
        cwd=project.versions,
        capture_output=True,
        text=True,
        check=False,
    )
    assert lint.returncode == 0, lint.stdout

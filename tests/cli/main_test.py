"""The process boundary: real processes, exit codes, one-line errors, lazy imports."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.testing.project import Project, run_process

PROBE = (
    "import sys\n"
    "from migguard.cli.main import main\n"
    "code = main(sys.argv[1:])\n"
    "heavy = [m for m in ('sqlalchemy', 'rich', 'git', 'mako') if m in sys.modules]\n"
    "print('HEAVY=' + ','.join(heavy), file=sys.stderr)\n"
    "raise SystemExit(code)\n"
)


def _heavy_modules(args: list[str], cwd: Path) -> list[str]:
    import subprocess

    done = subprocess.run(
        [sys.executable, "-c", PROBE, *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=True,
        env={"PATH": "", "NO_COLOR": "1"},
    )
    line = done.stderr.strip().splitlines()[-1]
    return [m for m in line.removeprefix("HEAVY=").split(",") if m]


@pytest.mark.slow
def test_heads_and_history_never_import_sqlalchemy(project: Project) -> None:
    project.add("a1")
    project.add("b2", "a1", branch_labels="x")
    for args in (
        ["heads"],
        ["heads", "--verbose"],
        ["history"],
        ["history", "--format", "json"],
        ["show", "x@head"],
        ["branches"],
    ):
        assert _heavy_modules(args, project.root) == [], args


def test_python_dash_m_and_version(tmp_path: Path) -> None:
    done = run_process(["--version"], tmp_path)
    assert done.returncode == 0
    assert done.stdout.startswith("migguard ")


def test_no_configuration_is_a_one_line_error_suggesting_init(tmp_path: Path) -> None:
    done = run_process(["heads"], tmp_path)
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1
    assert "migguard init" in done.stderr
    assert "Traceback" not in done.stderr


def test_syntax_error_in_a_script_is_exit_3_with_file_and_line(project: Project) -> None:
    path = project.add("a1")
    path.write_text(path.read_text().replace("def upgrade() -> None:", "def upgrade( -> None:"))
    done = run_process(["history"], project.root)
    assert done.returncode == 3
    assert done.stderr.startswith("migguard: error: migrations/versions/a1_rev.py:")
    assert "syntax error" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.slow
def test_bad_arguments_are_one_line_and_exit_2(tmp_path: Path) -> None:
    for args, says in (
        (["history", "--bogus"], "unrecognized arguments: --bogus"),
        ([], "the following arguments are required: COMMAND"),
        (["show"], "show: the following arguments are required: REV"),
        (["histroy"], "invalid choice: 'histroy'; did you mean history?"),
        (["upgrade", "head", "--lock-timeout", "soon"], "invalid float value: 'soon'"),
    ):
        done = run_process(args, tmp_path)
        assert done.returncode == 2, args
        assert done.stderr.count("\n") == 1, done.stderr
        assert done.stderr.startswith("migguard: error: "), done.stderr
        assert says in done.stderr


def test_help_still_shows_the_usage(tmp_path: Path) -> None:
    done = run_process(["history", "--help"], tmp_path)
    assert done.returncode == 0
    assert done.stdout.startswith("usage: migguard history [-h]")
    assert "--rev-range" in done.stdout


def test_a_message_that_is_not_utf8_is_one_line_and_writes_nothing(project: Project) -> None:
    project.add("a1")
    before = sorted(project.versions.iterdir())
    done = subprocess.run(
        [sys.executable, "-m", "migguard", "revision", "-m", b"caf\xe9 table"],
        cwd=project.root,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "NO_COLOR": "1", "LC_ALL": "C.UTF-8"},
    )
    assert done.returncode == 2
    assert done.stderr == (
        "migguard: error: --message is not UTF-8 text; use a UTF-8 locale "
        "(or pass the text in UTF-8)\n"
    )
    assert sorted(project.versions.iterdir()) == before


def test_config_shows_sources_and_masks_the_password(project: Project) -> None:
    config = project.root / "migguard.toml"
    config.write_text(config.read_text() + 'url = "postgresql://app:${DB_PASSWORD}@db/shop"\n')
    done = run_process(["config", "--format", "json"], project.root, {"DB_PASSWORD": "s3cret!"})
    assert done.returncode == 0, done.stderr
    assert "s3cret" not in done.stdout
    keys = {k["key"]: k for k in json.loads(done.stdout)["keys"]}
    assert keys["url"]["value"] == "postgresql://app:***@db/shop"
    assert keys["url"]["source"] == "migguard.toml"
    assert keys["version_table"] == {
        "key": "version_table",
        "value": "alembic_version",
        "source": "default",
    }
    overridden = run_process(
        ["--url", "sqlite:///x.db", "config"], project.root, {"DB_PASSWORD": "s3cret!"}
    )
    assert "url" in overridden.stdout
    assert "sqlite:///x.db" in overridden.stdout
    assert "(--url)" in overridden.stdout


def test_unset_variable_in_the_url_is_named(project: Project) -> None:
    config = project.root / "migguard.toml"
    config.write_text(config.read_text() + 'url = "postgresql://app:${DB_PASSWORD}@db/shop"\n')
    done = run_process(["config"], project.root)
    assert done.returncode == 2
    assert "DB_PASSWORD" in done.stderr


def test_the_configuration_may_also_follow_the_command(
    project: Project, tmp_path_factory: pytest.TempPathFactory
) -> None:
    # pre-commit appends a hook's `args:` after its entry: `migguard check --config x`.
    project.add("a1")
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    config = str(project.root / "migguard.toml")
    after = run_process(["check", "--select", "heads", "--config", config], cwd=elsewhere)
    assert (after.returncode, after.stdout) == (0, "All checks passed (checks: heads)\n")
    before = run_process(["-c", config, "heads"], cwd=elsewhere)
    assert before.stdout.startswith("a1 (head)")

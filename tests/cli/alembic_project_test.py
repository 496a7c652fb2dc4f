"""A project made by the real ``alembic init``, used by migguard as it is (issue #19).

Each test builds the project with Alembic's own command, runs migguard on it, and where the
claim is "as Alembic does" runs the real Alembic on the same files and database.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.testing.project import run_process

MODELS = """\
import sqlalchemy as sa

metadata = sa.MetaData()

customer = sa.Table(
    "customer",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(50), nullable=False),
)
"""


def alembic(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run the real Alembic command line in ``cwd``."""
    env = {**os.environ, "PYTHONPATH": ""}
    return subprocess.run(
        [sys.executable, "-m", "alembic", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def make_project(root: Path, template: str, url: str) -> Path:
    """``alembic init -t TEMPLATE migrations`` in ``root``, with the URL set in alembic.ini."""
    root.mkdir(parents=True, exist_ok=True)
    done = alembic(root, "init", "-t", template, "migrations")
    assert done.returncode == 0, done.stderr
    ini = root / "alembic.ini"
    lines = ini.read_text().splitlines()
    escaped = url.replace("%", "%%")
    ini.write_text(
        "\n".join(
            f"sqlalchemy.url = {escaped}" if line.startswith("sqlalchemy.url") else line
            for line in lines
        )
        + "\n"
    )
    return root


def add_customer_revision(root: Path) -> Path:
    """A revision written by the real ``alembic revision``, creating table ``customer``."""
    done = alembic(root, "revision", "-m", "add customer", "--rev-id", "a1")
    assert done.returncode == 0, done.stderr
    (script,) = (root / "migrations" / "versions").glob("a1_*.py")
    text = script.read_text()
    text = text.replace(
        "    pass",
        "    op.create_table('customer', sa.Column('id', sa.Integer, primary_key=True))",
        1,
    ).replace("    pass", "    op.drop_table('customer')", 1)
    script.write_text(text)
    return script


@pytest.mark.slow
@pytest.mark.parametrize("template", ["generic", "pyproject"])
def test_alembic_init_project_runs_under_migguard(
    tmp_path: Path, db_url: str, template: str
) -> None:
    root = make_project(tmp_path / "app", template, db_url)
    add_customer_revision(root)
    upgraded = run_process(["upgrade", "head"], root)
    assert upgraded.returncode == 0, upgraded.stderr
    assert run_process(["current"], root).stdout == "a1 (head)\n"
    assert run_process(["heads"], root).stdout == "a1 (head)\n"
    # Alembic reads the version row migguard wrote.
    assert "a1 (head)" in alembic(root, "current").stdout
    downgraded = run_process(["downgrade", "base"], root)
    assert downgraded.returncode == 0, downgraded.stderr
    assert run_process(["current"], root).stdout == ""


@pytest.mark.slow
def test_config_shows_each_keys_source_in_a_pyproject_alembic_project(tmp_path: Path) -> None:
    root = make_project(tmp_path / "app", "pyproject", f"sqlite:///{tmp_path}/app.db")
    pyproject = root / "pyproject.toml"
    pyproject.write_text(
        pyproject.read_text() + '\n[tool.migguard]\nmetadata = "shop.models:metadata"\n'
    )
    done = run_process(["config", "--format", "json"], root)
    assert done.returncode == 0, done.stderr
    shown = json.loads(done.stdout)
    sources = {item["key"]: item["source"] for item in shown["keys"]}
    assert sources["script_location"] == "pyproject.toml [tool.alembic]"
    assert sources["prepend_sys_path"] == "pyproject.toml [tool.alembic]"
    assert sources["url"] == "alembic.ini [alembic]"
    assert sources["metadata"] == "pyproject.toml [tool.migguard]"
    assert shown["files"] == [str(pyproject), str(root / "alembic.ini")]
    text = run_process(["config"], root).stdout
    assert text.splitlines()[0] == f"# {pyproject} + {root / 'alembic.ini'}"


@pytest.mark.slow
@pytest.mark.parametrize("template", ["generic", "pyproject"])
def test_init_refuses_in_an_alembic_project(tmp_path: Path, template: str) -> None:
    root = make_project(tmp_path / "app", template, f"sqlite:///{tmp_path}/app.db")
    before = sorted(root.iterdir())
    done = run_process(["init", "db"], root)
    assert done.returncode == 2
    assert len(done.stderr.splitlines()) == 1
    assert "already configures an Alembic environment" in done.stderr
    assert "migguard uses it as it is" in done.stderr
    assert sorted(root.iterdir()) == before


def add_models(root: Path) -> None:
    """Models in ``src/shop/models.py``, found through Alembic's ``prepend_sys_path`` (src)
    and named by the ``metadata`` key in alembic.ini: no migguard file at all."""
    models = root / "src" / "shop" / "models.py"
    models.parent.mkdir(parents=True)
    (models.parent / "__init__.py").write_text("")
    models.write_text(MODELS)
    ini = root / "alembic.ini"
    ini.write_text(
        ini.read_text().replace(
            "prepend_sys_path = .\n",
            f"prepend_sys_path = .{os.pathsep}src\nmetadata = shop.models:metadata\n",
        )
    )


@pytest.mark.slow
def test_check_fails_on_a_model_change_without_revision_with_no_migguard_file(
    tmp_path: Path,
) -> None:
    root = make_project(tmp_path / "app", "generic", f"sqlite:///{tmp_path}/app.db")
    add_models(root)
    done = run_process(["check", "--select", "sync"], root)
    assert done.returncode == 1, done.stderr
    assert "add table 'customer'" in done.stdout


@pytest.mark.slow
def test_autogenerated_revision_is_written_from_the_projects_template_and_runs_under_alembic(
    tmp_path: Path, db_url: str
) -> None:
    root = make_project(tmp_path / "app", "generic", db_url)
    add_models(root)
    done = run_process(["revision", "--autogenerate", "-m", "add customer"], root)
    assert done.returncode == 0, done.stderr
    (script,) = (root / "migrations" / "versions").glob("*_add_customer.py")
    source = script.read_text()
    assert "from alembic import op" in source
    assert "from typing import Sequence, Union" in source  # Alembic's generic template
    assert "op.create_table(" in source
    up = alembic(root, "upgrade", "head")
    assert up.returncode == 0, up.stderr
    assert run_process(["diff"], root).returncode == 0
    down = alembic(root, "downgrade", "base")
    assert down.returncode == 0, down.stderr
    assert run_process(["diff"], root).returncode == 1


def test_migguard_project_revisions_use_migguards_template(tmp_path: Path) -> None:
    assert run_process(["init", "migrations"], tmp_path).returncode == 0
    assert run_process(["revision", "-m", "first"], tmp_path).returncode == 0
    (script,) = (tmp_path / "migrations" / "versions").glob("*_first.py")
    assert "from migguard import op" in script.read_text()


# --- Alembic's command spellings --------------------------------------------------------------


def test_list_templates_alias(tmp_path: Path) -> None:
    alias = run_process(["list_templates"], tmp_path)
    assert alias.returncode == 0, alias.stderr
    assert alias.stdout == run_process(["list-templates"], tmp_path).stdout


@pytest.mark.slow
def test_ensure_version_creates_the_version_table_as_alembic_does(
    tmp_path: Path, db_url: str
) -> None:
    root = make_project(tmp_path / "app", "generic", db_url)
    done = run_process(["ensure_version"], root)
    assert done.returncode == 0, done.stderr
    # Alembic sees an empty version table, and migguard's spelling says nothing is left to do.
    theirs = alembic(root, "current")
    assert theirs.returncode == 0, theirs.stderr
    again = run_process(["ensure-version"], root)
    assert again.returncode == 0, again.stderr
    if db_url.startswith("sqlite"):
        path = db_url.removeprefix("sqlite:///")
        with sqlite3.connect(path) as connection:
            rows = connection.execute("SELECT version_num FROM alembic_version").fetchall()
        assert rows == []


@pytest.mark.slow
def test_ensure_version_sql_matches_alembic(tmp_path: Path) -> None:
    root = make_project(tmp_path / "app", "generic", f"sqlite:///{tmp_path}/app.db")
    ours = run_process(["ensure_version", "--sql"], root)
    assert ours.returncode == 0, ours.stderr
    assert "CREATE TABLE alembic_version" in ours.stdout
    assert "version_num VARCHAR(32) NOT NULL" in ours.stdout
    assert not (tmp_path / "app.db").exists()


@pytest.mark.slow
def test_revision_in_a_multidb_project_renders_its_template_with_config(tmp_path: Path) -> None:
    # Alembic's multidb template reads `databases` through `config` and each database's body
    # through Mako's `context`.
    root = make_project(tmp_path / "app", "multidb", f"sqlite:///{tmp_path}/app.db")
    done = run_process(["revision", "-m", "first", "--rev-id", "m1"], root)
    assert done.returncode == 0, done.stderr
    (script,) = (root / "migrations" / "versions").glob("m1_*.py")
    source = script.read_text()
    assert "def upgrade_engine1() -> None:" in source
    assert "def downgrade_engine2() -> None:" in source
    heads = alembic(root, "heads")
    assert heads.returncode == 0, heads.stderr
    assert heads.stdout.startswith("m1 (head)")


ALEMBIC_COMMANDS = [
    # (Alembic's command line, as its walkthroughs type it; expected exit status)
    (["revision", "-m", "second", "--head", "head", "--rev-id", "b2"], 0),
    (["revision", "-m", "side", "--head", "a1", "--splice", "--rev-id", "c3"], 0),
    (["revision", "-m", "label", "--head", "base", "--branch-label", "extra", "--rev-id", "d4"], 0),
    (["revision", "-m", "dep", "--head", "extra@head", "--depends-on", "a1", "--rev-id", "e5"], 0),
    (["branches", "-v"], 0),
    (["heads", "-v", "--resolve-dependencies"], 0),
    (["history", "-r", "base:heads", "-v", "-i"], 0),
    (["show", "a1"], 0),
    (["merge", "b2", "c3", "-m", "join", "--rev-id", "f6", "--branch-label", "j", "--splice"], 0),
    (["--raiseerr", "heads"], 0),
    (["upgrade", "heads", "--sql"], 0),
    (["upgrade", "heads"], 0),
    (["current", "-v"], 0),
    (["current", "--check-heads"], 0),
    (["downgrade", "a1", "--sql"], 2),  # needs START:END offline, as Alembic does
    (["downgrade", "heads:a1", "--sql"], 0),
    (["stamp", "heads", "--purge"], 0),
    (["stamp", "base", "--sql"], 0),
    (["downgrade", "base"], 0),
    (["current", "--check-heads"], 1),
    (["list_templates"], 0),
    (["ensure_version", "--sql"], 0),
    (["ensure_version"], 0),
]


@pytest.mark.slow
def test_alembic_command_spellings_and_main_flags_work(tmp_path: Path) -> None:
    root = make_project(tmp_path / "app", "generic", f"sqlite:///{tmp_path}/app.db")
    add_customer_revision(root)
    for args, expected in ALEMBIC_COMMANDS:
        done = run_process(args, root)
        assert done.returncode == expected, (args, done.stderr)
    # The history migguard wrote is one Alembic reads the same way.
    theirs = alembic(root, "heads")
    assert theirs.returncode == 0, theirs.stderr
    assert sorted(line.split()[0] for line in theirs.stdout.splitlines()) == ["e5", "f6"]


@pytest.mark.slow
def test_heads_resolve_dependencies_as_alembic(tmp_path: Path) -> None:
    root = make_project(tmp_path / "app", "generic", f"sqlite:///{tmp_path}/app.db")
    add_customer_revision(root)
    made = alembic(
        root, "revision", "-m", "b", "--head", "base", "--depends-on", "a1", "--rev-id", "b1"
    )
    assert made.returncode == 0, made.stderr

    def ids(text: str) -> list[str]:
        return sorted(line.split()[0] for line in text.splitlines())

    for flags in ([], ["--resolve-dependencies"]):
        ours = run_process(["heads", *flags], root)
        assert ours.returncode == 0, ours.stderr
        assert ids(ours.stdout) == ids(alembic(root, "heads", *flags).stdout), flags
    assert ids(run_process(["heads", "--resolve-dependencies"], root).stdout) == ["b1"]


@pytest.mark.slow
def test_current_check_heads_is_one_line_exit_1_below_a_head(tmp_path: Path) -> None:
    root = make_project(tmp_path / "app", "generic", f"sqlite:///{tmp_path}/app.db")
    add_customer_revision(root)
    below = run_process(["current", "--check-heads"], root)
    assert below.returncode == 1
    assert below.stderr == (
        "migguard: error: the database is not at every head (at base; heads: a1); "
        "run `migguard upgrade heads`\n"
    )
    assert alembic(root, "current", "--check-heads").returncode != 0
    assert run_process(["upgrade", "head"], root).returncode == 0
    assert run_process(["current", "--check-heads"], root).returncode == 0


@pytest.mark.slow
def test_edit_opens_the_revision_in_the_editor(tmp_path: Path) -> None:
    root = make_project(tmp_path / "app", "generic", f"sqlite:///{tmp_path}/app.db")
    script = add_customer_revision(root)
    seen = tmp_path / "seen.txt"
    editor = tmp_path / "editor.py"
    editor.write_text(f"import sys\nopen({str(seen)!r}, 'w').write(sys.argv[1])\n")
    env = {"EDITOR": f"{sys.executable} {editor}", "VISUAL": ""}
    done = run_process(["edit", "head"], root, env)
    assert done.returncode == 0, done.stderr
    assert seen.read_text() == str(script)
    unset = run_process(["edit", "a1"], root, {"EDITOR": "", "VISUAL": ""})
    assert unset.returncode == 2
    assert unset.stderr == (
        "migguard: error: no editor: set the EDITOR (or VISUAL) environment variable\n"
    )


@pytest.mark.slow
def test_name_option_picks_the_ini_section_as_alembic_n(tmp_path: Path) -> None:
    root = make_project(tmp_path / "app", "generic", f"sqlite:///{tmp_path}/app.db")
    ini = root / "alembic.ini"
    ini.write_text(
        ini.read_text()
        + f"\n[db2]\nscript_location = %(here)s/migrations\nsqlalchemy.url = sqlite:///{tmp_path}/db2.db\n"
    )
    add_customer_revision(root)
    theirs = alembic(root, "-n", "db2", "upgrade", "head")
    assert theirs.returncode == 0, theirs.stderr
    assert run_process(["-n", "db2", "current"], root).stdout == "a1 (head)\n"
    assert run_process(["current", "--name", "db2"], root).stdout == "a1 (head)\n"
    assert run_process(["current"], root).stdout == ""


@pytest.mark.slow
def test_raiseerr_shows_the_traceback_as_alembic(tmp_path: Path) -> None:
    root = make_project(tmp_path / "app", "generic", f"sqlite:///{tmp_path}/app.db")
    plain = run_process(["show", "nope"], root)
    assert plain.returncode == 2
    assert "Traceback" not in plain.stderr
    loud = run_process(["--raiseerr", "show", "nope"], root)
    assert loud.returncode != 0
    assert "Traceback (most recent call last)" in loud.stderr


@pytest.mark.slow
def test_init_package_writes_init_files_as_alembic(tmp_path: Path) -> None:
    done = run_process(["init", "--package", "migrations"], tmp_path)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "migrations" / "__init__.py").is_file()
    assert (tmp_path / "migrations" / "versions" / "__init__.py").is_file()
    # The package marker is not a revision: the history stays empty and readable.
    assert run_process(["heads"], tmp_path).returncode == 0
    theirs = tmp_path / "theirs"
    theirs.mkdir()
    assert alembic(theirs, "init", "--package", "migrations").returncode == 0
    assert (theirs / "migrations" / "versions" / "__init__.py").is_file()


@pytest.mark.slow
def test_a_missing_project_template_is_named_without_suggesting_init(tmp_path: Path) -> None:
    # In an Alembic project `migguard init` refuses, so it cannot be the way to get it back.
    root = make_project(tmp_path / "app", "generic", f"sqlite:///{tmp_path}/app.db")
    (root / "migrations" / "script.py.mako").unlink()
    done = run_process(["revision", "-m", "x"], root)
    assert done.returncode == 2
    assert done.stderr == (
        "migguard: error: migrations/script.py.mako is missing; it is the template new "
        "revision scripts are written from (restore it from version control, or copy the "
        "one `alembic init` writes)\n"
    )

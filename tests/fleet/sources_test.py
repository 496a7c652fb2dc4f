"""Target lists from a file or a command (``from_file``, ``from_command``): lines read, names
given or derived from the URL without credentials, tags carried, and every failure one line
(exit 2) that never shows a password."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from migguard.errors import ConfigError
from migguard.fleet.sources import Listed, name_from_url, parse_lines, read_command
from tests.testing.fleet import HEAD, add_targets, recording_history, runs, version
from tests.testing.project import Project

SECRET = "Lst9Secr3tPw"


def test_lines_are_urls_or_named_urls_with_tags_and_comments_skipped() -> None:
    text = (
        "# the EU fleet\n"
        "\n"
        f"postgresql://app:{SECRET}@db-eu-1:5433/shop   # primary\n"
        f"eu-2 postgresql://app:{SECRET}@db-eu-2/shop prod eu\n"
        "sqlite:///dbs/tenant7.db\n"
    )
    assert parse_lines(text, "fleet.txt") == [
        Listed("db-eu-1-5433-shop", f"postgresql://app:{SECRET}@db-eu-1:5433/shop", (), 3),
        Listed("eu-2", f"postgresql://app:{SECRET}@db-eu-2/shop", ("prod", "eu"), 4),
        Listed("tenant7", "sqlite:///dbs/tenant7.db", (), 5),
    ]


def test_derived_names_never_hold_credentials() -> None:
    assert name_from_url(f"postgresql+psycopg://app:{SECRET}@h/db") == "h-db"
    assert name_from_url(f"postgresql://app:p@ss{SECRET}@h:6432/db?sslmode=x") == "h-6432-db"
    assert name_from_url("sqlite:////srv/dbs/acme corp.db") == "acme-corp"


def test_a_wrong_line_is_named_by_its_number_never_quoted() -> None:
    with pytest.raises(ConfigError) as raised:
        parse_lines(f"ok sqlite:///a.db\nnot-a-url app:{SECRET}@host\n", "fleet.txt")
    assert str(raised.value) == (
        "line 2 of fleet.txt is neither 'URL' nor 'NAME URL [TAG...]' (a URL starts with SCHEME://)"
    )
    with pytest.raises(
        ConfigError, match=r"lines 1 and 2 of fleet\.txt both name the target 'h-db'"
    ):
        parse_lines("postgresql://a@h/db\npostgresql://b@h/db\n", "fleet.txt")


def script(folder: Path, name: str, body: str) -> Path:
    path = folder / name
    path.write_text(f"#!/bin/sh\n{body}\n", encoding="utf-8")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


def test_a_failing_command_is_one_line_with_its_status_and_stderr_masked(tmp_path: Path) -> None:
    script(
        tmp_path,
        "list",
        f"echo 'cannot reach postgresql://svc:{SECRET}@catalogue/x' >&2\nexit 3",
    )
    with pytest.raises(ConfigError) as raised:
        read_command(["./list", "--region", "eu"], tmp_path, 5, "[targets.t]")
    assert str(raised.value) == (
        "from_command in [targets.t] (./list --region eu) failed with exit status 3: "
        "cannot reach postgresql://svc:***@catalogue/x"
    )
    script(tmp_path, "slow", "sleep 5")
    with pytest.raises(ConfigError, match=r"\(./slow\) did not finish within 0.5 s"):
        read_command(["./slow"], tmp_path, 0.5, "[targets.t]")
    with pytest.raises(ConfigError, match=r"cannot run \./missing: No such file or directory"):
        read_command(["./missing"], tmp_path, 5, "[targets.t]")


def test_targets_from_a_file_are_named_tagged_and_upgraded(project: Project) -> None:
    recording_history(project)
    (project.root / "dbs").mkdir()
    (project.root / "fleet.txt").write_text(
        "# tenants\nsqlite:///dbs/acme.db eu\nglobex sqlite:///dbs/g.db us\n", encoding="utf-8"
    )
    add_targets(project, {"tenants": {"from_file": "fleet.txt", "tags": ["tenant"]}})
    add_targets(project, {"other": {"url": "sqlite:///dbs/other.db"}})
    result = project.run("upgrade", "head", "--tag", "eu", "--target", "tenants.globex")
    assert result.code == 0, result.err
    assert sorted(result.out.splitlines()[:2])[0].startswith("tenants.acme: upgraded base -> ")
    assert version(project.root / "dbs" / "acme.db") == [HEAD]
    assert version(project.root / "dbs" / "g.db") == [HEAD]
    assert not (project.root / "dbs" / "other.db").exists()
    # The table's name chooses every target it lists; its tags are theirs.
    again = project.run("current", "--target", "tenants")
    assert again.out.splitlines()[:2] == [f"tenants.acme: {HEAD}", f"tenants.globex: {HEAD}"]
    assert project.run("current", "--tag", "tenant").out == again.out
    assert set(runs(project.root / "dbs" / "g.db").values()) == {1}


def test_targets_from_a_command_run_without_a_shell_from_the_config_folder(
    project: Project,
) -> None:
    recording_history(project)
    (project.root / "dbs").mkdir()
    # Without a shell the "*" reaches the program as it is.
    script(
        project.root, "list-tenants", 'echo "a sqlite:///dbs/a.db"\necho "b sqlite:///dbs/$1.db"'
    )
    add_targets(project, {"cat": {"from_command": ["./list-tenants", "*"]}})
    result = project.run("upgrade", "head", "--all")
    assert result.code == 0, result.err
    assert version(project.root / "dbs" / "a.db") == [HEAD]
    assert version(project.root / "dbs" / "*.db") == [HEAD]


def test_a_failing_command_stops_the_fleet_command_with_exit_2_and_no_password(
    project: Project,
) -> None:
    recording_history(project)
    script(
        project.root,
        "list",
        f"echo 'postgresql://u:{SECRET}@h/x'\necho 'token={SECRET}' >&2\nexit 1",
    )
    add_targets(project, {"cat": {"from_command": ["./list"]}})
    result = project.run("upgrade", "head", "--all")
    assert result.code == 2
    assert result.err == (
        f"migguard: error: from_command in {project.root / 'migguard.toml'} [targets.cat] "
        "(./list) failed with exit status 1: token=***\n"
    )
    assert SECRET not in result.out + result.err
    script(project.root, "list", "echo 'sqlite:///x.db'")
    toml = project.root / "migguard.toml"
    toml.write_text(
        toml.read_text(encoding="utf-8") + '\n[targets.slow]\nfrom_command = ["sleep", "3"]\n'
        "timeout = 1\n",
        encoding="utf-8",
    )
    slow = project.run("current", "--all")
    assert (slow.code, slow.err) == (
        2,
        f"migguard: error: from_command in {toml} [targets.slow] (sleep 3) did not finish "
        "within 1 s (raise `timeout` in the table)\n",
    )

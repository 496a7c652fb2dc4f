"""File names, slugs and rendering of new revision scripts."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from migguard.errors import ConfigError, UsageError
from migguard.scripts.environment import TEMPLATES
from migguard.scripts.header import parse_header
from migguard.scripts.write import (
    NewRevision,
    file_name,
    new_revision_id,
    now,
    render_script,
    slugify,
    write_script,
)

CREATED = datetime(2024, 3, 7, 9, 5, 2, tzinfo=UTC)
GENERIC = TEMPLATES / "generic" / "script.py.mako"


def test_revision_ids_look_like_alembic_ids() -> None:
    ids = {new_revision_id() for _ in range(100)}
    assert len(ids) == 100
    assert all(len(i) == 12 and int(i, 16) >= 0 for i in ids)


@pytest.mark.parametrize(
    ("message", "limit", "slug"),
    [
        ("Add customer table", 40, "add_customer_table"),
        ("Add 'age' column -- customers!", 40, "add_age_column_customers"),
        ("add a very long message that goes on", 12, "add_a_very"),
        ("supercalifragilistic", 5, "super"),
        ("", 40, ""),
    ],
)
def test_slugs(message: str, limit: int, slug: str) -> None:
    assert slugify(message, limit) == slug


def test_every_file_template_token() -> None:
    template = (
        "%(year)d_%(month).2d_%(day).2d_%(hour).2d%(minute).2d%(second).2d"
        "-%(epoch)s-%(rev)s_%(slug)s"
    )
    name = file_name(template, "ae1027a6acf", "Add account", CREATED, 40)
    assert name == f"2024_03_07_090502-{int(CREATED.timestamp())}-ae1027a6acf_add_account"


def test_empty_slug_leaves_no_trailing_underscore() -> None:
    assert file_name("%(rev)s_%(slug)s", "abc", "!!!", CREATED, 40) == "abc"


def test_unknown_token_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="unknown token 'revision'"):
        file_name("%(revision)s", "abc", "m", CREATED, 40)


def test_timezone_is_honoured_and_unknown_zones_are_named() -> None:
    assert now("UTC").utcoffset() is not None
    assert now(None).tzinfo is None
    with pytest.raises(ConfigError, match="unknown timezone 'Mars/Olympus'"):
        now("Mars/Olympus")


def test_rendered_script_reads_back_as_the_same_header() -> None:
    new = NewRevision(
        revision="m1",
        down_revisions=("a1", "b2"),
        message='Merge """quoted""" heads \\ and more',
        create_date=CREATED,
        branch_labels=("expand",),
        depends_on=("c3",),
    )
    source = render_script(GENERIC, new)
    header = parse_header(source, "m1.py")
    assert header is not None
    assert header.revision == "m1"
    assert header.down_revisions == ("a1", "b2")
    assert header.branch_labels == ("expand",)
    assert header.depends_on == ("c3",)
    assert header.message == 'Merge """quoted""" heads \\ and more'
    assert "Revises: a1, b2" in source
    assert "from migguard import op" in source
    assert "import sqlalchemy as sa" in source


def test_a_template_producing_invalid_python_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "script.py.mako"
    bad.write_text("revision = ${repr(up_revision)}\ndef upgrade(:\n")
    new = NewRevision(revision="a", down_revisions=(), message="m", create_date=CREATED)
    with pytest.raises(UsageError, match="not valid Python"):
        render_script(bad, new)


def test_a_template_that_raises_is_a_usage_error_naming_it(tmp_path: Path) -> None:
    # The template is the project's code: its failure is the project's to fix, not a bug in
    # migguard (exit 70).
    bad = tmp_path / "script.py.mako"
    bad.write_text("x = ${up_revision.no_such_attribute}\n")
    new = NewRevision(revision="a", down_revisions=(), message="m", create_date=CREATED)
    with pytest.raises(UsageError) as caught:
        render_script(bad, new)
    assert str(caught.value).startswith(f"{bad}: cannot render the script template: ")
    assert "AttributeError" in str(caught.value)


def test_the_template_reads_the_projects_alembic_ini_through_config(tmp_path: Path) -> None:
    ini = tmp_path / "alembic.ini"
    ini.write_text("[alembic]\ndatabases = one, two\nlogs = %(here)s/logs\n[one]\nurl = x\n")
    template = tmp_path / "script.py.mako"
    template.write_text(
        "revision = ${repr(up_revision)}\n"
        "databases = ${repr(config.get_main_option('databases'))}\n"
        "logs = ${repr(config.get_main_option('logs'))}\n"
        "missing = ${repr(config.get_main_option('nope', 'fallback'))}\n"
        "one = ${repr(config.get_section('one'))}\n"
        "body = ${repr(context.get('upgrades', 'none'))}\n"
    )
    new = NewRevision(revision="a", down_revisions=(), message="m", create_date=CREATED)
    source = render_script(template, new, ini=ini)
    assert "databases = 'one, two'" in source
    assert f"logs = '{tmp_path}/logs'" in source
    assert "missing = 'fallback'" in source
    assert f"one = {{'here': '{tmp_path}', 'url': 'x'}}" in source
    assert "body = ''" in source
    assert "databases = None" in render_script(template, new)


def test_write_never_overwrites(tmp_path: Path) -> None:
    path = write_script(tmp_path / "versions", "a_b", "x = 1\n")
    assert path.read_text() == "x = 1\n"
    with pytest.raises(UsageError, match="exists already"):
        write_script(tmp_path / "versions", "a_b", "x = 2\n")
    assert path.read_text() == "x = 1\n"

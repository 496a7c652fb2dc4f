"""One checker and one message style for every configuration table: the top level, [check],
[post_merge] and each post-write hook, in each kind of file."""

from __future__ import annotations

from pathlib import Path

import pytest

from migguard.config.load import load_config
from migguard.config.model import Config
from migguard.config.schema import (
    AUTOGENERATE,
    CHECK,
    LINT,
    POST_MERGE,
    POST_WRITE_HOOK,
    PYTEST,
    TOP_LEVEL,
    check_table,
)
from migguard.errors import ConfigError
from migguard.guard.settings import check_settings, post_merge_settings
from migguard.scripts.post_write import post_write_hooks


def _load(folder: Path, file: str, text: str) -> Config:
    (folder / "migrations").mkdir(exist_ok=True)
    (folder / file).write_text(text, encoding="utf-8")
    return load_config(cwd=folder, environ={})


def _hooks(config: Config) -> object:
    return post_write_hooks(
        config.post_write_hooks, root=config.root, where=config.origins["post_write_hooks"]
    )


def _message(action: object) -> str:
    with pytest.raises(ConfigError) as raised:
        action()  # type: ignore[operator]
    return str(raised.value)


def test_every_table_is_declared_once() -> None:
    assert TOP_LEVEL.keys["check"] == "table"
    assert TOP_LEVEL.keys["post_merge"] == "table"
    assert TOP_LEVEL.keys["post_write_hooks"] == "tables"
    assert TOP_LEVEL.keys["pytest"] == "table"
    assert TOP_LEVEL.keys["autogenerate"] == "table"
    assert set(CHECK.keys) == {"select", "ignore", "branch_heads", "lint"}
    assert set(LINT.keys) == {"dialect", "ignore", "severity"}
    assert set(POST_MERGE.keys) == {"upgrade", "targets", "tags", "jobs"}
    assert set(PYTEST.keys) == {"tests", "url"}
    assert set(AUTOGENERATE.keys) == {"safe"}
    assert set(POST_WRITE_HOOK.keys) == {
        "name",
        "type",
        "executable",
        "entrypoint",
        "module",
        "options",
        "cwd",
    }


def test_the_checker_keeps_known_keys_and_drops_unknown_ones_when_not_strict() -> None:
    values = {"upgrade": True, "later": 1}
    assert check_table(values, POST_MERGE, "x", strict=False) == {"upgrade": True}
    with pytest.raises(
        ConfigError, match=r"^unknown key 'later' in x \(known: upgrade, targets, tags, jobs\)$"
    ):
        check_table(values, POST_MERGE, "x")


def test_top_level_messages(tmp_path: Path) -> None:
    toml = tmp_path / "migguard.toml"
    assert _message(lambda: _load(tmp_path, "migguard.toml", 'scrpt_location = "m"\n')) == (
        f"unknown key 'scrpt_location' in {toml} (did you mean 'script_location'?)"
    )
    assert _message(lambda: _load(tmp_path, "migguard.toml", "script_location = 1\n")) == (
        f"key 'script_location' in {toml} must be a string, got integer"
    )


@pytest.mark.parametrize(
    ("file", "text", "where"),
    [
        ("migguard.toml", 'script_location = "m"\n[check]\n', "migguard.toml [check]"),
        (
            "pyproject.toml",
            '[tool.migguard]\nscript_location = "m"\n[tool.migguard.check]\n',
            "pyproject.toml [tool.migguard.check]",
        ),
    ],
)
def test_check_table_messages(tmp_path: Path, file: str, text: str, where: str) -> None:
    config = _load(tmp_path, file, text + 'selects = ["heads"]\n')
    assert _message(lambda: check_settings(config)) == (
        f"unknown key 'selects' in {tmp_path / where} (did you mean 'select'?)"
    )
    config = _load(tmp_path, file, text + 'ignore = "sync"\n')
    assert _message(lambda: check_settings(config)) == (
        f"key 'ignore' in {tmp_path / where} must be an array of strings, got string"
    )
    config = _load(tmp_path, file, text + "branch_heads = [1]\n")
    assert _message(lambda: check_settings(config)) == (
        f"key 'branch_heads' in {tmp_path / where} must be an array of strings, "
        "got an array containing integer"
    )


def test_post_merge_table_messages(tmp_path: Path) -> None:
    head = 'script_location = "m"\n[post_merge]\n'
    where = tmp_path / "migguard.toml [post_merge]"
    config = _load(tmp_path, "migguard.toml", head + "upgrades = true\n")
    assert _message(lambda: post_merge_settings(config)) == (
        f"unknown key 'upgrades' in {where} (did you mean 'upgrade'?)"
    )
    config = _load(tmp_path, "migguard.toml", head + 'upgrade = "yes"\n')
    assert _message(lambda: post_merge_settings(config)) == (
        f"key 'upgrade' in {where} must be a boolean, got string"
    )


@pytest.mark.parametrize(
    ("file", "text", "where"),
    [
        (
            "migguard.toml",
            'script_location = "m"\n[[post_write_hooks]]\nname = "ruff"\ntype = "exec"\n',
            "migguard.toml [post_write_hooks]",
        ),
        (
            "pyproject.toml",
            '[tool.migguard]\nscript_location = "m"\n[[tool.migguard.post_write_hooks]]\n'
            'name = "ruff"\ntype = "exec"\n',
            "pyproject.toml [tool.migguard.post_write_hooks]",
        ),
        (
            "pyproject.toml",
            '[tool.alembic]\nscript_location = "m"\n[[tool.alembic.post_write_hooks]]\n'
            'name = "ruff"\ntype = "exec"\n',
            "pyproject.toml [tool.alembic.post_write_hooks]",
        ),
    ],
)
def test_post_write_hook_messages(tmp_path: Path, file: str, text: str, where: str) -> None:
    config = _load(tmp_path, file, text + 'executabel = "ruff"\n')
    assert _message(lambda: _hooks(config)) == (
        f"unknown key 'executabel' in {tmp_path / where} hook 'ruff' (did you mean 'executable'?)"
    )
    config = _load(tmp_path, file, text + "executable = 3\n")
    assert _message(lambda: _hooks(config)) == (
        f"key 'executable' in {tmp_path / where} hook 'ruff' must be a string, got integer"
    )


def test_post_write_hook_messages_in_alembic_ini(tmp_path: Path) -> None:
    config = _load(
        tmp_path,
        "alembic.ini",
        "[alembic]\nscript_location = m\n\n[post_write_hooks]\nhooks = ruff\n"
        "ruff.type = exec\nruff.executable = ruff\nruff.optoins = check\n",
    )
    assert _message(lambda: _hooks(config)) == (
        f"unknown key 'optoins' in {tmp_path / 'alembic.ini [post_write_hooks]'} hook 'ruff' "
        "(did you mean 'options'?)"
    )


def test_a_key_of_another_hook_type_is_unknown_for_this_one(tmp_path: Path) -> None:
    where = "migguard.toml [post_write_hooks]"
    entry = {"name": "ruff", "type": "module", "module": "ruff", "entrypoint": "ruff"}
    assert _message(lambda: post_write_hooks([entry], root=tmp_path, where=where)) == (
        f"unknown key 'entrypoint' in {where} hook 'ruff' "
        "(type module takes: name, type, module, cwd, options)"
    )


def test_alembic_tables_use_the_same_style(tmp_path: Path) -> None:
    ini = _message(
        lambda: _load(
            tmp_path, "alembic.ini", "[alembic]\nscript_location = m\ntruncate_slug_length = x\n"
        )
    )
    assert ini == (
        f"key 'truncate_slug_length' in {tmp_path / 'alembic.ini'} [alembic] "
        "must be an integer, got 'x'"
    )
    (tmp_path / "alembic.ini").unlink()
    tool = _message(
        lambda: _load(
            tmp_path, "pyproject.toml", '[tool.alembic]\nscript_location = "m"\ntimezone = 1\n'
        )
    )
    assert tool == (
        f"key 'timezone' in {tmp_path / 'pyproject.toml'} [tool.alembic] "
        "must be a string, got integer"
    )

"""The [check] and [post_merge] tables: defaults, values, and one-line errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from migguard.config.load import load_config
from migguard.errors import ConfigError
from migguard.guard.findings import CODES
from migguard.guard.settings import (
    CheckSettings,
    PostMergeSettings,
    check_settings,
    parse_codes,
    post_merge_settings,
)


def _config(tmp_path: Path, tables: str) -> object:
    (tmp_path / "migrations").mkdir()
    (tmp_path / "migguard.toml").write_text(f'script_location = "migrations"\n{tables}')
    return load_config(cwd=tmp_path, environ={})


def test_defaults_select_every_check_and_do_not_upgrade(tmp_path: Path) -> None:
    config = _config(tmp_path, "")
    assert check_settings(config) == CheckSettings(CODES, (), ())
    assert post_merge_settings(config).upgrade is False


def test_values_are_read(tmp_path: Path) -> None:
    config = _config(
        tmp_path,
        '[check]\nselect = ["heads", "sync"]\nignore = ["sync"]\nbranch_heads = ["audit"]\n'
        "[post_merge]\nupgrade = true\n",
    )
    assert check_settings(config) == CheckSettings(("heads", "sync"), ("sync",), ("audit",))
    assert post_merge_settings(config).upgrade is True


def test_post_merge_targets_tags_and_jobs_are_read(tmp_path: Path) -> None:
    config = _config(
        tmp_path, '[post_merge]\nupgrade = true\ntargets = ["eu"]\ntags = ["staging"]\njobs = 8\n'
    )
    settings = post_merge_settings(config)
    assert settings == PostMergeSettings(True, ("eu",), ("staging",), 8)
    assert settings.fleet
    (tmp_path / "one").mkdir()
    assert not post_merge_settings(_config(tmp_path / "one", "")).fleet


@pytest.mark.parametrize(
    ("tables", "message"),
    [
        (
            '[check]\nselects = ["heads"]\n',
            "unknown key 'selects' in {toml} [check] (did you mean 'select'?)",
        ),
        (
            '[check]\nselect = ["head"]\n',
            "unknown check code 'head' in key 'select' in {toml} [check]",
        ),
        (
            '[check]\nignore = "sync"\n',
            "key 'ignore' in {toml} [check] must be an array of strings, got string",
        ),
        (
            '[post_merge]\nupgrade = "yes"\n',
            "key 'upgrade' in {toml} [post_merge] must be a boolean, got string",
        ),
        (
            "[post_merge]\njobs = 0\n",
            "key 'jobs' in {toml} [post_merge] must be at least 1, got 0",
        ),
        (
            '[post_merge]\ntags = "staging"\n',
            "key 'tags' in {toml} [post_merge] must be an array of strings, got string",
        ),
    ],
)
def test_bad_values_are_named(tmp_path: Path, tables: str, message: str) -> None:
    config = _config(tmp_path, tables)
    with pytest.raises(ConfigError) as raised:
        check_settings(config)
        post_merge_settings(config)
    assert str(raised.value).startswith(message.format(toml=tmp_path / "migguard.toml"))


def test_command_line_codes() -> None:
    assert parse_codes("graph, heads,", "--select") == ("graph", "heads")
    with pytest.raises(ConfigError, match=r"unknown check code 'sink' in --select 'sink'"):
        parse_codes("sink", "--select")

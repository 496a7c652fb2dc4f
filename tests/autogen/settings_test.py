"""The [autogenerate] table: its default, its value from each of migguard's own files, and
one-line errors naming the file and the table."""

from __future__ import annotations

from pathlib import Path

import pytest

from migguard.autogen.settings import AutogenerateSettings, autogenerate_settings
from migguard.config import Config
from migguard.config.load import load_config
from migguard.errors import ConfigError


def _config(tmp_path: Path, file: str, text: str) -> Config:
    (tmp_path / "migrations").mkdir(exist_ok=True)
    (tmp_path / file).write_text(text)
    return load_config(cwd=tmp_path, environ={})


def test_safe_is_off_by_default(tmp_path: Path) -> None:
    config = _config(tmp_path, "migguard.toml", 'script_location = "migrations"\n')
    assert autogenerate_settings(config) == AutogenerateSettings(safe=False)


@pytest.mark.parametrize(
    ("file", "text"),
    [
        ("migguard.toml", 'script_location = "migrations"\n[autogenerate]\nsafe = true\n'),
        (
            "pyproject.toml",
            '[tool.migguard]\nscript_location = "migrations"\n'
            "[tool.migguard.autogenerate]\nsafe = true\n",
        ),
    ],
)
def test_safe_is_read_from_migguards_own_files(tmp_path: Path, file: str, text: str) -> None:
    assert autogenerate_settings(_config(tmp_path, file, text)).safe is True


@pytest.mark.parametrize(
    ("file", "text", "message"),
    [
        (
            "migguard.toml",
            'script_location = "migrations"\n[autogenerate]\nsafe = "yes"\n',
            "key 'safe' in {root}/migguard.toml [autogenerate] must be a boolean, got string",
        ),
        (
            "pyproject.toml",
            '[tool.migguard]\nscript_location = "migrations"\n'
            "[tool.migguard.autogenerate]\nsafely = true\n",
            "unknown key 'safely' in {root}/pyproject.toml [tool.migguard.autogenerate] "
            "(did you mean 'safe'?)",
        ),
    ],
)
def test_mistakes_name_the_key_the_file_and_the_table(
    tmp_path: Path, file: str, text: str, message: str
) -> None:
    config = _config(tmp_path, file, text)
    with pytest.raises(ConfigError) as raised:
        autogenerate_settings(config)
    assert str(raised.value) == message.format(root=tmp_path)


def test_the_table_itself_must_be_a_table(tmp_path: Path) -> None:
    text = 'script_location = "migrations"\nautogenerate = true\n'
    with pytest.raises(ConfigError) as raised:
        _config(tmp_path, "migguard.toml", text)
    assert str(raised.value) == (
        f"key 'autogenerate' in {tmp_path}/migguard.toml must be a table, got boolean"
    )

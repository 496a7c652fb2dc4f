from __future__ import annotations

import pytest

from migguard.errors import ConfigError
from migguard.urls import expand_env, mask_password, written_password

# --- expand_env ---------------------------------------------------------------------------


def test_expand_env_replaces_each_variable() -> None:
    environ = {"USER_NAME": "app", "DB_PW": "s3cret"}
    result = expand_env("postgresql://${USER_NAME}:${DB_PW}@db/${USER_NAME}", environ)
    assert result == "postgresql://app:s3cret@db/app"


def test_expand_env_leaves_text_without_placeholders_alone() -> None:
    assert expand_env("sqlite:///app.db", {}) == "sqlite:///app.db"


def test_expand_env_keeps_lone_dollar_signs() -> None:
    assert expand_env("postgresql://u:pa$$w$rd@h/db", {}) == "postgresql://u:pa$$w$rd@h/db"


def test_expand_env_double_dollar_brace_is_a_literal() -> None:
    assert expand_env("a$${B}c", {"B": "nope"}) == "a${B}c"


def test_expand_env_set_but_empty_variable_expands_to_empty() -> None:
    assert expand_env("x${EMPTY}y", {"EMPTY": ""}) == "xy"


def test_expand_env_unset_variable_names_variable_and_origin() -> None:
    with pytest.raises(ConfigError) as caught:
        expand_env("postgresql://u:${DB_PW}@h/db", {}, where="'url' in /r/migguard.toml")
    message = str(caught.value)
    assert "'DB_PW'" in message
    assert "'url' in /r/migguard.toml" in message
    assert "\n" not in message


def test_expand_env_unterminated_placeholder_is_an_error() -> None:
    with pytest.raises(ConfigError, match="unterminated"):
        expand_env("postgresql://${DB", {"DB": "x"}, where="--url")


def test_expand_env_invalid_name_is_an_error() -> None:
    with pytest.raises(ConfigError, match="invalid environment variable name '1X'"):
        expand_env("${1X}", {"1X": "x"})


# --- mask_password ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "masked"),
    [
        (
            "postgresql+psycopg://user:secret@host:5432/db?x=1",
            "postgresql+psycopg://user:***@host:5432/db?x=1",
        ),
        ("postgresql://u:p@ss:w/rd@host/db", "postgresql://u:***@host/db"),
        ("mysql+pymysql://u:a:b:c@h:3306/db", "mysql+pymysql://u:***@h:3306/db"),
        ("postgresql://u:p?w@h/db?a=b@c", "postgresql://u:***@h/db?a=b@c"),
        ("postgresql://u:pw@h/db?opt=a@b", "postgresql://u:***@h/db?opt=a@b"),
        ("postgresql://u:pw@h", "postgresql://u:***@h"),
        ("postgresql://:pw@h/db", "postgresql://:***@h/db"),
        ("postgresql://u:p%40ss@h/db", "postgresql://u:***@h/db"),
    ],
)
def test_mask_password_hides_the_password(url: str, masked: str) -> None:
    assert mask_password(url) == masked


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://user@host:5432/db",
        "postgresql://host:5432/db",
        "postgresql://host/db?user=x",
        "postgresql:///db",
        "postgresql://u:@host/db",
        "sqlite:///relative.db",
        "sqlite:////abs/path/app.db",
        "sqlite:///file@name.db",
        "sqlite://",
        "",
        "not a url",
        "host:5432/db",
        "user:secret@host",
    ],
)
def test_mask_password_leaves_urls_without_password_unchanged(url: str) -> None:
    assert mask_password(url) == url


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://u:hunter2@h/db",
        "postgresql://u:hun@ter2@h/db",
        "postgresql://u:hun:ter/2@h/db?sslmode=require",
    ],
)
def test_mask_password_never_returns_password_text(url: str) -> None:
    masked = mask_password(url)
    assert "hun" not in masked
    assert "ter" not in masked


# --- written_password ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "password"),
    [
        ("postgresql+psycopg://user:secret@host:5432/db?x=1", "secret"),
        ("postgresql://u:p@ss:w/rd@host/db", "p@ss:w/rd"),
        ("postgresql://u:p%40ss@h/db", "p%40ss"),
        ("postgresql://u:@host/db", None),
        ("postgresql://user@host/db", None),
        ("sqlite:///file@name.db", None),
        ("not a url", None),
    ],
)
def test_written_password_is_what_mask_password_hides(url: str, password: str | None) -> None:
    assert written_password(url) == password
    if password is not None:
        assert mask_password(url) == url.replace(f":{password}@", ":***@", 1)

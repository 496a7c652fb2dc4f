from __future__ import annotations

from pathlib import Path

import pytest

from migguard.config.urls import (
    expand_env,
    mask_password,
    resolve_sqlite_url,
    scrub_secrets,
    secret_values,
    written_password,
)
from migguard.errors import ConfigError

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
        ("postgresql://u:p?w@h/db?a=b", "postgresql://u:***@h/db?a=b"),
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


# --- credentials beyond the user part -------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "masked"),
    [
        # An unescaped "@" then "?" or "/" in the password: everything to the last "@" goes.
        ("postgresql://u:ab@cd?ef@host/db", "postgresql://u:***@host/db"),
        ("postgresql://u:ab@cd/ef@host/db", "postgresql://u:***@host/db"),
        # A query value holding "@" is hidden with it rather than risk showing a password part.
        ("postgresql://u:pw@h/db?opt=a@b", "postgresql://u:***@b"),
        # Azure's user@server user names: SQLAlchemy's user part runs to the ":".
        ("postgresql://user@srv:hunter2@h/db", "postgresql://user@srv:***@h/db"),
        ("postgresql://u@h/db?password=s3cr3t", "postgresql://u@h/db?password=***"),
        (
            "postgresql+psycopg://h/db?sslmode=require&PASSWORD=x&sslpassword=y",
            "postgresql+psycopg://h/db?sslmode=require&PASSWORD=***&sslpassword=***",
        ),
        ("mysql://h/db?pwd=a&passwd=b", "mysql://h/db?pwd=***&passwd=***"),
        (
            "snowflake://u@acct/db?token=t&api_key=k&access_token=a&auth_token=b",
            "snowflake://u@acct/db?token=***&api_key=***&access_token=***&auth_token=***",
        ),
        ("postgresql://u:pw@h/db?secret=z", "postgresql://u:***@h/db?secret=***"),
        ("postgresql://h/db?oauth_client_secret=z", "postgresql://h/db?oauth_client_secret=***"),
        # libpq keyword/value strings (given where a URL was expected).
        ("host=h password=s3cr3t dbname=d", "host=h password=*** dbname=d"),
        ("host=h password = 'a b\\' c' user=u", "host=h password = *** user=u"),
    ],
)
def test_mask_password_hides_every_credential(url: str, masked: str) -> None:
    assert mask_password(url) == masked


def test_secret_values_lists_each_form_a_driver_may_print() -> None:
    values = secret_values("postgresql://u:p%40ss%2Fw@h/db?password=a%20b+c")
    assert {"p%40ss%2Fw", "p@ss/w", "a%20b+c", "a b+c", "a b c"} <= set(values)


def test_scrub_secrets_removes_the_password_in_any_form_from_driver_text() -> None:
    url = "postgresql://u:p%40ssw0rd@h/db?sslpassword=k3y-phrase"
    text = (
        'connection to "h" failed: password "p@ssw0rd" and p%40ssw0rd, key k3y-phrase; '
        "dsn: host=h password=p@ssw0rd"
    )
    scrubbed = scrub_secrets(text, url)
    for secret in ("p@ssw0rd", "p%40ssw0rd", "k3y-phrase"):
        assert secret not in scrubbed
    assert 'connection to "h" failed' in scrubbed


def test_scrub_secrets_replaces_a_short_password_only_where_it_stands_alone() -> None:
    assert scrub_secrets("connect as pg: password pg rejected", "postgresql://u:pg@h/db") == (
        "connect as ***: password *** rejected"
    )


def test_scrub_secrets_removes_the_pieces_sqlalchemy_reads_as_host() -> None:
    text = "failed to resolve host 'cd'"
    assert "cd" not in scrub_secrets(text, "postgresql://u:ab@cd?ef@host/db")


# --- resolve_sqlite_url -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "resolved"),
    [
        ("sqlite:///app.db", "sqlite:////proj/backend/app.db"),
        ("sqlite+pysqlite:///data/../app.db", "sqlite+pysqlite:////proj/backend/app.db"),
        ("sqlite:///app.db?timeout=5", "sqlite:////proj/backend/app.db?timeout=5"),
        ("sqlite:///a%20b.db", "sqlite:////proj/backend/a b.db"),
        (
            "sqlite:///file:app.db?mode=ro&uri=true",
            "sqlite:///file:/proj/backend/app.db?mode=ro&uri=true",
        ),
    ],
)
def test_resolve_sqlite_url_takes_relative_files_from_the_folder(url: str, resolved: str) -> None:
    assert resolve_sqlite_url(url, Path("/proj/backend")) == resolved


def test_resolve_sqlite_url_escapes_what_sqlalchemy_decodes() -> None:
    resolved = resolve_sqlite_url("sqlite:///app.db", Path("/p/50%?x"))
    assert resolved == "sqlite:////p/50%25%3Fx/app.db"


@pytest.mark.parametrize(
    "url",
    [
        "sqlite://",
        "sqlite:///:memory:",
        "sqlite:////abs/app.db",
        "sqlite:///file:/abs/app.db?uri=true",
        "sqlite:///file:memdb?mode=memory&cache=shared&uri=true",
        "postgresql://u:p@h/db",
        "not a url",
    ],
)
def test_resolve_sqlite_url_leaves_memory_absolute_and_other_urls_alone(url: str) -> None:
    assert resolve_sqlite_url(url, Path("/proj")) == url

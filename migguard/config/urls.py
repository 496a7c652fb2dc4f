"""Small string helpers for database URLs: ``${VAR}`` expansion, relative SQLite paths and
masking credentials.

All pure string code so that they stay cheap on the start-up path (no SQLAlchemy import).
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import quote, unquote

from migguard.errors import ConfigError

__all__ = [
    "MASK",
    "expand_env",
    "is_secret_key",
    "mask_password",
    "resolve_sqlite_url",
    "scrub_secrets",
    "secret_values",
    "written_password",
]

# ``$${`` is the escape for a literal ``${``; it is matched first so that ``$${X}`` is never
# expanded. A lone ``$`` is left alone because passwords often contain one.
_PLACEHOLDER = re.compile(r"\$\$\{|\$\{([^}]*)\}|\$\{")
_VAR_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*://")
MASK = "***"

# Query and keyword names whose value is a credential: libpq's own secrets (password,
# sslpassword, oauth_client_secret:
# https://www.postgresql.org/docs/current/libpq-connect.html#LIBPQ-PARAMKEYWORDS) and the
# spellings other drivers and cloud proxies use. Names ending in one of _SECRET_SUFFIXES count
# too (``client_secret``, ``refresh_token``): hiding a harmless value costs nothing.
_SECRET_KEYS = frozenset(
    {
        "password",
        "passwd",
        "pwd",
        "pass",
        "sslpassword",
        "secret",
        "token",
        "api_key",
        "apikey",
        "access_token",
        "auth_token",
        "oauth_client_secret",
    }
)
_SECRET_SUFFIXES = ("password", "passwd", "secret", "token", "apikey", "api_key")
# ``key=value`` inside a URL's query string (after ``?`` or ``&``; ``;`` as some drivers do).
_QUERY_PAIR = re.compile(r"(?P<lead>[?&;])(?P<key>[^=&;#?]*)=(?P<value>[^&;#]*)")
# ``key = value`` in a libpq keyword/value connection string; values may be single-quoted
# with backslash escapes (https://www.postgresql.org/docs/current/libpq-connect.html#LIBPQ-CONNSTRING-KEYWORD-VALUE).
_KEYWORD_PAIR = re.compile(
    r"(?P<key>[A-Za-z_][A-Za-z0-9_\-]*)(?P<eq>\s*=\s*)(?P<value>'(?:[^'\\]|\\.)*'?|[^\s'&;]*)"
)
# What SQLAlchemy reads as ``[user[:password]@][host][:port]`` before the database of a URL.
_SQLITE_URL = re.compile(
    r"(?P<head>sqlite(?:\+[A-Za-z0-9_]+)?://(?:[^:/]*(?::[^@]*)?@)?"
    r"(?:\[[^/?]+\]|[^/:?]+)?(?::[^/?]*)?/)(?P<database>[^?]*)(?P<query>\?.*)?",
    re.IGNORECASE | re.DOTALL,
)
_WINDOWS_DRIVE = re.compile(r"[A-Za-z]:[\\/]")
# Secrets shorter than this are only replaced where they stand alone, so that scrubbing a
# password such as ``pg`` does not mangle every word of a driver's message.
_SHORT_SECRET = 6


def expand_env(value: str, environ: Mapping[str, str], *, where: str = "a setting") -> str:
    """Replace every ``${NAME}`` in ``value`` with ``environ[NAME]``.

    Rules: ``${NAME}`` needs a name of letters, digits and underscores (not starting with a
    digit); ``$${`` produces a literal ``${``; any other ``$`` is kept as is. A variable that is
    set to the empty string expands to the empty string.

    Args:
        value: the text to expand.
        environ: the variables to use (usually ``os.environ``).
        where: where the value came from, used in error messages (e.g. ``"'url' in
            /repo/migguard.toml"``).

    Returns:
        The expanded text.

    Raises:
        ConfigError: a variable is not set, a name is invalid, or a ``${`` is never closed.
    """

    def replace(match: re.Match[str]) -> str:
        token = match.group(0)
        if token == "$${":
            return "${"
        name = match.group(1)
        if name is None:
            raise ConfigError(f"unterminated '${{' in {where}")
        if not _VAR_NAME.fullmatch(name):
            raise ConfigError(f"invalid environment variable name '{name}' in {where}")
        if name not in environ:
            raise ConfigError(f"environment variable '{name}' is not set (used in {where})")
        return environ[name]

    return _PLACEHOLDER.sub(replace, value)


def is_secret_key(key: str) -> bool:
    """Whether a query or keyword parameter named ``key`` holds a credential.

    Args:
        key: the parameter name as written (any case, ``-`` or ``_``).

    Returns:
        True for ``password``, ``sslpassword``, ``token``, ``api_key`` and the like.
    """
    name = unquote(key).strip().lower().replace("-", "_")
    return name in _SECRET_KEYS or name.endswith(_SECRET_SUFFIXES)


def mask_password(url: str) -> str:
    """Return ``url`` with every credential replaced by ``***``.

    In a URL (``scheme://...``) that is the password of the ``user:password@`` part and the
    value of each credential query parameter (``?password=``, ``sslpassword``, ``token``...:
    see :func:`is_secret_key`). SQLAlchemy ends a password at its first ``@``, but a password
    written with an unescaped ``@`` followed by ``?`` or ``/`` cannot be told apart from the
    host and path, so the password is taken to run from the first ``:`` of the user part to
    the *last* ``@`` of the URL: a query value holding an ``@`` is hidden too, never a part
    of a password shown. Text that is not URL-shaped is read as a libpq keyword/value
    connection string (``host=h password=secret``), whose credential values are masked.

    Args:
        url: any text; a database URL such as ``postgresql+psycopg://user:secret@host/db``.

    Returns:
        The masked text; the input unchanged when it holds no credential.
    """
    scheme = _SCHEME.match(url)
    if scheme is None:
        return _mask_values(_KEYWORD_PAIR, url)
    start = scheme.end()
    rest = url[start:]
    span = _password_span(rest)
    if span is None:
        return url[:start] + _mask_values(_QUERY_PAIR, rest)
    begin, end = span
    return (
        url[: start + begin] + MASK + url[start + end] + _mask_values(_QUERY_PAIR, rest[end + 1 :])
    )


def written_password(url: str) -> str | None:
    """The password of ``url``'s ``user:password@`` part as written (percent-escapes kept),
    by the rules of :func:`mask_password`.

    Args:
        url: any text; a database URL such as ``postgresql+psycopg://user:secret@host/db``.

    Returns:
        The text :func:`mask_password` replaces there; ``None`` when there is none.
    """
    scheme = _SCHEME.match(url)
    if scheme is None:
        return None
    rest = url[scheme.end() :]
    span = _password_span(rest)
    return None if span is None else rest[span[0] : span[1]]


def secret_values(url: str) -> tuple[str, ...]:
    """Every credential ``url`` holds, in each form a driver or library may print it.

    Args:
        url: a database URL or a libpq keyword/value string.

    Returns:
        The user-part password and each credential parameter's value: as written,
        percent-decoded (``+`` as a space too, as query strings decode) and percent-encoded;
        longest first, without duplicates or empty strings.
    """
    written: list[str] = []
    password = written_password(url)
    if password:
        written.append(password)
    scheme = _SCHEME.match(url)
    if scheme is not None:
        pairs = (m for m in _QUERY_PAIR.finditer(url[scheme.end() :]))
        written += [m["value"] for m in pairs if is_secret_key(m["key"])]
    else:
        pairs = (m for m in _KEYWORD_PAIR.finditer(url))
        written += [_unquote_keyword(m["value"]) for m in pairs if is_secret_key(m["key"])]
    forms: set[str] = set()
    for value in written:
        decoded = unquote(value)
        forms.update({value, decoded, unquote(value.replace("+", " ")), quote(decoded, safe="")})
        forms.update(_fragments(value))
    return tuple(sorted((form for form in forms if form), key=lambda f: (-len(f), f)))


def scrub_secrets(text: str, url: str) -> str:
    """Remove ``url``'s credentials from ``text`` (a driver's error message, which may echo
    the URL, its password decoded, or a keyword connection string).

    Args:
        text: the message.
        url: the URL the message is about.

    Returns:
        ``text`` with each form of each credential (see :func:`secret_values`) and any
        ``password=...``-style keyword value replaced by ``***``.
    """
    for secret in secret_values(url):
        if len(secret) >= _SHORT_SECRET:
            text = text.replace(secret, MASK)
        else:
            alone = rf"(?<![A-Za-z0-9]){re.escape(secret)}(?![A-Za-z0-9])"
            text = re.sub(alone, MASK, text)
    return _mask_values(_KEYWORD_PAIR, text)


def resolve_sqlite_url(url: str, folder: Path | str) -> str:
    """Make the file of a SQLite URL absolute, relative paths taken from ``folder``.

    SQLite itself opens a relative path from the process's current folder; a configuration
    file's URL should not depend on where a command (or a git hook) happens to run.
    In-memory databases (``sqlite://``, ``:memory:``, ``mode=memory``) and absolute paths are
    left alone; a relative ``file:`` URI (``sqlite:///file:app.db?uri=true``) gets an
    absolute ``file:`` path.

    Args:
        url: any URL; only ``sqlite://`` and ``sqlite+DRIVER://`` URLs are changed.
        folder: the folder relative paths are taken from.

    Returns:
        The URL with an absolute path (percent-escaped where SQLAlchemy decodes), or ``url``
        unchanged.
    """
    match = _SQLITE_URL.fullmatch(url)
    if match is None:
        return url
    database = unquote(match["database"])
    query = match["query"] or ""
    if not database or database == ":memory:" or "mode=memory" in query.lower():
        return url
    uri = database.startswith("file:")
    path = database[len("file:") :] if uri else database
    if uri and (path.startswith("/") or path.split("?")[0] in ("", ":memory:")):
        return url
    if not uri and (os.path.isabs(path) or _WINDOWS_DRIVE.match(path)):
        return url
    absolute = os.path.normpath(os.path.join(os.path.abspath(folder), path))
    if uri:
        # SQLite decodes %XX in a file: URI, and SQLAlchemy decodes the URL before that.
        absolute = "file:" + quote(absolute, safe="/:\\")
    return match["head"] + absolute.replace("%", "%25").replace("?", "%3F") + query


def _password_span(rest: str) -> tuple[int, int] | None:
    """Find the password in the part of a URL after ``scheme://``: from the first ``:`` of
    the user name to the last ``@``.

    Returns ``(begin, end)`` offsets into ``rest`` (``rest[end]`` is that ``@``), or ``None``
    when there is no non-empty password.
    """
    at = rest.rfind("@")
    if at == -1:
        return None
    colon = rest.find(":", 0, at)
    # As SQLAlchemy reads it, a user name holds no "/": "sqlite:///a:b@c.db" names a file.
    if colon == -1 or "/" in rest[:colon] or colon + 1 == at:
        return None
    return colon + 1, at


def _fragments(password: str) -> list[str]:
    """The pieces a driver may print of a password holding an unescaped ``@``: SQLAlchemy
    ends the password at the first ``@`` and reads what follows as host, path and query."""
    if "@" not in password:
        return []
    return [piece for piece in re.split(r"[@?/:&=]", password) if piece]


def _mask_values(pairs: re.Pattern[str], text: str) -> str:
    """Mask the credential values of the ``key=value`` pairs ``pairs`` finds in ``text`` (a
    URL's query, or a keyword string); each match has ``key`` and ``value`` groups."""

    def replace(match: re.Match[str]) -> str:
        if not is_secret_key(match["key"]) or not match["value"]:
            return match.group(0)
        head = match.start("value") - match.start()
        return match.group(0)[:head] + MASK

    return pairs.sub(replace, text)


def _unquote_keyword(value: str) -> str:
    """A keyword string value without its quotes and backslash escapes."""
    if value.startswith("'"):
        return re.sub(r"\\(.)", r"\1", value[1:].removesuffix("'"))
    return value

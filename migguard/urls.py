"""Small string helpers for database URLs: ``${VAR}`` expansion and password masking.

Both are pure string code so that they stay cheap on the start-up path (no SQLAlchemy import).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from migguard.errors import ConfigError

__all__ = ["expand_env", "mask_password", "written_password"]

# ``$${`` is the escape for a literal ``${``; it is matched first so that ``$${X}`` is never
# expanded. A lone ``$`` is left alone because passwords often contain one.
_PLACEHOLDER = re.compile(r"\$\$\{|\$\{([^}]*)\}|\$\{")
_VAR_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*://")
_MASK = "***"


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


def mask_password(url: str) -> str:
    """Return ``url`` with the password of its ``user:password@`` part replaced by ``***``.

    The password may contain ``@``, ``:``, ``/`` and ``?``: it runs from the first ``:`` after the
    user name to the last ``@`` before the query string, which starts at the first ``?`` that
    follows an ``@``.

    Args:
        url: any text; a database URL such as ``postgresql+psycopg://user:secret@host/db``.

    Returns:
        The masked URL; the input unchanged when it has no password or is not URL-shaped.
    """
    scheme = _SCHEME.match(url)
    if scheme is None:
        return url
    start = scheme.end()
    span = _password_span(url[start:])
    if span is None:
        return url
    begin, end = span
    return url[: start + begin] + _MASK + url[start + end :]


def written_password(url: str) -> str | None:
    """The password of ``url``'s ``user:password@`` part as written (percent-escapes kept),
    by the rules of :func:`mask_password`.

    Args:
        url: any text; a database URL such as ``postgresql+psycopg://user:secret@host/db``.

    Returns:
        The text :func:`mask_password` replaces; ``None`` when it replaces nothing.
    """
    scheme = _SCHEME.match(url)
    if scheme is None:
        return None
    rest = url[scheme.end() :]
    span = _password_span(rest)
    return None if span is None else rest[span[0] : span[1]]


def _password_span(rest: str) -> tuple[int, int] | None:
    """Find the password in the part of a URL after ``scheme://``.

    Returns ``(begin, end)`` offsets into ``rest``, or ``None`` when there is no non-empty
    password.
    """
    colon = _first_delimiter(rest)
    if colon is None or rest[colon] != ":":
        return None
    after = colon + 1
    first_at = rest.find("@", after)
    if first_at == -1:
        return None
    query = rest.find("?", first_at)
    at = rest.rfind("@", after, len(rest) if query == -1 else query)
    if at <= after:
        return None
    return after, at


def _first_delimiter(rest: str) -> int | None:
    """Offset of the first character that ends a user name (``:``, ``@``, ``/``, ``?``)."""
    for index, char in enumerate(rest):
        if char in ":@/?":
            return index
    return None

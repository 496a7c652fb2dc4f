"""Target lists kept outside the configuration: a file (``from_file``) or a command
(``from_command``) named by a ``[targets.NAME]`` table, for fleets that live in a service
catalogue.

Each line is ``URL``, or ``NAME URL``, optionally followed by tags (``NAME URL TAG...``);
blank lines and ``#`` comments (at the start of a line or after a space) are skipped. A line
without a name is named after its URL, credentials left out (:func:`name_from_url`). The lines
hold passwords: no message here ever quotes a line, only its number.
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple

from migguard.config.urls import mask_password
from migguard.errors import ConfigError

__all__ = [
    "COMMAND_TIMEOUT",
    "Listed",
    "name_from_url",
    "parse_lines",
    "read_command",
    "read_file",
]

# Seconds a from_command may take unless the table says otherwise (`timeout`).
COMMAND_TIMEOUT = 30.0

_COMMENT = re.compile(r"(^|\s)#.*$")
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*://")
_UNSAFE = re.compile(r"[^A-Za-z0-9_.\-]+")


class Listed(NamedTuple):
    """One line of a target list.

    Attributes:
        name: the line's name, or the one derived from its URL.
        url: the URL as written (``${VAR}`` not yet expanded).
        tags: the words after the URL.
        line: its 1-based line number, for messages.
    """

    name: str
    url: str
    tags: tuple[str, ...]
    line: int


def parse_lines(text: str, where: str) -> list[Listed]:
    """Read a target list.

    Args:
        text: the file's or the command's output.
        where: what the text came from, for messages (``fleet.txt``, ``the output of
            ./list-tenants``).

    Returns:
        One entry per target line, in order.

    Raises:
        ConfigError: a line has no URL where one belongs (``line N of WHERE``, the line
            itself never shown), or two lines have one name.
    """
    found: list[Listed] = []
    seen: dict[str, int] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        words = _COMMENT.sub("", raw).split()
        if not words:
            continue
        if _SCHEME.match(words[0]):
            name, url, tags = name_from_url(words[0]), words[0], words[1:]
        elif len(words) >= 2 and _SCHEME.match(words[1]):
            name, url, tags = words[0], words[1], words[2:]
        else:
            raise ConfigError(
                f"line {number} of {where} is neither 'URL' nor 'NAME URL [TAG...]' "
                "(a URL starts with SCHEME://)"
            )
        if name in seen:
            raise ConfigError(
                f"lines {seen[name]} and {number} of {where} both name the target {name!r}: "
                "give them names (NAME URL)"
            )
        seen[name] = number
        found.append(Listed(name, url, tuple(tags), number))
    return found


def name_from_url(url: str) -> str:
    """A target name from a URL, without its credentials: ``HOST[-PORT]-DATABASE`` for a
    server (``db-eu-1-5432-app``), the file's stem for SQLite (``tenant7``); characters other
    than letters, digits, ``_``, ``.`` and ``-`` become ``-``.

    Args:
        url: the URL.

    Returns:
        The name (``target`` when the URL has nothing to name it by).
    """
    rest = _SCHEME.sub("", url).split("?", 1)[0]
    if url.lower().startswith("sqlite"):
        stem = Path(rest.lstrip("/")).stem
        return _UNSAFE.sub("-", stem).strip("-") or "target"
    # Everything up to the last "@" before the path is user and password.
    authority, _, database = rest.partition("/")
    host = authority.rsplit("@", 1)[-1]
    parts = [part for part in (*host.split(":"), database) if part]
    return _UNSAFE.sub("-", "-".join(parts)).strip("-") or "target"


def read_file(path: Path, where: str) -> list[Listed]:
    """Read a ``from_file`` list.

    Args:
        path: the file (absolute).
        where: the table naming it, for messages.

    Raises:
        ConfigError: the file cannot be read, or a line is wrong (see :func:`parse_lines`).
    """
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise ConfigError(f"cannot read {path} (from_file in {where}): {reason}") from None
    return parse_lines(text, str(path))


def read_command(argv: Sequence[str], cwd: Path, timeout: float, where: str) -> list[Listed]:
    """Run a ``from_command`` (without a shell) and read its output as a list.

    Args:
        argv: the program and its arguments; a relative program path (``./list-tenants``) is
            taken from ``cwd``.
        cwd: the folder it runs in (the configuration file's).
        timeout: seconds it may take.
        where: the table naming it, for messages.

    Returns:
        The targets it printed.

    Raises:
        ConfigError: it cannot start, runs longer than ``timeout``, exits non-zero (the
            message holds its exit status and the last line it wrote to stderr, credentials
            in URLs masked), or prints a wrong line.
    """
    if not argv:
        raise ConfigError(f"from_command in {where} is empty: give the program and arguments")
    program = argv[0]
    if os.sep in program and not os.path.isabs(program):
        program = str(cwd / program)
    shown = " ".join(argv)
    try:
        done = subprocess.run(
            [program, *argv[1:]],
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise ConfigError(
            f"from_command in {where} ({shown}) did not finish within {timeout:g} s "
            "(raise `timeout` in the table)"
        ) from None
    except OSError as exc:
        raise ConfigError(
            f"from_command in {where} cannot run {argv[0]}: {exc.strerror or exc}"
        ) from None
    if done.returncode != 0:
        lines = [line for line in done.stderr.splitlines() if line.strip()]
        said = f": {_masked(lines[-1].strip())}" if lines else ""
        raise ConfigError(
            f"from_command in {where} ({shown}) failed with exit status {done.returncode}{said}"
        )
    return parse_lines(done.stdout, f"the output of {shown}")


def _masked(line: str) -> str:
    """A line of the command's stderr with the credentials of any URL in it masked."""
    return " ".join(mask_password(word) for word in line.split())

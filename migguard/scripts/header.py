"""Reading a revision script's header with ``ast``, without importing or running it.

The header is the module docstring (message, ``Create Date``) and the module-level
assignments ``revision``, ``down_revision``, ``branch_labels`` and ``depends_on``; plain and
annotated assignments (``down_revision: Union[str, None] = "ae10"``) are both read.
"""

from __future__ import annotations

import os
import re
from stat import S_ISREG
from typing import TYPE_CHECKING, NamedTuple

from migguard.errors import HistoryError

if TYPE_CHECKING:
    import ast

    _Scan = tuple[dict[str, ast.expr], str, bool]

# Opening a FIFO for reading blocks until a writer comes; O_NONBLOCK lets us see it first.
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)
FIELDS = ("revision", "down_revision", "branch_labels", "depends_on")
_CREATE_DATE = re.compile(r"^\s*Create Date:[ \t]*(.*?)\s*$", re.MULTILINE)


class ScriptSyntaxError(HistoryError):
    """A revision script is not valid Python."""

    def __init__(self, path: str, line: int | None, message: str) -> None:
        super().__init__(f"{path}:{line or 1}: syntax error: {message}")
        self.file, self.line = path, line or 1


class ScriptEncodingError(HistoryError):
    """A revision script is not UTF-8 text."""

    def __init__(self, path: str, exc: UnicodeDecodeError) -> None:
        line = exc.object[: exc.start].count(b"\n") + 1
        byte = exc.object[exc.start]
        super().__init__(
            f"{path}:{line}: not UTF-8 text (byte 0x{byte:02x}); save the script as UTF-8"
        )
        self.file, self.line = path, line


class UnreadableScriptError(HistoryError):
    """A revision script (or a folder of them) cannot be read."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: cannot read: {reason}")
        self.file = self.path = path
        self.reason = reason


class MissingFieldError(HistoryError):
    """A script that looks like a revision lacks ``revision`` or ``down_revision``."""

    def __init__(self, path: str, field: str) -> None:
        super().__init__(
            f"{path}: looks like a revision script but has no module-level `{field} = ...`"
        )
        self.file = path


class BadFieldError(HistoryError):
    """A header field holds a literal of the wrong shape."""

    def __init__(self, path: str, line: int, field: str, expected: str) -> None:
        super().__init__(f"{path}:{line}: {field} must be {expected}")
        self.file, self.line = path, line


class Pending(NamedTuple):
    """A header field whose value is not a literal: (field, line, source expression)."""

    field: str
    line: int
    expression: str


class Header(NamedTuple):
    """What a script declares about itself (a NamedTuple: cheap to rebuild from the cache).

    Attributes:
        revision: the id; None only when it is in ``pending``.
        down_revisions: parent ids (empty for a base).
        branch_labels: declared labels.
        depends_on: declared dependencies.
        message: the first paragraph of the docstring, whitespace-folded.
        create_date: the ``Create Date`` line's value, if any.
        pending: fields that need evaluating by import (non-literal values).
    """

    revision: str | None
    down_revisions: tuple[str, ...]
    branch_labels: tuple[str, ...]
    depends_on: tuple[str, ...]
    message: str
    create_date: str | None
    pending: tuple[Pending, ...] = ()


def decode_source(data: bytes, path: str) -> str:
    """A script's bytes as text: UTF-8, with a leading byte order mark dropped (Python and
    Alembic both accept one, https://peps.python.org/pep-0263/).

    Raises:
        ScriptEncodingError: the bytes are not UTF-8 (names the file and line).
    """
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ScriptEncodingError(path, exc) from None


def read_source(path: str, shown: str) -> str:
    """Read one script from disk as text (see :func:`decode_source`).

    Args:
        path: where the file is.
        shown: its name for messages (relative to the project).

    Raises:
        ScriptEncodingError: it is not UTF-8.
        UnreadableScriptError: it cannot be opened or read (permissions, a dangling
            link, a FIFO or socket named ``*.py``, a folder that vanished).
    """
    try:
        fd = os.open(path, os.O_RDONLY | _NONBLOCK)
    except OSError as exc:
        raise UnreadableScriptError(shown, exc.strerror or type(exc).__name__) from None
    try:
        # A FIFO named *.py would block the read forever: only regular files are scripts.
        if not S_ISREG(os.fstat(fd).st_mode):
            raise UnreadableScriptError(shown, "not a regular file")
        with open(fd, "rb", closefd=False) as handle:
            data = handle.read()
    except OSError as exc:
        raise UnreadableScriptError(shown, exc.strerror or type(exc).__name__) from None
    finally:
        os.close(fd)
    return decode_source(data, shown)


def parse_header(source: str, path: str) -> Header | None:
    """Read the header of one script.

    Args:
        source: the script's text.
        path: its path, for messages.

    Returns:
        The header, or None when the file is not a revision script (no ``revision``,
        ``down_revision`` or ``upgrade`` at module level: a helper module).

    Raises:
        ScriptSyntaxError: the file is not valid Python (with file and line).
        MissingFieldError: it looks like a revision but lacks ``revision``/``down_revision``.
        BadFieldError: a field's literal has the wrong type.
    """
    import ast  # only on a cache miss: keeps start-up light

    try:
        module = ast.parse(source, filename=path)
    except SyntaxError as exc:
        raise ScriptSyntaxError(path, exc.lineno, exc.msg) from None
    except ValueError as exc:
        # Python 3.11 reports a NUL byte in the source as ValueError, 3.12 as SyntaxError.
        raise ScriptSyntaxError(path, None, str(exc)) from None
    found = _scan(module)
    values, _, has_upgrade = found
    if not values and not has_upgrade:
        return None
    for required in ("revision", "down_revision"):
        if required not in values:
            raise MissingFieldError(path, required)
    return _build(found, path)


def _scan(module: ast.Module) -> _Scan:
    """Module-level header assignments by name, the docstring, and whether ``upgrade``
    is defined."""
    import ast

    values: dict[str, ast.expr] = {}
    has_upgrade = False
    for node in module.body:
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name) and target.id in FIELDS:
                    values[target.id] = node.value
        elif (
            isinstance(node, ast.AnnAssign)
            and isinstance(node.target, ast.Name)
            and node.target.id in FIELDS
            and node.value is not None
        ):
            values[node.target.id] = node.value
        elif isinstance(node, ast.FunctionDef) and node.name == "upgrade":
            has_upgrade = True
    return values, ast.get_docstring(module, clean=True) or "", has_upgrade


def _build(found: _Scan, path: str) -> Header:
    import ast

    values, doc, _ = found
    fields: dict[str, tuple[str, ...]] = {}
    pending: list[Pending] = []
    for name in FIELDS:
        node = values.get(name)
        if node is None:
            fields[name] = ()
            continue
        try:
            value = ast.literal_eval(node)
        except ValueError:
            pending.append(Pending(name, node.lineno, ast.unparse(node)))
            fields[name] = ()
            continue
        fields[name] = normalize_ids(value, path, node.lineno, name)
    revision = fields["revision"]
    if len(revision) > 1 or (not revision and not _is_pending(pending, "revision")):
        line = values["revision"].lineno
        raise BadFieldError(path, line, "revision", "a non-empty string")
    first_paragraph = doc.split("\n\n", 1)[0]
    date = _CREATE_DATE.search(doc)
    return Header(
        revision=revision[0] if revision else None,
        down_revisions=fields["down_revision"],
        branch_labels=fields["branch_labels"],
        depends_on=fields["depends_on"],
        message=" ".join(first_paragraph.split()),
        create_date=date[1] if date else None,
        pending=tuple(pending),
    )


def _is_pending(pending: list[Pending], name: str) -> bool:
    return any(p.field == name for p in pending)


def normalize_ids(value: object, path: str, line: int, field: str) -> tuple[str, ...]:
    """Turn a header value into a tuple of ids.

    ``None``, ``""`` and ``()`` mean none; a string means one; a tuple or list of strings
    means several (duplicates dropped, order kept).

    Raises:
        BadFieldError: any other shape.
    """
    if value is None or value == "":
        return ()
    if isinstance(value, str):
        return (value,)
    if isinstance(value, tuple | list) and all(isinstance(v, str) and v for v in value):
        return tuple(dict.fromkeys(value))
    raise BadFieldError(path, line, field, "None, a string, or a tuple of strings")


def read_docstring(path: str) -> str:
    """The whole docstring of a script (verbose output needs it; the cache does not keep it).

    Returns:
        The cleaned docstring, or ``""`` when the file has none or cannot be parsed.
    """
    import ast

    try:
        return ast.get_docstring(ast.parse(read_source(path, path)), clean=True) or ""
    except (HistoryError, SyntaxError, ValueError):
        return ""

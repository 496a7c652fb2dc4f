"""Re-parenting one revision script: rewriting its ``down_revision`` value and the
``Revises:`` line of its docstring, and nothing else.

The assignment is located with ``ast`` (plain ``down_revision = 'x'``, annotated
``down_revision: str | None = 'x'`` or ``Union[str, Sequence[str], None]``); only the value's
characters are replaced, so comments, quotes style, line endings and the rest of the file stay
byte for byte as they were. Offsets are taken on the UTF-8 bytes, which is what ``ast``
reports its columns in.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from migguard.scripts.header import MissingFieldError, ScriptSyntaxError

if TYPE_CHECKING:
    import ast

__all__ = ["down_revision_line", "reparent_file", "rewrite_down_revision"]

# Python counts \r\n, \r and \n as line ends (the offsets below follow its line numbers).
_LINE_END = re.compile(rb"\r\n|\r|\n")
_REVISES = re.compile(rb"^([ \t]*Revises:[ \t]*)([^\r\n]*?)([ \t]*)(?=[\r\n]|\Z)", re.MULTILINE)
_DEFAULT_QUOTE = "'"


def reparent_file(path: Path, down_revisions: Sequence[str], shown: str) -> bytes:
    """Rewrite the script at ``path`` so its parents are ``down_revisions``.

    Args:
        path: the script.
        down_revisions: the new parents (one id for a plain revision, several for a merge).
        shown: the path as shown in messages.

    Returns:
        The bytes written.

    Raises:
        OSError: the file cannot be read or written.
        ScriptSyntaxError: the script is not valid Python.
        MissingFieldError: it has no module-level ``down_revision`` assignment.
    """
    rewritten = rewrite_down_revision(path.read_bytes(), shown, down_revisions)
    path.write_bytes(rewritten)
    return rewritten


def rewrite_down_revision(source: bytes, shown: str, down_revisions: Sequence[str]) -> bytes:
    """``source`` with its ``down_revision`` set to ``down_revisions``.

    The value keeps the quote style of the one it replaces (or of ``revision``); ``None``
    stands for no parents, a string for one, a tuple for several. The docstring's first
    ``Revises:`` line, when there is one, lists the new parents comma-separated.

    Args:
        source: the script's bytes.
        shown: its path, for messages.
        down_revisions: the new parents.

    Returns:
        The rewritten bytes.

    Raises:
        ScriptSyntaxError: ``source`` is not valid Python.
        MissingFieldError: no module-level ``down_revision`` assignment (the last one is
            rewritten when there are several, as the last one is what a reader sees).
    """
    module = _parse(source, shown)
    value = _assigned_value(module, "down_revision")
    if value is None:
        raise MissingFieldError(shown, "down_revision")
    starts = _line_starts(source)
    quote = _quote(source, starts, value) or _quote_of(module, source, starts, "revision")
    edits = [
        (
            starts[value.lineno - 1] + value.col_offset,
            starts[_end_line(value) - 1] + _end_col(value),
            _render(down_revisions, quote or _DEFAULT_QUOTE),
        )
    ]
    revises = _revises_match(source, module, starts)
    if revises is not None:
        # "Revises:" with nothing after it (a base) needs a space before the new parents.
        space = "" if revises.group(1).endswith((b" ", b"\t")) or not down_revisions else " "
        edits.append((*revises.span(2), space + ", ".join(down_revisions)))
    # From the end backwards, so the offsets of the earlier edit stay valid.
    for begin, end, text in sorted(edits, reverse=True):
        source = source[:begin] + text.encode("utf-8") + source[end:]
    return source


def down_revision_line(source: bytes, shown: str) -> int | None:
    """The 1-based line of the module-level ``down_revision`` assignment, or ``None``.

    Raises:
        ScriptSyntaxError: ``source`` is not valid Python.
    """
    value = _assigned_value(_parse(source, shown), "down_revision")
    return value.lineno if value is not None else None


def _parse(source: bytes, shown: str) -> ast.Module:
    import ast

    try:
        return ast.parse(source, filename=shown)
    except SyntaxError as exc:
        raise ScriptSyntaxError(shown, exc.lineno, exc.msg) from None


def _assigned_value(module: ast.Module, name: str) -> ast.expr | None:
    """The value node of the last module-level assignment to ``name``."""
    import ast

    found: ast.expr | None = None
    for node in module.body:
        if (
            isinstance(node, ast.Assign)
            and any(isinstance(target, ast.Name) and target.id == name for target in node.targets)
        ) or (
            isinstance(node, ast.AnnAssign)
            and isinstance(node.target, ast.Name)
            and node.target.id == name
            and node.value is not None
        ):
            found = node.value
    return found


def _line_starts(source: bytes) -> list[int]:
    return [0, *(match.end() for match in _LINE_END.finditer(source))]


def _end_line(node: ast.expr) -> int:
    return node.end_lineno if node.end_lineno is not None else node.lineno


def _end_col(node: ast.expr) -> int:
    return node.end_col_offset if node.end_col_offset is not None else node.col_offset


def _quote(source: bytes, starts: list[int], node: ast.expr) -> str | None:
    """The quote character of the first string literal in ``node``, if any."""
    import ast

    for inner in ast.walk(node):
        if isinstance(inner, ast.Constant) and isinstance(inner.value, str):
            literal = source[starts[inner.lineno - 1] + inner.col_offset :]
            quote = literal.lstrip(b"rRuUbBfF")[:1]
            return quote.decode("ascii") if quote in (b"'", b'"') else None
    return None


def _quote_of(module: ast.Module, source: bytes, starts: list[int], name: str) -> str | None:
    value = _assigned_value(module, name)
    return _quote(source, starts, value) if value is not None else None


def _render(ids: Sequence[str], quote: str) -> str:
    if not ids:
        return "None"
    literals = [_literal(rid, quote) for rid in ids]
    return literals[0] if len(literals) == 1 else f"({', '.join(literals)})"


def _literal(rid: str, quote: str) -> str:
    text = repr(rid)
    if quote == '"' and text.startswith("'") and '"' not in rid:
        return f'"{text[1:-1]}"'
    return text


def _revises_match(source: bytes, module: ast.Module, starts: list[int]) -> re.Match[bytes] | None:
    """The docstring's first ``Revises:`` line (group 2: the parents listed), if any."""
    import ast

    first = module.body[0] if module.body else None
    if not (
        isinstance(first, ast.Expr)
        and isinstance(first.value, ast.Constant)
        and isinstance(first.value.value, str)
    ):
        return None
    doc = first.value
    return _REVISES.search(
        source, starts[doc.lineno - 1], starts[_end_line(doc) - 1] + _end_col(doc)
    )

"""Python source as a small expression tree, and its layout into lines.

The renderer builds ``Raw`` atoms, ``Call``s and ``Seq`` (list or dict) displays; each node may
carry the import lines and the explanatory comments its source needs. ``layout`` writes an
expression the way Black would: on one line when it fits, else its arguments on one indented
line, else one argument per line with a trailing comma. Strings use ``repr`` (single quotes),
as revision scripts traditionally do.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import NamedTuple

from migguard.errors import UsageError

# The widest line layout aims for, counted from the body's own left edge; the template puts the
# body 4 spaces in, so generated scripts stay within 99 columns (the project's limit is 100).
WIDTH = 95
INDENT = "    "


class RenderError(UsageError):
    """An operation, type or value has no Python source form migguard can write."""


class Raw(NamedTuple):
    """An atom written as is: a name, a literal, ``None``."""

    text: str
    imports: frozenset[str] = frozenset()
    comments: tuple[str, ...] = ()


class Call(NamedTuple):
    """``func(*args, **dict(kwargs))``; ``kwargs`` keep their order."""

    func: str
    args: tuple[Expr, ...] = ()
    kwargs: tuple[tuple[str, Expr], ...] = ()
    imports: frozenset[str] = frozenset()
    comments: tuple[str, ...] = ()


class Seq(NamedTuple):
    """A list display (``['a', 'b']``) or, with ``pairs``, a dict display."""

    items: tuple[Expr, ...] = ()
    pairs: tuple[tuple[Expr, Expr], ...] = ()
    is_dict: bool = False


Expr = Raw | Call | Seq


def string(value: str) -> Raw:
    """A string literal."""
    return Raw(repr(str(value)))


def call(
    func: str,
    *args: Expr,
    kwargs: Iterable[tuple[str, Expr]] = (),
    imports: Iterable[str] = (),
    comments: Iterable[str] = (),
) -> Call:
    """A ``Call`` from positional ``args`` and ``(name, value)`` ``kwargs``."""
    return Call(func, tuple(args), tuple(kwargs), frozenset(imports), tuple(comments))


def str_list(names: Iterable[str]) -> Seq:
    """A list display of string literals, e.g. ``['id', 'email']``."""
    return Seq(tuple(string(name) for name in names))


def children(expr: Expr) -> list[Expr]:
    """The direct sub-expressions of ``expr``."""
    if isinstance(expr, Call):
        return [*expr.args, *(value for _, value in expr.kwargs)]
    if isinstance(expr, Seq):
        return [*expr.items, *(part for pair in expr.pairs for part in pair)]
    return []


def imports_of(expr: Expr) -> set[str]:
    """Every import line ``expr`` and its sub-expressions need."""
    found = set(expr.imports) if not isinstance(expr, Seq) else set()
    for child in children(expr):
        found |= imports_of(child)
    return found


def comments_of(expr: Expr) -> list[str]:
    """The comments attached to ``expr`` and its sub-expressions, in order, without repeats."""
    found = list(expr.comments) if not isinstance(expr, Seq) else []
    for child in children(expr):
        found.extend(comments_of(child))
    return list(dict.fromkeys(found))


def _parts(expr: Call | Seq) -> tuple[str, list[tuple[str, Expr]], str]:
    """Opening text, ``(prefix, item)`` parts and closing text of a bracketed expression."""
    if isinstance(expr, Call):
        parts = [("", arg) for arg in expr.args]
        parts += [(f"{name}=", value) for name, value in expr.kwargs]
        return f"{expr.func}(", parts, ")"
    if expr.is_dict:
        return "{", [(f"{flat(key)}: ", value) for key, value in expr.pairs], "}"
    return "[", [("", item) for item in expr.items], "]"


def flat(expr: Expr) -> str:
    """``expr`` on a single line."""
    if isinstance(expr, Raw):
        return expr.text
    opening, parts, closing = _parts(expr)
    return opening + ", ".join(prefix + flat(item) for prefix, item in parts) + closing


def layout(
    expr: Expr, indent: str = "", *, prefix: str = "", suffix: str = "", width: int = WIDTH
) -> list[str]:
    """The lines of ``indent + prefix + expr + suffix``, each at most ``width`` characters
    where breaking inside brackets makes that possible (atoms are never split)."""
    single = f"{indent}{prefix}{flat(expr)}{suffix}"
    if len(single) <= width or isinstance(expr, Raw):
        return [single]
    opening, parts, closing = _parts(expr)
    if not parts:
        return [single]
    inner = indent + INDENT
    hugged = inner + ", ".join(p + flat(item) for p, item in parts)
    if len(hugged) <= width:
        return [f"{indent}{prefix}{opening}", hugged, f"{indent}{closing}{suffix}"]
    lines = [f"{indent}{prefix}{opening}"]
    for part_prefix, item in parts:
        lines.extend(layout(item, inner, prefix=part_prefix, suffix=",", width=width))
    lines.append(f"{indent}{closing}{suffix}")
    return lines


def comment_lines(text: str, indent: str = "", width: int = WIDTH) -> list[str]:
    """``text`` as ``# `` comment lines of at most ``width`` characters (a longer word stays
    whole); line breaks in ``text`` are kept, blank lines become a bare ``#``."""
    import textwrap

    lines: list[str] = []
    for paragraph in text.splitlines() or [""]:
        wrapped = textwrap.wrap(
            paragraph,
            width=max(width - len(indent) - 2, 20),
            break_long_words=False,
            break_on_hyphens=False,
        )
        lines.extend(f"{indent}# {line}" for line in wrapped)
        if not wrapped:
            lines.append(f"{indent}#")
    return lines


def statement_lines(expr: Expr, indent: str = "") -> list[str]:
    """The lines of one statement: its comments (``# ...``), then the laid-out expression."""
    lines: list[str] = []
    for comment in comments_of(expr):
        lines.extend(comment_lines(comment, indent))
    return lines + layout(expr, indent)


def sorted_imports(lines: Sequence[str]) -> tuple[str, ...]:
    """Import lines without repeats, sorted."""
    return tuple(sorted(set(lines)))

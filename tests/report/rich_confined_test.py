"""Only the presentation layers (``migguard.report`` and ``migguard.cli``) may import rich:
everything below them returns data, so a library caller never pulls in a terminal toolkit."""

from __future__ import annotations

import ast
from pathlib import Path

import migguard

PACKAGE = Path(migguard.__file__).parent
ALLOWED = ("report", "cli")


def _imports_rich(tree: ast.AST) -> list[int]:
    """Lines of every ``import rich...`` / ``from rich... import`` in a module, lazy ones too."""
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue
        if any(name == "rich" or name.startswith("rich.") for name in names):
            lines.append(node.lineno)
    return lines


def test_only_report_and_cli_import_rich() -> None:
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE)
        if relative.parts[0] in ALLOWED:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        offenders.extend(f"{relative}:{line}" for line in _imports_rich(tree))
    assert offenders == []


def test_the_check_sees_a_lazy_rich_import() -> None:
    tree = ast.parse("def f():\n    from rich.table import Table\n    import rich\n")
    assert _imports_rich(tree) == [2, 3]

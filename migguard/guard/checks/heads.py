"""The ``heads`` check: more than one head where one is expected.

Two branches that each add a revision leave two heads after they are merged; ``upgrade head``
then refuses to run. The finding names the heads and gives the ``merge`` command that joins
them. Branch labels listed under ``[check] branch_heads`` may each keep a head of their own
(histories with independent branches, such as a separate audit schema).
"""

from __future__ import annotations

from migguard.graph import RevisionGraph
from migguard.guard.checks.context import CheckContext
from migguard.guard.findings import ERROR, Finding

__all__ = ["check_heads"]


def check_heads(context: CheckContext) -> list[Finding]:
    """Report every group of heads that should be one head.

    Heads are grouped by the first label of ``[check] branch_heads`` each one carries (labels
    are inherited from ancestors); heads carrying none form one more group. A group with more
    than one head is an error. When ``heads_file`` is configured, its findings are added.

    Returns:
        One ``heads`` error per group with several heads, with the ``migguard merge`` command
        in the hint, plus the ``heads_file`` findings.
    """
    graph = context.history.graph
    findings = [
        _finding(context, graph, label, heads)
        for label, heads in _groups(graph, context.settings.branch_heads).items()
        if len(heads) > 1
    ]
    if context.config.heads_file is not None:
        from migguard.guard.checks.heads_file import heads_file_findings

        findings.extend(heads_file_findings(context))
    return findings


def _groups(graph: RevisionGraph, allowed: tuple[str, ...]) -> dict[str | None, list[str]]:
    """Heads by the allowed branch label they carry (``None``: none of them)."""
    groups: dict[str | None, list[str]] = {}
    for head in graph.heads:
        labels = graph.branch_labels(head)
        label = next((name for name in allowed if name in labels), None)
        groups.setdefault(label, []).append(head)
    return groups


def _finding(
    context: CheckContext, graph: RevisionGraph, label: str | None, heads: list[str]
) -> Finding:
    history = context.history
    where = f" on branch {label!r}" if label else ""
    listed = ", ".join(f"{head} ({history.display_path(head)})" for head in heads)
    # `merge heads` joins every head; with other branches' heads allowed, name these ones.
    target = "heads" if len(heads) == len(graph.heads) else " ".join(heads)
    return Finding(
        "heads",
        ERROR,
        f"{len(heads)} heads{where} where one is expected: {listed}; "
        "`upgrade head` cannot choose between them",
        hint=f'join them with: migguard merge {target} -m "merge {" and ".join(heads)}"',
        details=tuple(f"{head}: {graph.get(head).message or '(no message)'}" for head in heads),
    )

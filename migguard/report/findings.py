"""Turning findings into output: a rich table on a terminal, plain text when piped, JSON
(``--format json``), GitHub Actions workflow annotations (``--format github``) and SARIF for
code scanning (``--format sarif``, built by :mod:`migguard.report.sarif`).

Checks return findings and never print; this module is the only place they become text.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Literal, get_args

from migguard.guard.findings import (
    ERROR,
    INFO,
    WARNING,
    Finding,
    active,
    exit_code,
    finding_record,
)
from migguard.report.printer import Printer
from migguard.report.sarif import sarif_log

__all__ = ["FORMATS", "JSON_SCHEMA_VERSION", "OutputFormat", "print_findings", "summary_line"]

# `migguard check --format`.
OutputFormat = Literal["text", "json", "github", "sarif"]
FORMATS: tuple[OutputFormat, ...] = get_args(OutputFormat)
# Bumped only when a key is removed or changes meaning; new keys may be added any time.
JSON_SCHEMA_VERSION = 1

_STYLE = {ERROR: "bold red", WARNING: "yellow", INFO: "cyan"}
# GitHub's workflow commands: error, warning, notice.
_GITHUB_LEVEL = {ERROR: "error", WARNING: "warning", INFO: "notice"}


def print_findings(
    printer: Printer,
    findings: Sequence[Finding],
    codes: Sequence[str],
    output_format: OutputFormat,
    *,
    targets: Sequence[Mapping[str, object]] = (),
    status: int | None = None,
) -> None:
    """Print a check run's report.

    Args:
        printer: where to print (its ``color`` decides table or plain text).
        findings: the findings, already sorted. Suppressed ones appear in JSON (counted
            there as ``suppressed``) and SARIF (marked as suppressed) only.
        codes: the checks that ran, for the summary.
        output_format: one of :data:`FORMATS`.
        targets: with ``check --db`` over targets, each target's record
            (:func:`migguard.report.fleet.fleet_records`), added to the JSON as ``targets``.
        status: the run's exit status when it is not the findings' own (targets that could
            not be checked); shown as the JSON's ``exit_code``.
    """
    if output_format == "json":
        printer.json(
            {
                "version": JSON_SCHEMA_VERSION,
                "checks": list(codes),
                "findings": [finding_record(finding) for finding in findings],
                "summary": {
                    **_counts(findings),
                    "suppressed": len(findings) - len(active(findings)),
                },
                "exit_code": exit_code(findings) if status is None else status,
                **({"targets": list(targets)} if targets else {}),
            }
        )
        return
    if output_format == "sarif":
        printer.json(sarif_log(findings))
        return
    findings = active(findings)
    if output_format == "github":
        for finding in findings:
            printer.stream.write(_annotation(finding) + "\n")
        printer.line(summary_line(findings, codes))
    elif printer.color and findings:
        _table(printer, findings)
        printer.line([(summary_line(findings, codes), "bold")])
    else:
        for finding in findings:
            for line in _plain(finding):
                printer.line(line)
        printer.line(summary_line(findings, codes))


def summary_line(findings: Sequence[Finding], codes: Sequence[str]) -> str:
    """``"2 errors, 1 warning (checks: graph, heads)"`` or ``"All checks passed (...)"``."""
    counts = _counts(findings)
    ran = f"(checks: {', '.join(codes)})" if codes else "(no checks selected)"
    if not counts["errors"] and not counts["warnings"]:
        notes = f", {_plural(counts['infos'], 'note')}" if counts["infos"] else ""
        return f"All checks passed{notes} {ran}"
    parts = [
        _plural(counts[key], word)
        for key, word in (("errors", "error"), ("warnings", "warning"), ("infos", "note"))
        if counts[key]
    ]
    return f"{', '.join(parts)} {ran}"


def _counts(findings: Sequence[Finding]) -> dict[str, int]:
    """How many findings that are not suppressed there are of each severity."""
    findings = active(findings)
    return {
        "errors": sum(finding.severity == ERROR for finding in findings),
        "warnings": sum(finding.severity == WARNING for finding in findings),
        "infos": sum(finding.severity == INFO for finding in findings),
    }


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _label(finding: Finding) -> str:
    """The check's code, with the lint rule's id: ``heads``, ``lint:require-concurrent-index``."""
    return f"{finding.code}:{finding.rule}" if finding.rule else finding.code


def _location(finding: Finding) -> str:
    if finding.file is None:
        return ""
    return f"{finding.file}:{finding.line}" if finding.line else finding.file


def _plain(finding: Finding) -> list[str]:
    """``file:line: severity [code] message``, then indented details and the hint."""
    where = _location(finding)
    prefix = f"{where}: " if where else ""
    lines = [f"{prefix}{finding.severity} [{_label(finding)}] {finding.message}"]
    lines.extend(f"    - {detail}" for detail in finding.details)
    if finding.hint:
        lines.append(f"    hint: {finding.hint}")
    return lines


def _table(printer: Printer, findings: Sequence[Finding]) -> None:
    from rich.table import Table
    from rich.text import Text

    table = Table(show_lines=True, expand=False)
    table.add_column("severity", no_wrap=True)
    table.add_column("code", no_wrap=True)
    table.add_column("where", overflow="fold")
    table.add_column("finding", overflow="fold")
    for finding in findings:
        body = Text(finding.message)
        for detail in finding.details:
            body.append(f"\n- {detail}")
        if finding.hint:
            body.append(f"\nhint: {finding.hint}", style="dim")
        table.add_row(
            Text(finding.severity, style=_STYLE[finding.severity]),
            _label(finding),
            _location(finding),
            body,
        )
    printer.rich_print(table)


def _annotation(finding: Finding) -> str:
    """A workflow command such as ``::error file=a.py,line=3,title=migguard heads::text``."""
    properties = []
    if finding.file:
        properties.append(f"file={_escape_property(finding.file)}")
        if finding.line:
            properties.append(f"line={finding.line}")
    properties.append(f"title={_escape_property(f'migguard {_label(finding)}')}")
    text = "\n".join(
        [finding.message, *(f"- {d}" for d in finding.details)]
        + ([f"hint: {finding.hint}"] if finding.hint else [])
    )
    return f"::{_GITHUB_LEVEL[finding.severity]} {','.join(properties)}::{_escape_data(text)}"


def _escape_data(text: str) -> str:
    # GitHub's workflow-command encoding for the message part.
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")

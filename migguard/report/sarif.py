"""Findings as a SARIF 2.1.0 log (``--format sarif``), the format GitHub code scanning reads.

The log is plain data (dicts and lists) for :meth:`migguard.report.printer.Printer.json`; it
holds nothing that changes from one run to the next (no times, no absolute paths), so the same
findings always give the same bytes. The format is OASIS's "Static Analysis Results Interchange
Format (SARIF) Version 2.1.0" (https://docs.oasis-open.org/sarif/sarif/v2.1.0/).
"""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import quote

import migguard
from migguard.guard.findings import ERROR, INFO, WARNING, Finding

__all__ = ["SARIF_SCHEMA", "SARIF_VERSION", "rule_id", "sarif_log"]

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SARIF_VERSION = "2.1.0"
# SARIF's result levels (§3.27.10): "note" is its word for a remark.
_LEVEL = {ERROR: "error", WARNING: "warning", INFO: "note"}
# The base the relative file paths resolve against (§3.4.4); code scanning maps it to the
# checked-out repository.
_SRCROOT = "%SRCROOT%"


def rule_id(finding: Finding) -> str:
    """The SARIF rule id of a finding: ``lint/<rule>`` for a finding that names a lint rule
    (e.g. ``lint/require-concurrent-index``), else the check's code (``sync``, ``heads``)."""
    return f"{finding.code}/{finding.rule}" if finding.rule else finding.code


def sarif_log(findings: Sequence[Finding]) -> dict[str, object]:
    """The SARIF log of a check run: one run whose tool is migguard.

    Args:
        findings: the findings in report order; each becomes one result, in that order.
            Suppressed findings are included, marked with an in-source suppression carrying
            the reason (code scanning lists them as dismissed rather than open).

    Returns:
        ``{"$schema", "version", "runs": [run]}``. The run's ``tool.driver.rules`` holds one
        descriptor per rule id present (:func:`rule_id`), sorted by id; each result's
        ``ruleIndex`` points into it. A result has ``locations`` only when its finding names
        a file (``uri``: its path percent-encoded, relative to ``%SRCROOT%``), with
        ``region.startLine`` when the line is known.
    """
    ids = sorted({rule_id(finding) for finding in findings})
    index = {rid: position for position, rid in enumerate(ids)}
    run = {
        "tool": {
            "driver": {
                "name": "migguard",
                "version": migguard.__version__,
                "rules": [{"id": rid} for rid in ids],
            }
        },
        "results": [_result(finding, index) for finding in findings],
    }
    return {"$schema": SARIF_SCHEMA, "version": SARIF_VERSION, "runs": [run]}


def _result(finding: Finding, index: dict[str, int]) -> dict[str, object]:
    rid = rule_id(finding)
    result: dict[str, object] = {
        "ruleId": rid,
        "ruleIndex": index[rid],
        "level": _LEVEL[finding.severity],
        "message": {"text": _text(finding)},
    }
    if finding.file:
        # A URI reference: a space or a "#" in a path must be percent-encoded (§3.4.3).
        uri = quote(finding.file)
        physical: dict[str, object] = {"artifactLocation": {"uri": uri, "uriBaseId": _SRCROOT}}
        if finding.line:
            physical["region"] = {"startLine": finding.line}
        result["locations"] = [{"physicalLocation": physical}]
    if finding.suppressed is not None:
        result["suppressions"] = [{"kind": "inSource", "justification": finding.suppressed}]
    return result


def _text(finding: Finding) -> str:
    """The message, then one ``- detail`` line per detail, then ``hint: ...``."""
    lines = [finding.message, *(f"- {detail}" for detail in finding.details)]
    if finding.hint:
        lines.append(f"hint: {finding.hint}")
    return "\n".join(lines)

"""Findings: the exit code they add up to, their order and their JSON form."""

from __future__ import annotations

from migguard.guard.findings import (
    CODES,
    ERROR,
    INFO,
    WARNING,
    Finding,
    exit_code,
    finding_record,
    sort_findings,
)


def test_only_errors_fail_a_run_and_graph_errors_mean_a_broken_history() -> None:
    assert exit_code([]) == 0
    assert exit_code([Finding("sync", WARNING, "w"), Finding("edited", INFO, "i")]) == 0
    assert exit_code([Finding("sync", ERROR, "e"), Finding("heads", WARNING, "w")]) == 1
    assert exit_code([Finding("sync", ERROR, "e"), Finding("graph", ERROR, "cycle")]) == 3
    assert exit_code([Finding("graph", WARNING, "unreadable field")]) == 0


def test_findings_are_ordered_by_check_then_severity_then_place() -> None:
    findings = [
        Finding("drift", ERROR, "d"),
        Finding("edited", INFO, "skipped"),
        Finding("edited", ERROR, "b", file="versions/b.py"),
        Finding("edited", ERROR, "a", file="versions/a.py"),
        Finding("heads", ERROR, "h"),
    ]
    ordered = [f.message for f in sort_findings(findings)]
    assert ordered == ["h", "a", "b", "skipped", "d"]
    assert CODES.index("heads") < CODES.index("edited") < CODES.index("drift")


def test_the_json_record_has_every_attribute() -> None:
    record = finding_record(
        Finding("sync", ERROR, "m", hint="migguard revision --autogenerate", details=("x",))
    )
    assert record == {
        "code": "sync",
        "severity": "error",
        "message": "m",
        "file": None,
        "line": None,
        "hint": "migguard revision --autogenerate",
        "details": ["x"],
        "rule": None,
        "suppressed": None,
    }


def test_a_suppressed_error_fails_nothing() -> None:
    suppressed = Finding("sync", ERROR, "e", rule="r", suppressed="reviewed")
    assert exit_code([suppressed]) == 0
    assert exit_code([suppressed, suppressed._replace(suppressed=None)]) == 1

"""The report: plain text, a rich table on a terminal, JSON and GitHub annotations."""

from __future__ import annotations

import io
import json

from migguard.guard.findings import ERROR, INFO, WARNING, Finding
from migguard.report.findings import print_findings, summary_line
from migguard.report.printer import Printer

FINDINGS = [
    Finding(
        "sync",
        ERROR,
        "the models differ from the schema the migrations build: 1 operation missing",
        hint='migguard revision --autogenerate -m "..."',
        details=("add column 'customer.age'",),
    ),
    Finding("edited", WARNING, "renamed", file="migrations/versions/a1_x.py", line=3),
    Finding("stale-parent", INFO, "skipped: no base branch"),
]
CODES = ("sync", "edited", "stale-parent")


def _render(output_format: str, *, color: bool = False) -> str:
    stream = io.StringIO()
    print_findings(Printer(stream, color=color), FINDINGS, CODES, output_format)
    return stream.getvalue()


def test_plain_text_is_one_line_per_finding_with_details_and_hints() -> None:
    assert _render("text").splitlines() == [
        "error [sync] the models differ from the schema the migrations build: 1 operation missing",
        "    - add column 'customer.age'",
        '    hint: migguard revision --autogenerate -m "..."',
        "migrations/versions/a1_x.py:3: warning [edited] renamed",
        "info [stale-parent] skipped: no base branch",
        "1 error, 1 warning, 1 note (checks: sync, edited, stale-parent)",
    ]


def test_a_terminal_gets_a_table() -> None:
    text = _render("text", color=True)
    assert text.startswith("┏━")
    assert "severity" in text
    assert "'customer.age'" in text
    assert "1 error, 1 warning, 1 note" in text


def test_json_has_a_versioned_schema() -> None:
    report = json.loads(_render("json"))
    assert report["version"] == 1
    assert report["checks"] == list(CODES)
    assert report["summary"] == {"errors": 1, "warnings": 1, "infos": 1, "suppressed": 0}
    assert report["exit_code"] == 1
    assert report["findings"][1]["file"] == "migrations/versions/a1_x.py"


def test_github_annotations_escape_newlines_and_property_separators() -> None:
    lines = _render("github").splitlines()
    assert lines[0] == (
        "::error title=migguard sync::the models differ from the schema the migrations build: "
        "1 operation missing%0A- add column 'customer.age'%0A"
        'hint: migguard revision --autogenerate -m "..."'
    )
    assert lines[1] == (
        "::warning file=migrations/versions/a1_x.py,line=3,title=migguard edited::renamed"
    )
    assert lines[2].startswith("::notice title=migguard stale-parent::")


def test_summary_when_clean() -> None:
    assert summary_line([], ("graph", "heads")) == "All checks passed (checks: graph, heads)"
    note = [Finding("edited", INFO, "skipped")]
    assert summary_line(note, ("edited",)) == "All checks passed, 1 note (checks: edited)"


SUPPRESSED = Finding(
    "lint",
    ERROR,
    "CREATE INDEX locks writes on table 'orders'",
    file="migrations/versions/b2_idx.py",
    line=12,
    rule="require-concurrent-index",
    suppressed="table has 20 rows",
)
LINT = SUPPRESSED._replace(suppressed=None, line=14)


def test_a_suppressed_finding_is_listed_in_json_only_and_fails_nothing() -> None:
    stream = io.StringIO()
    print_findings(Printer(stream), [SUPPRESSED], ("lint",), "json")
    report = json.loads(stream.getvalue())
    assert report["findings"][0]["suppressed"] == "table has 20 rows"
    assert report["findings"][0]["rule"] == "require-concurrent-index"
    assert report["summary"] == {"errors": 0, "warnings": 0, "infos": 0, "suppressed": 1}
    assert report["exit_code"] == 0
    for output_format in ("text", "github"):
        stream = io.StringIO()
        print_findings(Printer(stream), [SUPPRESSED], ("lint",), output_format)
        assert stream.getvalue() == "All checks passed (checks: lint)\n"


def test_a_lint_finding_names_its_rule() -> None:
    stream = io.StringIO()
    print_findings(Printer(stream), [SUPPRESSED, LINT], ("lint",), "text")
    assert stream.getvalue().splitlines()[0] == (
        "migrations/versions/b2_idx.py:14: error [lint:require-concurrent-index] "
        "CREATE INDEX locks writes on table 'orders'"
    )
    stream = io.StringIO()
    print_findings(Printer(stream), [LINT], ("lint",), "github")
    assert "title=migguard lint%3Arequire-concurrent-index::" in stream.getvalue()

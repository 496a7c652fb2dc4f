"""The fleet's report: the per-target table in plain text and in colour, lines per target."""

from __future__ import annotations

import io

from migguard.fleet.run import TargetResult
from migguard.guard.findings import ERROR, Finding
from migguard.report.fleet import fleet_records, print_fleet_run, target_line
from migguard.report.printer import Printer

RESULTS = [
    TargetResult("eu", "postgresql://app:***@eu/app", "upgraded", (), ("b2",), 2, 0.5),
    TargetResult("us", "postgresql://app:***@us/app", "already at target", ("b2",), ("b2",)),
    TargetResult("asia", "sqlite:///asia.db", "failed", ("a1",), ("a1",), 0, 0.1, "boom"),
    TargetResult("moon", "sqlite:///moon.db", "not run"),
]


def text(line: list[tuple[str, str | None]]) -> str:
    return "".join(segment for segment, _ in line)


def test_a_line_per_finished_target() -> None:
    assert [text(target_line(result)) for result in RESULTS] == [
        "eu: upgraded base -> b2 (2 revision(s), 0.50 s)",
        "us: already at b2",
        "asia: failed: boom",
        "moon: not run",
    ]


def test_the_plain_table_aligns_columns_and_counts_outcomes() -> None:
    out = io.StringIO()
    print_fleet_run(Printer(out, color=False), RESULTS, fmt="text")
    assert out.getvalue().splitlines() == [
        "target  url                          from -> to  revisions  seconds  outcome",
        "eu      postgresql://app:***@eu/app  base -> b2  2          0.50     upgraded",
        "us      postgresql://app:***@us/app  b2 -> b2    0          0.00     already at target",
        "asia    sqlite:///asia.db            a1 -> a1    0          0.10     failed: boom",
        "moon    sqlite:///moon.db            ? -> ?      0          0.00     not run",
        "4 target(s): 2 succeeded, 1 failed, 1 not run.",
    ]


def test_the_colour_table_holds_the_same_cells() -> None:
    out = io.StringIO()
    print_fleet_run(Printer(out, color=True), RESULTS, fmt="text")
    shown = out.getvalue()
    # rich wraps long cells to the console's width: look for words, not whole cells.
    for word in ("target", "outcome", "eu", "***", "boom", "moon", "upgraded"):
        assert word in shown
    assert "\x1b[" in shown


def test_lines_for_downgrades_stamps_and_drift_checks() -> None:
    drift = Finding("drift", ERROR, "differs")
    results = [
        TargetResult("eu", "sqlite:///eu.db", "downgraded", ("b2",), ("a1",), 1, 0.25),
        TargetResult("us", "sqlite:///us.db", "stamped", (), ("b2",)),
        TargetResult("asia", "sqlite:///asia.db", "clean", ("b2",), ("b2",)),
        TargetResult("moon", "sqlite:///moon.db", "drifted", ("b2",), ("b2",), findings=(drift,)),
    ]
    assert [text(target_line(result)) for result in results] == [
        "eu: downgraded b2 -> a1 (1 revision(s), 0.25 s)",
        "us: stamped base -> b2",
        "asia: clean at b2",
        "moon: drifted at b2 (1 finding(s))",
    ]
    records = fleet_records(results)
    assert [record["outcome"] for record in records] == [
        "downgraded",
        "stamped",
        "clean",
        "drifted",
    ]

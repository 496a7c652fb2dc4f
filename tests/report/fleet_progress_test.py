"""The live view of a fleet run: on a terminal, finished lines above an overall bar and the
running targets; piped, only the finished lines."""

from __future__ import annotations

import io
import re

from migguard.fleet.run import TargetResult
from migguard.report.fleet_progress import FleetProgress
from migguard.report.printer import Printer

# rich's colours and cursor moves, left out to read the text drawn.
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
EU = TargetResult("eu", "sqlite:///eu.db", "upgraded", (), ("b2",), 2, 0.5)
US = TargetResult("us", "sqlite:///us.db", "failed", ("a1",), ("a1",), 0, 0.1, "boom")


def test_piped_only_the_finished_lines_are_printed() -> None:
    out = io.StringIO()
    with FleetProgress(Printer(out, color=False), 2) as progress:
        progress.started("eu")
        progress.started("us")
        progress.finished(EU)
        progress.finished(US)
    assert out.getvalue().splitlines() == [
        "eu: upgraded base -> b2 (2 revision(s), 0.50 s)",
        "us: failed: boom",
    ]


def test_on_a_terminal_the_bar_and_the_running_targets_are_drawn() -> None:
    out = io.StringIO()
    with FleetProgress(Printer(out, color=True), 2) as progress:
        progress.started("eu")
        progress.started("us")
        progress.finished(EU)
        drawn_while_us_runs = ANSI.sub("", out.getvalue())
        progress.finished(US)
    shown = ANSI.sub("", out.getvalue())
    assert "eu: upgraded base -> b2 (2 revision(s), 0.50 s)" in shown
    assert "us: failed: boom" in shown
    # After eu finished: one of two done, us still running, eu no longer listed as running.
    assert "1/2" in drawn_while_us_runs
    assert "running us" in drawn_while_us_runs
    assert "running eu" not in drawn_while_us_runs.rsplit("eu: upgraded", 1)[1]
    assert "remaining" in drawn_while_us_runs

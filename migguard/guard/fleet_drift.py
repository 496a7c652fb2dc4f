"""The drift check on each target of a fleet (``migguard check --db --all-targets``): an action
for :func:`migguard.fleet.run.run_fleet`, run in its worker processes, that compares one
target's database with the models (:func:`migguard.guard.checks.drift.check_drift`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

from migguard.fleet.run import Done, StepCounter

if TYPE_CHECKING:
    from migguard.config import Config
    from migguard.scripts.directory import History

__all__ = ["Drift"]


class Drift(NamedTuple):
    """Compare each target with the models (no settings of its own: the target arrives as
    its configuration, the check's settings come from the project's)."""

    def run(self, config: Config, history: History, counter: StepCounter) -> Done:
        """Run the drift check on the target ``config`` names.

        Returns:
            ``drifted`` with the findings when an error was found, else ``clean`` (warnings,
            if any, still carried); ``before`` and ``after`` are the target's revisions.

        Raises:
            What :func:`migguard.guard.checks.drift.check_drift` raises (an unreachable
            database, models that cannot be imported).
        """
        from migguard.guard.checks.context import CheckContext, SharedWork
        from migguard.guard.checks.drift import check_drift
        from migguard.guard.findings import ERROR
        from migguard.guard.settings import check_settings
        from migguard.runtime.current import read_current

        context = CheckContext(config, history, check_settings(config), SharedWork(config), db=True)
        findings = tuple(check_drift(context))
        rows = read_current(config)
        drifted = any(finding.severity == ERROR for finding in findings)
        return Done("drifted" if drifted else "clean", rows, rows, findings=findings)

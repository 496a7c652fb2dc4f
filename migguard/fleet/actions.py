"""What the fleet commands do to each target: upgrade or downgrade to a revision, or stamp the
version table. Each is a picklable record whose ``run`` goes through the same runtime entry
point as the single-database command, under the target's own migration lock (see
:mod:`migguard.fleet.run`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

from migguard.fleet.run import Done, Outcome, StepCounter

if TYPE_CHECKING:
    from migguard.config import Config
    from migguard.scripts.directory import History

__all__ = ["Migrate", "Stamp"]


class Migrate(NamedTuple):
    """Upgrade or downgrade each target to ``revision``.

    Attributes:
        upgrade: True to upgrade, False to downgrade.
        revision: the identifier (``head``, ``-1``, an id, ``base``, ...), resolved per
            target against its own version table.
        lock_timeout: seconds each target waits for another run's migration lock.
    """

    upgrade: bool
    revision: str
    lock_timeout: float = 60.0

    def run(self, config: Config, history: History, counter: StepCounter) -> Done:
        """Migrate the target ``config`` names (see :func:`migguard.runtime.migrate.migrate`).

        Returns:
            ``upgraded``/``downgraded`` when revisions ran, ``already at target`` when none
            had to.

        Raises:
            What :func:`migguard.runtime.migrate.migrate` raises.
        """
        from migguard.runtime.migrate import migrate

        outcome = migrate(
            config,
            history,
            upgrade=self.upgrade,
            target=self.revision,
            lock_timeout=self.lock_timeout,
            listener=counter,
        )
        moved: Outcome = "upgraded" if self.upgrade else "downgraded"
        return Done(
            moved if outcome.steps else "already at target",
            outcome.before,
            outcome.after,
            len(outcome.steps),
        )


class Stamp(NamedTuple):
    """Set each target's version table to ``revisions`` without running a revision.

    Attributes:
        revisions: the revisions to stamp (``head``, ``base``, ids).
        purge: replace every row, even unknown revisions.
        lock_timeout: seconds each target waits for another run's migration lock.
    """

    revisions: tuple[str, ...]
    purge: bool = False
    lock_timeout: float = 60.0

    def run(self, config: Config, history: History, counter: StepCounter) -> Done:
        """Stamp the target ``config`` names (see :func:`migguard.runtime.migrate.stamp`).

        Returns:
            ``stamped`` when the rows changed, ``already at target`` when they did not.

        Raises:
            What :func:`migguard.runtime.migrate.stamp` raises.
        """
        from migguard.runtime.migrate import stamp

        outcome = stamp(
            config, history, self.revisions, purge=self.purge, lock_timeout=self.lock_timeout
        )
        changed = set(outcome.before) != set(outcome.after)
        return Done("stamped" if changed else "already at target", outcome.before, outcome.after)

"""Many databases: named targets (``[targets.NAME]``, lists from a file or a command, schemas
fanned out per tenant), choosing some of them (``--target``, ``--tag``, ``--all``, ``--shard``),
running one action on each in parallel worker processes (upgrade, downgrade, stamp; the guard's
drift check) and reading their revisions. Built on :mod:`migguard.runtime`: each target runs
through the same runner, under its own migration lock. Returns data; :mod:`migguard.report.fleet`
prints it.
"""

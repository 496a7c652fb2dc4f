"""Many databases: named targets (``[targets.NAME]``), choosing some of them (``--target``,
``--tag``, ``--all``, ``--shard``), upgrading them in parallel worker processes and reading their
revisions. Built on :mod:`migguard.runtime`: each target runs through the same runner, under its
own migration lock. Returns data; :mod:`migguard.report.fleet` prints it.
"""

"""The ``drift`` check (``migguard check --db``): the live database against the models.

The configured database is read as it is: its version table says which revision it claims,
and reflection says what it holds. When the models ask for something it lacks, the finding
lists the operations, naming the database (password masked) and its revision. A database
behind the heads is still compared, and the hint says to upgrade it first: the differences
may be revisions not yet run rather than drift.
"""

from __future__ import annotations

from migguard.guard.checks.context import CheckContext, with_env_py_settings
from migguard.guard.findings import ERROR, WARNING, Finding

__all__ = ["check_drift"]

_AUTOGENERATE_HINT = 'write a revision with: migguard revision --autogenerate -m "<message>"'


def check_drift(context: CheckContext) -> list[Finding]:
    """Compare the configured database with the models.

    Returns:
        A ``drift`` error when the version table names a revision this history lacks; else a
        ``drift`` error listing the operations (``details``) the database needs to match the
        models, plus a ``drift`` warning per comparison warning. Empty when they match.

    Raises:
        ConfigError: no database URL, or the models cannot be imported.
        DatabaseError: the database cannot be reached.
        HistoryError: a ``depends_on`` cannot be read (planning the upgrade needs it).
    """
    from migguard.autogen.diff import describe
    from migguard.autogen.generate import diff_database
    from migguard.runtime.current import read_current, shown_url
    from migguard.runtime.plan import UnknownDatabaseRevisionError, check_known, upgrade_plan

    config = with_env_py_settings(context).config
    graph = context.history.graph
    where = shown_url(config)
    current = read_current(config)
    try:
        check_known(graph, current)
    except UnknownDatabaseRevisionError as exc:
        return [Finding("drift", ERROR, f"{where}: {exc}")]
    diff, _ = diff_database(config)
    findings = [Finding("drift", WARNING, warning) for warning in diff.warnings]
    operations = diff.operations
    if not operations:
        return findings
    at = ", ".join(current) or "base"
    count = len(operations)
    hint = _AUTOGENERATE_HINT
    pending = upgrade_plan(graph, current, "heads")
    if pending:
        hint = (
            f"the database is at {at}, {len(pending)} revision(s) behind the heads: run "
            "`migguard upgrade heads` first, then check again"
        )
    findings.append(
        Finding(
            "drift",
            ERROR,
            f"{where} at {at} differs from the models: "
            f"{count} operation{'s' if count != 1 else ''} missing",
            hint=hint,
            details=tuple(describe(operation) for operation in operations),
        )
    )
    return findings

"""The transaction rule (MySQL, MariaDB): one schema change per revision.

MySQL and MariaDB commit implicitly before and after every DDL statement
(https://dev.mysql.com/doc/refman/8.0/en/implicit-commit.html,
https://mariadb.com/kb/en/sql-statements-that-cause-an-implicit-commit/), so a revision's
transaction cannot roll its schema changes back: when its third statement fails, the first two
stay applied while the version table still names the revision before. Reported once per
revision, at its second schema change.
"""

from __future__ import annotations

from migguard.lint.recording import Step
from migguard.lint.rule import Hit, Rule
from migguard.lint.scope import Scope
from migguard.ops.data import BulkInsert, Execute

__all__ = ["ONE_SCHEMA_CHANGE_PER_REVISION"]


def _second_change(step: Step, scope: Scope) -> Hit | None:
    if isinstance(step.operation, Execute | BulkInsert) or scope.schema_changes != 1:
        return None
    return Hit(
        "the revision makes more than one schema change, and MySQL commits each one at once: "
        "if a later one fails, the earlier ones stay applied while the version table still "
        "names the revision before, and neither upgrade nor downgrade can run cleanly",
        "put one schema change in each revision, so that a failure leaves the database at a "
        "revision",
    )


ONE_SCHEMA_CHANGE_PER_REVISION = Rule(
    "one-schema-change-per-revision",
    frozenset({"mysql"}),
    "warning",
    "several schema changes in one revision, which MySQL cannot roll back together",
    _second_change,
)

"""Every lint rule, in the order findings are reported (see :data:`RULES`)."""

from __future__ import annotations

from migguard.lint.rule import Rule
from migguard.lint.rules.columns import (
    ADD_COLUMN_VOLATILE_DEFAULT,
    ADD_IDENTITY_COLUMN,
    ADD_NOT_NULL_WITHOUT_DEFAULT,
    COLUMN_TYPE_CHANGE,
    SET_NOT_NULL,
)
from migguard.lint.rules.constraints import (
    ADD_PRIMARY_KEY,
    CONSTRAINT_NOT_VALID,
    REQUIRE_UNIQUE_VIA_INDEX,
)
from migguard.lint.rules.expand_contract import DROP_COLUMN, DROP_TABLE, RENAME_COLUMN, RENAME_TABLE
from migguard.lint.rules.indexes import (
    CONCURRENTLY_IN_TRANSACTION,
    REQUIRE_CONCURRENT_INDEX,
    REQUIRE_CONCURRENT_INDEX_DROP,
)
from migguard.lint.rules.timeouts import MISSING_LOCK_TIMEOUT
from migguard.lint.rules.transactions import ONE_SCHEMA_CHANGE_PER_REVISION

__all__ = ["ONCE_PER_REVISION", "RULES", "RULE_IDS"]

RULES: tuple[Rule, ...] = (
    REQUIRE_CONCURRENT_INDEX,
    REQUIRE_CONCURRENT_INDEX_DROP,
    CONCURRENTLY_IN_TRANSACTION,
    CONSTRAINT_NOT_VALID,
    REQUIRE_UNIQUE_VIA_INDEX,
    ADD_PRIMARY_KEY,
    SET_NOT_NULL,
    ADD_COLUMN_VOLATILE_DEFAULT,
    ADD_IDENTITY_COLUMN,
    ADD_NOT_NULL_WITHOUT_DEFAULT,
    COLUMN_TYPE_CHANGE,
    DROP_COLUMN,
    DROP_TABLE,
    RENAME_COLUMN,
    RENAME_TABLE,
    MISSING_LOCK_TIMEOUT,
    ONE_SCHEMA_CHANGE_PER_REVISION,
)
# Rules reported at most once per revision (at the first operation they flag).
ONCE_PER_REVISION = frozenset({MISSING_LOCK_TIMEOUT.id})
RULE_IDS = frozenset(rule.id for rule in RULES)

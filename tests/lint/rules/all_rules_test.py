"""Every rule of ``RULES`` together: each one fires on a released table, and none fires on a
table or column that is new, created earlier in the same revision or in an unreleased revision
below (``lint_revisions``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from migguard.config.load import load_config
from migguard.lint.rules import RULE_IDS, RULES
from migguard.lint.run import LintFinding, lint_revisions
from migguard.lint.settings import LintSettings
from migguard.scripts.directory import load_history
from tests.testing.lint import ALEMBIC_OP, BASE, BASE_UPGRADE, lint_upgrade, rule_ids
from tests.testing.project import Project

# The rules of PostgreSQL, the dialect these tests lint for (the MySQL-only rule has its own
# tests in transactions_test.py).
PG_RULE_IDS = frozenset(rule.id for rule in RULES if "postgresql" in rule.dialects)
# One unsafe operation per rule, on the released tables of BASE_UPGRADE.
UNSAFE = {
    "require-concurrent-index": 'op.create_index("ix_orders_email", "orders", ["email"])',
    "require-concurrent-index-drop": 'op.drop_index("ix_orders_amount", table_name="orders")',
    "concurrently-in-transaction": (
        'op.create_index("ix_orders_code", "orders", ["code"], postgresql_concurrently=True)'
    ),
    "constraint-not-valid": (
        'op.create_check_constraint("ck_orders_amount", "orders", "amount > 0")'
    ),
    "require-unique-via-index": (
        'op.create_unique_constraint("uq_orders_email", "orders", ["email"])'
    ),
    "add-primary-key": 'op.create_primary_key("pk_events", "events", ["id"])',
    "set-not-null": 'op.alter_column("orders", "email", nullable=False)',
    "add-column-volatile-default": (
        'op.add_column("orders", sa.Column("token", sa.Uuid(), '
        'server_default=sa.text("gen_random_uuid()")))'
    ),
    "add-identity-column": (
        'op.add_column("orders", sa.Column("seq", sa.BigInteger(), sa.Identity()))'
    ),
    "add-not-null-without-default": (
        'op.add_column("orders", sa.Column("status", sa.Text(), nullable=False))'
    ),
    "column-type-change": (
        'op.alter_column("orders", "amount", existing_type=sa.Integer(), type_=sa.BigInteger())'
    ),
    "drop-column": 'op.drop_column("orders", "code")',
    "drop-table": 'op.drop_table("customers")',
    "rename-column": 'op.alter_column("events", "kind", new_column_name="category")',
    "rename-table": 'op.rename_table("events", "activity")',
    "missing-lock-timeout": 'op.add_column("orders", sa.Column("note", sa.Text()))',
}
# The same operations on tables created (and a column added to a released table) in an
# earlier revision not yet released: its objects hold no rows and no released code uses them.
NEW_OBJECTS = """
op.execute("SET LOCAL lock_timeout = '5s'")
op.create_table(
    "payments",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("email", sa.String(100)),
    sa.Column("amount", sa.Integer()),
    sa.Column("code", sa.String(20)),
    sa.Column("kind", sa.String(20)),
)
op.create_index("ix_payments_amount", "payments", ["amount"])
op.create_table("drafts", sa.Column("id", sa.Integer(), primary_key=True))
op.add_column("orders", sa.Column("note", sa.String(20), nullable=True))
"""
ON_NEW_OBJECTS = """
op.execute("SET LOCAL lock_timeout = '5s'")
op.create_index("ix_payments_email", "payments", ["email"])
op.drop_index("ix_payments_amount", table_name="payments")
op.create_check_constraint("ck_payments_amount", "payments", "amount > 0")
op.create_foreign_key("fk_payments_order", "payments", "orders", ["id"], ["id"])
op.create_unique_constraint("uq_payments_email", "payments", ["email"])
op.create_primary_key("pk_payments", "payments", ["id"])
op.alter_column("payments", "email", nullable=False)
op.add_column(
    "payments", sa.Column("token", sa.Uuid(), server_default=sa.text("gen_random_uuid()"))
)
op.add_column("payments", sa.Column("seq", sa.BigInteger(), sa.Identity()))
op.add_column("payments", sa.Column("status", sa.Text(), nullable=False))
op.alter_column("payments", "amount", existing_type=sa.Integer(), type_=sa.BigInteger())
op.drop_column("payments", "code")
op.alter_column("payments", "kind", new_column_name="category")
op.rename_table("payments", "settlements")
op.create_index("ix_settlements_status", "settlements", ["status"])
op.drop_table("drafts")
op.alter_column("orders", "note", nullable=False)
op.alter_column("orders", "note", existing_type=sa.String(20), type_=sa.Integer())
op.alter_column("orders", "note", new_column_name="remark")
op.drop_column("orders", "remark")
"""
# The rules ON_NEW_OBJECTS triggers when its objects are released (all but the ones it
# avoids: it sets a lock_timeout and runs nothing concurrently).
FLAGGED_WHEN_RELEASED = PG_RULE_IDS - {"missing-lock-timeout", "concurrently-in-transaction"}


def test_every_rule_has_an_unsafe_operation_here() -> None:
    assert set(UNSAFE) == PG_RULE_IDS
    assert {"one-schema-change-per-revision"} == RULE_IDS - PG_RULE_IDS
    assert len(RULES) == len(RULE_IDS)


@pytest.mark.parametrize("rule", sorted(PG_RULE_IDS))
def test_each_rule_fires_on_a_released_table(tmp_path: Path, rule: str) -> None:
    _, findings = lint_upgrade(tmp_path, UNSAFE[rule])
    assert rule in rule_ids(findings)


def test_nothing_fires_on_objects_created_earlier_in_the_revision(tmp_path: Path) -> None:
    _, findings = lint_upgrade(tmp_path, NEW_OBJECTS + ON_NEW_OBJECTS)
    assert findings == []


def _lint_history(project: Project, unreleased: set[str]) -> list[LintFinding]:
    project.add(BASE, upgrade=BASE_UPGRADE, op_import=ALEMBIC_OP)
    project.add("b2c3d4e5f6a7", BASE, upgrade=NEW_OBJECTS, op_import=ALEMBIC_OP)
    project.add("c3d4e5f6a7b8", "b2c3d4e5f6a7", upgrade=ON_NEW_OBJECTS, op_import=ALEMBIC_OP)
    history = load_history(load_config(cwd=project.root), use_cache=False)
    return lint_revisions(history, ["c3d4e5f6a7b8"], unreleased, LintSettings())


def test_nothing_fires_on_objects_of_an_unreleased_revision_below(project: Project) -> None:
    findings = _lint_history(project, {"b2c3d4e5f6a7", "c3d4e5f6a7b8"})
    assert findings == []


def test_once_released_the_same_objects_are_flagged(project: Project) -> None:
    findings = _lint_history(project, {"c3d4e5f6a7b8"})
    assert {f.revision for f in findings} == {"c3d4e5f6a7b8"}
    assert set(rule_ids(findings)) == FLAGGED_WHEN_RELEASED

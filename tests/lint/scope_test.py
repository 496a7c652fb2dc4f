"""What the lint knows is new or proven: tables and columns created, renamed new tables, and
columns a validated CHECK (col IS NOT NULL) proves."""

from __future__ import annotations

import sqlalchemy as sa

from migguard.lint.scope import NewObjects
from migguard.ops.constraints import CreateCheckConstraint
from migguard.ops.data import Execute
from migguard.ops.schema import AddColumn, CreateTable, RenameTable


def test_created_and_renamed_new_tables_and_added_columns_are_new() -> None:
    new = NewObjects.empty()
    new.track(CreateTable("drafts"))
    new.track(RenameTable("drafts", "notes"))
    new.track(RenameTable("orders", "purchases"))
    new.track(AddColumn("orders", sa.Column("note", sa.Text)))
    assert new.tables == {(None, "drafts"), (None, "notes")}
    assert new.columns == {(None, "orders", "note")}


def test_a_not_valid_check_proves_its_column_once_validated() -> None:
    new = NewObjects.empty()
    check = CreateCheckConstraint(
        "ck_email", "orders", "email IS NOT NULL", schema="shop", kw={"postgresql_not_valid": True}
    )
    new.track(check)
    assert new.not_null == set()
    validate = 'ALTER TABLE shop."orders" VALIDATE CONSTRAINT "ck_email"'
    new.track(Execute(validate), (validate,))
    assert new.not_null == {("shop", "orders", "email")}


def test_a_check_added_valid_proves_at_once_and_other_conditions_prove_nothing() -> None:
    new = NewObjects.empty()
    new.track(CreateCheckConstraint("ck_a", "orders", "(amount IS NOT NULL)"))
    new.track(CreateCheckConstraint("ck_b", "orders", "amount > 0 OR note IS NOT NULL"))
    assert new.not_null == {(None, "orders", "amount")}
    merged = NewObjects.empty().merged(new)
    assert merged.not_null == new.not_null and merged is not new

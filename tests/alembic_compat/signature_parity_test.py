"""Scripts call migguard's ``op`` / ``batch_op`` exactly as they call Alembic's: every public
method of Alembic's ``Operations`` and ``BatchOperations`` exists on migguard's with the same
parameters (names, kinds, defaults), and every public name of Alembic's ``MigrationContext``
works on ``op.get_context()`` or fails with one line naming it. Deliberate differences are
listed below, each with its reason; the tests fail listing any other difference, and when an
entry of the lists no longer differs."""

from __future__ import annotations

import inspect
import io
from collections.abc import Callable
from typing import Any

import pytest
from alembic.operations import BatchOperations as AlembicBatchOperations
from alembic.operations import Operations as AlembicOperations
from alembic.runtime.migration import MigrationContext
from sqlalchemy.dialects import sqlite

from migguard.ops.context import OfflineContext
from migguard.ops.errors import UnsupportedError
from migguard.ops.operations import Operations
from migguard.ops.sqlite.batch_operations import BatchOperations

# (class, method) -> why migguard's signature differs from Alembic's on purpose.
DIFFERENT: dict[tuple[str, str], str] = {
    # Alembic takes both through **kw; naming them documents them, and every call Alembic
    # accepts is accepted the same way.
    ("Operations", "create_table"): "schema and comment are named keyword-only arguments",
    ("BatchOperations", "create_index"): "unique is a named keyword-only argument",
    # Alembic's defaults are an immutable empty mapping; None means the same and needs no
    # SQLAlchemy-internal type in the signature.
    ("Operations", "batch_alter_table"): "table_kwargs/reflect_kwargs default to None (empty)",
}

# (class, method) -> why migguard does not have Alembic's method. Reaching it through ``op`` /
# ``batch_op`` is one line naming it (see test_missing_names_fail_naming_them).
MISSING: dict[tuple[str, str], str] = {
    # Alembic's machinery for building its proxy modules (``alembic.op``); migguard's ``op`` is a
    # module forwarding to the bound Operations, built by nothing.
    ("Operations", "create_module_class_proxy"): "Alembic's internal proxy-module builder",
    ("BatchOperations", "create_module_class_proxy"): "Alembic's internal proxy-module builder",
    # Alembic's BatchOperations inherits every Operations method; these make no sense inside a
    # batch block (another batch, a new context, a running async function).
    ("BatchOperations", "batch_alter_table"): "a batch block inside a batch block",
    ("BatchOperations", "context"): "an operations context inside a batch block",
    ("BatchOperations", "run_async"): "run_async belongs to op, not to a batch block",
    ("BatchOperations", "invoke"): "operations of a batch block are collected, not invoked",
    # The plugin-operation API (issue #19 case 3) is stream B2's; remove these two entries when
    # it is merged.
    ("Operations", "register_operation"): "plugin operations: added by the B2 change",
    ("Operations", "implementation_for"): "plugin operations: added by the B2 change",
    ("BatchOperations", "register_operation"): "plugin operations: added by the B2 change",
    ("BatchOperations", "implementation_for"): "plugin operations: added by the B2 change",
}

PAIRS = [
    ("Operations", AlembicOperations, Operations),
    ("BatchOperations", AlembicBatchOperations, BatchOperations),
]


def public_methods(cls: type) -> dict[str, Callable[..., Any]]:
    return {
        name: member
        for name, member in inspect.getmembers(cls)
        if not name.startswith("_") and callable(member)
    }


def parameters(function: Callable[..., Any]) -> list[tuple[str, str, str]]:
    """(name, kind, default) of each parameter; annotations are not compared."""
    signature = inspect.signature(function)
    return [
        (p.name, p.kind.name, "-" if p.default is inspect.Parameter.empty else repr(p.default))
        for p in signature.parameters.values()
    ]


def differences() -> tuple[list[str], set[tuple[str, str]], set[tuple[str, str]]]:
    """Unlisted differences, listed differences found, listed missing names found."""
    found: list[str] = []
    different: set[tuple[str, str]] = set()
    missing: set[tuple[str, str]] = set()
    for label, theirs, ours in PAIRS:
        mine = public_methods(ours)
        for name, method in sorted(public_methods(theirs).items()):
            key = (label, name)
            if name not in mine:
                missing.add(key)
                if key not in MISSING:
                    found.append(f"{label}.{name}: missing")
                continue
            alembic_params, our_params = parameters(method), parameters(mine[name])
            if alembic_params != our_params:
                different.add(key)
                if key not in DIFFERENT:
                    found.append(f"{label}.{name}: Alembic {alembic_params}, migguard {our_params}")
    return found, different, missing


def test_operations_and_batch_operations_have_alembic_signatures() -> None:
    found, _, _ = differences()
    assert not found, "signatures differ from Alembic's:\n" + "\n".join(found)


def test_every_listed_difference_still_differs() -> None:
    _, different, missing = differences()
    assert sorted(set(DIFFERENT) - different) == []
    assert sorted(set(MISSING) - missing) == []


def test_missing_names_fail_naming_them() -> None:
    operations = Operations(OfflineContext(sqlite.dialect(), lambda _: None))
    for label, name in MISSING:
        owner: Any = operations
        if label == "BatchOperations":
            owner = BatchOperations(operations, "t", None)
        with pytest.raises(AttributeError, match=name):
            getattr(owner, name)


def test_every_migration_context_name_works_or_fails_naming_it() -> None:
    # An instance: many of Alembic's names are attributes set by its constructor.
    alembic = MigrationContext.configure(
        dialect_name="sqlite", opts={"as_sql": True, "output_buffer": io.StringIO()}
    )
    context = OfflineContext(sqlite.dialect(), lambda _: None)
    for name in dir(alembic):
        if name.startswith("_"):
            continue
        try:
            getattr(context, name)
        except UnsupportedError as exc:
            assert f"MigrationContext.{name}" in str(exc)
            assert "\n" not in str(exc)

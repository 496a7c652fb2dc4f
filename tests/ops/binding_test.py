"""The ``op`` facade: a clear error outside a run, the bound ``Operations`` inside one."""

from __future__ import annotations

import subprocess
import sys
import threading

import pytest
import sqlalchemy as sa

from migguard import op
from migguard.ops.binding import bind, current
from migguard.ops.errors import NotRunningError
from tests.testing.ops import Db


def test_op_outside_a_run_says_so() -> None:
    with pytest.raises(NotRunningError, match=r"op\.create_table is only available while"):
        op.create_table("t", sa.Column("id", sa.Integer))
    with pytest.raises(NotRunningError):
        current()


def test_dunder_lookups_stay_plain_attribute_errors() -> None:
    with pytest.raises(AttributeError) as raised:
        op.__wrapped__  # noqa: B018
    assert not isinstance(raised.value, NotRunningError)


def test_op_inside_bind_creates_a_table(sqlite_db: Db) -> None:
    with bind(sqlite_db.op) as bound:
        assert bound is sqlite_db.op
        table = op.create_table("account", sa.Column("id", sa.Integer, primary_key=True))
        assert op.get_context() is sqlite_db.op.get_context()
    assert isinstance(table, sa.Table)
    assert sqlite_db.inspector().get_table_names() == ["account"]
    with pytest.raises(NotRunningError):
        op.create_table("other")


def test_bindings_nest_and_restore(sqlite_db: Db) -> None:
    outer = sqlite_db.op
    inner = type(outer)(outer.get_context())
    with bind(outer):
        with bind(inner):
            assert current() is inner
        assert current() is outer


def test_binding_is_local_to_the_thread(sqlite_db: Db) -> None:
    seen: list[BaseException] = []

    def use_op() -> None:
        try:
            current()
        except NotRunningError as error:
            seen.append(error)

    with bind(sqlite_db.op):
        thread = threading.Thread(target=use_op)
        thread.start()
        thread.join()
    assert len(seen) == 1


def test_importing_op_does_not_import_sqlalchemy() -> None:
    code = "import sys, migguard.op; print('sqlalchemy' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"

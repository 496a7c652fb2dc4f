"""The built-in migration tests, each a function of the :class:`Suite` that raises
:class:`MigrationTestFailure` with a message naming the revision and the fix.

| test | pytest-alembic's equivalent |
| --- | --- |
| ``single-head`` | ``test_single_head_revision`` |
| ``upgrade`` | ``test_upgrade`` |
| ``models-match`` | ``test_model_definitions_match_ddl`` |
| ``up-down-consistency`` | ``test_up_down_consistency`` (the "stairway") |
| ``downgrade-leaves-no-trace`` | ``test_downgrade_leaves_no_trace`` (experimental there) |
| ``downgrade-defined`` | none (opt-in: every revision has a ``downgrade()`` doing something) |
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING

from migguard.config import Config
from migguard.errors import ConfigError, MigguardError
from migguard.migration_tests.outcome import MigrationTestFailure, MigrationTestSkipped
from migguard.migration_tests.suite import Suite

if TYPE_CHECKING:
    from collections.abc import Iterator

    from migguard.migration_tests.schema_state import SchemaState
    from migguard.runtime.plan import Step

__all__ = ["BUILTIN"]


def single_head(suite: Suite) -> None:
    """The history has one head (``upgrade head`` can run)."""
    graph = suite.history.graph
    heads = sorted(graph.heads)
    if len(heads) <= 1:
        return
    listed = ", ".join(f"{rid} ({suite.history.display_path(rid)})" for rid in heads)
    raise MigrationTestFailure(
        f"the history has {len(heads)} heads: {listed}; `upgrade head` cannot choose between "
        f'them. Join them with: migguard merge heads -m "merge {" and ".join(heads)}"'
    )


def upgrade(suite: Suite) -> None:
    """Every revision upgrades, from an empty database to the heads."""
    with suite.scratch() as config:
        try:
            _migrate(suite, config, upgrade=True, target="heads")
        except MigrationTestFailure as exc:
            raise MigrationTestFailure(
                f"{exc}\nfix that revision's upgrade(): every revision must run from an empty "
                "database, as a new environment or CI runs the history"
            ) from None


def models_match(suite: Suite) -> None:
    """The models match the schema the history builds (nothing left to autogenerate)."""
    from migguard.autogen.diff import describe
    from migguard.autogen.generate import diff_database

    with suite.scratch() as config:
        _migrate(suite, config, upgrade=True, target="heads")
        try:
            result, dialect = diff_database(config)
        except ConfigError as exc:
            if not config.metadata and (config.env_py is None or not config.env_py.target_metadata):
                raise MigrationTestSkipped(
                    "no models configured (set `metadata`, or target_metadata in env.py)"
                ) from None
            raise MigrationTestFailure(str(exc)) from None
    operations = result.operations
    if operations:
        lines = "\n".join(f"  - {describe(operation, dialect)}" for operation in operations)
        raise MigrationTestFailure(
            f"the models differ from the schema the migrations build: {len(operations)} "
            f"operation(s) missing\n{lines}\n"
            'write the revision with: migguard revision --autogenerate -m "<message>"'
        )


def up_down_consistency(suite: Suite) -> None:
    """Each revision, in upgrade order: upgrade, downgrade, upgrade again; the downgrade must
    give back the schema before the upgrade, and the second upgrade the schema of the first."""
    from migguard.runtime.plan import Step, upgrade_plan

    history = suite.history
    steps = upgrade_plan(history.graph, (), "heads")
    with suite.scratch() as config, _states(config) as state:
        before = state()
        for step in steps:
            back = Step(step.revision, False, step.heads_after, step.heads_before)
            where = f"revision {step.revision} ({history.display_path(step.revision)})"
            _run(suite, config, [step])
            after = state()
            _run(suite, config, [back], missing_downgrade_hint=True)
            undone = state()
            if undone != before:
                raise MigrationTestFailure(
                    f"{where}: downgrade() does not undo upgrade(); after upgrade and "
                    f"downgrade the schema differs from before:\n{_listed(before, undone)}\n"
                    "make downgrade() drop or restore exactly what upgrade() changes"
                )
            _run(suite, config, [step])
            again = state()
            if again != after:
                raise MigrationTestFailure(
                    f"{where}: upgrade() after downgrade() builds another schema than the "
                    f"first upgrade:\n{_listed(after, again)}\n"
                    "make downgrade() remove everything upgrade() creates"
                )
            before = after


def downgrade_leaves_no_trace(suite: Suite) -> None:
    """``upgrade heads`` then ``downgrade base`` leaves the database as empty as it was
    (tables, enum types and sequences alike)."""
    from migguard.runtime.migrate import run_steps
    from migguard.runtime.plan import upgrade_plan

    history = suite.history
    with suite.scratch() as config, _states(config) as state:
        empty = state()
        _migrate(suite, config, upgrade=True, target="heads")
        _migrate(suite, config, upgrade=False, target="base", missing_downgrade_hint=True)
        left = state()
        if left == empty:
            return
    leftovers = sorted(left.objects() - empty.objects())
    # Which revision creates each leftover: on a new database, one revision at a time.
    created: dict[str, str] = {}
    with suite.scratch() as config, _states(config) as state:
        for step in upgrade_plan(history.graph, (), "heads"):
            run_steps(config, history, [step])
            for name in state().objects() - empty.objects():
                created.setdefault(name, step.revision)
    lines = "\n".join(
        f"  - {name}"
        + (
            f", created by revision {created[name]} ({history.display_path(created[name])})"
            if name in created
            else ""
        )
        for name in leftovers
    ) or _listed(empty, left)
    raise MigrationTestFailure(
        f"downgrade base leaves objects behind:\n{lines}\n"
        "drop them in the downgrade() of the revision that creates them"
    )


def downgrade_defined(suite: Suite) -> None:
    """Every revision has a ``downgrade()`` that does something (not only ``pass``)."""
    history = suite.history
    lacking = []
    for rid in history.graph.ids:
        if history.graph.get(rid).is_merge:
            continue
        if not _has_downgrade(history.files[rid]):
            lacking.append(f"  - {rid} ({history.display_path(rid)})")
    if lacking:
        raise MigrationTestFailure(
            f"{len(lacking)} revision(s) have no downgrade() doing anything:\n"
            + "\n".join(lacking)
            + "\nwrite the downgrade() that undoes each upgrade()"
        )


BUILTIN: Mapping[str, Callable[[Suite], None]] = {
    "single-head": single_head,
    "upgrade": upgrade,
    "models-match": models_match,
    "up-down-consistency": up_down_consistency,
    "downgrade-leaves-no-trace": downgrade_leaves_no_trace,
    "downgrade-defined": downgrade_defined,
}


def _migrate(
    suite: Suite,
    config: Config,
    *,
    upgrade: bool,
    target: str,
    missing_downgrade_hint: bool = False,
) -> None:
    from migguard.runtime.migrate import migrate

    with _failures(missing_downgrade_hint):
        migrate(config, suite.history, upgrade=upgrade, target=target)


def _run(
    suite: Suite, config: Config, steps: list[Step], *, missing_downgrade_hint: bool = False
) -> None:
    from migguard.runtime.migrate import run_steps

    with _failures(missing_downgrade_hint):
        run_steps(config, suite.history, steps)


@contextmanager
def _failures(missing_downgrade_hint: bool) -> Iterator[None]:
    """A migration error as a test failure: its one-line message names the revision, its
    file and the failing statement."""
    try:
        yield
    except MigguardError as exc:
        hint = ""
        if missing_downgrade_hint and "no downgrade() function" in str(exc):
            hint = (
                "\nwrite its downgrade(), or leave the downgrade tests out: "
                '[tool.migguard.pytest] tests = ["single-head", "upgrade", "models-match"]'
            )
        raise MigrationTestFailure(f"{exc}{hint}") from None


@contextmanager
def _states(config: Config) -> Iterator[Callable[[], SchemaState]]:
    """A function reading the scratch database's schema (one connection per read, so the
    runner's own connection never waits on it)."""
    from migguard.migration_tests.schema_state import schema_state
    from migguard.runtime.engine import connect
    from migguard.runtime.migrate import database_url, version_table_names

    url = database_url(config)
    tables = version_table_names(config)

    def state() -> SchemaState:
        with connect(url) as connection:
            return schema_state(connection, tables)

    yield state


def _listed(expected: SchemaState, found: SchemaState) -> str:
    from migguard.migration_tests.schema_state import differences

    return "\n".join(f"  - {line}" for line in differences(expected, found))


def _has_downgrade(path: str) -> bool:
    """Whether the script defines ``downgrade()`` with a body other than ``pass``, ``...``
    and a docstring."""
    try:
        with open(path, encoding="utf-8") as script:
            tree = ast.parse(script.read())
    except (OSError, SyntaxError, UnicodeDecodeError):
        return False
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name == "downgrade":
            return any(not _is_noop(statement) for statement in node.body)
    return False


def _is_noop(statement: ast.stmt) -> bool:
    if isinstance(statement, ast.Pass):
        return True
    return isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant)

"""The ``sync`` and ``models-imported`` checks: the models against the schema the migrations
build, with no database of the user's.

Both use one replay (:mod:`migguard.guard.replay.build`), shared through ``context.shared``:

* ``sync``: the models differ from the replayed schema. The finding lists the operations a
  ``revision --autogenerate`` would write; a revision that fails during the replay is an error
  naming it (the check never passes when it could not look).
* ``models-imported``: at least half of the replayed tables (and at least one) are missing
  from the models altogether, which usually means the modules defining them were never
  imported where the ``metadata`` setting points. Fewer missing tables are ordinary drops,
  left to ``sync``.

The models are the ``metadata`` setting's or, in an Alembic project, the ``target_metadata``
its ``env.py`` passes to ``context.configure()`` (env.py is run offline, once per check run,
only when one of these checks runs). When env.py cannot be run (it needs a server or an
application context), the checks report one ``warning`` naming the error and how to set
``metadata`` by hand, so the run never reads as passed; so does an env.py that passes no
``target_metadata``. In a project without env.py and without models both checks report one
``info`` finding and pass: there are no models to compare.
"""

from __future__ import annotations

from dataclasses import replace

from migguard.guard.checks.context import CheckContext, Compared, with_env_py_settings
from migguard.guard.findings import ERROR, INFO, WARNING, CheckCode, Finding
from migguard.guard.replay.outcome import BuiltSchema, ReplayFailure
from migguard.scripts.directory import display_path

__all__ = ["check_models_imported", "check_sync"]

_SHOWN_TABLES = 5
_AUTOGENERATE_HINT = 'migguard revision --autogenerate -m "<message>"'


def check_sync(context: CheckContext) -> list[Finding]:
    """Compare the models with the schema the history builds.

    Returns:
        One ``sync`` error listing the missing operations (``details``, one line each, as
        ``migguard diff`` words them) with the autogenerate command as hint; a ``sync``
        warning per comparison warning (rename hints and the like); or the replay failure
        as an error. Empty when the models match.

    Raises:
        ConfigError: the models cannot be imported, or ``check_url`` is not PostgreSQL.
        DatabaseError: ``check_url``'s server cannot be reached.
    """
    context = with_env_py_settings(context)
    inputs = _inputs(context, "sync")
    if isinstance(inputs, list):
        return inputs
    # Imported after the replay, which may have loaded them while it waited for SQLite.
    from migguard.autogen.diff import compare, describe
    from migguard.autogen.settings import compare_options, included_schemas
    from migguard.guard.replay.judges import check_judge, comparison_dialect, default_judge

    compared, built = inputs
    schemas = included_schemas(context.config, built.snapshot.schemas)
    options = replace(compare_options(context.config), schemas=schemas)
    dialect = comparison_dialect(context.config, built.default_schema)
    model = compared.models.taken_for(dialect)
    with default_judge(context.config) as judge, check_judge(context.config) as checks:
        options = replace(options, same_default=judge, same_check=checks)
        diff = compare(compared.metadata, built.snapshot, dialect, options, model)
    findings = [Finding("sync", WARNING, warning) for warning in diff.warnings]
    operations = diff.operations
    if operations:
        count = len(operations)
        findings.append(
            Finding(
                "sync",
                ERROR,
                "the models differ from the schema the migrations build: "
                f"{count} operation{'s' if count != 1 else ''} missing",
                hint=_AUTOGENERATE_HINT,
                details=tuple(describe(operation, diff.dialect) for operation in operations),
            )
        )
    return findings


def check_models_imported(context: CheckContext) -> list[Finding]:
    """Report models that look incomplete: the migrations create tables the models lack.

    Tables left out of comparisons (``exclude_tables``) and tables in schemas ``sync`` does
    not compare are not counted.

    Returns:
        One ``models-imported`` error when at least half of the replayed tables (and at least
        one) are missing from the models, naming the first few; the replay failure when
        ``sync`` has not reported it already; else nothing.

    Raises:
        ConfigError, DatabaseError: as :func:`check_sync`.
    """
    context = with_env_py_settings(context)
    inputs = _inputs(context, "models-imported")
    if isinstance(inputs, list):
        return inputs
    from migguard.autogen.diff import excluded, model_tables, qualified
    from migguard.autogen.settings import included_schemas
    from migguard.guard.replay.judges import comparison_dialect

    models, built = inputs
    dialect = comparison_dialect(context.config, built.default_schema)
    modelled = set(model_tables(models.metadata, dialect))
    # Only the schemas ``sync`` compares: the history may keep tables in others on purpose.
    schemas = {schema for schema, _ in modelled}
    schemas.update(included_schemas(context.config, built.snapshot.schemas))
    replayed = [
        (table.schema, table.name)
        for table in built.snapshot.tables
        if table.schema in schemas
        and not excluded(context.config.exclude_tables, table.schema, table.name)
    ]
    missing = [qualified(*key) for key in replayed if key not in modelled]
    if not missing or len(missing) * 2 < len(replayed):
        return []
    return [_not_imported(context, missing, len(replayed))]


def _inputs(context: CheckContext, code: CheckCode) -> tuple[Compared, BuiltSchema] | list[Finding]:
    """The models and the replayed schema (loaded by whichever check runs first), or the
    findings that stop check ``code`` instead (no models configured, or the replay failed).
    The models' snapshot is taken while a replay waits for SQLite, when one does."""
    from migguard.autogen.snapshot import configured_models, has_models

    if not has_models(context.config):
        return _without_models(context, code)
    compared = context.shared.compared
    if compared is None:
        from migguard.guard.checks.model_side import ModelSide
        from migguard.guard.replay.build import build_schema

        models = ModelSide(configured_models(context.config), context.config)
        built = build_schema(context.config, context.history, meanwhile=models.take_ahead)
        compared = Compared(models.metadata, built, models)
        context.shared.compared = compared
    if isinstance(compared.built, ReplayFailure):
        return _failure_findings(context, code, compared.built)
    return compared, compared.built


def _without_models(context: CheckContext, code: CheckCode) -> list[Finding]:
    """Why there is nothing to compare. In an Alembic project (it has an env.py) the model
    check is what the guard is for, so its not running is a warning, once per run: env.py
    failed, or passes no ``target_metadata``. Elsewhere no models is a note per check."""
    env_py = context.config.env_py
    if env_py is None:
        return [_no_models(code)]
    if context.shared.models_problem_reported:
        return []
    context.shared.models_problem_reported = True
    shown = display_path(str(env_py.path), context.config.root)
    failure = env_py.failure
    if failure is None:
        return [
            Finding(
                code,
                WARNING,
                f"the models were not compared: {shown} passes no target_metadata to "
                "context.configure() and no `metadata` is configured",
                file=shown,
                hint="set target_metadata in env.py (e.g. target_metadata = Base.metadata), "
                f"or {_METADATA_HINT}",
            )
        ]
    return [
        Finding(
            code,
            WARNING,
            f"the models were not compared: running {shown} (offline, to read its "
            f"target_metadata) failed: {failure.describe()}",
            file=failure.file,
            line=failure.line,
            hint=f"{_METADATA_HINT}, or let env.py run without a database or application "
            f"context{_pre_commit_hint(failure.error)}",
        )
    ]


_METADATA_HINT = (
    "set `metadata` to your MetaData's import path in migguard's configuration "
    '(e.g. metadata = "myapp.models:Base.metadata" in migguard.toml or [tool.migguard])'
)


def _pre_commit_hint(error: str) -> str:
    """Under pre-commit (``PRE_COMMIT=1``) the hook has its own environment: a package
    env.py imports must be in the hook's ``additional_dependencies``."""
    import os

    if not error.startswith("ModuleNotFoundError") or not os.environ.get("PRE_COMMIT"):
        return ""
    return "; under pre-commit, add the missing package to the hook's additional_dependencies"


def _failure_findings(
    context: CheckContext, code: CheckCode, failure: ReplayFailure
) -> list[Finding]:
    """The replay failure as an error, once per run (both checks would see it)."""
    if context.shared.models_problem_reported:
        return []
    context.shared.models_problem_reported = True
    where = f" at revision {failure.revision}" if failure.revision else ""
    return [
        Finding(
            code,
            ERROR,
            f"replaying the migrations into a scratch database failed{where}: {failure.reason}",
            file=failure.file,
            hint=_failure_hint(context),
        )
    ]


def _failure_hint(context: CheckContext) -> str:
    config = context.config
    if config.check_url:
        return "fix the revision so that `upgrade heads` runs on an empty database"
    backend = config.url.partition(":")[0].partition("+")[0] if config.url else "sqlite"
    if backend != "sqlite":
        return (
            f"the replay ran on SQLite, but this project's database is {backend}: set "
            f"`check_url` to a {backend} server where migguard may create a scratch database"
        )
    return (
        "fix the revision so that `upgrade heads` runs on an empty database (the replay uses "
        "SQLite unless `check_url` names a PostgreSQL server)"
    )


def _not_imported(context: CheckContext, missing: list[str], replayed: int) -> Finding:
    shown = ", ".join(missing[:_SHOWN_TABLES])
    more = f" and {len(missing) - _SHOWN_TABLES} more" if len(missing) > _SHOWN_TABLES else ""
    paths = ", ".join(context.config.metadata) or "env.py's target_metadata"
    return Finding(
        "models-imported",
        ERROR,
        f"the models lack {len(missing)} of the {replayed} tables the migrations create "
        f"({shown}{more}): the modules defining them were probably not imported",
        hint=f"import the modules that define these tables in the module(s) named by the "
        f"`metadata` setting ({paths}), or delete the tables with a new revision",
    )


def _no_models(code: CheckCode) -> Finding:
    return Finding(
        code,
        INFO,
        "no models configured: nothing to compare the migrations with",
        hint='set `metadata` to your MetaData\'s import path, e.g. "myapp.models:Base.metadata"',
    )

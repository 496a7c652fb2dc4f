"""An Alembic project with no migguard configuration at all: migguard takes the settings its
env.py passes to ``context.configure()``, the guard catches a model change without a revision,
and runs use env.py's version table and URL, alternating with the real Alembic."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

CREATE_CUSTOMER = (
    "op.create_table('customer', sa.Column('id', sa.Integer(), primary_key=True),"
    " sa.Column('name', sa.String(50)))"
)


@pytest.mark.slow
@pytest.mark.parametrize("template", ["generic", "pyproject", "async"])
def test_check_fails_on_a_model_change_without_a_revision(make_project, template: str) -> None:
    project = make_project(template)
    project.add("a1", None, CREATE_CUSTOMER, "op.drop_table('customer')")
    assert project.migguard("check", "--select", "sync,models-imported").code == 0

    (project.root / "models.py").write_text(
        (project.root / "models.py")
        .read_text()
        .replace(
            "    name = sa.Column(sa.String(50))",
            "    name = sa.Column(sa.String(50))\n    email = sa.Column(sa.String(100))",
        )
    )
    result = project.migguard("check")

    assert result.code == 1
    assert "add column 'customer.email'" in result.out
    assert "All checks passed" not in result.out


@pytest.mark.slow
def test_check_fails_on_the_multidb_template_naming_each_database_table(make_project) -> None:
    project = make_project("multidb")
    (project.root / "audit_models.py").write_text(
        (project.root / "models.py").read_text().replace('"customer"', '"audit_log"')
    )
    source = project.env_py.read_text().replace(
        "target_metadata = Base.metadata",
        "import audit_models\n"
        'target_metadata = {"engine1": Base.metadata, "engine2": audit_models.Base.metadata}',
    )
    project.env_py.write_text(source)

    result = project.migguard("check")

    assert result.code == 1
    assert "add table 'customer'" in result.out
    assert "add table 'audit_log'" in result.out
    assert not list(project.root.glob("*.sql"))


@pytest.mark.slow
def test_an_env_py_that_cannot_run_is_a_warning_saying_why_and_what_to_do(make_project) -> None:
    project = make_project()
    # Flask-Migrate's env.py reaches the application through flask's current_app at import.
    source = project.env_py.read_text().replace(
        "from models import Base",
        "def current_app():\n"
        "    raise RuntimeError('Working outside of application context.')\n\n\n"
        "current_app()\nfrom models import Base",
    )
    project.env_py.write_text(source)

    result = project.migguard("check")

    assert result.code == 0
    assert "warning [sync] the models were not compared: running migrations/env.py" in result.out
    assert "RuntimeError: Working outside of application context." in result.out
    assert "migrations/env.py:" in result.out
    assert 'metadata = "myapp.models:Base.metadata"' in result.out
    assert "All checks passed" not in result.out
    assert "1 warning" in result.out


@pytest.mark.slow
def test_config_names_env_py_as_the_source_of_its_values(make_project, monkeypatch) -> None:
    project = make_project()
    source = (
        project.env_py.read_text()
        .replace(
            "literal_binds=True,",
            "literal_binds=True,\n        version_table='schema_history',\n"
            "        include_object=skip_views,",
        )
        .replace(
            "target_metadata = Base.metadata",
            "target_metadata = Base.metadata\n\n\n"
            "def skip_views(obj, name, type_, reflected, other):\n"
            "    return not name.startswith('v_')",
        )
        .replace(
            'url = config.get_main_option("sqlalchemy.url")',
            "import os\n    url = os.environ['APP_DB']",
        )
    )
    project.env_py.write_text(source)
    monkeypatch.setenv("APP_DB", "postgresql://app:s3cret@db.example/app")

    out = project.migguard("config").out

    lines = {line.split(" = ")[0].strip(): line for line in out.splitlines() if " = " in line}
    assert lines["metadata"].endswith("= target_metadata (1 table)  (env.py configure())")
    assert lines["version_table"].endswith("= schema_history  (env.py configure())")
    assert lines["include_object"].endswith("= env.py:skip_views  (env.py configure())")
    assert "(env.py configure())" in lines["url"]
    assert "s3cret" not in out

    # migguard's own settings win over env.py's, key by key.
    overridden = project.migguard("--url", "sqlite:///mine.db", "config").out
    assert "sqlite:///mine.db  (--url)" in overridden


@pytest.mark.slow
def test_runs_use_the_version_table_and_url_env_py_gives_alternating_with_alembic(
    make_project, monkeypatch, db_url: str
) -> None:
    project = make_project()
    # alembic.ini keeps the template's placeholder URL; env.py takes the real one from the
    # environment, as many projects do.
    source = (
        project.env_py.read_text()
        .replace(
            "config = context.config",
            "config = context.config\n"
            "import os\nconfig.set_main_option('sqlalchemy.url', os.environ['APP_DB'])",
        )
        .replace(
            "literal_binds=True,", "literal_binds=True,\n        version_table='schema_history',"
        )
    )
    source = source.replace(
        "target_metadata=target_metadata\n",
        "target_metadata=target_metadata, version_table='schema_history'\n",
    )
    project.env_py.write_text(source)
    monkeypatch.setenv("APP_DB", db_url)
    project.add("a1", None, CREATE_CUSTOMER, "op.drop_table('customer')")
    project.add(
        "a2",
        "a1",
        "op.add_column('customer', sa.Column('email', sa.String(100)))",
        "op.drop_column('customer', 'email')",
    )

    assert project.migguard("upgrade", "a1").code == 0
    project.alembic("upgrade", "head")
    assert project.migguard("current").out.split()[0] == "a2"
    # The commands that read the database only for `current` take env.py's settings too.
    assert "Revision ID: a2" in project.migguard("show", "current").out
    assert project.migguard("history", "-r", "current:").out.startswith("a1 -> a2 (head)")
    assert project.migguard("downgrade", "a1").code == 0
    assert "a1" in project.alembic("current").stdout
    # The drift check reads the database env.py names (at a1, it matches the models).
    drift = project.migguard("check", "--db", "--select", "drift")
    assert drift.code == 0, drift.out + drift.err

    engine = sa.create_engine(db_url)
    try:
        with engine.connect() as connection:
            names = sa.inspect(connection).get_table_names()
            rows = connection.execute(sa.text("SELECT version_num FROM schema_history")).all()
    finally:
        engine.dispose()
    assert "alembic_version" not in names
    assert rows == [("a1",)]


def test_heads_history_and_post_checkout_never_run_env_py(make_project) -> None:
    project = make_project()
    project.env_py.write_text("open('ENV_PY_RAN', 'w').close()\nraise SystemExit(9)\n")
    project.add("a1", None, CREATE_CUSTOMER)

    assert project.migguard("heads").code == 0
    assert project.migguard("history").code == 0
    assert project.migguard("check", "--select", "graph,heads").code == 0
    assert project.migguard("hook", "post-checkout", "a" * 40, "b" * 40, "1").code == 0
    assert not (project.root / "ENV_PY_RAN").exists()


@pytest.mark.slow
def test_an_untouched_template_env_py_is_a_warning_not_a_pass(make_project) -> None:
    project = make_project()
    project.env_py.write_text(
        project.env_py.read_text().replace(
            "target_metadata = Base.metadata", "target_metadata = None"
        )
    )

    result = project.migguard("check")

    assert result.code == 0
    assert (
        "warning [sync] the models were not compared: migrations/env.py passes no "
        "target_metadata to context.configure()" in result.out
    )
    assert "[models-imported]" not in result.out
    assert "All checks passed" not in result.out


@pytest.mark.slow
def test_under_pre_commit_a_missing_package_points_at_additional_dependencies(
    make_project, monkeypatch
) -> None:
    project = make_project()
    project.env_py.write_text("import not_installed_anywhere\n" + project.env_py.read_text())
    monkeypatch.setenv("PRE_COMMIT", "1")

    result = project.migguard("check", "--select", "sync")

    assert "ModuleNotFoundError: No module named 'not_installed_anywhere'" in result.out
    assert "additional_dependencies" in result.out


@pytest.mark.slow
def test_migguards_own_configuration_wins_over_env_py_key_by_key(make_project) -> None:
    project = make_project()
    project.env_py.write_text(
        project.env_py.read_text().replace(
            "literal_binds=True,",
            "literal_binds=True,\n        version_table='schema_history', compare_type=False,",
        )
    )
    (project.root / "pyproject.toml").write_text(
        '[tool.migguard]\nscript_location = "migrations"\nversion_table = "ours"\n'
    )

    out = project.migguard("config").out

    lines = {line.split(" = ")[0].strip(): line for line in out.splitlines() if " = " in line}
    assert lines["version_table"].endswith("= ours  (pyproject.toml [tool.migguard])")
    assert lines["compare_type"].endswith("= false  (env.py configure())")
    assert lines["metadata"].endswith("(env.py configure())")


@pytest.mark.slow
def test_x_arguments_reach_env_py_as_with_alembic(make_project) -> None:
    project = make_project()
    project.env_py.write_text(
        project.env_py.read_text().replace(
            'url = config.get_main_option("sqlalchemy.url")',
            "url = 'sqlite:///' + context.get_x_argument(as_dictionary=True).get('db', 'main')"
            " + '.db'",
        )
    )

    default = project.migguard("config").out
    chosen = project.migguard("-x", "db=tenant_a", "config").out

    assert "sqlite:///main.db  (env.py configure())" in default
    assert "sqlite:///tenant_a.db  (env.py configure())" in chosen

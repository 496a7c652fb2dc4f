"""Running an Alembic project's env.py offline to read what it passes to
``context.configure()``: the real ``alembic init`` templates, ``-x`` arguments, environment
variables, and env.py files that cannot run."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

import migguard
from migguard.alembic_compat.config import alembic_config_for
from migguard.alembic_compat.env_run import EnvSettings, run_env_py
from tests.testing.alembic_project import (
    alembic_init,
    set_ini_option,
    set_target_metadata,
    write_models,
)


def read_env(root: Path, *, x: tuple[str, ...] = (), folder: str = "migrations") -> EnvSettings:
    return run_env_py(
        root / folder / "env.py",
        alembic_config_for(root / "alembic.ini", x_arguments=x),
        project_root=root,
    )


def test_the_generic_template_gives_its_metadata_and_url(tmp_path: Path) -> None:
    env_py = alembic_init(tmp_path, "generic")
    write_models(tmp_path)
    set_target_metadata(env_py)
    set_ini_option(tmp_path / "alembic.ini", "sqlalchemy.url", "sqlite:///%(here)s/app.db")

    settings = read_env(tmp_path)

    assert settings.failure is None
    (metadata,) = settings.target_metadata
    assert isinstance(metadata, sa.MetaData)
    assert list(metadata.tables) == ["customer"]
    assert settings.url == f"sqlite:///{tmp_path.as_posix()}/app.db"
    assert settings.get("literal_binds") is True


def test_the_async_template_is_read_without_an_event_loop_or_driver(tmp_path: Path) -> None:
    env_py = alembic_init(tmp_path, "async")
    write_models(tmp_path)
    set_target_metadata(env_py)
    set_ini_option(tmp_path / "alembic.ini", "sqlalchemy.url", "postgresql+asyncpg://u:p@h/db")

    settings = read_env(tmp_path)

    assert settings.failure is None
    assert [list(m.tables) for m in settings.target_metadata] == [["customer"]]
    assert settings.url == "postgresql+asyncpg://u:p@h/db"


def test_the_multidb_template_gives_every_configure_call_and_writes_no_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    env_py = alembic_init(tmp_path, "multidb")
    write_models(tmp_path)
    write_models(tmp_path, name="audit_models", extra="")
    (tmp_path / "audit_models.py").write_text(
        (tmp_path / "audit_models.py").read_text().replace('"customer"', '"audit"')
    )
    set_target_metadata(
        env_py,
        '{"engine1": Base.metadata, "engine2": audit_models.Base.metadata}',
        imports="import audit_models\nfrom models import Base",
    )
    ini = tmp_path / "alembic.ini"
    set_ini_option(ini, "sqlalchemy.url", "sqlite:///one.db", section="engine1")
    set_ini_option(ini, "sqlalchemy.url", "sqlite:///two.db", section="engine2")
    monkeypatch.chdir(tmp_path)

    settings = read_env(tmp_path)

    assert settings.failure is None
    assert [call["url"] for call in settings.calls] == ["sqlite:///one.db", "sqlite:///two.db"]
    assert settings.engine_names == ("engine1", "engine2")
    assert [list(m.tables) for m in settings.target_metadata] == [["customer"], ["audit"]]
    # The template writes engine1.sql/engine2.sql into the working folder offline.
    assert sorted(p.name for p in tmp_path.iterdir() if p.suffix == ".sql") == []


@pytest.mark.slow
def test_env_py_reading_x_arguments_and_environment_variables(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    env_py = alembic_init(tmp_path, "generic")
    write_models(tmp_path)
    set_target_metadata(env_py)
    source = env_py.read_text()
    source = source.replace(
        'url = config.get_main_option("sqlalchemy.url")',
        "import os\n"
        "    tenant = context.get_x_argument(as_dictionary=True).get('tenant', 'main')\n"
        "    url = os.environ['APP_DATABASE_URL'] + '_' + tenant",
    )
    env_py.write_text(source)
    monkeypatch.setenv("APP_DATABASE_URL", "postgresql://app:s3cret@db/app")

    assert read_env(tmp_path).url == "postgresql://app:s3cret@db/app_main"
    assert read_env(tmp_path, x=("tenant=acme",)).url == "postgresql://app:s3cret@db/app_acme"


@pytest.mark.slow
def test_env_py_that_needs_an_app_context_is_a_failure_naming_file_and_line(
    tmp_path: Path,
) -> None:
    env_py = alembic_init(tmp_path, "generic")
    source = env_py.read_text().replace(
        "target_metadata = None",
        "def current_app():\n"
        "    raise RuntimeError('Working outside of application context.')\n\n\n"
        "target_metadata = current_app()",
    )
    env_py.write_text(source)

    settings = read_env(tmp_path)

    assert settings.calls == ()
    assert settings.failure is not None
    assert settings.failure.error == "RuntimeError: Working outside of application context."
    assert settings.failure.file == "migrations/env.py"
    line = source.splitlines().index(
        "    raise RuntimeError('Working outside of application context.')"
    )
    assert settings.failure.line == line + 1


@pytest.mark.slow
def test_nothing_of_the_run_is_left_in_the_interpreter(tmp_path: Path) -> None:
    env_py = alembic_init(tmp_path, "generic")  # its env.py calls logging's fileConfig
    write_models(tmp_path)
    set_target_metadata(env_py)
    import alembic

    real_context = alembic.context
    handlers = list(logging.getLogger().handlers)
    path = list(sys.path)
    cwd = Path.cwd()

    read_env(tmp_path)

    assert sys.modules["alembic"] is alembic
    assert alembic.context is real_context
    assert sys.modules["alembic.context"] is real_context
    assert logging.getLogger().handlers == handlers
    assert sys.path == path
    assert Path.cwd() == cwd


def test_env_py_is_read_when_alembic_is_not_installed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    env_py = alembic_init(tmp_path, "generic")
    write_models(tmp_path)
    set_target_metadata(env_py)
    # A None entry makes `import alembic` fail, as it does where Alembic is not installed.
    monkeypatch.setitem(sys.modules, "alembic", None)

    settings = read_env(tmp_path)

    assert settings.failure is None
    assert [list(m.tables) for m in settings.target_metadata] == [["customer"]]
    assert sys.modules["alembic"] is None


def test_get_bind_offline_is_a_failure_saying_migguard_reads_offline(tmp_path: Path) -> None:
    env_py = alembic_init(tmp_path, "generic")
    env_py.write_text("from alembic import context\n\ncontext.get_bind()\n")

    failure = read_env(tmp_path).failure

    assert failure is not None
    assert "offline" in failure.error and "get_bind" in failure.error


@pytest.mark.slow
def test_a_failure_echoing_a_url_never_shows_its_password(tmp_path: Path) -> None:
    env_py = alembic_init(tmp_path, "generic")
    env_py.write_text(
        "raise RuntimeError('cannot reach postgresql://app:s3cretpw@db.example/app')\n"
    )

    failure = read_env(tmp_path).failure

    assert failure is not None
    assert "s3cretpw" not in failure.describe()
    assert "cannot reach postgresql://app:***@db.example/app" in failure.describe()


@pytest.mark.slow
def test_the_settings_repr_never_shows_the_url_password(tmp_path: Path) -> None:
    env_py = alembic_init(tmp_path, "generic")
    set_ini_option(tmp_path / "alembic.ini", "sqlalchemy.url", "postgresql://app:s3cretpw@db/app")

    settings = read_env(tmp_path)

    assert settings.url == "postgresql://app:s3cretpw@db/app"
    assert "s3cretpw" not in repr(settings)
    assert str(env_py) in repr(settings)


# Reads env.py in a fresh interpreter (this test process has imported Alembic, and which
# package env.py gets depends on whether it is imported) and prints, as JSON, what was read and
# what `sys.modules` holds under `alembic` before and after.
READ_IN_FRESH_INTERPRETER = """
import json, sys
from pathlib import Path
from migguard.alembic_compat.config import alembic_config_for
from migguard.alembic_compat.env_run import run_env_py

def alembic_modules():
    return {
        key: getattr(module, "__file__", None) or repr(module)
        for key, module in sys.modules.items()
        if key == "alembic" or key.startswith("alembic.")
    }

before = alembic_modules()
settings = run_env_py(
    Path("migrations/env.py").resolve(),
    alembic_config_for(Path("alembic.ini").resolve()),
    project_root=Path.cwd(),
)
package = sys.modules.get("alembic")
print(json.dumps({
    "failure": settings.failure and settings.failure.error,
    "tables": [sorted(m.tables) for m in settings.target_metadata],
    "before": before,
    "after": alembic_modules(),
    "real_context": package is not None
    and package.context is sys.modules["alembic.context"]
    and package.context.__file__.endswith("context.py"),
}))
"""


def read_env_in_fresh_interpreter(root: Path, prelude: str = "") -> dict[str, object]:
    environment = {**os.environ, "PYTHONPATH": str(Path(migguard.__file__).parents[1])}
    done = subprocess.run(
        [sys.executable, "-c", prelude + READ_IN_FRESH_INTERPRETER],
        cwd=root,
        env=environment,
        capture_output=True,
        text=True,
        check=True,
    )
    result: dict[str, object] = json.loads(done.stdout.splitlines()[-1])
    return result


@pytest.mark.slow
def test_an_env_py_using_only_context_is_read_without_importing_alembic(tmp_path: Path) -> None:
    env_py = alembic_init(tmp_path, "generic")
    write_models(tmp_path)
    set_target_metadata(env_py)
    env_py.write_text(
        env_py.read_text().replace(
            "from alembic import context", "from alembic import context, op\nassert op"
        )
    )

    read = read_env_in_fresh_interpreter(tmp_path)

    assert read["failure"] is None
    assert read["tables"] == [["customer"]]
    # Not one module of Alembic was imported, and nothing is left under its names.
    assert read["before"] == read["after"] == {}


@pytest.mark.slow
def test_an_env_py_importing_more_of_alembic_gets_the_real_package(tmp_path: Path) -> None:
    env_py = alembic_init(tmp_path, "generic")
    write_models(tmp_path)
    set_target_metadata(env_py)
    source = env_py.read_text()
    env_py.write_text(
        source.replace(
            "from alembic import context",
            "from alembic import context\n"
            "import alembic\n"
            "from alembic.config import Config\n"
            "assert isinstance(context.config, Config) or context.config is not None\n"
            "assert alembic.context is context\n"
            "version = alembic.__version__",
        )
    )

    read = read_env_in_fresh_interpreter(tmp_path)

    assert read["failure"] is None
    assert read["tables"] == [["customer"]]
    after = read["after"]
    assert isinstance(after, dict)
    assert {"alembic", "alembic.config", "alembic.context", "alembic.op"} <= set(after)
    assert str(after["alembic.op"]).endswith("op.py")
    # The real package stays imported, whole, with its own context.
    assert read["real_context"] is True


@pytest.mark.slow
def test_models_importing_alembic_plugins_get_the_real_package(tmp_path: Path) -> None:
    env_py = alembic_init(tmp_path, "generic")
    write_models(
        tmp_path,
        extra="""
        import alembic_postgresql_enum  # registers comparators on Alembic's autogenerate
        from alembic_utils.pg_function import PGFunction

        to_upper = PGFunction(
            schema="public",
            signature="to_upper(some_text text)",
            definition="RETURNS text as $$ SELECT upper(some_text) $$ language SQL;",
        )
        """,
    )
    set_target_metadata(env_py)

    read = read_env_in_fresh_interpreter(tmp_path)

    assert read["failure"] is None
    assert read["tables"] == [["customer"]]
    assert read["real_context"] is True


@pytest.mark.slow
def test_without_alembic_an_env_py_needing_more_says_the_package_is_needed(
    tmp_path: Path,
) -> None:
    env_py = alembic_init(tmp_path, "generic")
    write_models(tmp_path)
    set_target_metadata(env_py)
    env_py.write_text("from alembic.script import ScriptDirectory\n" + env_py.read_text())
    hide_alembic = (
        "import sys\n"
        "class NoAlembic:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name == 'alembic' or name.startswith('alembic.'):\n"
        "            raise ModuleNotFoundError(name, name=name)\n"
        "sys.meta_path.insert(0, NoAlembic())\n"
    )

    read = read_env_in_fresh_interpreter(tmp_path, hide_alembic)

    assert read["failure"] == (
        "ModuleNotFoundError: No module named 'alembic.script': env.py (or a module it "
        "imports) uses Alembic beyond `from alembic import context, op`, which needs the real "
        "alembic package installed (pip install alembic)"
    )
    assert read["before"] == read["after"] == {}

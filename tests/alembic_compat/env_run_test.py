"""Running an Alembic project's env.py offline to read what it passes to
``context.configure()``: the real ``alembic init`` templates, ``-x`` arguments, environment
variables, and env.py files that cannot run."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

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

"""Loading the user's MetaData from import paths, as a project lays its models out."""

from __future__ import annotations

import sys
import textwrap
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from migguard.autogen.snapshot.models import load_metadata
from migguard.errors import EXIT_USAGE, ConfigError


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """An empty project folder; ``sys.path`` and the modules imported from it are restored
    afterwards so tests do not see each other's packages."""
    monkeypatch.setattr(sys, "path", list(sys.path))
    before = set(sys.modules)
    yield tmp_path
    for name in set(sys.modules) - before:
        del sys.modules[name]


def write(root: Path, files: dict[str, str]) -> str:
    """Write a package with a unique name (so imports never hit a cached module); returns it."""
    package = f"shop_{uuid.uuid4().hex[:8]}"
    (root / package).mkdir()
    (root / package / "__init__.py").write_text("", encoding="utf-8")
    for name, source in files.items():
        (root / package / name).write_text(textwrap.dedent(source), encoding="utf-8")
    return package


MODELS = """
    import sqlalchemy as sa
    from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

    class Base(DeclarativeBase):
        pass

    class Customer(Base):
        __tablename__ = "customers"
        id: Mapped[int] = mapped_column(primary_key=True)
        email: Mapped[str] = mapped_column(sa.String(255))

    class Order(Base):
        __tablename__ = "orders"
        id: Mapped[int] = mapped_column(primary_key=True)
        customer_id: Mapped[int] = mapped_column(sa.ForeignKey("customers.id"))
"""


def test_declarative_base_metadata_with_its_models(project: Path) -> None:
    package = write(project, {"models.py": MODELS})
    (metadata,) = load_metadata([f"{package}.models:Base.metadata"], project)
    assert isinstance(metadata, sa.MetaData)
    assert sorted(metadata.tables) == ["customers", "orders"]
    assert sys.path[0] == str(project.resolve())


def test_several_metadata_in_order_each_once(project: Path) -> None:
    package = write(
        project,
        {
            "models.py": MODELS,
            "reporting.py": """
                import sqlalchemy as sa
                metadata = sa.MetaData(schema="reports")
                sa.Table("daily", metadata, sa.Column("day", sa.Date, primary_key=True))
            """,
        },
    )
    paths = [f"{package}.reporting:metadata", f"{package}.models:Base.metadata"]
    found = load_metadata([*paths, paths[0]], project)
    assert [sorted(m.tables) for m in found] == [["reports.daily"], ["customers", "orders"]]


def test_project_root_given_relative_is_resolved(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = write(project, {"models.py": MODELS})
    monkeypatch.chdir(project.parent)
    (metadata,) = load_metadata([f"{package}.models:Base.metadata"], Path(project.name))
    assert "customers" in metadata.tables


def test_broken_import_names_the_path_and_the_error(project: Path) -> None:
    package = write(project, {"models.py": "import sqlalchemy as sa\nfrom .missing import Thing\n"})
    with pytest.raises(ConfigError) as caught:
        load_metadata([f"{package}.models:Base.metadata"], project)
    message = str(caught.value)
    assert message.startswith(f"cannot import models '{package}.models:Base.metadata': ")
    assert "ModuleNotFoundError" in message and f"{package}.missing" in message
    assert "\n" not in message
    assert caught.value.exit_code == EXIT_USAGE


def test_error_raised_by_the_models_module_is_reported(project: Path) -> None:
    package = write(project, {"models.py": "raise RuntimeError('database URL\\nnot set')\n"})
    with pytest.raises(ConfigError, match=r"RuntimeError: database URL not set$"):
        load_metadata([f"{package}.models:metadata"], project)


def test_syntax_error_is_a_config_error(project: Path) -> None:
    package = write(project, {"models.py": "def broken(:\n"})
    with pytest.raises(ConfigError, match="SyntaxError"):
        load_metadata([f"{package}.models:metadata"], project)


def test_missing_module_is_a_config_error(project: Path) -> None:
    with pytest.raises(ConfigError, match=r"cannot import models 'nowhere_at_all\.models:x'"):
        load_metadata(["nowhere_at_all.models:x"], project)


def test_missing_attribute_names_where_the_walk_stopped(project: Path) -> None:
    package = write(project, {"models.py": MODELS})
    with pytest.raises(ConfigError, match=rf"{package}\.models\.Base has no attribute 'meta'"):
        load_metadata([f"{package}.models:Base.meta"], project)


def test_attribute_that_is_not_metadata(project: Path) -> None:
    package = write(project, {"models.py": MODELS})
    with pytest.raises(
        ConfigError, match=r"is the class Base, not a sqlalchemy MetaData \(did you mean"
    ):
        load_metadata([f"{package}.models:Base"], project)
    with pytest.raises(ConfigError, match=r"is a str, not a sqlalchemy MetaData$"):
        load_metadata([f"{package}.models:Customer.__tablename__"], project)


@pytest.mark.parametrize("path", ["shop.models", "shop.models:", ":metadata", "  :  "])
def test_malformed_import_path(project: Path, path: str) -> None:
    with pytest.raises(ConfigError, match="is not an import path of the form"):
        load_metadata([path], project)


def test_no_paths_configured(project: Path) -> None:
    with pytest.raises(ConfigError, match="set `metadata` in the configuration"):
        load_metadata([], project)


# --- errors name where they happened ----------------------------------------------------------


def test_an_import_error_names_the_file_and_line(project: Path) -> None:
    package = write(project, {"models.py": "import sqlalchemy as sa\n\nfrom .missing import X\n"})
    with pytest.raises(ConfigError) as caught:
        load_metadata([f"{package}.models:metadata"], project)
    assert f": {package}/models.py, line 3: ModuleNotFoundError" in str(caught.value)


def test_an_error_inside_a_library_names_the_users_line(project: Path) -> None:
    source = "import sqlalchemy as sa\nm = sa.MetaData()\nsa.Table('t', m, sa.Column())\n"
    package = write(project, {"models.py": source})
    with pytest.raises(ConfigError) as caught:
        load_metadata([f"{package}.models:m"], project)
    assert f"{package}/models.py, line 3: " in str(caught.value)


def test_a_syntax_error_names_the_file_and_line(project: Path) -> None:
    package = write(project, {"models.py": "x = 1\ndef broken(:\n"})
    with pytest.raises(ConfigError) as caught:
        load_metadata([f"{package}.models:metadata"], project)
    assert f"{package}/models.py, line 2: SyntaxError" in str(caught.value)


def test_a_missing_package_under_pre_commit_hints_at_additional_dependencies(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = write(project, {"models.py": "import no_such_dependency_xyz\n"})
    monkeypatch.setenv("PRE_COMMIT", "1")
    with pytest.raises(ConfigError) as caught:
        load_metadata([f"{package}.models:metadata"], project)
    assert str(caught.value).endswith(
        "; under pre-commit, add the package that provides 'no_such_dependency_xyz' to this "
        "hook's additional_dependencies in .pre-commit-config.yaml"
    )
    monkeypatch.delenv("PRE_COMMIT")
    with pytest.raises(ConfigError) as outside:
        load_metadata([f"{package}.models:metadata"], project)
    assert "additional_dependencies" not in str(outside.value)


def test_a_wrong_module_path_under_pre_commit_gets_no_dependency_hint(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PRE_COMMIT", "1")
    with pytest.raises(ConfigError) as caught:
        load_metadata(["nowhere_at_all.models:x"], project)
    assert "additional_dependencies" not in str(caught.value)


def test_two_metadata_defining_one_table_is_a_configuration_error(project: Path) -> None:
    table = """
        import sqlalchemy as sa
        metadata = sa.MetaData()
        sa.Table("customers", metadata, sa.Column("id", sa.Integer, primary_key=True))
    """
    package = write(project, {"models.py": MODELS, "legacy.py": table})
    paths = [f"{package}.models:Base.metadata", f"{package}.legacy:metadata"]
    with pytest.raises(ConfigError) as caught:
        load_metadata(paths, project)
    assert str(caught.value) == (
        f"table 'customers' is defined in two models, {paths[0]!r} and {paths[1]!r}: each "
        "table must belong to one MetaData in `metadata`"
    )
    assert caught.value.exit_code == EXIT_USAGE

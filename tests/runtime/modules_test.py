"""Loading revision scripts: bytecode reused, ``alembic.op`` aliased, errors on one line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import migguard
from migguard import op
from migguard.errors import HistoryError
from migguard.runtime.modules import load_revision_module, revision_function
from tests.testing.project import revision_source


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_script_is_loaded_with_its_file_and_functions(tmp_path: Path) -> None:
    path = write(tmp_path, "a1_first.py", revision_source("a1", upgrade="HERE = __file__"))
    module = load_revision_module(path, "a1", tmp_path)
    assert module.__name__ == "migguard_revision_a1"
    assert module.__file__ == str(path)
    assert module.op is op
    assert callable(module.upgrade) and callable(module.downgrade)
    assert "migguard_revision_a1" not in sys.modules


def test_the_bytecode_is_cached_next_to_the_script(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "dont_write_bytecode", False)
    path = write(tmp_path, "a1_first.py", revision_source("a1"))
    load_revision_module(path, "a1", tmp_path)
    assert [p.name.split(".")[0] for p in (tmp_path / "__pycache__").iterdir()] == ["a1_first"]
    assert load_revision_module(path, "a1", tmp_path).upgrade() is None


def test_the_project_is_importable_while_the_script_loads(tmp_path: Path) -> None:
    write(tmp_path, "shop_models.py", "TABLE = 'customer'\n")
    versions = tmp_path / "versions"
    versions.mkdir()
    path = write(versions, "a1_first.py", "from shop_models import TABLE\n" + revision_source("a1"))
    assert load_revision_module(path, "a1", tmp_path).TABLE == "customer"
    assert str(tmp_path) not in sys.path


def test_alembic_op_is_ours_without_importing_alembic(tmp_path: Path) -> None:
    # A comment after the import and Windows line ends do not call for the real package.
    source = revision_source("a1", op_import="from alembic import op  # the operations")
    path = write(tmp_path, "a1_first.py", source.replace("\n", "\r\n"))
    program = (
        "import sys; from pathlib import Path; import migguard.op\n"
        "from migguard.runtime.modules import load_revision_module\n"
        f"module = load_revision_module(Path({str(path)!r}), 'a1', Path({str(tmp_path)!r}))\n"
        "print(module.op is migguard.op, 'alembic' in sys.modules, 'alembic.op' in sys.modules)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(Path(migguard.__file__).parent.parent)}
    done = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, env=env, check=True
    )
    assert done.stdout.split() == ["True", "False", "False"]


def test_a_script_using_more_of_alembic_gets_the_real_package(tmp_path: Path) -> None:
    alembic = pytest.importorskip("alembic")
    real_op = alembic.op
    source = revision_source(
        "a1", op_import="from alembic import op\nfrom alembic.operations import Operations"
    )
    module = load_revision_module(write(tmp_path, "a1_first.py", source), "a1", tmp_path)
    assert module.op is op
    assert module.Operations.__module__.startswith("alembic.")
    assert alembic.op is real_op
    assert sys.modules.get("alembic.op") is not op


def test_a_broken_script_is_one_line_naming_it(tmp_path: Path) -> None:
    path = write(tmp_path, "a1_first.py", revision_source("a1") + "def broken(:\n")
    with pytest.raises(HistoryError) as raised:
        load_revision_module(path, "a1", tmp_path)
    assert str(raised.value).startswith(f"{path}: importing revision a1 failed: SyntaxError: ")
    assert "\n" not in str(raised.value)


def test_a_script_that_raises_while_loading(tmp_path: Path) -> None:
    path = write(tmp_path, "a1_first.py", "raise ValueError('no\\nmore')\n")
    with pytest.raises(HistoryError, match=r"importing revision a1 failed: ValueError: no$"):
        load_revision_module(path, "a1", tmp_path)


def test_a_script_without_downgrade_loads_and_only_its_downgrade_is_refused(
    tmp_path: Path,
) -> None:
    path = write(tmp_path, "a1_first.py", "def upgrade():\n    return 'up'\n")
    module = load_revision_module(path, "a1", tmp_path)

    assert revision_function(module, "a1", upgrade=True)() == "up"
    with pytest.raises(HistoryError) as raised:
        revision_function(module, "a1", upgrade=False)
    assert str(raised.value) == f"{path}: revision a1 has no downgrade() function"


def test_a_multidb_script_is_called_with_its_engine_name(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "a1_first.py",
        "def upgrade(engine_name):\n    return globals()[f'upgrade_{engine_name}']()\n"
        "def upgrade_engine2():\n    return 'engine2 up'\n",
    )
    module = load_revision_module(path, "a1", tmp_path)

    assert revision_function(module, "a1", upgrade=True, engine_name="engine2")() == "engine2 up"


def test_a_script_reaches_every_shipped_dialect_as_an_attribute(tmp_path: Path) -> None:
    # Alembic's import loads some dialect modules as a side effect; scripts rely on it.
    upgrade = (
        "return [dialects.postgresql.UUID, sa.dialects.mysql.LONGTEXT, dialects.oracle.NUMBER,\n"
        "        dialects.mssql.BIT, dialects.sqlite.JSON]"
    )
    source = revision_source("a1", upgrade=upgrade) + "from sqlalchemy import dialects\n"
    path = write(tmp_path, "a1_first.py", source)
    program = (
        "from pathlib import Path\n"
        "from migguard.runtime.modules import load_revision_module\n"
        "import sqlalchemy.dialects\n"
        f"module = load_revision_module(Path({str(path)!r}), 'a1', Path({str(tmp_path)!r}))\n"
        "print(*[t.__name__ for t in module.upgrade()])\n"
        "print(hasattr(sqlalchemy.dialects, 'nosuchdb'))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(Path(migguard.__file__).parent.parent)}
    done = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, env=env, check=False
    )
    expected = ["UUID", "LONGTEXT", "NUMBER", "BIT", "JSON", "False"]
    assert done.stdout.split() == expected, done.stderr

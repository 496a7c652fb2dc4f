"""A script that says only ``from alembic import op`` may import modules that use more of
Alembic: they get the real Alembic's modules, the script keeps migguard's ``op``; without
Alembic installed, one line says the real package is needed (issue #19 case 4).

Each run is a fresh interpreter: the stand-in is used only while Alembic is not imported yet,
and this test process has imported it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import migguard
from tests.testing.project import revision_source
from tests.testing.seeds import schema, versions

HELPER = """
import sqlalchemy as sa
from alembic.operations import ops
from alembic.autogenerate import rewriter
import alembic


def flag_column():
    return ops.AddColumnOp("customer", sa.Column("flag", sa.Boolean())).column


KINDS = (rewriter.Rewriter.__module__, alembic.context.__name__)
"""

UPGRADE = """
op.create_table(
    "customer", sa.Column("id", sa.Integer, primary_key=True), shop_helpers.flag_column()
)
"""

# Alembic made impossible to import, as on a machine where it is not installed.
NO_ALEMBIC = """
import sys

class NoAlembic:
    def find_spec(self, name, path=None, target=None):
        if name == "alembic" or name.startswith("alembic."):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None

sys.meta_path.insert(0, NoAlembic())
"""

MIGGUARD = "from migguard.cli.main import main\nsys.exit(main(sys.argv[1:]))\n"


def project(tmp_path: Path, url: str) -> Path:
    """A migguard project whose one script says only `from alembic import op`."""
    versions_dir = tmp_path / "migrations" / "versions"
    versions_dir.mkdir(parents=True)
    (tmp_path / "migguard.toml").write_text(
        f'script_location = "migrations"\nurl = "{url}"\n', encoding="utf-8"
    )
    (tmp_path / "shop_helpers.py").write_text(HELPER, encoding="utf-8")
    op_import = "from alembic import op\nimport shop_helpers"
    source = revision_source("a1", upgrade=UPGRADE, op_import=op_import)
    (versions_dir / "a1_rev.py").write_text(source, encoding="utf-8")
    return tmp_path


def fresh(cwd: Path, program: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NO_COLOR": "1", "PYTHONPATH": str(Path(migguard.__file__).parents[1])}
    env.pop("MIGGUARD_URL", None)
    return subprocess.run(
        [sys.executable, "-c", f"import sys\n{program}", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.mark.slow
def test_modules_a_script_imports_get_the_real_alembic(tmp_path: Path, db_url: str) -> None:
    root = project(tmp_path, db_url)

    offline = fresh(root, MIGGUARD, "--url", "sqlite://", "upgrade", "head", "--sql")
    assert offline.returncode == 0, offline.stderr
    assert "flag BOOLEAN" in offline.stdout
    online = fresh(root, MIGGUARD, "upgrade", "head")
    assert online.returncode == 0, online.stderr
    assert schema(db_url)["customer"] == ["id", "flag"]
    assert versions(db_url) == ["a1"]


@pytest.mark.slow
def test_the_script_keeps_migguard_op_and_alembic_keeps_its_own(tmp_path: Path) -> None:
    root = project(tmp_path, "sqlite://")
    program = (
        "import migguard.op\n"
        "from pathlib import Path\n"
        "from migguard.runtime.modules import load_revision_module\n"
        "module = load_revision_module(Path('migrations/versions/a1_rev.py'), 'a1', Path('.'))\n"
        "import shop_helpers, alembic\n"
        "print(module.op is migguard.op, alembic.op is migguard.op,\n"
        "      sys.modules['alembic.op'].__name__, shop_helpers.ops.__spec__.name,\n"
        "      *shop_helpers.KINDS)\n"
    )
    done = fresh(root, program)
    assert done.stdout.split() == [
        "True",
        "False",
        "alembic.op",
        "alembic.operations.ops",
        "alembic.autogenerate.rewriter",
        "alembic.context",
    ], done.stderr


@pytest.mark.slow
def test_without_alembic_installed_one_line_says_it_is_needed(tmp_path: Path) -> None:
    root = project(tmp_path, f"sqlite:///{tmp_path}/shop.db")

    done = fresh(root, NO_ALEMBIC + MIGGUARD, "upgrade", "head")
    assert done.returncode == 3
    script = root / "migrations" / "versions" / "a1_rev.py"
    assert done.stderr.splitlines() == [
        f"migguard: error: {script}: importing revision a1 failed: ModuleNotFoundError: "
        "No module named 'alembic.operations': the revision script (or a module it imports) "
        "uses Alembic beyond `from alembic import op`, which needs the real alembic package "
        "installed (pip install alembic)"
    ]


@pytest.mark.slow
def test_without_alembic_a_script_that_needs_only_op_runs(tmp_path: Path) -> None:
    root = project(tmp_path, f"sqlite:///{tmp_path}/shop.db")
    (root / "shop_helpers.py").write_text(
        "import sqlalchemy as sa\n\n\ndef flag_column():\n"
        "    return sa.Column('flag', sa.Boolean())\n",
        encoding="utf-8",
    )
    done = fresh(root, NO_ALEMBIC + MIGGUARD, "upgrade", "head")
    assert done.returncode == 0, done.stderr
    assert schema(f"sqlite:///{tmp_path}/shop.db")["customer"] == ["id", "flag"]


@pytest.mark.slow
def test_an_attribute_of_the_stand_in_brings_in_the_real_package(tmp_path: Path) -> None:
    program = (
        "import migguard.op\n"
        "from migguard.alembic_compat.stand_in import stand_in_alembic\n"
        "with stand_in_alembic():\n"
        "    import alembic as stand_in\n"
        "    print(stand_in.context.__name__, stand_in.__version__ > '1')\n"
        "    import alembic\n"
        "    print(alembic is not stand_in, alembic.op is migguard.op)\n"
        "import alembic\n"
        "print(alembic.op is migguard.op, sys.modules['alembic.op'] is alembic.op)\n"
    )
    done = fresh(tmp_path, program)
    assert done.stdout.split() == ["alembic.context", "True", "True", "True", "False", "True"], (
        done.stderr
    )


@pytest.mark.slow
def test_a_submodule_the_real_package_loaded_is_not_run_twice(tmp_path: Path) -> None:
    # `import alembic.autogenerate` while the stand-in is `alembic` (what alembic-postgresql-enum
    # does) gets the module the real package's import ran, with its submodules as attributes.
    program = (
        "from migguard.alembic_compat.stand_in import stand_in_alembic\n"
        "with stand_in_alembic():\n"
        "    import alembic.autogenerate\n"
        "    loaded = sys.modules['alembic.autogenerate']\n"
        "    print(alembic.autogenerate is loaded, loaded.render.__name__)\n"
        "    print(loaded.__spec__.origin.endswith('__init__.py'))\n"
    )
    done = fresh(tmp_path, program)
    assert done.stdout.split() == ["True", "alembic.autogenerate.render", "True"], done.stderr

"""The bundled example shop: what the README's first command runs must keep working."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa

from migguard.cli.main import main

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "shop"


def test_the_example_upgrades_to_head_and_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    shop = tmp_path / "shop"
    shutil.copytree(EXAMPLE, shop, ignore=shutil.ignore_patterns(".migguard", "*.db"))
    monkeypatch.chdir(shop)
    monkeypatch.delenv("MIGGUARD_URL", raising=False)
    monkeypatch.setenv("NO_COLOR", "1")

    assert main(["upgrade", "head"]) == 0
    engine = sa.create_engine(f"sqlite:///{shop / 'shop.db'}")
    inspector = sa.inspect(engine)
    assert set(inspector.get_table_names()) == {
        "alembic_version",
        "customer",
        "product",
        "order",
        "order_line",
    }
    assert "phone" in [c["name"] for c in inspector.get_columns("customer")]
    assert "ix_product_name" in [i["name"] for i in inspector.get_indexes("product")]
    capsys.readouterr()
    assert main(["history", "--indicate-current"]) == 0
    assert "(head) (mergepoint) (current)" in capsys.readouterr().out.splitlines()[0]

    assert main(["downgrade", "base"]) == 0
    assert sa.inspect(engine).get_table_names() == ["alembic_version"]
    engine.dispose()

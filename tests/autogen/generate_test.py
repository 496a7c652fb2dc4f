"""``migguard revision --autogenerate`` with ``[autogenerate] safe = true``: on a real
PostgreSQL holding rows, the revision written with the safe recipes upgrades, builds exactly the
models' schema (a second comparison finds nothing) and downgrades; on SQLite the setting changes
nothing."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.testing.project import Project

MODELS = """
from sqlalchemy import CheckConstraint, Column, ForeignKey, Index, Integer, MetaData, String, Table

metadata = MetaData(
    naming_convention={{
        "ix": "ix_%(table_name)s_%(column_0_name)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }}
)

Table(
    "customer",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("email", String(100), nullable=False{email_index}),
)
Table(
    "Order",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("customer_id", Integer{customer_key}),
    Column("code", String(20){code_unique}),
    Column("total", Integer, nullable=False),
    {order_extras}
)
{refund}
"""

# The second version: an index dropped, and on the existing table "Order" (a name PostgreSQL
# needs quoted) indexes, foreign keys (one on a column added here), a check and a unique
# constraint; a new table with its own index and foreign key.
SECOND = {
    "email_index": "",
    "customer_key": ', ForeignKey("customer.id")',
    "code_unique": ", unique=True",
    "order_extras": (
        'Column("referrer_id", Integer, ForeignKey("customer.id"), index=True),\n'
        '    CheckConstraint("total >= 0", name="total positive"),\n'
        '    Index(None, "total"),'
    ),
    "refund": """
Table(
    "refund",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("order_id", Integer, ForeignKey("Order.id"), nullable=False, index=True),
)
""",
}
FIRST = {
    "email_index": ", index=True",
    "customer_key": "",
    "code_unique": "",
    "order_extras": "",
    "refund": "",
}


def write_models(root: Path, version: dict[str, str]) -> None:
    (root / "models.py").write_text(MODELS.format(**version))
    sys.modules.pop("models", None)


def configure(project: Project, url: str, monkeypatch: pytest.MonkeyPatch, *, safe: bool) -> None:
    config = project.root / "migguard.toml"
    text = config.read_text() + 'metadata = "models:metadata"\n'
    config.write_text(text + f"\n[autogenerate]\nsafe = {'true' if safe else 'false'}\n")
    monkeypatch.setenv("MIGGUARD_URL", url)
    monkeypatch.delitem(sys.modules, "models", raising=False)


def autogenerate(project: Project, message: str) -> str:
    """Write the revision; its source."""
    result = project.run("revision", "--autogenerate", "-m", message)
    assert result.code == 0, result.err
    return Path(result.out.strip().splitlines()[-1].removeprefix("Generated ")).read_text()


def upgrade_body(source: str) -> str:
    """The generated part of ``upgrade()``."""
    start = source.index("def upgrade()")
    return source[start : source.index("def downgrade()")]


def test_safe_recipes_build_the_models_schema_on_a_table_holding_rows(
    project: Project, pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    configure(project, pg_url, monkeypatch, safe=True)
    write_models(project.root, FIRST)
    first = autogenerate(project, "first")
    assert "autocommit_block" not in first, "a new table's index stays plain"
    assert project.run("upgrade", "head").code == 0
    engine = sa.create_engine(pg_url)
    with engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO customer VALUES (1, 'a@x'), (2, 'b@x')"))
        conn.execute(sa.text("INSERT INTO \"Order\" VALUES (1, 1, 'A-1', 10), (2, 2, NULL, 0)"))

    write_models(project.root, SECOND)
    second = autogenerate(project, "keys on orders")
    body = upgrade_body(second)
    assert "with op.get_context().autocommit_block():" in body
    assert (
        "op.drop_index('ix_customer_email', table_name='customer', postgresql_concurrently=True)"
        in body
    )
    assert "postgresql_concurrently=True" in body
    assert body.count("postgresql_not_valid=True") == 3
    assert 'ALTER TABLE "Order" VALIDATE CONSTRAINT "fk_Order_customer_id_customer"' in body
    assert 'ALTER TABLE "Order" VALIDATE CONSTRAINT "ck_Order_total positive"' in body
    assert (
        'ALTER TABLE "Order" ADD CONSTRAINT "uq_Order_code" UNIQUE USING INDEX "uq_Order_code"'
        in body
    )
    assert "op.create_index(op.f('ix_refund_order_id'), 'refund', ['order_id'], unique=False)" in (
        body
    ), "the new table's index stays plain"

    assert project.run("upgrade", "head").code == 0, "the recipes run on PostgreSQL"
    with engine.connect() as conn:
        validated = conn.execute(
            sa.text(
                "SELECT conname, convalidated FROM pg_constraint "
                "WHERE conrelid = '\"Order\"'::regclass AND contype IN ('f', 'c', 'u') "
                "ORDER BY conname"
            )
        ).all()
        assert validated == [
            ("ck_Order_total positive", True),
            ("fk_Order_customer_id_customer", True),
            ("fk_Order_referrer_id_customer", True),
            ("uq_Order_code", True),
        ]
        assert conn.execute(sa.text('SELECT count(*) FROM "Order"')).scalar() == 2
    diff = project.run("diff")
    assert diff.out == "No differences: the database matches the models.\n", diff.out

    assert project.run("downgrade", "-1").code == 0, "the downgrade recipes run too"
    write_models(project.root, FIRST)
    assert project.run("diff").out == "No differences: the database matches the models.\n"
    assert project.run("upgrade", "head").code == 0
    write_models(project.root, SECOND)
    assert project.run("diff").code == 0
    engine.dispose()


def test_on_sqlite_safe_writes_what_plain_autogenerate_writes(
    project: Project, sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    configure(project, sqlite_url, monkeypatch, safe=True)
    write_models(project.root, FIRST)
    autogenerate(project, "first")
    assert project.run("upgrade", "head").code == 0
    write_models(project.root, SECOND)
    safe = autogenerate(project, "keys")
    for script in project.versions.glob("*_keys.py"):
        script.unlink()
    config = project.root / "migguard.toml"
    config.write_text(config.read_text().replace("safe = true", "safe = false"))
    plain = autogenerate(project, "keys")
    assert upgrade_body(safe) == upgrade_body(plain)
    assert "autocommit_block" not in safe and "not_valid" not in safe
    assert project.run("upgrade", "head").code == 0
    assert project.run("diff").code == 0
